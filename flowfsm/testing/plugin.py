"""pytest plugin (registered through the ``pytest11`` entry point): ready harness fixtures.

``flowfsm_harness`` is a started gateway-style :class:`~flowfsm.testing.Harness`;
``flowfsm_rest_harness`` drives a ``hikari.RESTBot`` over signed HTTP. Register your flows
on ``harness.manager`` (``harness.manager.register(my_flow)``), then drive them::

    async def test_menu(flowfsm_harness):
        flowfsm_harness.manager.register(weather)
        await flowfsm_harness.command("weather")
        await flowfsm_harness.click("Details")
        assert flowfsm_harness.session().state == "details"
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from flowfsm.testing.harness import Harness

__all__ = ["flowfsm_harness", "flowfsm_rest_harness"]


@pytest_asyncio.fixture
async def flowfsm_harness() -> AsyncIterator[Harness]:
    """A started harness with a gateway bot, the real miru client and a fake clock."""
    async with Harness() as harness:
        yield harness


@pytest_asyncio.fixture
async def flowfsm_rest_harness() -> AsyncIterator[Harness]:
    """A started harness driving a ``hikari.RESTBot`` interaction server with signed requests."""
    async with Harness(rest_bot=True) as harness:
        yield harness

"""pytest plugin (registered through the ``pytest11`` entry point): ready harness fixtures.

``flowfsm_harness`` is a started gateway-style :class:`~flowfsm.testing.Harness`;
``flowfsm_rest_harness`` drives a ``hikari.RESTBot`` over signed HTTP. Register your flows
on ``harness.manager`` (``harness.manager.register(my_flow)``), then drive them::

    async def test_menu(flowfsm_harness):
        flowfsm_harness.manager.register(weather)
        await flowfsm_harness.command("weather")
        await flowfsm_harness.click("Details")
        assert flowfsm_harness.session().state == "details"

The ``flowfsm`` marker passes keyword arguments to the :class:`~flowfsm.testing.Harness`, e.g.
flows to register and ``commands=`` routing a slash command to a flow at a given state::

    @pytest.mark.flowfsm(flows=[weather], commands={"forecast": ("weather", "details")})
    async def test_opens_at_details(flowfsm_harness):
        await flowfsm_harness.command("forecast")
        assert flowfsm_harness.session().state == "details"

The fixtures are async and need pytest-asyncio, which ``pip install "flowfsm[testing]"``
brings. Installing flowfsm alone registers this plugin in every pytest run of the environment,
so loading it must cost nothing and import nothing optional: the harness and pytest-asyncio are
imported only when a test asks for a fixture, and a missing pytest-asyncio is one clear error.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from flowfsm.testing.harness import Harness

__all__ = ["MISSING_EXTRA", "flowfsm_harness", "flowfsm_rest_harness"]

MISSING_EXTRA = (
    'flowfsm\'s harness fixtures need pytest-asyncio: pip install "flowfsm[testing]" '
    '(and set asyncio_mode = "auto" or mark the test with @pytest.mark.asyncio)'
)
"""The one-line error a test gets when it uses a fixture without the ``testing`` extra."""


def pytest_configure(config: pytest.Config) -> None:
    """Declare the ``flowfsm`` marker (harness options for the fixtures)."""
    config.addinivalue_line(
        "markers", "flowfsm(**options): keyword arguments for the flowfsm_harness fixtures' Harness"
    )


def _options(request: pytest.FixtureRequest) -> dict[str, Any]:
    marker = request.node.get_closest_marker("flowfsm")
    if marker is None:
        return {}
    if marker.args:
        raise TypeError("@pytest.mark.flowfsm takes keyword arguments only (flows=, commands=, ...)")
    return dict(marker.kwargs)


async def _started(rest_bot: bool, options: dict[str, Any]) -> AsyncIterator[Harness]:
    from flowfsm.testing.harness import Harness

    async with Harness(rest_bot=rest_bot, **options) as harness:
        yield harness


try:
    import pytest_asyncio
except ImportError:
    pytest_asyncio = None  # type: ignore[assignment]

if pytest_asyncio is not None:

    @pytest_asyncio.fixture
    async def flowfsm_harness(request: pytest.FixtureRequest) -> AsyncIterator[Harness]:
        """A started harness with a gateway bot, the real miru client and a fake clock."""
        async for harness in _started(False, _options(request)):
            yield harness

    @pytest_asyncio.fixture
    async def flowfsm_rest_harness(request: pytest.FixtureRequest) -> AsyncIterator[Harness]:
        """A started harness driving a ``hikari.RESTBot`` interaction server with signed requests."""
        async for harness in _started(True, _options(request)):
            yield harness

else:

    @pytest.fixture
    def flowfsm_harness() -> Harness:
        """Unavailable without pytest-asyncio: fails the test with :data:`MISSING_EXTRA`."""
        pytest.fail(MISSING_EXTRA, pytrace=False)

    @pytest.fixture
    def flowfsm_rest_harness() -> Harness:
        """Unavailable without pytest-asyncio: fails the test with :data:`MISSING_EXTRA`."""
        pytest.fail(MISSING_EXTRA, pytrace=False)

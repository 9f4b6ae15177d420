"""A harness whose flows the manager refuses closes what it opened before raising."""

from __future__ import annotations

import gc
import logging

import hikari
import pytest
from escapes import RecordTo

from examples.behaviours import behaviours
from flowfsm.errors import FlowDefinitionError
from flowfsm.testing import Harness


@pytest.mark.parametrize("rest_bot", [False, True], ids=["gateway", "rest"])
async def test_a_refused_flow_leaves_no_http_session_open(rest_bot: bool) -> None:
    records: list[logging.LogRecord] = []
    handler = RecordTo(records.append, logging.ERROR)
    logging.getLogger("asyncio").addHandler(handler)
    try:
        with pytest.raises(FlowDefinitionError):
            async with Harness([behaviours], rest_bot=rest_bot, intents=hikari.Intents.ALL_UNPRIVILEGED):
                pass
        gc.collect()
    finally:
        logging.getLogger("asyncio").removeHandler(handler)
    assert [r.getMessage() for r in records if "Unclosed" in r.getMessage()] == []

"""The engine in parts: each part is its own short module, sessions go through the store protocol.

These tests pin the architecture ARCHITECTURE.md describes (the import rules themselves are
import-linter contracts run by ``make lint`` and ``make test``) and drive each part on its own
job through the harness.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Iterator, Mapping
from pathlib import Path

import hikari

from examples.quickstart import weather
from flowfsm import FlowManager, MemoryStore, Session, SessionStore
from flowfsm.engine.core import EngineCore
from flowfsm.engine.delivery import Delivery
from flowfsm.engine.expiry import Expiry
from flowfsm.engine.routing import Routing
from flowfsm.engine.screens import Screens
from flowfsm.engine.step import Steps
from flowfsm.engine.text_input import TextInput
from flowfsm.testing import Harness

PARTS = [EngineCore, Screens, Delivery, Expiry, Steps, Routing, TextInput]


def test_the_manager_is_a_facade_over_one_module_per_part() -> None:
    assert [c for c in FlowManager.__mro__ if c in PARTS] == list(reversed(PARTS))
    for part in [*PARTS, FlowManager]:
        source = Path(inspect.getfile(part))
        lines = len(source.read_text(encoding="utf-8").splitlines())
        assert lines <= 400, f"{source.name} has {lines} lines"
    own = {name for name in vars(FlowManager) if not name.startswith("__")}
    assert {"register", "start", "on_error", "add_hook", "hook", "drain", "close"} <= own
    assert not own & {"handle_component", "_step", "_show", "expire_due", "render"}  # in the parts


class CountingStore:
    """A store of its own, written against the protocol: delegates to a MemoryStore, counts calls."""

    def __init__(self) -> None:
        self.inner = MemoryStore()
        self.calls: dict[str, int] = {}

    def _count(self, name: str) -> None:
        self.calls[name] = self.calls.get(name, 0) + 1

    def __len__(self) -> int:
        return len(self.inner)

    def __iter__(self) -> Iterator[Session]:
        return iter(self.inner)

    def __contains__(self, session_id: object) -> bool:
        return session_id in self.inner

    def get(self, session_id: str) -> Session | None:
        self._count("get")
        return self.inner.get(session_id)

    def add(self, session: Session) -> None:
        self._count("add")
        self.inner.add(session)

    def touch(self, session: Session) -> None:
        self._count("touch")
        self.inner.touch(session)

    def remove(self, session: Session) -> bool:
        self._count("remove")
        return self.inner.remove(session)

    def by_message(self, message_id: int) -> Session | None:
        return self.inner.by_message(message_id)

    def set_message(self, session: Session, message_id: int) -> None:
        self.inner.set_message(session, message_id)

    def forget_message(self, session: Session) -> None:
        self.inner.forget_message(session)

    def of_user(self, user_id: int) -> Mapping[str, Session]:
        return self.inner.of_user(user_id)

    def pop_expired(self, now: float | None = None) -> list[Session]:
        self._count("pop_expired")
        return self.inner.pop_expired(now)

    def next_deadline(self) -> float | None:
        return self.inner.next_deadline()

    def lock(self, session: Session) -> asyncio.Lock:
        self._count("lock")
        return self.inner.lock(session)

    def release(self, session: Session) -> None:
        self._count("release")
        self.inner.release(session)


async def test_a_store_of_its_own_serves_every_part() -> None:
    store = CountingStore()
    assert isinstance(store, SessionStore)
    async with Harness([weather], store=store) as h:
        # MemoryStore's clock is the real one; the harness drives expiry with its own clock.
        store.inner.clock = h.clock
        await h.command("weather")
        assert store.calls["add"] == 1
        await h.click("Details")  # routing: get; the step: lock, touch, release
        await h.click("Back")
        assert store.calls["get"] >= 2 and store.calls["lock"] >= 2 and store.calls["touch"] >= 2
        assert store.calls["release"] >= 2
        await h.advance(weather.timeout + 1)  # expiry: due sessions come from the store
        assert store.calls["pop_expired"] >= 1 and len(store) == 0
        assert h.manager.sessions is store


async def test_the_default_store_is_the_memory_of_this_process() -> None:
    async with Harness([weather]) as h:
        assert isinstance(h.manager.sessions, MemoryStore)
        await h.command("weather")
        session = h.session()
        assert h.manager.sessions.get(session.id) is session


async def test_delivery_edits_through_the_webhook_while_the_token_lives() -> None:
    async with Harness([weather]) as h:
        await h.command("weather")
        session = h.session()
        assert h.manager._token_fresh(session.token, session.token_at)
        await h.advance(15 * 60)  # Discord's tokens live 15 minutes
        assert not h.manager._token_fresh(session.token, h.clock() - 15 * 60)


async def test_expiry_ends_a_session_and_disables_its_menu() -> None:
    async with Harness([weather]) as h:
        await h.command("weather")
        await h.advance(weather.timeout + 1)
        assert len(h.manager.sessions) == 0
        buttons = [c for row in (h.message or {}).get("components", []) for c in row.get("components", [])]
        assert buttons and all(
            c.get("disabled") for c in buttons if c.get("style") != int(hikari.ButtonStyle.LINK)
        )

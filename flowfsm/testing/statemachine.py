"""Property-based exploration: a hypothesis ``RuleBasedStateMachine`` over a flow.

``FlowStateMachine(flow)`` makes a machine class whose rules are what a user can do with the
menu on screen: use one of its clickable items (a button, an option of a text select; a button's
modal is submitted with its prefilled/placeholder values), Back, Cancel, let the clock run (up to
past the session timeout), another user's click (which must be refused and change nothing), and
open the flow again once the session ended. Bot authors add invariants as methods::

    from hypothesis import settings
    from hypothesis.stateful import invariant

    class ShopMachine(FlowStateMachine(shop)):
        @invariant()
        def gold_never_negative(self) -> None:
            wallet = self.data.get("wallet")
            assert wallet is None or wallet["balance"] >= 0

    def test_shop_properties() -> None:
        ShopMachine.run(settings(max_examples=25, stateful_step_count=20, deadline=None))

A failure is shrunk by hypothesis to a minimal sequence of rules, and the failing run's steps are
attached to the error as the harness calls that replay it (``await h.click('Item 01 (6)')``).

The machine drives the real stack through one :class:`~flowfsm.testing.Harness` per machine
class (started once, on its own event loop; each example opens the flow afresh), so examples
are cheap. :meth:`FlowStateMachineBase.run` closes it at the end.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from hypothesis import currently_in_test_context, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule, run_state_machine_as_test

from flowfsm.define.flow import Flow
from flowfsm.testing.gentests import _fill, _text_inputs, state_of
from flowfsm.testing.harness import OTHER_USER, Harness, Reply, components_of

__all__ = ["FlowStateMachine", "FlowStateMachineBase"]

_BUTTON, _TEXT_SELECT, _MODAL = 2, 3, 9


class FlowStateMachineBase(RuleBasedStateMachine):
    """The machine class :func:`FlowStateMachine` subclasses; set :attr:`flow` to subclass directly."""

    flow: ClassVar[Flow]
    flows: ClassVar[Sequence[Flow]] = ()
    """Other flows to register (sub-flows)."""
    options: ClassVar[Mapping[str, Any] | None] = None
    """Start options of the flow's command."""
    _loop: ClassVar[asyncio.AbstractEventLoop | None] = None
    _harness: ClassVar[Harness | None] = None

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[str] = []
        self.last_reply: Reply | None = None
        self._await(self._open())

    # -- the shared harness --------------------------------------------------------------------------

    @classmethod
    def _started(cls) -> tuple[asyncio.AbstractEventLoop, Harness]:
        if cls.__dict__.get("_harness") is None:
            loop = asyncio.new_event_loop()
            harness = Harness([cls.flow, *cls.flows])
            loop.run_until_complete(harness.start())
            cls._loop, cls._harness = loop, harness
        assert cls._loop is not None and cls._harness is not None
        return cls._loop, cls._harness

    @classmethod
    def close(cls) -> None:
        """Close the shared harness and its event loop."""
        loop, harness = cls.__dict__.get("_loop"), cls.__dict__.get("_harness")
        if loop is not None and harness is not None:
            loop.run_until_complete(harness.close())
            loop.close()
        cls._loop = cls._harness = None

    @classmethod
    def run(cls, config: settings | None = None) -> None:
        """Run the machine as a test (``settings`` bound it: ``max_examples``, ``deadline=None``)."""
        try:
            run_state_machine_as_test(cls, settings=config)
        finally:
            cls.close()

    def _await(self, work: Any) -> Any:
        loop, _ = self._started()
        return loop.run_until_complete(work)

    @property
    def harness(self) -> Harness:
        """The harness driving the flow (``h`` in the printed calls)."""
        return self._started()[1]

    @property
    def session(self) -> Any:
        """The user's open session, or ``None`` once it ended."""
        return self.harness.session()

    @property
    def data(self) -> dict[str, Any]:
        """The session's data (``{}`` once it ended)."""
        session = self.session
        return {} if session is None else session.data

    @property
    def state(self) -> str:
        """The session's state (``"(ended)"`` once it ended)."""
        return state_of(self.harness)

    # -- steps -----------------------------------------------------------------------------------------

    def _call(self, text: str) -> None:
        self.calls.append(text)
        if currently_in_test_context():
            note(text)

    async def _open(self) -> None:
        h = self.harness
        h.manager.expire_due(float("inf"))  # the previous example's session is gone
        await h.manager.drain()
        options = f", options={dict(self.options)!r}" if self.options else ""
        self._call(f"await h.command({self.flow.command!r}{options})")
        self.last_reply = await h.command(self.flow.command, options=self.options)

    def _items(self) -> list[tuple[str, str, int, str | None]]:
        """(label, custom id, type, value) of every clickable item on the menu."""
        if self.session is None:
            return []
        items: list[tuple[str, str, int, str | None]] = []
        for c in components_of(self.harness.message or {}):
            if not c.get("custom_id") or c.get("disabled"):
                continue
            if c.get("type") == _BUTTON and c.get("label"):
                items.append((str(c["label"]), str(c["custom_id"]), _BUTTON, None))
            elif c.get("type") == _TEXT_SELECT:
                for option in c.get("options") or ():
                    items.append(
                        (
                            str(c.get("placeholder") or ""),
                            str(c["custom_id"]),
                            _TEXT_SELECT,
                            str(option["value"]),
                        )
                    )
        return items

    async def _use(self, item: tuple[str, str, int, str | None], user: int | None = None) -> Reply:
        label, custom_id, kind, value = item
        h = self.harness
        who: dict[str, Any] = {} if user is None else {"user": user}
        if kind == _TEXT_SELECT:
            where = f", placeholder={label!r}" if label else ""
            extra = f", user={user}" if user is not None else ""
            self._call(f"await h.select([{value!r}]{where}{extra})")
            return await h.send_component(custom_id, component_type=_TEXT_SELECT, values=[str(value)], **who)
        extra = f", user={user}" if user is not None else ""
        reply = await h.send_component(custom_id, **who)
        callback = reply.callback or {}
        if reply.type == _MODAL and isinstance(callback.get("data"), Mapping):
            modal = callback["data"]
            fields = {str(t["custom_id"]): _fill(t) for t in _text_inputs(modal.get("components") or ())}
            self._call(f"await fill_modal(h, await h.click({label!r}{extra}), {fields!r})")
            return await h.submit_modal(str(modal["custom_id"]), fields, **who)
        self._call(f"await h.click({label!r}{extra})")
        return reply

    def _labelled(self, label: str) -> tuple[str, str, int, str | None] | None:
        return next((item for item in self._items() if item[0] == label and item[2] == _BUTTON), None)

    # -- rules -----------------------------------------------------------------------------------------

    @precondition(lambda self: bool(self._items()))
    @rule(pick=st.integers(min_value=0, max_value=99))
    def click(self, pick: int) -> None:
        """Use one clickable item of the current screen."""
        items = self._items()
        self.last_reply = self._await(self._use(items[pick % len(items)]))

    @precondition(lambda self: self._labelled("Back") is not None)
    @rule()
    def back(self) -> None:
        """Click Back."""
        item = self._labelled("Back")
        assert item is not None
        self.last_reply = self._await(self._use(item))

    @precondition(lambda self: self._labelled("Cancel") is not None)
    @rule()
    def cancel(self) -> None:
        """Click Cancel."""
        item = self._labelled("Cancel")
        assert item is not None
        self.last_reply = self._await(self._use(item))

    @rule(fraction=st.sampled_from([0.1, 0.5, 1.01]))
    def advance_clock(self, fraction: float) -> None:
        """Let time pass: a part of the flow's timeout, or past it (the session expires)."""
        seconds = round(self.flow.timeout * fraction, 3)
        self._call(f"await h.advance({seconds})")
        self._await(self.harness.advance(seconds))

    @precondition(lambda self: bool(self._items()))
    @rule(pick=st.integers(min_value=0, max_value=99))
    def other_users_click(self, pick: int) -> None:
        """Another user clicks the menu: refused, and nothing changes."""
        items = self._items()
        before = (self.state, repr(self.data))
        reply = self._await(self._use(items[pick % len(items)], user=OTHER_USER))
        assert reply.ephemeral_text is not None, "another user's click was not refused"
        assert (self.state, repr(self.data)) == before, "another user's click changed the session"

    @precondition(lambda self: self.session is None)
    @rule()
    def open_again(self) -> None:
        """The session ended (final state, Cancel, timeout): run the command again."""
        self._await(self._open())


def FlowStateMachine(  # named as the class it makes
    flow: Flow, *, flows: Sequence[Flow] = (), options: Mapping[str, Any] | None = None
) -> type[FlowStateMachineBase]:
    """A :class:`FlowStateMachineBase` subclass driving ``flow``; subclass it to add invariants."""
    return type(
        f"{flow.name.title().replace('-', '').replace('_', '')}StateMachine",
        (FlowStateMachineBase,),
        {"flow": flow, "flows": tuple(flows), "options": options, "_loop": None, "_harness": None},
    )

"""The object every render function, action, condition and hook receives."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Generic

import hikari

from flowfsm.flow import DataT

if TYPE_CHECKING:
    from flowfsm.flow import Flow
    from flowfsm.manager import FlowManager
    from flowfsm.pagination import PageState
    from flowfsm.session import Session

__all__ = ["Context"]


class Context(Generic[DataT]):
    """What a callback sees of its session, and how it navigates.

    ``Context[Cart]`` is the context of a flow declared with ``Flow(..., data=Cart)``: its
    ``data`` is a ``Cart`` for the editor and mypy. A plain ``Context`` has dict data.

    Attributes:
        session: the :class:`~flowfsm.session.Session` (its id, flow, user id, state).
        interaction: the interaction being handled; ``None`` in hooks run without one
            (timeout hooks).
        trigger_options: keyword options of the trigger being fired (``{}`` otherwise).
        item: the button, select or modal being handled (``None`` otherwise).
        values: the values chosen in a select (always a list; ``[]`` otherwise).
        fields: the submitted fields of a modal, by field id (``{}`` otherwise).
        page: the :class:`~flowfsm.pagination.PageState` of a state that paginates a list.
    """

    __slots__ = ("fields", "interaction", "item", "manager", "page", "session", "trigger_options", "values")

    def __init__(
        self,
        manager: FlowManager,
        session: Session,
        interaction: hikari.PartialInteraction | None,
    ) -> None:
        self.manager = manager
        self.session = session
        self.interaction = interaction
        self.trigger_options: Mapping[str, Any] = {}
        self.item: Any = None
        self.values: list[str] = []
        self.fields: dict[str, str] = {}
        self.page: PageState | None = None

    def __repr__(self) -> str:
        return f"<Context session={self.session.id} state={self.state_name!r}>"

    @property
    def page_number(self) -> int:
        """The current page (0-based) of a paginated state (button or list pagination)."""
        return self.session.page

    @property
    def flow(self) -> Flow:
        """The flow this session runs."""
        return self.session.flow

    @property
    def state_name(self) -> str:
        """The machine's current state."""
        return self.session.state

    @property
    def state(self) -> dict[str, Any]:
        """Per-state data: starts empty on every entry into the state."""
        if self.session.local is None:
            self.session.local = {}
        return self.session.local

    @property
    def data(self) -> DataT:
        """Session data shared by all states of the session; lives until the session ends.

        A dict, or a new instance of the root flow's ``data=`` type (see :mod:`flowfsm.data`).
        """
        data: Any = self.session.data
        if data is None:
            data_type = self.session.root_flow.data_type
            data = self.session.data = {} if data_type is None else data_type()
        return data

    @property
    def options(self) -> Mapping[str, Any]:
        """The options the session was started with."""
        return self.session.options

    @property
    def state_options(self) -> Mapping[str, Any]:
        """The options the current state was entered with (trigger options, history entry,
        fallback or sub-flow options; the start options for the initial state)."""
        return self.session.state_options

    @property
    def history(self) -> list[str]:
        """The tracked states Back would return to, oldest first."""
        return [state for state, _ in self.session.history or ()]

    @property
    def user_id(self) -> int:
        """Id of the user who owns the session."""
        return self.session.user_id

    @property
    def user(self) -> hikari.User | None:
        """The user of the interaction being handled (the session's owner)."""
        user = getattr(self.interaction, "user", None)
        return user if isinstance(user, hikari.User) else None

    @property
    def rest(self) -> hikari.api.RESTClient:
        """hikari's REST client, for your own calls."""
        return self.manager.rest

    async def fire(self, trigger: str, **options: Any) -> bool:
        """Fire a trigger of the flow's machine; ``False`` when a condition refused it.

        Raises :class:`~flowfsm.errors.FlowError` if the trigger cannot fire in this state.
        """
        return await self.manager.fire(self, trigger, options)

    async def back(self) -> bool:
        """Go back: pop the history (``back`` trigger of a returnable state)."""
        return await self.fire("back")

    async def hard_refresh(self) -> None:
        """Throw away the current state's data and run its setup again before the next render."""
        from flowfsm.lifecycle import hard_refresh

        await hard_refresh(self)

    async def complete(self, result: Any = None) -> None:
        """Finish the running sub-flow with ``result``: the parent state is re-entered and its
        declared completion handler receives the result."""
        from flowfsm.lifecycle import complete

        await complete(self, result)

    def close(self, text: str | None = None) -> None:
        """End the session after this step. The message keeps its content without components,
        or becomes ``text`` when given."""
        self.session.ended = True
        self.session.end_text = text

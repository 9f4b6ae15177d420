"""The object every render function, action, condition and hook receives."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Generic, Protocol

import hikari

from flowfsm.define.flow import DataT
from flowfsm.errors import FlowError

if TYPE_CHECKING:
    from flowfsm.define.flow import Flow
    from flowfsm.define.i18n import LocalizedTexts
    from flowfsm.define.pagination import PageState
    from flowfsm.define.tracing import Tracer
    from flowfsm.engine.session import Session  # a type only: definitions never import the engine

__all__ = ["Context", "Engine"]


class Engine(Protocol):
    """What a :class:`Context` (and the flow machine's callbacks) need of the engine running it.

    :class:`~flowfsm.FlowManager` implements it; definitions reach the engine only through this,
    never by importing it.
    """

    @property
    def flows(self) -> Mapping[str, Flow]:
        """The registered flows, by name (sub-flows are looked up here)."""

    @property
    def global_hooks(self) -> Mapping[str, list[Callable[..., Any]]]:
        """Hooks run before each state's own hook of the same name."""

    @property
    def clock(self) -> Callable[[], float]:
        """Monotonic seconds (injectable in tests)."""

    @property
    def tracer(self) -> Tracer | None:
        """Records every transition when set."""

    @property
    def telemetry(self) -> Any:
        """Metrics and spans (:class:`flowfsm.engine.telemetry.Telemetry`)."""

    @property
    def localized(self) -> LocalizedTexts:
        """flowfsm's own texts, per locale."""

    @property
    def locale(self) -> str:
        """The default locale of flows without translations."""

    @property
    def rest(self) -> hikari.api.RESTClient:
        """hikari's REST client."""

    async def fire(self, ctx: Context, trigger: str, options: Mapping[str, Any]) -> bool:
        """Fire ``trigger`` on the session's machine."""

    def watch(self, session: Session, key: Hashable) -> None:
        """Record that ``session``'s current screen shows what ``key`` names."""

    def invalidate(self, *key: Hashable, skip: Session | None = None) -> int:
        """Re-render the open sessions whose screen watched ``key``."""


class Context(Generic[DataT]):
    """What a callback sees of its session, and how it navigates.

    ``Context[Cart]`` is the context of a flow declared with ``Flow(..., data=Cart)``: its
    ``data`` is a ``Cart`` for the editor and mypy. A plain ``Context`` has dict data.

    Attributes:
        session: the :class:`~flowfsm.engine.session.Session` (its id, flow, user id, state).
        interaction: the interaction being handled; ``None`` in hooks run without one
            (timeout hooks).
        trigger_options: keyword options of the trigger being fired (``{}`` otherwise).
        item: the button, select or modal being handled (``None`` otherwise).
        values: the values chosen in a select (always a list; ``[]`` otherwise).
        fields: the submitted fields of a modal, by field id (``{}`` otherwise).
        page: the :class:`~flowfsm.define.pagination.PageState` of a state that paginates a list.
        end_reason: in ``on_timeout`` hooks, why the session ended: ``"timeout"`` (expired),
            ``"deleted"`` (its menu message was deleted) or ``"replaced"`` (the user opened the
            same flow again); elsewhere how the session ends if this step closes it:
            ``"completed"`` (default) or ``"cancelled"`` (Cancel), as counted by metrics.
    """

    __slots__ = (
        "_locales",
        "end_reason",
        "fields",
        "interaction",
        "item",
        "manager",
        "notes",
        "page",
        "session",
        "trigger_options",
        "values",
    )

    def __init__(
        self,
        manager: Engine,
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
        self._locales: tuple[str, ...] | None = None  # worked out on first use (see flowfsm.define.i18n)
        self.end_reason = "completed"
        self.notes: list[str] | None = None  # ctx.tell: sent to the clicking user after the step

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

        A dict, or a new instance of the root flow's ``data=`` type (see :mod:`flowfsm.define.data`).
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
        """The user of the interaction being handled (the session's owner, or on a shared menu
        whoever clicked)."""
        user = getattr(self.interaction, "user", None)
        return user if isinstance(user, hikari.User) else None

    @property
    def member_id(self) -> int | None:
        """Id of the user whose interaction is being handled (on a shared menu: who clicked);
        ``None`` in callbacks run without an interaction (``on_timeout``)."""
        user = getattr(self.interaction, "user", None)
        return None if user is None else int(user.id)

    @property
    def is_opener(self) -> bool:
        """Whether the interaction being handled is the session owner's own."""
        return self.member_id == self.session.user_id

    @property
    def member_data(self) -> dict[str, Any]:
        """Per-user data inside the session: the dict of the user being handled (see
        :attr:`member_id`), created empty on first use, kept until the session ends. On a shared
        menu each user who clicks has their own; :attr:`members` lists them all.

        The menu's message is the same for everyone: show per-user things with :meth:`tell`.
        """
        member = self.member_id
        if member is None:
            raise FlowError("ctx.member_data needs an interaction: this callback runs without one")
        members = self.session.members
        if members is None:
            members = self.session.members = {}
        data = members.get(member)
        if data is None:
            data = members[member] = {}
        return data

    @property
    def members(self) -> Mapping[int, Mapping[str, Any]]:
        """Every user's :attr:`member_data` in this session, by user id (read it, e.g. to count
        who is ready; write your own through :attr:`member_data`)."""
        return MappingProxyType(self.session.members or {})

    def tell(self, text: str) -> None:
        """Send ``text`` to the user being handled, as an ephemeral message only they see, once
        this click's (or command's) step has updated the menu ("you joined" on a shared menu).
        Several calls are sent as one message; without an interaction (``on_timeout``) nothing
        is sent."""
        if self.notes is None:
            self.notes = []
        self.notes.append(text)

    @property
    def locales(self) -> tuple[str, ...]:
        """The locale chain of this screen: the user's locale, the guild's, the flow's default —
        each only where the flow has a catalog for it (see :mod:`flowfsm.define.i18n`)."""
        chain = self._locales
        if chain is None:
            from flowfsm.define.i18n import screen_chain

            chain = self._locales = screen_chain(self)
        return chain

    @property
    def locale(self) -> str:
        """The locale this screen is shown in (the first of :attr:`locales`)."""
        return self.locales[0]

    def t(self, key: str, **args: Any) -> str:
        """The text of ``key`` in this screen's locale, formatted with ``args`` (Fluent
        variables): ``ctx.t("shop.title", gold=3)``. A key missing in the locale falls back
        along :attr:`locales` (logged once); missing everywhere, the key itself is shown."""
        translations = self.session.flow.translations
        if translations is None:
            raise FlowError(
                f"flow {self.session.flow.name!r} has no translations: Flow(..., translations=...)"
            )
        return translations.format(self.locales, key, args, self.session)

    @property
    def rest(self) -> hikari.api.RESTClient:
        """hikari's REST client, for your own calls."""
        return self.manager.rest

    async def fire(self, trigger: str, **options: Any) -> bool:
        """Fire a trigger of the flow's machine; ``False`` when a condition refused it.

        Raises :class:`~flowfsm.errors.FlowError` if the trigger cannot fire in this state.
        """
        return await self.manager.fire(self, trigger, options)

    def watch(self, *key: Hashable) -> None:
        """Declare that this screen shows what ``key`` names (any hashable parts):
        ``ctx.watch("stock", sku)`` in a render function. ``flows.invalidate("stock", sku)`` then
        re-renders every open session whose latest screen watched that key and edits its message
        (coalesced: at most one edit per session per ``refresh_interval``)."""
        self.manager.watch(self.session, key)

    def invalidate(self, *key: Hashable) -> int:
        """``flows.invalidate(*key)`` for every open session but this one (which re-renders at the
        end of its step anyway); returns how many sessions were marked for a refresh."""
        return self.manager.invalidate(*key, skip=self.session)

    async def back(self) -> bool:
        """Go back: pop the history (``back`` trigger of a returnable state)."""
        return await self.fire("back")

    async def hard_refresh(self) -> None:
        """Throw away the current state's data and run its setup again before the next render."""
        from flowfsm.define.lifecycle import hard_refresh

        await hard_refresh(self)

    async def complete(self, result: Any = None) -> None:
        """Finish the running sub-flow with ``result``: the parent state is re-entered and its
        declared completion handler receives the result."""
        from flowfsm.define.lifecycle import complete

        await complete(self, result)

    def close(self, text: str | None = None) -> None:
        """End the session after this step. The message keeps its content without components,
        or becomes ``text`` when given."""
        self.session.ended = True
        self.session.end_text = text

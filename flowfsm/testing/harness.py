"""Drive flows end to end through real hikari objects and the real ``miru.Client``.

:class:`Harness` starts a loopback Discord REST server (:class:`FakeDiscord`), points hikari's
REST client at it, builds interactions from Discord-shaped JSON with hikari's entity factory,
and feeds them through the real miru client:

* gateway mode (default): a never-started ``hikari.GatewayBot``; interactions go through the
  bot's event manager as ``InteractionCreateEvent``s, which miru listens to;
* REST mode (``rest_bot=True``): a ``hikari.RESTBot`` interaction server on 127.0.0.1,
  receiving requests signed with an Ed25519 key generated for the test, exactly like Discord's.
  Its HTTP replies are handed to the fake Discord as Discord would process them.

Time is a :class:`FakeClock`: :meth:`Harness.advance` moves it and expires sessions, no sleeping.

Example::

    async with Harness([weather]) as h:
        await h.command("weather")
        await h.click("Details")
        assert "wind" in h.message["content"]
"""

from __future__ import annotations

import itertools
import logging
import secrets
import socket
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import aiohttp
import hikari
import miru

from flowfsm.define.flow import Flow
from flowfsm.engine.manager import FlowManager
from flowfsm.testing import payloads, signing
from flowfsm.testing.discord_api import FakeDiscord, RecordedRequest

__all__ = ["DEFAULT_USER", "OTHER_USER", "FakeClock", "Harness", "Reply", "components_of"]

DEFAULT_USER = 1001
"""The user id commands and clicks come from unless told otherwise."""
OTHER_USER = 2002
"""A second user, for "not your menu" tests."""


_MODAL_RESPONSE = 9


class FakeClock:
    """A manual monotonic clock: call it for the time, :meth:`advance` to move it."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        self.now += seconds


@dataclass
class Reply:
    """What one interaction produced: its callback and any follow-up/edit requests."""

    interaction_id: int
    token: str
    requests: list[RecordedRequest] = field(default_factory=list)
    http_status: int | None = None
    error: BaseException | None = None
    """The exception a callback or render raised while handling this interaction (the user saw
    the error reply); a later :meth:`Harness.click` raises it instead of a puzzling "no component"."""

    @property
    def callback(self) -> dict[str, Any] | None:
        """The initial response body ``{"type": ..., "data": ...}``."""
        for r in self.requests:
            if r.path.startswith(f"/interactions/{self.interaction_id}/"):
                return r.json
        return None

    @property
    def type(self) -> int | None:
        """The initial response type (4 create, 5 deferred create, 6 deferred update, 7 update, 9 modal)."""
        cb = self.callback
        return None if cb is None else int(cb["type"])

    @property
    def ephemeral_text(self) -> str | None:
        """Text of the ephemeral message this interaction answered with, if any."""
        for r in self.requests:
            body = r.json if isinstance(r.json, dict) else None
            data = body.get("data", body) if body and "type" in body else body
            if data and int(data.get("flags") or 0) & payloads.EPHEMERAL and data.get("content"):
                return str(data["content"])
        return None


class _ErrorLog(logging.Handler):
    """Keeps the exceptions the engine logs when a step fails (it answers the user and logs them):
    the harness hands them back to the test instead of leaving them in the log. It listens only
    while its harness delivers an interaction (other harnesses may share the logger), and is
    emptied after each delivery (an exception's traceback holds the session it failed in)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.errors: list[BaseException] = []
        self.active = False

    def emit(self, record: logging.LogRecord) -> None:
        if (
            self.active
            and record.exc_info
            and record.exc_info[1] is not None
            and record.getMessage().startswith("flowfsm: error in flow")
        ):
            self.errors.append(record.exc_info[1])


def components_of(message: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every interactive component of a message, flattened (rows, containers, sections)."""
    found: list[dict[str, Any]] = []

    def walk(nodes: Iterable[Mapping[str, Any]]) -> None:
        for node in nodes:
            if node.get("type") in (2, 3, 5, 6, 7, 8):
                found.append(dict(node))
            walk(node.get("components", ()))
            accessory = node.get("accessory")
            if accessory:
                walk([accessory])

    walk(message.get("components", ()))
    return found


class Harness:
    """A fake Discord, a real hikari bot, the real miru client and a :class:`FlowManager`.

    Args:
        flows: flows to register.
        rest_bot: drive a ``hikari.RESTBot`` over signed HTTP instead of a gateway bot.
        commands: slash command name -> flow name, or ``(flow name, state)`` to open the flow at
            that state, for :meth:`command` (default: each flow's ``command``).
        wire: your bot's own wiring, ``wire(bot, **manager_options) -> FlowManager``: it creates
            the miru client and the manager and routes commands itself (test your real set-up).
        intents: the gateway bot's intents (default: unprivileged plus MESSAGE_CONTENT, which
            text-input states need).
        discord: an already started :class:`FakeDiscord` to share, e.g. between a harness and
            the one that replaces it in a simulated restart (its messages survive); it is then
            neither started nor closed by this harness.
        manager_options: extra keyword arguments for :class:`FlowManager`.
    """

    started: ClassVar[list[Callable[[Harness], None]]] = []
    """Called with every harness once it has started (its manager exists): how ``pytest
    --flowfsm-cov`` attaches coverage to the harnesses of every test."""

    def __init__(
        self,
        flows: Iterable[Flow] = (),
        *,
        rest_bot: bool = False,
        commands: Mapping[str, str | tuple[str, str]] | None = None,
        wire: Callable[..., FlowManager] | None = None,
        intents: hikari.Intents = hikari.Intents.ALL_UNPRIVILEGED | hikari.Intents.MESSAGE_CONTENT,
        discord: FakeDiscord | None = None,
        **manager_options: Any,
    ) -> None:
        self.wire = wire
        self.intents = intents
        self.flows = list(flows)
        self.rest_bot = rest_bot
        self.commands = dict(commands or {})
        self.manager_options = manager_options
        self.clock = FakeClock()
        self._own_discord = discord is None
        self.discord = discord if discord is not None else FakeDiscord()
        self._ids = payloads.Ids(1_100_000_000_000_000_000)
        self._tokens = itertools.count(1)
        self.replies: list[Reply] = []
        self.bot: hikari.GatewayBot | hikari.RESTBot
        self.client: miru.Client
        self.manager: FlowManager
        self._http: aiohttp.ClientSession | None = None
        self._signing_key: Any = None
        self._server_url = ""
        self.menu_id: int | None = None
        self._pending_options: dict[int, Mapping[str, Any] | None] = {}
        self._open_modals: dict[int, set[str]] = {}
        self._error_log = _ErrorLog()
        self.locale = "en-US"
        """The locale interactions carry (Discord sends the user's client language)."""
        self.locales: dict[int, str] = {}
        """Per-user locales overriding :attr:`locale`: ``h.locales[OTHER_USER] = "de"``."""
        self.guild_locale = "en-US"
        """The guild's locale, sent with interactions in a guild."""
        self.roles: dict[int, list[int]] = {}
        """Role ids of users' guild members, sent as ``member.roles`` with their clicks:
        ``h.roles[OTHER_USER] = [777]``."""

    # -- lifecycle ---------------------------------------------------------------------------------

    async def start(self) -> Harness:
        """Start the fake Discord and the bot; register the flows."""
        logging.getLogger("flowfsm").addHandler(self._error_log)
        if self._own_discord:
            await self.discord.start()
        quiet: dict[str, Any] = {"banner": None, "logs": None, "suppress_optimization_warning": True}
        if self.rest_bot:
            self._signing_key, public_key = signing.generate_keypair()
            self.bot = hikari.RESTBot(
                self.discord.bot_token, "Bot", public_key, rest_url=self.discord.rest_url, **quiet
            )
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            self._server_url = f"http://127.0.0.1:{sock.getsockname()[1]}/"
            if self.wire is None:
                self.client = miru.Client(self.bot)
                self.bot.interaction_server.set_listener(hikari.CommandInteraction, self._rest_command)
            await self.bot.start(check_for_updates=False, socket=sock)
            self._http = aiohttp.ClientSession()
        else:
            self.bot = hikari.GatewayBot(
                self.discord.bot_token, rest_url=self.discord.rest_url, intents=self.intents, **quiet
            )
            self.bot.rest.start()  # type: ignore[attr-defined]
            if self.wire is None:
                self.client = miru.Client(self.bot)
                self.bot.event_manager.subscribe(hikari.InteractionCreateEvent, self._gateway_command)
        try:
            self._start_manager()
        except BaseException:
            # A flow the manager refuses (a definition error) must not leave the bot's HTTP
            # sessions and the fake Discord open behind the exception (an HTTP session left open
            # is reported later, in whichever test the garbage collector runs in).
            await self._close_transport()
            raise
        for observer in Harness.started:
            observer(self)
        return self

    def _start_manager(self) -> None:
        options = {"clock": self.clock, "auto_expire": False, **self.manager_options}
        if self.wire is not None:
            self.manager = self.wire(self.bot, **options)
            self.client = self.manager.client
            for flow in self.flows:
                self.manager.register(flow)
        else:
            self.manager = FlowManager(self.client, self.flows, **options)

    async def close(self) -> None:
        """Finish queued work and close everything."""
        await self.manager.close()
        await self._close_transport()

    async def _close_transport(self) -> None:
        """Close the HTTP session, the bot and the fake Discord (everything but the manager)."""
        logging.getLogger("flowfsm").removeHandler(self._error_log)
        if self._http is not None:
            await self._http.close()
            self._http = None
        if isinstance(self.bot, hikari.RESTBot):
            await self.bot.close()
        else:
            await self.bot.rest.close()
        if self._own_discord:
            await self.discord.close()

    async def __aenter__(self) -> Harness:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- command routing inside the bot ------------------------------------------------------------

    def route(self, command_name: str, flow: str, state: str | None = None) -> None:
        """Make ``/command_name`` open ``flow`` (at ``state`` when given), like ``commands=``."""
        self.commands[command_name] = flow if state is None else (flow, state)

    def _flow_for(self, command_name: str) -> tuple[str, str | None]:
        target = self.commands.get(command_name)
        if isinstance(target, tuple):
            return target
        if target is not None:
            return target, None
        for flow in self.manager.flows.values():
            if flow.command == command_name or flow.name == command_name:
                return flow.name, None
        known = sorted({*self.commands, *(f.command or f.name for f in self.manager.flows.values())})
        raise LookupError(f"no flow answers /{command_name} (commands: {', '.join(known) or 'none'})")

    async def _gateway_command(self, event: hikari.InteractionCreateEvent) -> None:
        if isinstance(event.interaction, hikari.CommandInteraction):
            await self._rest_command(event.interaction)

    async def _rest_command(self, interaction: hikari.CommandInteraction) -> Any:
        options = self._pending_options.pop(int(interaction.id), None)
        flow, at = self._flow_for(interaction.command_name)
        return await self.manager.start(interaction, flow, options=options, at=at)

    # -- driving -----------------------------------------------------------------------------------

    async def command(
        self,
        name: str,
        *,
        user: int = DEFAULT_USER,
        options: Mapping[str, Any] | None = None,
        command_options: list[dict[str, Any]] | None = None,
        guild_id: int | None = 111,
        channel_id: int = 222,
    ) -> Reply:
        """Send a slash command; the flow it names starts with ``options``.

        ``command_options`` are Discord's own option objects (``{"name", "type", "value"}``)
        carried by the interaction, for bots that read them. Without ``wire=``, raises
        :class:`LookupError` when no flow answers ``name`` (with it, the bot's own routing decides).
        """
        if self.wire is None:
            self._flow_for(name)  # an unknown command is the test's mistake: say so here
        iid, token = self._ids.next(), self._token()
        payload = payloads.command_interaction(
            interaction_id=iid,
            token=token,
            user_id=user,
            command_name=name,
            guild_id=guild_id,
            channel_id=channel_id,
            application_id=self.discord.application_id,
            options=command_options,
            locale=self.locale_of(user),
            guild_locale=self.guild_locale,
        )
        self.discord.register_interaction(iid, token, channel_id=channel_id)
        reply = await self._deliver(payload, iid, token, options)
        original = self.discord.message_for_token(token)
        if original is not None:
            self.menu_id = int(original["id"])
        return reply

    async def click(
        self,
        label: str | None = None,
        *,
        custom_id: str | None = None,
        user: int = DEFAULT_USER,
        message_id: int | None = None,
        guild_id: int | None = 111,
        allow_disabled: bool = False,
    ) -> Reply:
        """Click the button with ``label`` (or ``custom_id``) on the menu message.

        When the last interaction failed (a callback or render raised), that exception is raised
        here: the menu the test expected was never drawn. A disabled button cannot be clicked on
        Discord, so clicking one is an :class:`AssertionError` unless ``allow_disabled=True``
        (to test what a stale client sending it anyway gets).
        """
        self._raise_last_error()
        message = self.message if message_id is None else self.discord._archive.get(message_id)
        if message is None:
            raise AssertionError("there is no menu message to click on")
        if custom_id is None:
            labels = [c.get("label") for c in components_of(message)]
            matches = [c for c in components_of(message) if c.get("label") == label]
            if not matches:
                raise AssertionError(f"no component labelled {label!r}; the message has {labels}")
            component = matches[0]
            custom_id = component.get("custom_id")
            if custom_id is None:
                raise AssertionError(f"component {label!r} has no custom id (a link button?)")
            if component.get("disabled") and not allow_disabled:
                raise AssertionError(
                    f"button {label!r} is disabled: Discord does not let a user click it "
                    "(pass allow_disabled=True to send the click anyway)"
                )
        return await self.send_component(custom_id, message=message, user=user, guild_id=guild_id)

    async def next_page(self, *, user: int = DEFAULT_USER) -> Reply:
        """Click the pagination's Next button (whatever :class:`~flowfsm.Texts` calls it)."""
        return await self.click(self.manager.texts.next_label, user=user)

    async def previous_page(self, *, user: int = DEFAULT_USER) -> Reply:
        """Click the pagination's Previous button (whatever :class:`~flowfsm.Texts` calls it)."""
        return await self.click(self.manager.texts.previous_label, user=user)

    def _raise_last_error(self) -> None:
        last = self.replies[-1] if self.replies else None
        if last is not None and last.error is not None:
            raise last.error

    async def send_component(
        self,
        custom_id: str,
        *,
        message: Mapping[str, Any] | None = None,
        user: int = DEFAULT_USER,
        component_type: int = 2,
        values: list[str] | None = None,
        guild_id: int | None = 111,
        resolved: dict[str, Any] | None = None,
        interaction_id: int | None = None,
    ) -> Reply:
        """Send any component interaction (even a forged custom id) on ``message``.

        ``resolved`` is the payload's ``data.resolved`` (default: what Discord would resolve for
        the ``values`` of a user, role, mentionable or channel select); ``interaction_id`` re-sends
        an interaction id already used (a replay)."""
        message = dict(message or self.message or {})
        if not message:
            raise AssertionError("there is no menu message")
        iid, token = interaction_id or self._ids.next(), self._token()
        channel_id = int(message.get("channel_id", 222))
        payload = payloads.component_interaction(
            interaction_id=iid,
            token=token,
            user_id=user,
            custom_id=custom_id,
            message=message,
            component_type=component_type,
            values=values,
            resolved=resolved,
            guild_id=guild_id,
            channel_id=channel_id,
            application_id=self.discord.application_id,
            locale=self.locale_of(user),
            guild_locale=self.guild_locale,
            roles=self.roles.get(user, ()),
        )
        self.discord.register_interaction(iid, token, channel_id=channel_id, message_id=int(message["id"]))
        reply = await self._deliver(payload, iid, token, None)
        self._follow_new_menu(reply)
        return reply

    def _follow_new_menu(self, reply: Reply) -> None:
        """A click answered with a new message that has components (a menu posted anew, an
        "Open again" prompt): that message is now the one :attr:`message` shows."""
        if reply.type != 4:
            return
        created = self.discord.message_for_token(reply.token)
        if created is not None and created.get("components"):
            self.menu_id = int(created["id"])

    async def _deliver(
        self, payload: dict[str, Any], iid: int, token: str, options: Mapping[str, Any] | None
    ) -> Reply:
        before = len(self.discord.requests)
        reply = Reply(iid, token)
        self._error_log.active = True
        try:
            self._pending_options[iid] = options
            if isinstance(self.bot, hikari.RESTBot):
                assert self._http is not None
                status, answer = await signing.post_interaction(
                    self._server_url, payload, self._signing_key, self._http
                )
                reply.http_status = status
                if status == 200 and isinstance(answer, dict):
                    # Discord processes the HTTP reply as the interaction's callback.
                    async with self._http.post(
                        f"{self.discord.rest_url}/interactions/{iid}/{token}/callback?with_response=true",
                        json=answer,
                    ) as response:
                        await response.read()
                await self.manager.drain()
            else:
                event = self.bot.event_factory.deserialize_interaction_create_event(None, payload)  # type: ignore[arg-type]
                await self.bot.event_manager.dispatch(event, return_tasks=True)
                await self.manager.drain()
        finally:
            self._error_log.active = False
        reply.requests = self.discord.requests[before:]
        reply.error = self._error_log.errors[0] if self._error_log.errors else None
        self._error_log.errors.clear()
        self.replies.append(reply)
        self._note_modal(reply, payload)
        return reply

    def _note_modal(self, reply: Reply, payload: Mapping[str, Any]) -> None:
        """Remember the modal a reply opened, for the user it opened for (see :meth:`submit_modal`)."""
        callback = reply.callback
        if reply.type == _MODAL_RESPONSE and callback is not None:
            user = int((payload.get("member") or payload).get("user", {}).get("id", 0))
            self._open_modals.setdefault(user, set()).add(str(callback["data"]["custom_id"]))

    async def say(
        self, text: str, *, user: int = DEFAULT_USER, channel_id: int = 222, guild_id: int | None = 111
    ) -> None:
        """The user sends a message in a channel (for states that take text input)."""
        if isinstance(self.bot, hikari.RESTBot):
            raise TypeError("REST bots receive no message events")
        payload = payloads.message_create_event_payload(
            message_id=self._ids.next(), user_id=user, content=text, channel_id=channel_id, guild_id=guild_id
        )
        self.discord.messages[int(payload["id"])] = payload
        event = self.bot.event_factory.deserialize_message_create_event(None, payload)  # type: ignore[arg-type]
        await self.bot.event_manager.dispatch(event, return_tasks=True)
        await self.manager.drain()

    async def submit_modal(
        self,
        custom_id: str,
        fields: Mapping[str, str],
        *,
        user: int = DEFAULT_USER,
        message: Mapping[str, Any] | None = None,
    ) -> Reply:
        """Submit the modal ``custom_id`` (from a :class:`Reply` with type 9) with ``fields``.

        The modal must be open for ``user`` (a click answered with it); otherwise this raises
        :class:`AssertionError`. To send a submission no modal was opened for (a forged or
        replayed one), use :meth:`send_modal`.
        """
        opened = self._open_modals.get(user, set())
        if custom_id not in opened:
            raise AssertionError(
                f"no modal {custom_id!r} is open for user {user} (open: {sorted(opened) or 'none'})"
            )
        opened.discard(custom_id)
        return await self.send_modal(custom_id, fields, user=user, message=message)

    async def send_modal(
        self,
        custom_id: str,
        fields: Mapping[str, str],
        *,
        user: int = DEFAULT_USER,
        message: Mapping[str, Any] | None = None,
    ) -> Reply:
        """Send a modal submission with any ``custom_id``, open or not (forged, replayed)."""
        message = dict(message or self.message or {})
        iid, token = self._ids.next(), self._token()
        channel_id = int(message.get("channel_id", 222))
        payload = payloads.modal_interaction(
            interaction_id=iid,
            token=token,
            user_id=user,
            custom_id=custom_id,
            fields=dict(fields),
            message=message or None,
            channel_id=channel_id,
            application_id=self.discord.application_id,
            locale=self.locale_of(user),
            guild_locale=self.guild_locale,
        )
        self.discord.register_interaction(
            iid,
            token,
            channel_id=channel_id,
            message_id=int(message["id"]) if message else None,
            interaction_type=5,
        )
        return await self._deliver(payload, iid, token, None)

    async def select(
        self,
        values: list[str],
        *,
        placeholder: str | None = None,
        custom_id: str | None = None,
        user: int = DEFAULT_USER,
        resolved: dict[str, Any] | None = None,
    ) -> Reply:
        """Choose ``values`` in the menu's select (found by placeholder, or the only one).

        ``resolved`` as for :meth:`send_component` (needed for a mentionable select's roles).
        Like :meth:`click`, raises the error of the last interaction if it failed."""
        self._raise_last_error()
        message = self.message
        if message is None:
            raise AssertionError("there is no menu message")
        selects = [c for c in components_of(message) if c.get("type") in (3, 5, 6, 7, 8)]
        if custom_id is None:
            matches = [c for c in selects if placeholder is None or c.get("placeholder") == placeholder]
            if len(matches) != 1:
                raise AssertionError(f"expected one select matching {placeholder!r}, found {len(matches)}")
            custom_id, kind = matches[0]["custom_id"], int(matches[0]["type"])
        else:
            kind = next((int(c["type"]) for c in selects if c.get("custom_id") == custom_id), 3)
        return await self.send_component(
            custom_id, message=message, user=user, component_type=kind, values=values, resolved=resolved
        )

    def locale_of(self, user: int) -> str:
        """The locale ``user``'s interactions carry."""
        return self.locales.get(user, self.locale)

    def _token(self) -> str:
        return f"tok{next(self._tokens)}-{secrets.token_hex(4)}"

    # -- time --------------------------------------------------------------------------------------

    async def advance(self, seconds: float) -> int:
        """Move the clock forward, expire due sessions (in the process, and those a remote store
        holds) and wait for their edits; returns how many expired.

        Timed edges and rate-limited refreshes due on the way run at their own times, in order
        (the clock stops at each, as the manager's timer would fire there)."""
        target = self.clock.now + seconds
        count = 0
        repeats = 0
        while True:
            wakeup = _earliest(self.manager.next_wakeup(), await self._stored_live())
            if wakeup is None or wakeup > target:
                break
            now = max(self.clock.now, wakeup)
            # Work due at one instant may make more due at it (a timed edge after another): tick
            # again, but never forever on a wake-up nothing consumes (a store's odd deadline).
            repeats = repeats + 1 if now == self.clock.now else 0
            if repeats > 100:
                break
            self.clock.now = now
            count += self.manager.tick()
            await self.manager.drain()
        self.clock.now = target
        count += self.manager.tick()
        count += await self.manager.expire_stored()
        await self.manager.drain()
        await self._stored_live()
        return count

    async def _stored_live(self) -> float | None:
        """Run the timed edges and refreshes a remote store has due now (as the manager's poll
        task would), until none is; the next due time left in the store."""
        for _ in range(100):
            due = await self.manager.run_stored_live()
            if not self.manager.outbox:
                return due
            await self.manager.drain()
        return None

    # -- reading -----------------------------------------------------------------------------------

    @property
    def message(self) -> dict[str, Any] | None:
        """The menu message as Discord holds it now (the last started menu)."""
        if self.menu_id is None:
            return None
        return self.discord.messages.get(self.menu_id) or self.discord._archive.get(self.menu_id)

    def labels(self, message: Mapping[str, Any] | None = None) -> list[str | None]:
        """Labels of the message's components, in order."""
        return [c.get("label") for c in components_of(message or self.message or {})]

    def button(self, label: str, message: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The component with this label."""
        for c in components_of(message or self.message or {}):
            if c.get("label") == label:
                return c
        raise AssertionError(f"no component labelled {label!r}")

    def session(self, user: int = DEFAULT_USER) -> Any:
        """The open session of ``user`` (or ``None``)."""
        return self.manager.session_for(user)


def _earliest(*times: float | None) -> float | None:
    """The earliest of the times given (``None``: no time)."""
    known = [t for t in times if t is not None]
    return min(known) if known else None

"""The common set-up every benchmark runs on, whatever the framework under test.

* the loopback Discord REST server (:class:`flowfsm.testing.FakeDiscord`), with a ``hikari.RESTBot``'s
  REST client pointed at it (``rest_url``) and started;
* a real ``miru.Client`` on that RESTBot (so it answers with response builders, as for an interaction
  server bot);
* real hikari interactions, built from Discord-shaped JSON (:mod:`flowfsm.testing.payloads`) by the
  bot's entity factory;
* :class:`OpenMenu`: the client-side view of one menu message (its id and the components of the last
  response), from which the next click is built exactly as Discord would build it.
"""

from __future__ import annotations

import gc
import itertools
import os
import resource
import secrets
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import hikari
import miru
from hikari.internal import data_binding

from bench import flows
from flowfsm.testing import FakeClock, FakeDiscord, payloads, signing

ROOT = Path(__file__).resolve().parent.parent
APPLICATION_ID = 4242
CHANNEL_ID = 222
GUILD_ID = 111
FIRST_USER = 10_000
TOKEN_LENGTH = 200
"""Characters in a benchmark interaction token (Discord's are about this long)."""

QUIET: dict[str, Any] = {"banner": None, "logs": None, "suppress_optimization_warning": True}


def dumps(payload: Any) -> bytes:
    """Serialize a response payload the way hikari's interaction server does."""
    return data_binding.default_json_dumps(payload)


@dataclass
class OpenMenu:
    """One menu as the user sees it: which message, whose, what it shows."""

    user_id: int
    message_id: int
    content: str = ""
    components: list[dict[str, Any]] = field(default_factory=list)
    step: int = 0
    """Position in :data:`flows.CYCLE` of the next click."""

    def apply(self, response: dict[str, Any]) -> None:
        """Take in a response payload (``{"type": 4|7, "data": {...}}``): the message now shows it."""
        data = response.get("data") or {}
        if "content" in data:
            self.content = data["content"] or ""
        if "components" in data:
            self.components = payloads.assign_component_ids(list(data["components"] or []))

    def custom_id(self, label: str) -> str:
        """The custom id of the button labelled ``label`` on the message."""
        for row in self.components:
            for component in row.get("components", ()):
                if component.get("label") == label:
                    return str(component["custom_id"])
        labels = [c.get("label") for row in self.components for c in row.get("components", ())]
        raise AssertionError(f"no button {label!r} on menu {self.message_id}; it shows {labels}")


class Env:
    """FakeDiscord + a RESTBot's REST client + the miru client + one framework's menus."""

    def __init__(self, framework: str, *, label: str | None = None, **manager_options: Any) -> None:
        self.framework = framework
        self.label = label or framework
        """Name of this set-up in results (several set-ups of one framework may run side by side)."""
        self.cpu_ns: dict[str, list[int]] = {"start": [], "click": []}
        """CPU time of this thread per timed operation (immune to other processes on the machine)."""
        self.manager_options = manager_options
        self.discord = FakeDiscord(application_id=APPLICATION_ID)
        self.signing_key, self.public_key = signing.generate_keypair()
        self.clock = FakeClock()
        self._ids = payloads.Ids(1_100_000_000_000_000_000)
        self._tokens = itertools.count(1)
        self.bot: hikari.RESTBot
        self.client: miru.Client
        self.menus: Any

    async def start(self, *, rest_started: bool = True) -> Env:
        """Start the fake Discord and the bot's REST client; build the framework under test."""
        await self.discord.start()
        self.bot = hikari.RESTBot(
            self.discord.bot_token, "Bot", self.public_key, rest_url=self.discord.rest_url, **QUIET
        )
        if rest_started:
            self.bot.rest.start()  # type: ignore[attr-defined]  # RESTClientImpl.start, as the harness does
        self.client = miru.Client(self.bot)
        options: dict[str, Any] = {}
        if self.framework == "flowfsm":
            options = {"clock": self.clock, "auto_expire": False, **self.manager_options}
        self.menus = flows.make(self.framework, self.client, **options)
        return self

    async def close(self) -> None:
        """Close the REST client and the fake Discord."""
        if self.bot.rest.is_alive:
            await self.bot.rest.close()
        await self.discord.close()

    @property
    def entity_factory(self) -> hikari.api.EntityFactory:
        """The bot's entity factory."""
        return self.bot.entity_factory

    def token(self) -> str:
        """A fresh interaction token, as long as Discord's (about 200 URL-safe characters).

        Real tokens are this size, and a framework that keeps the token of every session pays for it
        in the memory figures, so the benchmark must not hand out short ones.
        """
        prefix = f"aW50ZXJhY3Rpb246{next(self._tokens)}:"
        return prefix + secrets.token_urlsafe(150)[: TOKEN_LENGTH - len(prefix)]

    # -- interactions -------------------------------------------------------------------------------------

    def command(self, user_id: int) -> hikari.CommandInteraction:
        """A real ``/bench`` command interaction of ``user_id``."""
        payload = payloads.command_interaction(
            interaction_id=self._ids.next(),
            token=self.token(),
            user_id=user_id,
            command_name="bench",
            guild_id=GUILD_ID,
            channel_id=CHANNEL_ID,
            application_id=APPLICATION_ID,
        )
        interaction = self.entity_factory.deserialize_interaction(payload)
        assert isinstance(interaction, hikari.CommandInteraction)
        return interaction

    def click_payload(self, menu: OpenMenu, label: str) -> dict[str, Any]:
        """The Discord JSON of a click on ``label`` of ``menu``."""
        message = payloads.message(
            message_id=menu.message_id,
            channel_id=CHANNEL_ID,
            content=menu.content,
            components=menu.components,
            application_id=APPLICATION_ID,
            guild_id=GUILD_ID,
        )
        return payloads.component_interaction(
            interaction_id=self._ids.next(),
            token=self.token(),
            user_id=menu.user_id,
            custom_id=menu.custom_id(label),
            message=message,
            guild_id=GUILD_ID,
            channel_id=CHANNEL_ID,
            application_id=APPLICATION_ID,
        )

    def click(self, menu: OpenMenu, label: str) -> hikari.ComponentInteraction:
        """A real component interaction: ``menu``'s user clicks ``label``."""
        interaction = self.entity_factory.deserialize_interaction(self.click_payload(menu, label))
        assert isinstance(interaction, hikari.ComponentInteraction)
        return interaction

    def next_click(self, menu: OpenMenu) -> tuple[hikari.ComponentInteraction, str]:
        """The next click of the benchmark cycle on ``menu`` and the state it should lead to."""
        _, label, after = flows.CYCLE[menu.step % len(flows.CYCLE)]
        return self.click(menu, label), after

    # -- the two operations measured ----------------------------------------------------------------------

    async def open(self, interaction: hikari.CommandInteraction) -> dict[str, Any]:
        """Start a menu and build its first message payload (what the interaction server would send)."""
        builder = await self.menus.start(interaction)
        payload, _ = builder.build(self.entity_factory)
        return dict(payload)

    async def handle(self, interaction: hikari.ComponentInteraction) -> dict[str, Any]:
        """Route a click through the miru client and build the response payload."""
        builder = await self.client.handle_component_interaction(interaction)
        if builder is None:
            raise AssertionError(f"{self.framework}: no response to click {interaction.custom_id!r}")
        payload, _ = builder.build(self.entity_factory)
        return dict(payload)

    async def open_menu(self, user_id: int, interaction: hikari.CommandInteraction | None = None) -> OpenMenu:
        """Start a menu for ``user_id`` and return its client-side view (not timed)."""
        payload = await self.open(interaction or self.command(user_id))
        menu = OpenMenu(user_id, self._ids.next())
        menu.apply(payload)
        return menu


def rss_mb() -> float:
    """Current resident set size of this process, in MB (``/proc``; peak RSS from ``resource`` elsewhere)."""
    try:
        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 1e6
    except (OSError, ValueError):
        return peak_rss_mb()


def peak_rss_mb() -> float:
    """Peak resident set size of this process, in MB (``resource.getrusage``)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    return peak * 1024 / 1e6 if sys.platform != "darwin" else peak / 1e6


def full_gc() -> None:
    """Collect every generation (twice: finalizers may free more)."""
    gc.collect()
    gc.collect()

"""``make soak``: the inventory example under hostile load, faults and timeouts, in two processes.

* **The bot** (this process): ``examples.inventory`` on a ``hikari.RESTBot`` interaction server on
  127.0.0.1, with the real ``miru.Client`` and a :class:`flowfsm.FlowManager`; the shop's data in a
  SQLite file. Its clock jumps forward at random moments (and due sessions expire), so menus time out
  while users are busy with them. ``defer_after`` is small (50 ms by default, Discord allows 3 s) so
  that steps slowed by the database or the load are deferred and finished by a webhook edit: the
  REST path the faults hit.
* **Discord** (a second process): the loopback Discord REST API the bot calls
  (:class:`flowfsm.testing.FakeDiscord`), and many users sending signed interactions to the bot
  over HTTP: commands, valid clicks (mostly Buy), stale clicks on old copies of a menu, clicks on
  someone else's menu, malformed ``ff:`` ids, ids that are not flowfsm's, double clicks, "Open again"
  on expired menus, and users walking away. Forgeries too: a user's own valid custom id sent as a
  click on another user's menu message (a forged message binding), an earlier click's signed
  request posted again (a replay), and a button's id sent as a select with made-up values (values
  out of range). It injects random REST faults into the bot's calls
  (``FakeDiscord.fail_next``): 404 Unknown Message / Unknown Interaction, 429 with ``retry_after``,
  500 and 503 (sometimes more than hikari retries).

Live menus too: the shop's purchases invalidate the stock other menus watch (their menus refresh,
coalesced), and for the first ``SOAK_STORM_SHARE`` of the load (default 0.4) ``SOAK_WATCHERS``
more users (default 1,000) open a menu and leave it open: half the shop (browsing Potions), half
the auction example (timed edges: a tick every 10 s, the sale after 60 s; bids sent from outside
with ``flows.send``), while the bot invalidates random items' stock ``SOAK_STORM_RATE`` times a
second (default 1,000), an invalidation storm. The clock leaps only once the storm is over.

At the end the bot expires everything and checks; the last line printed is exactly::

    soak: N interactions, F faults injected, L lost updates, C crashes, S sessions left, X forged actions run,
    R refresh edits (bound B)

(one line): **refresh edits** are the edits invalidations caused; the bound is one per session per
flush, flushes being at most one per ``refresh_interval`` (each flush queues a session at most once).

* a **lost update** is a purchase acknowledged to a user (a message Discord accepted, showing
  "Bought ..." and the balance after it) that the database does not hold; the database's own
  books (balances, stock, owned items against the purchase ledger) must balance too;
* a **crash** is an exception that reached the bot's event loop (its exception handler);
* **sessions left** are sessions still held after the clock passed every timeout;
* a **forged action run** is a forged interaction (binding, out-of-range values) whose click reached
  an item (the bot's ``on_action`` hook saw its interaction id), an interaction id that ran twice
  (a replay), or a double click whose both clicks ran.

The exit status is non-zero unless L, C, S and X are 0 and R is within B (and the bot finished its background work within
``WIND_DOWN`` seconds of the load stopping). ``SOAK_SECONDS`` (default 120) sets the
duration of the load; ``SOAK_USERS``, ``SOAK_WORKERS``, ``SOAK_SEED``, ``SOAK_DEFER_AFTER`` and
``SOAK_FOREIGN_IDS`` (1: include ids that are not flowfsm's among the invalid clicks) tune it.

``STORE=redis`` (``make soak STORE=redis``) runs the same load over three replicas sharing a
RedisStore, with replica kills and restarts: see bench/soak_redis.py.
"""

from __future__ import annotations

import asyncio
import collections
import copy
import gc
import logging
import multiprocessing
import os
import random
import re
import socket
import sys
import tempfile
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
import aiosqlite  # noqa: E402
import hikari  # noqa: E402
import miru  # noqa: E402

from flowfsm import FlowManager, Texts  # noqa: E402
from flowfsm.testing import FakeDiscord, payloads, signing  # noqa: E402
from flowfsm.testing.harness import components_of  # noqa: E402

APPLICATION_ID = 4242
CHANNEL_ID = 222
GUILD_ID = 111
FIRST_USER = 700_000
FIRST_WATCHER = 900_000
STARTING_BALANCE = 600
CATALOG: tuple[tuple[str, str, str, int, int], ...] = (
    # sku, name, category, price, stock: plenty of most, a few that sell out (refusals, disabled buttons)
    ("potion", "Healing potion", "potions", 7, 1_000_000),
    ("elixir", "Elixir", "potions", 23, 1_000_000),
    ("phial", "Rare phial", "potions", 11, 40),
    ("sword", "Iron sword", "weapons", 19, 1_000_000),
    ("bow", "Longbow", "weapons", 17, 1_000_000),
    ("axe", "Golden axe", "weapons", 41, 25),
    ("map", "Treasure map", "curios", 29, 1_000_000),
    ("coin", "Old coin", "curios", 5, 1_000_000),
)
BOUGHT = re.compile(r"✅ Bought \*\*(?P<name>.+?)\*\* for (?P<price>\d+) coins\.")
BALANCE = re.compile(r"your balance: \*\*(?P<balance>\d+)\*\* coins")
BUTTON_WEIGHTS = {"Buy": 12.0, "Close": 0.3, "Back": 0.5}
"""How much likelier a user is to press a button, by the first word of its label (default 1)."""
THINK_TIMES = (0.0, 0.3, 0.5, 0.8, 1.0, 1.5)
"""Seconds a user looks at the screen before acting again, picked at random."""
TEXTS = Texts()
WIND_DOWN = 240.0
"""Seconds the bot may take to finish its background work once the load stops (each drain)."""
FAULT_ROUTES = {
    "edit @original": ("PATCH", r"^/webhooks/\d+/[^/]+/messages/@original$"),
    "channel edit": ("PATCH", r"^/channels/\d+/messages/\d+$"),
    "followup": ("POST", r"^/webhooks/\d+/[^/]+$"),
}


@dataclass(frozen=True)
class Settings:
    """What the run does; read from the environment."""

    seconds: float = 120.0
    users: int = 400
    workers: int = 32
    seed: int = 20240607
    defer_after: float = 0.05
    foreign_ids: bool = True
    watchers: int = 1000
    storm_rate: float = 1000.0
    storm_share: float = 0.4

    @classmethod
    def from_env(cls) -> Settings:
        """``SOAK_SECONDS``, ``SOAK_USERS``, ``SOAK_WORKERS``, ``SOAK_SEED``, ``SOAK_DEFER_AFTER``,
        ``SOAK_FOREIGN_IDS``."""
        env = os.environ
        return cls(
            seconds=float(env.get("SOAK_SECONDS", cls.seconds)),
            users=int(env.get("SOAK_USERS", cls.users)),
            workers=int(env.get("SOAK_WORKERS", cls.workers)),
            seed=int(env.get("SOAK_SEED", cls.seed)),
            defer_after=float(env.get("SOAK_DEFER_AFTER", cls.defer_after)),
            foreign_ids=env.get("SOAK_FOREIGN_IDS", "1") not in ("0", "false", "no"),
            watchers=int(env.get("SOAK_WATCHERS", cls.watchers)),
            storm_rate=float(env.get("SOAK_STORM_RATE", cls.storm_rate)),
            storm_share=float(env.get("SOAK_STORM_SHARE", cls.storm_share)),
        )


# =====================================================================================================
# Discord: the second process
# =====================================================================================================


@dataclass
class User:
    """One user as Discord sees them: their menu message, and what they saw before."""

    user_id: int
    menu_id: int | None = None
    old_copies: list[dict[str, Any]] = field(default_factory=list)
    """Earlier states of their menus: a client that has not refreshed still shows these."""
    last_reply: dict[str, Any] | None = None
    """The last ephemeral reply they got (it may carry an "Open again" button)."""
    away_until: float = 0.0
    loading_since: float = 0.0
    pending: tuple[int, Any, float] | None = None
    """A deferred click on their menu: (message id, its edit stamp then, when)."""
    busy: bool = False
    last_click: tuple[dict[str, Any], str] | None = None
    """The payload and token of this user's last valid click (replayed later)."""


class DiscordSide:
    """The loopback Discord, the users, the fault injector, and the record of acknowledgements."""

    def __init__(self, settings: Settings, conn: Connection) -> None:
        self.settings = settings
        self.conn = conn
        self.rng = random.Random(settings.seed)
        self.discord = FakeDiscord(application_id=APPLICATION_ID, bot_user_id=APPLICATION_ID)
        self.key, self.public_key = signing.generate_keypair()
        self.ids = payloads.Ids(1_600_000_000_000_000_000)
        self.users = [User(FIRST_USER + i) for i in range(settings.users)]
        self.owner_of_token: dict[str, int] = {}
        self.owner_of_message: dict[int, int] = {}
        self.acks: set[tuple[int, int]] = set()
        """(user, balance after the purchase) of every purchase a user was shown."""
        self.interactions = 0
        self.faults = 0
        self.counts: collections.Counter[str] = collections.Counter()
        self.forged: set[int] = set()
        """Interaction ids of forgeries that must run nothing."""
        self.doubles: list[tuple[int, int]] = []
        """The two interaction ids of each double click: at most one may run."""
        self.bot_url = ""
        self.http: aiohttp.ClientSession | None = None

    # -- plumbing ----------------------------------------------------------------------------------------

    async def run(self) -> None:
        await self.discord.start()
        self.conn.send(("discord", self.discord.rest_url, self.discord.bot_token, self.public_key))
        self.bot_url = await asyncio.get_running_loop().run_in_executor(None, self.conn.recv)
        connector = aiohttp.TCPConnector(limit=self.settings.workers * 2)
        self.http = aiohttp.ClientSession(connector=connector)
        deadline = time.monotonic() + self.settings.seconds
        try:
            scanner = asyncio.ensure_future(self._scan_forever())
            faults = asyncio.ensure_future(self._inject_faults(deadline))
            watchers = asyncio.ensure_future(self._open_watchers())
            await asyncio.gather(*(self._worker(deadline) for _ in range(self.settings.workers)))
            await watchers
            faults.cancel()
            await asyncio.gather(faults, return_exceptions=True)
            self.conn.send(("done",))
            # keep serving the bot's REST calls (final expiry edits) until it says goodbye
            await asyncio.get_running_loop().run_in_executor(None, self.conn.recv)
            scanner.cancel()
            await asyncio.gather(scanner, return_exceptions=True)
            self._scan()
            forgeries = (sorted(self.forged), self.doubles)
            self.conn.send(
                ("stats", self.interactions, self.faults, sorted(self.acks), dict(self.counts), forgeries)
            )
        finally:
            await self.http.close()
            await self.discord.close()

    async def _send(self, user: User, payload: dict[str, Any], token: str) -> dict[str, Any] | None:
        """Sign and POST one interaction to the bot; Discord then applies the bot's HTTP answer."""
        assert self.http is not None
        self.owner_of_token[token] = user.user_id
        self.interactions += 1
        try:
            status, answer = await signing.post_interaction(self.bot_url, payload, self.key, self.http)
        except aiohttp.ClientError as exc:
            self.counts[f"bot unreachable: {type(exc).__name__}"] += 1
            return None
        self.counts[f"bot HTTP {status}"] += 1
        if status != 200 or not isinstance(answer, dict):
            return None
        self.counts[f"bot answered type {answer.get('type')}"] += 1
        url = f"{self.discord.rest_url}/interactions/{payload['id']}/{token}/callback?with_response=true"
        async with self.http.post(url, json=answer) as response:
            await response.read()
            if response.status != 200:
                self.counts[f"callback refused {response.status}"] += 1
        return answer

    def _token(self) -> str:
        return f"soak{self.ids.next()}"

    async def _open_watchers(self) -> None:
        """Users who open a menu and leave it open: half a shop browsing Potions (its stock is
        invalidated by the storm), half an auction (timed edges, bids sent from outside)."""
        gate = asyncio.Semaphore(8)

        async def open_one(index: int) -> None:
            async with gate:
                user = User(FIRST_WATCHER + index)
                await self.command(user, "auction" if index % 2 else "inventory")
                menu = self.current_menu(user)
                if index % 2 == 0 and menu is not None:
                    potions = [b for b in self.live_buttons(menu) if b.get("label") == "Potions"]
                    if potions:
                        await self.click(user, menu, str(potions[0]["custom_id"]), "watcher click")
                self.counts["watcher opened a menu"] += 1

        await asyncio.gather(*(open_one(i) for i in range(self.settings.watchers)))

    # -- what users do -------------------------------------------------------------------------------

    async def command(self, user: User, name: str = "inventory") -> None:
        iid, token = self.ids.next(), self._token()
        self.discord.register_interaction(iid, token, channel_id=CHANNEL_ID)
        payload = payloads.command_interaction(
            interaction_id=iid,
            token=token,
            user_id=user.user_id,
            command_name=name,
            guild_id=GUILD_ID,
            channel_id=CHANNEL_ID,
            application_id=APPLICATION_ID,
        )
        self.counts["command" if name == "inventory" else f"command /{name}"] += 1
        await self._send(user, payload, token)
        self._adopt(user, token)

    def _adopt(self, user: User, token: str, clicked: dict[str, Any] | None = None) -> None:
        """The message an interaction created becomes the user's menu (if it is not ephemeral);
        an ephemeral "expired" (or error) answer to a click on their menu means that menu is dead."""
        message = self.discord.message_for_token(token)
        if message is None:
            return
        if int(message.get("flags") or 0) & payloads.EPHEMERAL:
            user.last_reply = message
            text = str(message.get("content") or "")
            self.counts[f"ephemeral reply: {re.sub(r'[0-9]+', 'N', text)[:48]}"] += 1
            dead = any(text.startswith(t.split("{")[0]) for t in (TEXTS.expired, TEXTS.error, TEXTS.timeout))
            if dead and clicked is not None and clicked.get("id") and int(clicked["id"]) == user.menu_id:
                user.menu_id = None
            return
        if user.menu_id is not None and user.menu_id in self.discord.messages:
            user.old_copies.append(copy.deepcopy(self.discord.messages[user.menu_id]))
        user.menu_id = int(message["id"])
        self.owner_of_message[user.menu_id] = user.user_id

    async def click(
        self,
        user: User,
        message: dict[str, Any],
        custom_id: str,
        kind: str,
        *,
        component_type: int = 2,
        values: list[str] | None = None,
    ) -> int:
        """Send one component interaction; returns its id."""
        iid, token = self.ids.next(), self._token()
        self.discord.register_interaction(iid, token, channel_id=CHANNEL_ID, message_id=int(message["id"]))
        payload = payloads.component_interaction(
            interaction_id=iid,
            token=token,
            user_id=user.user_id,
            custom_id=custom_id,
            message=message,
            component_type=component_type,
            values=values,
            guild_id=GUILD_ID,
            channel_id=CHANNEL_ID,
            application_id=APPLICATION_ID,
        )
        self.counts[kind] += 1
        if kind == "valid click":
            user.last_click = (payload, token)
        mine = bool(message.get("id")) and int(message["id"]) == user.menu_id
        if mine:
            user.old_copies.append(copy.deepcopy(message))
            del user.old_copies[:-5]
        answer = await self._send(user, payload, token)
        if mine and answer is not None and answer.get("type") == 6:
            # deferred: the screen changes when the bot's edit lands; the user watches for it
            user.pending = (int(message["id"]), message.get("edited_timestamp"), time.monotonic())
        self._adopt(user, token, message)
        return iid

    async def forge_binding(self, user: User, own: dict[str, Any], buttons: list[dict[str, Any]]) -> None:
        """The user's own current custom id, sent as a click on someone else's menu message."""
        other = self.rng.choice(self.users)
        theirs = self.current_menu(other)
        if other is user or theirs is None:
            return
        iid = await self.click(user, theirs, self.rng.choice(buttons)["custom_id"], "forged message binding")
        self.forged.add(iid)

    async def replay(self, user: User) -> None:
        """An earlier click's signed request, posted again as it was (same id, same token)."""
        if user.last_click is None:
            return
        payload, token = user.last_click
        self.counts["replayed request"] += 1
        await self._send(user, payload, token)

    async def out_of_range(self, user: User, menu: dict[str, Any], buttons: list[dict[str, Any]]) -> None:
        """A button's id sent as a select, with values it never offered."""
        values = [f"forged{self.rng.randrange(100)}" for _ in range(self.rng.randint(1, 30))]
        iid = await self.click(
            user,
            menu,
            self.rng.choice(buttons)["custom_id"],
            "out-of-range values",
            component_type=3,
            values=values,
        )
        self.forged.add(iid)

    def current_menu(self, user: User) -> dict[str, Any] | None:
        if user.menu_id is None:
            return None
        return self.discord.messages.get(user.menu_id)

    @staticmethod
    def live_buttons(message: dict[str, Any] | None) -> list[dict[str, Any]]:
        if message is None:
            return []
        return [c for c in components_of(message) if c.get("custom_id") and not c.get("disabled")]

    async def act(self, user: User) -> None:
        """One thing a user does, picked at random."""
        rng = self.rng
        if user.pending is not None:
            message_id, stamp, since = user.pending
            shown = self.discord.messages.get(message_id)
            if (
                shown is not None
                and shown.get("edited_timestamp") == stamp
                and time.monotonic() - since < 10.0
            ):
                user.away_until = time.monotonic() + 0.2  # still the old screen: wait for the update
                return
            if shown is not None and shown.get("edited_timestamp") == stamp:
                self.counts["gave up waiting for a deferred update"] += 1
            user.pending = None
        menu = self.current_menu(user)
        if menu is not None and int(menu.get("flags") or 0) & payloads.LOADING:
            # "thinking…": the bot deferred and has not finished yet. Users wait a little, then give up.
            now = time.monotonic()
            if user.loading_since == 0.0:
                user.loading_since = now
            if now - user.loading_since < 10.0:
                user.away_until = now + 0.2
                return
            self.counts["gave up on a menu stuck thinking"] += 1
            menu = None
        user.loading_since = 0.0
        buttons = self.live_buttons(menu)
        roll = rng.random()
        if not buttons:
            reopen = [
                c for c in components_of(user.last_reply or {}) if c.get("custom_id", "").endswith(":~open")
            ]
            if reopen and user.last_reply is not None and roll < 0.5:
                reply, user.last_reply = user.last_reply, None
                await self.click(user, reply, reopen[0]["custom_id"], "open again")
            else:
                await self.command(user)
            return
        assert menu is not None
        if roll < 0.70:
            weights = [BUTTON_WEIGHTS.get(str(c.get("label", "")).split(" ")[0], 1.0) for c in buttons]
            button = rng.choices(buttons, weights)[0]
            await self.click(user, menu, button["custom_id"], "valid click")
        elif roll < 0.76 and user.old_copies:
            old = rng.choice(user.old_copies)
            old_buttons = self.live_buttons(old)
            if old_buttons:
                await self.click(user, old, rng.choice(old_buttons)["custom_id"], "click on an old copy")
        elif roll < 0.80:
            other = rng.choice(self.users)
            theirs = self.current_menu(other)
            if other is not user and self.live_buttons(theirs):
                assert theirs is not None
                await self.click(
                    user, theirs, rng.choice(self.live_buttons(theirs))["custom_id"], "not yours"
                )
        elif roll < 0.84:
            await self.click(user, menu, self.malformed(rng.choice(buttons)["custom_id"]), "malformed ff: id")
        elif roll < 0.86 and self.settings.foreign_ids:
            await self.click(user, menu, f"other-lib:{rng.randrange(10**6)}", "foreign id")
        elif roll < 0.90:
            button = rng.choice(buttons)
            self.counts["double click"] += 1
            first, second = await asyncio.gather(
                *(self.click(user, menu, button["custom_id"], "valid click") for _ in range(2))
            )
            self.doubles.append((first, second))
        elif roll < 0.92:
            self.counts["walked away"] += 1
            user.away_until = time.monotonic() + rng.uniform(2, 20)
        elif roll < 0.94:
            await self.forge_binding(user, menu, buttons)
        elif roll < 0.96:
            await self.replay(user)
        elif roll < 0.98:
            await self.out_of_range(user, menu, buttons)
        else:
            await self.click(user, menu, rng.choice(buttons)["custom_id"], "valid click")

    def malformed(self, cid: str) -> str:
        rng = self.rng
        how = rng.randrange(5)
        if how == 0:
            return cid[: rng.randrange(3, len(cid))]
        if how == 1:
            return cid + "x" * rng.randrange(1, 120)
        if how == 2:
            at = rng.randrange(3, len(cid))
            return cid[:at] + rng.choice(
                "\uff46\uff1a\uff10\u00e9\U0001f642\u200b"
            )  # look-alikes, emoji, invisible + cid[at + 1 :]
        if how == 3:
            return "ff:" + "".join(rng.choice("abc:_-09") for _ in range(rng.randrange(0, 60)))
        parts = cid.split(":")
        parts[3] = "zz"  # a state index the flow does not have
        return ":".join(parts)

    async def _worker(self, deadline: float) -> None:
        rng = self.rng
        while (now := time.monotonic()) < deadline:
            candidates = [u for u in rng.sample(self.users, 8) if not u.busy and u.away_until <= now]
            if not candidates:
                await asyncio.sleep(0.001)
                continue
            user = candidates[0]
            user.busy = True
            try:
                await self.act(user)
            finally:
                user.busy = False
                # people read a screen before they click again (an impatient few do not)
                user.away_until = max(user.away_until, time.monotonic() + rng.choice(THINK_TIMES))

    # -- faults --------------------------------------------------------------------------------------

    async def _inject_faults(self, deadline: float) -> None:
        rng = self.rng
        while time.monotonic() < deadline - 15:  # the last faults still get time to play out
            await asyncio.sleep(rng.uniform(0.05, 0.4))
            route = rng.choice(list(FAULT_ROUTES))
            method, path = FAULT_ROUTES[route]
            status = rng.choice([404, 404, 429, 429, 429, 500, 503])
            times = rng.choice([1, 1, 1, 2, 4]) if status >= 500 else rng.choice([1, 1, 2, 3])
            body = (
                {"code": 10062, "message": "Unknown interaction"}
                if status == 404 and rng.random() < 0.5
                else None
            )
            retry_after = rng.uniform(0.01, 0.2) if status == 429 else None
            self.discord.fail_next(method, path, status, body=body, retry_after=retry_after, times=times)
            self.faults += times
            self.counts[f"fault {status} on {route}"] += times

    # -- what users were shown -------------------------------------------------------------------------

    async def _scan_forever(self) -> None:
        while True:
            await asyncio.sleep(0.5)
            self._scan()

    def _scan(self) -> None:
        """Record every purchase a user was shown, from the requests Discord accepted; forget them."""
        requests = self.discord.requests
        done = next((i for i, r in enumerate(requests) if r.status == 0), len(requests))
        for record in requests[:done]:
            if record.status != 200 and not record.path.endswith("/callback"):
                self.counts[
                    f"Discord answered {record.status} to the bot's {record.method} {self._route(record.path)}"
                ] += 1
            if record.status != 200 or not isinstance(record.json, dict):
                continue
            body = record.json
            data = body.get("data") if "type" in body else body
            content = (data or {}).get("content") if isinstance(data, dict) else None
            if not content or not BOUGHT.search(content):
                continue
            balance = BALANCE.search(content)
            owner = self._owner(record.path)
            if balance is None or owner is None:
                self.counts["unattributed acknowledgement"] += 1
                continue
            self.acks.add((owner, int(balance["balance"])))
        del requests[:done]

    @staticmethod
    def _route(path: str) -> str:
        return re.sub(r"/\d+", "/{id}", re.sub(r"/webhooks/(\d+)/[^/]+", "/webhooks/{app}/{token}", path))

    def _owner(self, path: str) -> int | None:
        parts = path.split("/")
        if parts[1] == "interactions":
            return self.owner_of_token.get(parts[3])
        if parts[1] == "webhooks":
            return self.owner_of_token.get(parts[3])
        if parts[1] == "channels":
            return self.owner_of_message.get(int(parts[4]))
        return None


def discord_process(settings: Settings, conn: Connection) -> None:
    """Entry point of the second process."""
    logging.basicConfig(level=logging.CRITICAL)
    asyncio.run(DiscordSide(settings, conn).run())


# =====================================================================================================
# The bot: this process
# =====================================================================================================


class JumpClock:
    """Monotonic time that can leap forward (a random "the user went to lunch")."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.monotonic() + self.offset

    def jump(self, seconds: float) -> None:
        self.offset += seconds


@dataclass
class BotReport:
    """What the bot saw: exceptions at its event loop, ERROR records, clock jumps, what is left."""

    started: float = field(default_factory=time.monotonic)
    phases: dict[str, float] = field(default_factory=dict)
    crashes: list[str] = field(default_factory=list)
    errors: collections.Counter[str] = field(default_factory=collections.Counter)
    jumps: int = 0
    expired: int = 0
    stuck: int = 0
    """Background jobs still unfinished :data:`WIND_DOWN` seconds after the load stopped."""
    sessions_left: int = 0
    ran: collections.Counter[int] = field(default_factory=collections.Counter)
    """How many times each interaction id reached an item (the ``on_action`` hook)."""
    storm: collections.Counter[str] = field(default_factory=collections.Counter)
    """The invalidation storm: invalidations, peak open sessions, bids sent, timed edges."""
    live: Any = None
    """The manager's :class:`~flowfsm.LiveStats` at the end."""


class _CountErrors(logging.Handler):
    def __init__(self, report: BotReport) -> None:
        super().__init__(logging.ERROR)
        self.report = report

    def emit(self, record: logging.LogRecord) -> None:
        error = record.exc_info[1] if record.exc_info else None
        cause = f" ({type(error).__name__})" if error is not None else ""
        self.report.errors[f"{record.name}: {str(record.msg).split('%')[0][:60].strip()}{cause}"] += 1


async def run_bot(settings: Settings, conn: Connection, db_path: Path) -> tuple[BotReport, tuple[Any, ...]]:
    from examples import auction
    from examples import inventory as shop

    loop = asyncio.get_running_loop()
    report = BotReport()
    loop.set_exception_handler(
        lambda _loop, context: report.crashes.append(
            f"{context.get('message')}: {context.get('exception')!r}"
        )
    )
    logging.getLogger().addHandler(_CountErrors(report))
    logging.getLogger().setLevel(logging.ERROR)

    hello = await loop.run_in_executor(None, conn.recv)
    _, rest_url, bot_token, public_key = hello
    store = shop.configure(db_path, catalog=CATALOG, starting_balance=STARTING_BALANCE)
    await store.connection()
    clock = JumpClock()
    quiet: dict[str, Any] = {"banner": None, "logs": None, "suppress_optimization_warning": True}
    bot = hikari.RESTBot(bot_token, "Bot", public_key, rest_url=rest_url, **quiet)
    manager = FlowManager(
        miru.Client(bot),
        [shop.inventory, auction.auction],
        clock=clock,
        defer_after=settings.defer_after,
        step_timeout=15.0,
    )
    # Clicks only (sends, timed edges and refreshes run with no interaction).
    manager.add_hook(
        "on_action", lambda ctx: ctx.interaction and report.ran.update((int(ctx.interaction.id),))
    )

    async def on_command(interaction: hikari.CommandInteraction) -> Any:
        if interaction.command_name == "auction":
            return await manager.start(interaction, auction.auction)
        options = await shop.start_options(int(interaction.user.id))
        return await manager.start(interaction, shop.inventory, options=options)

    bot.interaction_server.set_listener(hikari.CommandInteraction, on_command)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    await bot.start(check_for_updates=False, socket=sock)
    conn.send(f"http://127.0.0.1:{sock.getsockname()[1]}/")

    rng = random.Random(settings.seed + 1)
    stop = asyncio.Event()

    storm_over = asyncio.Event()

    async def storm() -> None:
        """Invalidate random items' stock ``storm_rate`` times a second; send auctions bids."""
        skus = [sku for sku, *_ in CATALOG]
        ends = time.monotonic() + settings.seconds * settings.storm_share
        per_tick = max(1, round(settings.storm_rate / 100))
        bids = 0
        while time.monotonic() < ends and not stop.is_set():
            for _ in range(per_tick):
                manager.invalidate("stock", rng.choice(skus))
            report.storm["invalidations"] += per_tick
            report.storm["peak open sessions"] = max(
                report.storm["peak open sessions"], len(manager.sessions)
            )
            auctions = manager.open_sessions(flow=auction.auction) if rng.random() < 0.05 else []
            if auctions:
                bids += 1
                result = await manager.send(rng.choice(auctions), "outbid", bidder="web", amount=100 + bids)
                report.storm[f"bid sent: {result.status}"] += 1
            await asyncio.sleep(0.01)
        storm_over.set()

    async def chaos() -> None:
        """Now and then, time leaps forward and the sessions it passes by expire."""
        await storm_over.wait()  # the storm's menus stay open while it lasts
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), rng.uniform(1.0, 4.0))
            except TimeoutError:
                pass
            report.storm["peak open sessions"] = max(
                report.storm["peak open sessions"], len(manager.sessions)
            )
            if not stop.is_set() and rng.random() < 0.5:
                clock.jump(rng.uniform(30, 240))
                report.jumps += 1
                report.expired += manager.expire_due()

    storm_task = asyncio.ensure_future(storm())
    chaos_task = asyncio.ensure_future(chaos())
    report.phases["start-up"] = time.monotonic() - report.started
    message = await loop.run_in_executor(None, conn.recv)
    assert message == ("done",)
    report.phases["load"] = time.monotonic() - report.started - sum(report.phases.values())
    stop.set()
    await storm_task
    await chaos_task
    # in-flight steps and queued edits finish (hikari may still be backing off from 5xx faults),
    # then time passes every timeout and the last sessions expire
    for last in (False, True):
        if last:
            clock.jump(shop.inventory.timeout + 1)
            report.expired += manager.expire_due()
        try:
            async with asyncio.timeout(WIND_DOWN):
                await manager.drain()
        except TimeoutError:
            report.stuck = max(report.stuck, len(manager.outbox) or 1)
    report.sessions_left = len(manager.sessions)
    report.live = manager.live_stats
    report.phases["wind-down"] = time.monotonic() - report.started - sum(report.phases.values())
    await manager.close()
    conn.send("bye")
    stats = await loop.run_in_executor(None, conn.recv)
    await bot.close()
    await store.close()
    gc.collect()
    await asyncio.sleep(0)
    return report, stats


async def count_lost_updates(db_path: Path, acks: list[tuple[int, int]]) -> tuple[int, list[str]]:
    """Acknowledged purchases the database does not hold, plus any imbalance in its books."""
    problems: list[str] = []
    prices = {sku: price for sku, _, _, price, _ in CATALOG}
    initial_stock = {sku: stock for sku, _, _, _, stock in CATALOG}
    async with aiosqlite.connect(db_path) as conn:
        ledger = list(await conn.execute_fetchall("SELECT user_id, sku, price FROM purchases ORDER BY id"))
        balances: dict[int, int] = {
            r[0]: r[1] for r in await conn.execute_fetchall("SELECT user_id, balance FROM users")
        }
        stock: dict[str, int] = {
            r[0]: r[1] for r in await conn.execute_fetchall("SELECT sku, stock FROM items")
        }
        owned = list(await conn.execute_fetchall("SELECT user_id, sku, quantity FROM owned"))
    after: dict[int, set[int]] = collections.defaultdict(set)
    running: dict[int, int] = collections.defaultdict(lambda: STARTING_BALANCE)
    sold: collections.Counter[str] = collections.Counter()
    bought: collections.Counter[tuple[int, str]] = collections.Counter()
    for user_id, sku, price in ledger:
        if price != prices[sku]:
            problems.append(f"purchase of {sku} at {price}, the price is {prices[sku]}")
        running[user_id] -= price
        after[user_id].add(running[user_id])
        sold[sku] += 1
        bought[(user_id, sku)] += 1
    lost = [(user, balance) for user, balance in acks if balance not in after.get(user, set())]
    for user_id, balance in balances.items():
        if balance != running[user_id]:
            problems.append(f"user {user_id}: balance {balance}, the ledger says {running[user_id]}")
    for sku, left in stock.items():
        if left != initial_stock[sku] - sold[sku]:
            problems.append(f"{sku}: stock {left}, the ledger says {initial_stock[sku] - sold[sku]}")
    if {(u, s): q for u, s, q in owned} != dict(bought):
        problems.append("owned items do not match the ledger")
    shown = [
        f"user {user}: shown a purchase leaving {balance} coins; the database has none"
        for user, balance in lost
    ]
    return len(lost) + len(problems), shown + problems


def main() -> int:
    """Run the soak; print the summary line; return the exit status."""
    if os.environ.get("STORE", "memory") == "redis":
        from bench import soak_redis  # three replicas on a RedisStore, with kills

        return soak_redis.main()
    settings = Settings.from_env()
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    discord = context.Process(target=discord_process, args=(settings, child), name="soak-discord")
    started = time.monotonic()
    discord.start()
    child.close()  # only the Discord process holds its end: if it dies, our reads end too
    # the database on tmpfs when there is one: the soak checks correctness, not the disk's fsync
    shm = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
    with tempfile.TemporaryDirectory(prefix="flowfsm-soak-", dir=shm) as tmp:
        db_path = Path(os.environ.get("SOAK_DB_DIR", tmp)) / "inventory.sqlite3"
        try:
            report, stats = asyncio.run(run_bot(settings, parent, db_path))
        finally:
            discord.join(timeout=30)
            if discord.is_alive():
                discord.terminate()
        _, interactions, faults, acks, counts, (forged, doubles) = stats
        lost, problems = asyncio.run(count_lost_updates(db_path, acks))
    elapsed = time.monotonic() - started
    print(f"soak: {elapsed:.0f} s, {settings.users} users, {settings.workers} at once, seed {settings.seed}")
    print("  " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in report.phases.items()))
    print(
        f"  {len(acks)} purchases acknowledged; clock jumps {report.jumps}, sessions expired {report.expired}"
    )
    for key, value in sorted(counts.items()):
        print(f"  {key}: {value}")
    for key, value in report.errors.most_common():
        print(f"  logged ERROR {key}: {value}")
    kinds = collections.Counter(
        re.sub(r"(component|modal) [^ ]+?\.'", r"\1 <id>.'", c) for c in report.crashes
    )
    for crash, number in kinds.most_common(10):
        print(f"  crash x{number}: {crash}")
    for problem in problems[:10]:
        print(f"  lost update: {problem}")
    if report.stuck:
        print(f"  wind-down: {report.stuck} background job(s) still unfinished after {WIND_DOWN:.0f} s")
    crashes = len(report.crashes)
    forged_run = forged_actions_run(report.ran, forged, doubles)
    live = report.live
    for key, value in sorted(report.storm.items()):
        print(f"  storm: {key}: {value}")
    # Each flush queues a session at most once: never more refresh edits than flushes x sessions.
    bound = live.flushes * max(report.storm["peak open sessions"], 1)
    print(
        f"  refresh: {live.invalidations} invalidations, {live.marked} marks, {live.coalesced} coalesced, "
        f"{live.flushes} flushes, {live.refreshes} edits, {live.unreachable} unreachable"
    )
    print(
        f"soak: {interactions} interactions, {faults} faults injected, {lost} lost updates, "
        f"{crashes} crashes, {report.sessions_left} sessions left, {forged_run} forged actions run, "
        f"{live.refreshes} refresh edits (bound {bound})"
    )
    healthy = lost == 0 and crashes == 0 and report.sessions_left == 0 and not report.stuck
    healthy = healthy and live.refreshes <= bound
    return 0 if healthy and forged_run == 0 else 1


def forged_actions_run(
    ran: collections.Counter[int], forged: list[int], doubles: list[tuple[int, int]]
) -> int:
    """Forgeries that reached an item, interaction ids that ran twice, double clicks that ran twice."""
    return (
        sum(1 for iid in forged if ran[iid])
        + sum(count - 1 for count in ran.values() if count > 1)
        + sum(1 for first, second in doubles if ran[first] and ran[second])
    )


if __name__ == "__main__":
    sys.exit(main())

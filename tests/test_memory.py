"""Ten thousand sessions come and go; nothing stays behind.

A ``hikari.RESTBot`` with the real ``miru.Client`` and a :class:`FlowManager` receives signed
interactions through ``bot.interaction_server.on_interaction(body, signature, timestamp)`` -
hikari's documented entry point for feeding an interaction server (signature check, JSON,
entity factory, listener, miru, flowfsm, the response builder serialized), only without a socket.
The first 1,000 sessions go that way; the other 9,000 take a shorter road to fit the time budget:
the entity factory builds each interaction, and ``FlowManager.start`` (what the command listener
calls) or miru's ``Client.handle_component_interaction`` (what the interaction server's listener
calls) answers it. REST calls (expiry edits) go to the loopback Discord.

Each batch opens a session per user, clicks ``+1`` on some, then closes one in five (the ``Close``
button, into a final state) and lets the rest expire (the fake clock moves past the timeout).
After each batch: no session is held, no ``Session`` or ``Context`` object is alive, nothing is
queued. Memory: 8,000 sessions first (warming every cache), then tracemalloc traces two batches of
1,000; after ``gc.collect()``, the second leaves no more than a small bound beyond the first.
(Traced batches are small because tracing makes every allocation several times slower.)
"""

from __future__ import annotations

import gc
import json
import tracemalloc
from typing import Any

import hikari
import miru

from flowfsm import Button, Context, Flow, FlowManager, Screen, Session
from flowfsm.testing import FakeClock, FakeDiscord, payloads, signing

BULK = 8_000
SIGNED = 1_000
"""Sessions of the bulk that go the whole way: signed body, interaction server, miru."""
BATCH = 1_000
TIMEOUT = 900
"""The flow's timeout: longer than an interaction token lives, so expiry edits mostly need no HTTP."""
GROWTH_BOUND = 64 * 1024
"""Bytes a traced batch may leave beyond the one before it. A session (object, dicts, items) is
well over 500 bytes; a leak of even 64 bytes per session of a 1,000-session batch exceeds this."""
URL_CACHES = ("/yarl/", "/aiohttp/", "/multidict/", "/hikari/internal/routes.py", "/flowfsm/engine/trust.py")
"""Allocation sites left out of the comparison: URL strings and ``yarl.URL`` objects that yarl keeps
in ``functools.lru_cache``s (128 entries each). Entries made before tracing started are untraced,
so while those caches turn over, traced memory appears to grow (by ~30 KB a batch here, for the
first few batches, then not at all); it is bounded and none of it is flowfsm's, hikari's or miru's.
flowfsm's replay guard (``trust.SeenInteractions``: the last 10,000 interaction ids, fixed size,
asserted in ``test_adversarial_trust``) turns over the same way (~65 KB a batch until it holds
only traced ids)."""


def build_flow() -> Flow:
    """A menu with a counter and a Close button leading to a final state."""
    flow = Flow("mem", command="mem", timeout=TIMEOUT)

    def inc(ctx: Context) -> None:
        ctx.data["n"] = ctx.data.get("n", 0) + 1
        ctx.state["touched"] = True

    @flow.state(initial=True)
    def main(ctx: Context) -> Screen:
        return Screen(
            f"n={ctx.data.get('n', 0)}", items=[Button("+1", action=inc), Button("Close", trigger="close")]
        )

    @flow.state(final=True)
    def closed(ctx: Context) -> Screen:
        return Screen("closed")

    flow.transition("close", "main", "closed")
    return flow


class Stack:
    """FakeDiscord, a RESTBot fed through ``on_interaction``, miru, and the manager."""

    def __init__(self) -> None:
        self.discord = FakeDiscord()
        self.clock = FakeClock()
        self.key, _ = signing.generate_keypair()
        self.ids = payloads.Ids(1_500_000_000_000_000_000)
        self.direct = False
        self.bot: hikari.RESTBot
        self.client: miru.Client
        self.manager: FlowManager

    async def start(self) -> None:
        await self.discord.start()
        self.bot = hikari.RESTBot(
            self.discord.bot_token,
            "Bot",
            self.key.verify_key.encode().hex(),
            rest_url=self.discord.rest_url,
            banner=None,
            logs=None,
            suppress_optimization_warning=True,
        )
        self.bot.rest.start()  # type: ignore[attr-defined]
        self.client = miru.Client(self.bot)
        self.manager = FlowManager(self.client, [build_flow()], clock=self.clock, auto_expire=False)
        self.bot.interaction_server.set_listener(hikari.CommandInteraction, self._command)

    async def _command(self, interaction: hikari.CommandInteraction) -> Any:
        return await self.manager.start(interaction, "mem")

    async def close(self) -> None:
        await self.manager.close()
        await self.bot.rest.close()
        await self.discord.close()

    async def send(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Deliver one interaction as Discord would; return the decoded response payload.

        With ``direct`` set, skip the signed body: the entity factory builds the interaction, and
        ``FlowManager.start`` (a command) or ``miru.Client.handle_component_interaction`` (a click,
        routed by miru to flowfsm's hook) answers it.
        """
        if self.direct:
            interaction = self.bot.entity_factory.deserialize_interaction(payload)
            if isinstance(interaction, hikari.CommandInteraction):
                builder = await self.manager.start(interaction, "mem")
            else:
                assert isinstance(interaction, hikari.ComponentInteraction)
                builder = await self.client.handle_component_interaction(interaction)
            built, _ = builder.build(self.bot.entity_factory)
            return json.loads(json.dumps(built))
        body = json.dumps(payload).encode()
        headers = signing.sign(self.key, body)
        response = await self.bot.interaction_server.on_interaction(
            body, bytes.fromhex(headers[signing.SIGNATURE_HEADER]), headers[signing.TIMESTAMP_HEADER].encode()
        )
        assert response.status_code == 200, (response.status_code, response.payload)
        assert response.payload is not None
        return json.loads(bytes(response.payload))

    async def open_menu(self, user: int) -> dict[str, Any]:
        """Run the command for ``user``; return the response payload (the menu as it was sent)."""
        iid = self.ids.next()
        answer = await self.send(
            payloads.command_interaction(
                interaction_id=iid, token=f"t{iid}", user_id=user, command_name="mem", application_id=4242
            )
        )
        assert answer["type"] == 4
        return answer

    async def click(self, user: int, answer: dict[str, Any], label: str) -> dict[str, Any]:
        """Click the button ``label`` on the menu a command answered; return the response payload."""
        menu = payloads.message(
            message_id=int(answer.setdefault("message_id", self.ids.next())),
            channel_id=222,
            content=answer["data"]["content"],
            components=answer["data"]["components"],
            application_id=4242,
        )
        cid = next(
            c["custom_id"] for row in menu["components"] for c in row["components"] if c["label"] == label
        )
        iid = self.ids.next()
        return await self.send(
            payloads.component_interaction(
                interaction_id=iid,
                token=f"t{iid}",
                user_id=user,
                custom_id=cid,
                message=menu,
                application_id=4242,
            )
        )

    async def batch(self, size: int, first_user: int) -> None:
        """Open ``size`` menus; close one in five (some after a ``+1``), let the rest expire (some
        after a ``+1``)."""
        menus = {first_user + i: await self.open_menu(first_user + i) for i in range(size)}
        assert len(self.manager.sessions) == size
        for index, (user, menu) in enumerate(menus.items()):
            if index % 20 in (0, 3):
                updated = await self.click(user, menu, "+1")
                assert updated["type"] == 7
                # the menu now shows the updated screen (a click on the first one would be stale)
                menu = {**updated, "message_id": menu["message_id"]}
            if index % 5 == 0:
                assert (await self.click(user, menu, "Close"))["data"]["content"] == "closed"
        closed = len(range(0, size, 5))
        assert len(self.manager.sessions) == size - closed
        self.clock.advance(TIMEOUT + 1)
        assert self.manager.expire_due() == size - closed
        await self.manager.drain()
        assert len(self.manager.sessions) == 0
        assert self.manager.sessions.next_deadline() is None
        assert len(self.manager.outbox) == 0
        # Past the token's 15 minutes, an expired menu is disabled through the channel when its
        # message is known (it is after a click): those edits reached Discord (404 there: the
        # loopback Discord never saw these messages). The others cannot be edited at all.
        assert sum(r.method == "PATCH" for r in self.discord.requests) == len(range(3, size, 20))
        self.discord.clear()  # the test's own record of requests is not the bot's memory


def live(kind: type) -> int:
    """How many objects of ``kind`` are alive."""
    return sum(1 for o in gc.get_objects() if type(o) is kind)


def held() -> int:
    """Traced bytes still allocated, leaving out the URL caches (see :data:`URL_CACHES`)."""
    gc.collect()
    snapshot = tracemalloc.take_snapshot().filter_traces(
        [tracemalloc.Filter(False, f"*{site}*") for site in URL_CACHES]
        + [tracemalloc.Filter(False, tracemalloc.__file__)]
    )
    return sum(stat.size for stat in snapshot.statistics("filename"))


async def test_ten_thousand_sessions_leave_nothing_behind() -> None:
    """10,000 sessions: 8,000 (1,000 of them through the signed path), then two traced batches of
    1,000; the second leaves no more than a small bound beyond the first."""
    stack = Stack()
    await stack.start()
    try:
        await stack.batch(SIGNED, 100_000)
        stack.direct = True
        await stack.batch(BULK - SIGNED, 200_000)
        gc.collect()
        assert live(Session) == 0 and live(Context) == 0
        tracemalloc.start()
        try:
            await stack.batch(BATCH, 300_000)
            first = held()
            await stack.batch(BATCH, 400_000)
            second = held()
        finally:
            tracemalloc.stop()
        assert live(Session) == 0 and live(Context) == 0
        assert second - first < GROWTH_BOUND, f"the second batch of {BATCH} left {second - first} more bytes"
    finally:
        await stack.close()

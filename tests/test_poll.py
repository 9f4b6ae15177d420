"""The stateless poll through the real stack: votes, one vote per user, the scheduled close, restarts.

Clicks go through the real ``miru.Client`` into the poll's unhandled-component hook, wired by
``examples.poll.build`` in the documented order (poll hook first, FlowManager second, which passes
non-``ff:`` custom ids on to it), through ``Harness(wire=...)``. One test checks the other order
(hook installed after an existing FlowManager). :class:`PollBot` plays a process restart: a
second bot on the same fake Discord (which keeps the poll messages) and the same database file.

The poll's clock is a :class:`FakeClock` holding Unix time: nothing sleeps.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import hikari
import pytest

from examples import poll as poll_example
from examples.poll import Poll, Polls, PollStore, parse_custom_id, results_id, vote_id
from examples.quickstart import weather
from flowfsm import FlowManager
from flowfsm.testing import Harness, payloads
from flowfsm.testing.discord_api import FakeDiscord
from flowfsm.testing.harness import DEFAULT_USER, OTHER_USER, FakeClock, Reply, components_of

T0 = 1_700_000_000.0
HOUR, DAY = 3600.0, 86400.0
CHANNEL = 222
ANN, BEN, CAT = DEFAULT_USER, OTHER_USER, 3003
_IDS = payloads.Ids(1_200_000_000_000_000_000)  # interaction ids, unique across PollBot "processes"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "polls.sqlite3"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


@pytest.fixture
async def store(db_path: Path) -> AsyncIterator[PollStore]:
    current = PollStore(db_path)
    yield current
    await current.close()


@pytest.fixture
async def env(store: PollStore, clock: FakeClock) -> AsyncIterator[tuple[Harness, Polls]]:
    """The example's wiring (poll hook, then FlowManager) on the Harness's gateway bot."""
    polls = Polls(store, clock=clock)
    async with Harness(wire=functools.partial(poll_example.build, polls=polls)) as h:
        assert await polls.start(scheduler=False) == []
        yield h, polls


async def post_lunch(polls: Polls, duration: float = 2 * DAY) -> Poll:
    return await polls.post(CHANNEL, "Lunch?", ["Pizza", "Sushi", "Salad"], duration=duration, author_id=ANN)


def held(discord: FakeDiscord, poll: Poll) -> dict[str, Any]:
    """The poll message as the fake Discord holds it."""
    assert poll.message_id is not None
    return discord.messages[poll.message_id]


async def vote(h: Harness, poll: Poll, option: int, user: int) -> Reply:
    return await h.send_component(vote_id(poll.id, option), message=held(h.discord, poll), user=user)


# -- votes ---------------------------------------------------------------------------------------------


async def test_poll_message_carries_poll_id_and_option_in_its_custom_ids(env: tuple[Harness, Polls]) -> None:
    h, polls = env
    poll = await post_lunch(polls)

    message = held(h.discord, poll)
    assert message["content"].startswith("📊 **Lunch?**\nOne vote per person")
    assert f"<t:{int(T0 + 2 * DAY)}:R>" in message["content"]
    buttons = components_of(message)
    assert [(b["label"], b["custom_id"]) for b in buttons] == [
        ("Pizza", f"poll:{poll.id}:0"),
        ("Sushi", f"poll:{poll.id}:1"),
        ("Salad", f"poll:{poll.id}:2"),
        ("Results", f"poll:{poll.id}:results"),
    ]
    assert not any(b.get("disabled") for b in buttons)
    assert all(not b["custom_id"].startswith("ff:") for b in buttons)
    assert parse_custom_id(buttons[1]["custom_id"]) == (poll.id, 1)
    assert parse_custom_id(buttons[3]["custom_id"]) == (poll.id, None)


async def test_a_vote_is_stored_and_acknowledged_without_a_session(
    env: tuple[Harness, Polls], store: PollStore
) -> None:
    h, polls = env
    poll = await post_lunch(polls)
    before = dict(held(h.discord, poll))

    reply = await vote(h, poll, 1, ANN)

    assert reply.type == 4
    assert reply.ephemeral_text == "Your vote for **Sushi** is counted. Click another option to change it."
    assert await store.counts(poll) == [0, 1, 0]
    assert await store.vote_of(poll.id, ANN) == 1
    assert len(h.manager.sessions) == 0  # no session is held for a poll
    assert held(h.discord, poll) == before  # the poll message is not edited per vote


async def test_one_vote_per_user_which_can_be_changed(env: tuple[Harness, Polls], store: PollStore) -> None:
    h, polls = env
    poll = await post_lunch(polls)

    await vote(h, poll, 0, ANN)
    changed = await vote(h, poll, 1, ANN)
    again = await vote(h, poll, 1, ANN)
    await vote(h, poll, 0, BEN)

    assert changed.ephemeral_text == "Your vote changed from **Pizza** to **Sushi**."
    assert again.ephemeral_text == "You already voted for **Sushi**."
    assert await store.counts(poll) == [1, 1, 0]  # Ann counted once

    results = await h.send_component(results_id(poll.id), message=held(h.discord, poll), user=ANN)
    assert results.ephemeral_text == (
        "📊 **Lunch?**\n**Pizza**: 1 vote (50%)\n**Sushi**: 1 vote (50%)\n**Salad**: 0 votes (0%)\n"
        "2 votes in all.\nYour vote: **Sushi**."
    )
    fresh = await h.send_component(results_id(poll.id), message=held(h.discord, poll), user=CAT)
    assert fresh.ephemeral_text is not None and fresh.ephemeral_text.endswith("You have not voted.")


@pytest.mark.parametrize(
    ("custom_id", "answer"),
    [
        ("poll:999:0", "This poll no longer exists."),
        ("poll:1:7", "This poll button is not valid."),
        ("poll:1:x", "This poll button is not valid."),
        ("poll:", "This poll button is not valid."),
    ],
)
async def test_forged_poll_ids_get_a_clear_answer(
    env: tuple[Harness, Polls], store: PollStore, custom_id: str, answer: str
) -> None:
    h, polls = env
    poll = await post_lunch(polls)
    assert poll.id == 1

    reply = await h.send_component(custom_id, message=held(h.discord, poll), user=ANN)

    assert reply.ephemeral_text == answer
    assert await store.counts(poll) == [0, 0, 0]


async def test_flowfsm_menus_still_work_beside_the_poll_hook(env: tuple[Harness, Polls]) -> None:
    h, polls = env
    poll = await post_lunch(polls)
    await h.command("weather")  # routed by the example's own command listener
    await h.click("Details")
    assert h.message is not None and "wind" in h.message["content"]
    assert len(h.manager.sessions) == 1  # the weather menu; none for the poll
    assert (await vote(h, poll, 0, ANN)).ephemeral_text is not None


async def test_hook_installed_after_the_flow_manager_still_routes_both(
    store: PollStore, clock: FakeClock
) -> None:
    async with Harness([weather]) as h:  # the Harness made its FlowManager already
        polls = Polls(store, clock=clock)
        polls.install(h.client)
        poll = await post_lunch(polls)
        reply = await vote(h, poll, 2, BEN)
        assert (
            reply.ephemeral_text == "Your vote for **Salad** is counted. Click another option to change it."
        )
        await h.command("weather")
        await h.click("Details")
        assert h.message is not None and "wind" in h.message["content"]


async def test_votes_on_a_rest_bot_are_answered_in_the_http_reply(store: PollStore, clock: FakeClock) -> None:
    polls = Polls(store, clock=clock)
    async with Harness(rest_bot=True, wire=functools.partial(poll_example.build, polls=polls)) as h:
        poll = await post_lunch(polls)
        reply = await vote(h, poll, 1, ANN)
        assert reply.http_status == 200
        assert (
            reply.ephemeral_text == "Your vote for **Sushi** is counted. Click another option to change it."
        )
        assert await store.counts(poll) == [0, 1, 0]


# -- the scheduled close --------------------------------------------------------------------------------


async def test_poll_closes_at_its_deadline_with_buttons_disabled(
    env: tuple[Harness, Polls], store: PollStore, clock: FakeClock
) -> None:
    h, polls = env
    poll = await post_lunch(polls, duration=2 * DAY)
    await vote(h, poll, 0, ANN)
    await vote(h, poll, 0, BEN)
    await vote(h, poll, 2, CAT)

    clock.advance(2 * DAY - 1)
    assert await polls.close_due_polls() == []
    assert not any(b.get("disabled") for b in components_of(held(h.discord, poll)))

    clock.advance(1)
    assert await polls.close_due_polls() == [poll.id]

    message = held(h.discord, poll)
    assert all(b.get("disabled") for b in components_of(message))
    assert len(components_of(message)) == 4
    assert message["content"] == (
        f"📊 **Lunch?** (closed <t:{int(T0 + 2 * DAY)}:f>)\n**Pizza**: 2 votes (67%)\n"
        "**Sushi**: 0 votes (0%)\n**Salad**: 1 vote (33%)\n3 votes in all."
    )
    closed = await store.get(poll.id)
    assert closed is not None and closed.closed and closed.announced

    # Closing again does nothing; a click on the message as it was is refused, nothing counted.
    requests = len(h.discord.requests)
    assert await polls.close_due_polls(clock() + DAY) == []
    assert len(h.discord.requests) == requests
    late = await vote(h, poll, 1, BEN)
    assert late.ephemeral_text is not None
    assert late.ephemeral_text.startswith("This poll has closed; votes are no longer counted.")
    assert await store.counts(poll) == [2, 0, 1]


async def test_a_vote_after_the_deadline_is_refused_before_the_scheduler_runs(
    env: tuple[Harness, Polls], store: PollStore, clock: FakeClock
) -> None:
    h, polls = env
    poll = await post_lunch(polls, duration=HOUR)
    clock.advance(HOUR)

    reply = await vote(h, poll, 0, ANN)

    assert reply.ephemeral_text is not None and reply.ephemeral_text.startswith("This poll has closed")
    assert await store.counts(poll) == [0, 0, 0]


async def test_close_due_polls_takes_now_and_closes_only_what_is_due(
    env: tuple[Harness, Polls], store: PollStore
) -> None:
    h, polls = env
    short = await post_lunch(polls, duration=HOUR)
    long = await post_lunch(polls, duration=DAY)

    assert await polls.close_due_polls(T0 + 2 * HOUR) == [short.id]
    assert await store.next_deadline() == T0 + DAY
    assert all(b.get("disabled") for b in components_of(held(h.discord, short)))
    assert not any(b.get("disabled") for b in components_of(held(h.discord, long)))


async def test_a_deleted_poll_message_does_not_block_the_close(
    env: tuple[Harness, Polls], store: PollStore, clock: FakeClock
) -> None:
    _, polls = env
    poll = await post_lunch(polls, duration=HOUR)
    assert poll.message_id is not None
    await polls.rest.delete_message(CHANNEL, poll.message_id)
    clock.advance(HOUR)

    assert await polls.close_due_polls() == [poll.id]
    closed = await store.get(poll.id)
    assert closed is not None and closed.announced


async def test_a_failed_closing_edit_is_retried(
    env: tuple[Harness, Polls], store: PollStore, clock: FakeClock
) -> None:
    h, polls = env
    poll = await post_lunch(polls, duration=HOUR)
    clock.advance(HOUR)
    h.discord.fail_next("PATCH", rf"/channels/{CHANNEL}/messages/{poll.message_id}$", 403)

    assert await polls.close_due_polls() == [poll.id]  # 403: out of reach, given up on

    second = await post_lunch(polls, duration=HOUR)
    clock.advance(HOUR)
    h.discord.fail_next("PATCH", rf"/channels/{CHANNEL}/messages/{second.message_id}$", 400)
    assert await polls.close_due_polls() == []  # refused edit: retried next time
    assert (await vote(h, second, 0, ANN)).ephemeral_text is not None  # but votes already refused
    assert await store.counts(second) == [0, 0, 0]
    assert await polls.close_due_polls() == [second.id]
    assert all(b.get("disabled") for b in components_of(held(h.discord, second)))


# -- the documented wiring, and restarts ----------------------------------------------------------------


class PollBot:
    """One bot process on a shared fake Discord, wired by ``examples.poll.build`` like ``main()``.

    The Harness owns its FakeDiscord, so a restart that keeps Discord's messages (the poll
    message must still be there to be closed) is played with this small driver instead.
    """

    def __init__(self, discord: FakeDiscord, db_path: Path, clock: FakeClock) -> None:
        self.discord = discord
        self.store = PollStore(db_path)
        self.polls = Polls(self.store, clock=clock)

    async def start(self) -> PollBot:
        quiet: dict[str, Any] = {"banner": None, "logs": None, "suppress_optimization_warning": True}
        self.bot = hikari.GatewayBot(self.discord.bot_token, rest_url=self.discord.rest_url, **quiet)
        self.bot.rest.start()  # type: ignore[attr-defined]
        self.manager: FlowManager = poll_example.build(
            self.bot, polls=self.polls, clock=FakeClock(), auto_expire=False
        )
        await self.polls.start(scheduler=False)  # what main() does once the bot is up
        return self

    async def close(self) -> None:
        await self.manager.close()
        await self.polls.stop()
        await self.bot.rest.close()

    def _next(self) -> tuple[int, str]:
        iid = _IDS.next()
        return iid, f"pollbot-{iid}"

    async def _deliver(self, payload: dict[str, Any], iid: int, token: str) -> Reply:
        before = len(self.discord.requests)
        event = self.bot.event_factory.deserialize_interaction_create_event(None, payload)  # type: ignore[arg-type]
        await self.bot.event_manager.dispatch(event, return_tasks=True)
        await self.manager.drain()
        return Reply(iid, token, self.discord.requests[before:])

    async def command(self, name: str, user: int = ANN, options: list[dict[str, Any]] | None = None) -> Reply:
        iid, token = self._next()
        payload = payloads.command_interaction(
            interaction_id=iid,
            token=token,
            user_id=user,
            command_name=name,
            channel_id=CHANNEL,
            options=options,
        )
        self.discord.register_interaction(iid, token, channel_id=CHANNEL)
        return await self._deliver(payload, iid, token)

    async def click(self, custom_id: str, message: dict[str, Any], user: int = ANN) -> Reply:
        iid, token = self._next()
        payload = payloads.component_interaction(
            interaction_id=iid,
            token=token,
            user_id=user,
            custom_id=custom_id,
            message=message,
            channel_id=CHANNEL,
        )
        self.discord.register_interaction(iid, token, channel_id=CHANNEL, message_id=int(message["id"]))
        return await self._deliver(payload, iid, token)


@pytest.fixture
async def discord() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as server:
        yield server


async def test_the_poll_command_posts_a_poll_and_both_kinds_of_click_route(
    discord: FakeDiscord, db_path: Path, clock: FakeClock
) -> None:
    app = await PollBot(discord, db_path, clock).start()
    try:
        posted = await app.command(
            "poll",
            options=[
                {"name": "question", "type": 3, "value": "Lunch?"},
                {"name": "choices", "type": 3, "value": "Pizza; Sushi; Salad"},
                {"name": "hours", "type": 10, "value": 48},
            ],
        )
        assert posted.ephemeral_text == f"Poll #1 posted; it closes <t:{int(T0 + 2 * DAY)}:R>."
        poll = await app.store.get(1)
        assert poll is not None and poll.options == ("Pizza", "Sushi", "Salad")
        message = held(discord, poll)

        # A poll click reaches the poll hook: miru -> FlowManager (not ff:) -> poll hook.
        voted = await app.click(vote_id(poll.id, 2), message, user=BEN)
        assert (
            voted.ephemeral_text == "Your vote for **Salad** is counted. Click another option to change it."
        )

        # A flowfsm click still reaches the FlowManager.
        await app.command("weather")
        menu = discord.last_message(CHANNEL)
        assert menu is not None
        details = next(c for c in components_of(menu) if c.get("label") == "Details")
        await app.click(details["custom_id"], menu)
        assert "wind" in discord.messages[int(menu["id"])]["content"]
        assert len(app.manager.sessions) == 1  # the weather menu; none for the poll

        bad = await app.command(
            "poll",
            options=[
                {"name": "question", "type": 3, "value": "Only one?"},
                {"name": "choices", "type": 3, "value": "Yes"},
            ],
        )
        assert bad.ephemeral_text == "Cannot post that poll: a poll has 2 to 10 options, got 1."
    finally:
        await app.close()


async def test_votes_and_polls_survive_a_restart(
    discord: FakeDiscord, db_path: Path, clock: FakeClock
) -> None:
    first = await PollBot(discord, db_path, clock).start()
    poll = await post_lunch(first.polls, duration=2 * DAY)
    await first.click(vote_id(poll.id, 0), held(discord, poll), user=ANN)
    await first.close()

    clock.advance(DAY)  # the bot was down for a day; the poll is still open
    second = await PollBot(discord, db_path, clock).start()
    try:
        assert not any(b.get("disabled") for b in components_of(held(discord, poll)))
        reply = await second.click(vote_id(poll.id, 1), held(discord, poll), user=ANN)
        assert reply.ephemeral_text == "Your vote changed from **Pizza** to **Sushi**."
        assert await second.store.counts(poll) == [0, 1, 0]
    finally:
        await second.close()


async def test_overdue_polls_are_closed_on_start_up(
    discord: FakeDiscord, db_path: Path, clock: FakeClock
) -> None:
    first = await PollBot(discord, db_path, clock).start()
    due = await post_lunch(first.polls, duration=DAY)
    later = await post_lunch(first.polls, duration=5 * DAY)
    await first.click(vote_id(due.id, 1), held(discord, due), user=ANN)
    await first.close()

    clock.advance(2 * DAY)  # the deadline passed while the bot was down
    assert not any(b.get("disabled") for b in components_of(held(discord, due)))
    second = await PollBot(discord, db_path, clock).start()
    try:
        message = held(discord, due)
        assert all(b.get("disabled") for b in components_of(message))
        assert "**Sushi**: 1 vote (100%)" in message["content"]
        assert not any(b.get("disabled") for b in components_of(held(discord, later)))
        refused = await second.click(vote_id(due.id, 0), held(discord, due), user=BEN)
        assert refused.ephemeral_text is not None and refused.ephemeral_text.startswith(
            "This poll has closed"
        )
        assert await second.store.counts(due) == [0, 1, 0]
    finally:
        await second.close()


async def test_the_slash_commands_build(env: tuple[Harness, Polls]) -> None:
    h, _ = env
    built = poll_example.commands(h.bot.rest)
    assert [command.name for command in built] == ["poll", "weather"]

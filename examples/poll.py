"""A multi-day poll done right: no session, every vote a stateless click, the deadline in the database.

A poll can stay open for days; a flowfsm session is a short-lived UI shell held in one process's
memory. So a poll is not a flow. Each vote button carries everything needed to handle it in its
custom id (``poll:<poll id>:<option index>``, and ``poll:<poll id>:results`` for the results view;
never ``ff:``, which is flowfsm's). A click is handled on its own: parse the id, write the vote
to SQLite (one row per poll and user, so a second click changes the vote), answer ephemerally.
Nothing is held in memory between clicks, so a restart loses nothing.

Routing: the miru client's unhandled-component hook, not a persistent ``miru.View``.
A persistent view (``miru.View(timeout=None)`` started with ``client.start_view(view,
bind_to=None)``) routes by exact custom id, so with the poll id inside the ids it would take one
view per open poll, rebuilt from the database on every start-up (and a restart before that
rebuild leaves clicks unanswered), plus a View object per poll in memory for days. The hook is
one function for every poll, past and future: ids are parsed, not registered. miru has one hook
slot and :class:`flowfsm.FlowManager` takes it too, passing on the custom ids that are not
``ff:`` to the hook set before it. So :meth:`Polls.install` goes first, as :func:`build` does;
should it come second, it passes what is not ``poll:`` on to the hook it found (the flow
manager's), so either order routes both kinds of clicks.

Closing: the deadline is a column of the poll's row (wall-clock seconds, so it means the same
after a restart). :meth:`Polls.close_due_polls` closes every poll whose deadline has passed:
votes are refused from then on, and the poll message is edited (through the channel endpoint;
interaction tokens last 15 minutes, polls last days) to show the final results with every button
disabled. It takes ``now``; the clock is injectable, so tests never sleep. :meth:`Polls.start`
runs it once when the bot starts (closing the polls that came due while the bot was down), then
:meth:`Polls.run_scheduler` runs it again at each next deadline.

Run it as a bot with ``DISCORD_TOKEN=... python -m examples.poll`` and type
``/poll question:"Lunch?" choices:"Pizza; Sushi; Salad" hours:48``. The database file is
``$POLL_DB`` (default ``polls.sqlite3``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from os import PathLike
from typing import Any

import aiosqlite
import hikari
import miru
from hikari.impl import MessageActionRowBuilder

from examples import quickstart
from flowfsm import FlowManager

__all__ = [
    "MAX_OPTIONS",
    "PREFIX",
    "Poll",
    "PollStore",
    "Polls",
    "VoteOutcome",
    "build",
    "commands",
    "main",
    "parse_custom_id",
    "results_id",
    "vote_id",
]

_LOG = logging.getLogger("examples.poll")

PREFIX = "poll:"
"""Custom ids of poll buttons start with this (flowfsm's own start with ``ff:``)."""
MAX_OPTIONS = 10
"""At most this many options (two rows of five buttons, plus the results row)."""
_ID = re.compile(r"^poll:(?P<poll>[1-9][0-9]{0,17}):(?P<what>[0-9]|results)$")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS polls (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    question   TEXT NOT NULL,
    options    TEXT NOT NULL,            -- one option per line
    channel_id INTEGER NOT NULL,
    message_id INTEGER,
    author_id  INTEGER NOT NULL,
    deadline   REAL NOT NULL,            -- wall-clock seconds (Unix time)
    closed     INTEGER NOT NULL DEFAULT 0,  -- votes refused
    announced  INTEGER NOT NULL DEFAULT 0   -- the message shows the final results
);
CREATE INDEX IF NOT EXISTS polls_due ON polls (announced, deadline);
CREATE TABLE IF NOT EXISTS votes (
    poll_id INTEGER NOT NULL REFERENCES polls (id),
    user_id INTEGER NOT NULL,
    option  INTEGER NOT NULL,
    at      REAL NOT NULL,
    PRIMARY KEY (poll_id, user_id)
);
"""


def vote_id(poll_id: int, option: int) -> str:
    """Custom id of the button voting for ``option`` (0-based) in poll ``poll_id``."""
    return f"{PREFIX}{poll_id}:{option}"


def results_id(poll_id: int) -> str:
    """Custom id of the poll's "Results" button."""
    return f"{PREFIX}{poll_id}:results"


def parse_custom_id(custom_id: str) -> tuple[int, int | None] | None:
    """``(poll id, option)`` of a vote button, ``(poll id, None)`` of a results button, else ``None``."""
    m = _ID.match(custom_id)
    if m is None:
        return None
    return int(m["poll"]), None if m["what"] == "results" else int(m["what"])


@dataclass(frozen=True, slots=True)
class Poll:
    """A poll row."""

    id: int
    question: str
    options: tuple[str, ...]
    channel_id: int
    message_id: int | None
    author_id: int
    deadline: float
    closed: bool
    announced: bool


@dataclass(frozen=True, slots=True)
class VoteOutcome:
    """What :meth:`PollStore.vote` did: ``accepted`` (``previous`` is the old option, if any) or not."""

    accepted: bool
    previous: int | None = None


class PollStore:
    """Polls and votes in SQLite (a file path or ``":memory:"``); the schema is created on first use."""

    def __init__(self, path: str | PathLike[str] = ":memory:") -> None:
        self.path = str(path)
        self._conn: aiosqlite.Connection | None = None
        self._open_lock = asyncio.Lock()
        self._write_lock = asyncio.Lock()  # one shared connection: transactions take turns

    async def connection(self) -> aiosqlite.Connection:
        """The open connection (opened, and the schema created, on first use)."""
        if self._conn is None:
            async with self._open_lock:
                if self._conn is None:
                    conn = await aiosqlite.connect(self.path, timeout=10.0, isolation_level=None)
                    conn.row_factory = aiosqlite.Row
                    await conn.execute("PRAGMA foreign_keys = ON")
                    await conn.executescript(_SCHEMA)
                    self._conn = conn
        assert self._conn is not None
        return self._conn

    async def close(self) -> None:
        """Close the connection."""
        if self._conn is not None:
            conn, self._conn = self._conn, None
            await conn.close()

    async def _rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[aiosqlite.Row]:
        conn = await self.connection()
        async with conn.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def _write(self, work: Callable[[aiosqlite.Connection], Awaitable[Any]]) -> Any:
        conn = await self.connection()
        async with self._write_lock:
            await conn.execute("BEGIN IMMEDIATE")
            try:
                result = await work(conn)
            except BaseException:
                await conn.execute("ROLLBACK")
                raise
            await conn.execute("COMMIT")
            return result

    @staticmethod
    def _poll(row: aiosqlite.Row) -> Poll:
        return Poll(
            id=int(row["id"]),
            question=str(row["question"]),
            options=tuple(str(row["options"]).split("\n")),
            channel_id=int(row["channel_id"]),
            message_id=None if row["message_id"] is None else int(row["message_id"]),
            author_id=int(row["author_id"]),
            deadline=float(row["deadline"]),
            closed=bool(row["closed"]),
            announced=bool(row["announced"]),
        )

    async def create(
        self, question: str, options: Sequence[str], *, deadline: float, channel_id: int, author_id: int
    ) -> Poll:
        """Record a new open poll (its message id is set once the message exists)."""

        async def work(conn: aiosqlite.Connection) -> int:
            cursor = await conn.execute(
                "INSERT INTO polls (question, options, channel_id, author_id, deadline) "
                "VALUES (?, ?, ?, ?, ?)",
                (question, "\n".join(options), channel_id, author_id, deadline),
            )
            assert cursor.lastrowid is not None
            return int(cursor.lastrowid)

        poll = await self.get(await self._write(work))
        assert poll is not None
        return poll

    async def set_message(self, poll_id: int, message_id: int) -> None:
        """Record the poll's message."""

        async def work(conn: aiosqlite.Connection) -> None:
            await conn.execute("UPDATE polls SET message_id = ? WHERE id = ?", (message_id, poll_id))

        await self._write(work)

    async def get(self, poll_id: int) -> Poll | None:
        """The poll, or ``None``."""
        rows = await self._rows("SELECT * FROM polls WHERE id = ?", (poll_id,))
        return self._poll(rows[0]) if rows else None

    async def vote(self, poll_id: int, user_id: int, option: int, *, now: float) -> VoteOutcome:
        """Record (or change) ``user_id``'s vote, unless the poll is closed or past its deadline."""

        async def work(conn: aiosqlite.Connection) -> VoteOutcome:
            async with conn.execute("SELECT closed, deadline FROM polls WHERE id = ?", (poll_id,)) as cur:
                poll = await cur.fetchone()
            if poll is None or poll[0] or float(poll[1]) <= now:
                return VoteOutcome(False)
            async with conn.execute(
                "SELECT option FROM votes WHERE poll_id = ? AND user_id = ?", (poll_id, user_id)
            ) as cur:
                old = await cur.fetchone()
            await conn.execute(
                "INSERT INTO votes (poll_id, user_id, option, at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (poll_id, user_id) DO UPDATE SET option = excluded.option, at = excluded.at",
                (poll_id, user_id, option, now),
            )
            return VoteOutcome(True, None if old is None else int(old[0]))

        outcome: VoteOutcome = await self._write(work)
        return outcome

    async def vote_of(self, poll_id: int, user_id: int) -> int | None:
        """The option ``user_id`` voted for, if any."""
        rows = await self._rows(
            "SELECT option FROM votes WHERE poll_id = ? AND user_id = ?", (poll_id, user_id)
        )
        return int(rows[0]["option"]) if rows else None

    async def counts(self, poll: Poll) -> list[int]:
        """Votes per option, in option order."""
        counts = [0] * len(poll.options)
        rows = await self._rows(
            "SELECT option, COUNT(*) AS n FROM votes WHERE poll_id = ? GROUP BY option", (poll.id,)
        )
        for row in rows:
            if 0 <= int(row["option"]) < len(counts):
                counts[int(row["option"])] = int(row["n"])
        return counts

    async def due(self, now: float) -> list[Poll]:
        """Polls to close: past their deadline (or closed) and not yet shown as closed."""
        rows = await self._rows(
            "SELECT * FROM polls WHERE announced = 0 AND (closed = 1 OR deadline <= ?) ORDER BY deadline",
            (now,),
        )
        return [self._poll(row) for row in rows]

    async def next_deadline(self) -> float | None:
        """The earliest deadline of a poll not yet closed."""
        rows = await self._rows("SELECT MIN(deadline) AS d FROM polls WHERE announced = 0")
        value = rows[0]["d"] if rows else None
        return None if value is None else float(value)

    async def mark_closed(self, poll_id: int) -> None:
        """Refuse votes from now on."""

        async def work(conn: aiosqlite.Connection) -> None:
            await conn.execute("UPDATE polls SET closed = 1 WHERE id = ?", (poll_id,))

        await self._write(work)

    async def mark_announced(self, poll_id: int) -> None:
        """The message shows the final results (nothing left to do for this poll)."""

        async def work(conn: aiosqlite.Connection) -> None:
            await conn.execute("UPDATE polls SET closed = 1, announced = 1 WHERE id = ?", (poll_id,))

        await self._write(work)


HookT = Callable[[hikari.ComponentInteraction], Awaitable[Any]]


class Polls:
    """The stateless vote handler, the poll messages, and the scheduled close.

    Args:
        store: where polls and votes live.
        clock: wall-clock seconds (Unix time); inject a fake one in tests.
    """

    def __init__(self, store: PollStore, *, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock
        self.client: miru.Client | None = None
        self._next_hook: HookT | None = None
        self._wake = asyncio.Event()
        self._scheduler: asyncio.Task[None] | None = None

    # -- wiring ------------------------------------------------------------------------------------------

    def install(self, client: miru.Client) -> None:
        """Become the miru client's unhandled-component hook. Call it before creating a FlowManager.

        If a hook is already set (a FlowManager created first), custom ids that are not ``poll:``
        are passed on to it, so flowfsm menus keep working in either order.
        """
        self.client = client
        self._next_hook = getattr(client, "_unhandled_comp_hook", None)
        client.set_unhandled_component_interaction_hook(self.handle_component)

    @property
    def rest(self) -> hikari.api.RESTClient:
        """The REST client of the installed miru client."""
        if self.client is None:
            raise RuntimeError("Polls.install(client) has not been called")
        return self.client.rest

    # -- posting -----------------------------------------------------------------------------------------

    async def post(
        self, channel_id: int, question: str, options: Sequence[str], *, duration: float, author_id: int
    ) -> Poll:
        """Create a poll closing ``duration`` seconds from now and post its message in the channel."""
        options = [o.strip() for o in options if o.strip()]
        if not 2 <= len(options) <= MAX_OPTIONS:
            raise ValueError(f"a poll has 2 to {MAX_OPTIONS} options, got {len(options)}")
        if len(set(options)) != len(options):
            raise ValueError("poll options must differ")
        if any(len(o) > 80 for o in options) or not question.strip() or len(question) > 1000:
            raise ValueError("options are at most 80 characters; the question 1 to 1000")
        if not duration > 0:
            raise ValueError("the duration must be positive")
        poll = await self.store.create(
            question.strip(),
            options,
            deadline=self.clock() + duration,
            channel_id=channel_id,
            author_id=author_id,
        )
        content, components = self.render(poll, counts=None)
        message = await self.rest.create_message(channel_id, content, components=components)
        await self.store.set_message(poll.id, int(message.id))
        self._wake.set()
        found = await self.store.get(poll.id)
        assert found is not None
        return found

    def render(self, poll: Poll, counts: Sequence[int] | None) -> tuple[str, list[MessageActionRowBuilder]]:
        """The poll message: open (vote buttons) or, with ``counts``, closed (results, buttons disabled)."""
        closed = counts is not None
        when = int(poll.deadline)
        if counts is None:
            content = (
                f"📊 **{poll.question}**\n"
                f"One vote per person; click again to change it. Closes <t:{when}:f> (<t:{when}:R>)."
            )
        else:
            content = f"📊 **{poll.question}** (closed <t:{when}:f>)\n{_results_lines(poll, counts)}"
        rows: list[MessageActionRowBuilder] = []
        for index, option in enumerate(poll.options):
            if index % 5 == 0:
                rows.append(MessageActionRowBuilder())
            rows[-1].add_interactive_button(
                hikari.ButtonStyle.PRIMARY, vote_id(poll.id, index), label=option, is_disabled=closed
            )
        results = MessageActionRowBuilder()
        results.add_interactive_button(
            hikari.ButtonStyle.SECONDARY, results_id(poll.id), label="Results", emoji="📊", is_disabled=closed
        )
        rows.append(results)
        return content, rows

    # -- the stateless click handler ---------------------------------------------------------------------

    async def handle_component(self, interaction: hikari.ComponentInteraction) -> Any:
        """miru's unhandled-component hook: handle a poll click, pass anything else on."""
        parsed = parse_custom_id(interaction.custom_id)
        if parsed is None:
            if interaction.custom_id.startswith(PREFIX):
                return await self._answer(interaction, "This poll button is not valid.")
            if self._next_hook is not None:
                return await self._next_hook(interaction)
            _LOG.debug("ignoring component %r: not a poll button", interaction.custom_id)
            return None
        poll_id, option = parsed
        poll = await self.store.get(poll_id)
        if poll is None:
            return await self._answer(interaction, "This poll no longer exists.")
        user_id = int(interaction.user.id)
        if option is None:
            return await self._answer(interaction, await self._results_text(poll, user_id))
        if option >= len(poll.options):
            return await self._answer(interaction, "This poll button is not valid.")
        outcome = await self.store.vote(poll.id, user_id, option, now=self.clock())
        if not outcome.accepted:
            text = "This poll has closed; votes are no longer counted.\n" + await self._results_text(
                poll, user_id
            )
            return await self._answer(interaction, text)
        chosen = poll.options[option]
        if outcome.previous is None:
            text = f"Your vote for **{chosen}** is counted. Click another option to change it."
        elif outcome.previous == option:
            text = f"You already voted for **{chosen}**."
        else:
            text = f"Your vote changed from **{poll.options[outcome.previous]}** to **{chosen}**."
        return await self._answer(interaction, text)

    async def _results_text(self, poll: Poll, user_id: int) -> str:
        counts = await self.store.counts(poll)
        mine = await self.store.vote_of(poll.id, user_id)
        yours = f"\nYour vote: **{poll.options[mine]}**." if mine is not None else "\nYou have not voted."
        return f"📊 **{poll.question}**\n{_results_lines(poll, counts)}{yours}"

    async def _answer(self, interaction: hikari.ComponentInteraction, text: str) -> Any:
        """Reply only to the clicking user: a REST call (gateway bots) or the builder (REST bots)."""
        if self.client is not None and self.client.is_rest:
            return (
                interaction.build_response(hikari.ResponseType.MESSAGE_CREATE)
                .set_content(text)
                .set_flags(hikari.MessageFlag.EPHEMERAL)
            )
        await interaction.create_initial_response(
            hikari.ResponseType.MESSAGE_CREATE, text, flags=hikari.MessageFlag.EPHEMERAL
        )
        return None

    # -- closing -----------------------------------------------------------------------------------------

    async def close_due_polls(self, now: float | None = None) -> list[int]:
        """Close every poll whose deadline is at or before ``now`` (default: the clock); return their ids.

        Votes are refused from the moment a poll is marked closed; then its message is edited to
        the final results with the buttons disabled. A message that is gone needs nothing; an
        edit that fails otherwise is retried on the next call. Safe to call at any time, again
        and again (at start-up it closes what came due while the bot was down).
        """
        now = self.clock() if now is None else now
        done: list[int] = []
        for poll in await self.store.due(now):
            await self.store.mark_closed(poll.id)
            if poll.message_id is not None:
                content, components = self.render(poll, await self.store.counts(poll))
                try:
                    await self.rest.edit_message(
                        poll.channel_id, poll.message_id, content, components=components
                    )
                except (hikari.NotFoundError, hikari.ForbiddenError):
                    _LOG.info("poll %s: its message is gone or out of reach; closed without an edit", poll.id)
                except hikari.HikariError:
                    _LOG.warning("poll %s: closing edit failed; will retry", poll.id, exc_info=True)
                    continue
            await self.store.mark_announced(poll.id)
            done.append(poll.id)
        return done

    async def run_scheduler(self, *, max_interval: float = 300.0, retry_interval: float = 5.0) -> None:
        """Production loop: close due polls, then wait for the next deadline (or a new poll).

        A closing edit that failed is retried every ``retry_interval`` seconds.
        """
        while True:
            try:
                await self.close_due_polls()
            except Exception:
                _LOG.exception("closing due polls failed; retrying later")
            upcoming = await self.store.next_deadline()
            wait = max_interval if upcoming is None else upcoming - self.clock()
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._wake.wait(), timeout=min(max_interval, max(retry_interval, wait))
                )

    async def start(self, *, scheduler: bool = True) -> list[int]:
        """At start-up: close the polls that came due while the bot was down (returns their ids),
        then, unless ``scheduler=False``, run :meth:`run_scheduler` in the background."""
        closed = await self.close_due_polls()
        if closed:
            _LOG.info("closed %d overdue poll(s) at start-up", len(closed))
        if scheduler and self._scheduler is None:
            self._scheduler = asyncio.create_task(self.run_scheduler())
        return closed

    async def stop(self) -> None:
        """Stop the scheduler and close the database."""
        if self._scheduler is not None:
            task, self._scheduler = self._scheduler, None
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.store.close()

    # -- the slash command ---------------------------------------------------------------------------------

    async def handle_command(self, interaction: hikari.CommandInteraction) -> Any:
        """``/poll question choices [hours]``: post the poll in the channel and confirm ephemerally."""
        values = {option.name: option.value for option in interaction.options or ()}
        choices = re.split(r"[;\n]", str(values.get("choices", "")))
        hours = float(values.get("hours") or 24)
        try:
            poll = await self.post(
                int(interaction.channel_id),
                str(values.get("question", "")),
                choices,
                duration=hours * 3600,
                author_id=int(interaction.user.id),
            )
            text = f"Poll #{poll.id} posted; it closes <t:{int(poll.deadline)}:R>."
        except ValueError as problem:
            text = f"Cannot post that poll: {problem}."
        if self.client is not None and self.client.is_rest:
            return interaction.build_response().set_content(text).set_flags(hikari.MessageFlag.EPHEMERAL)
        await interaction.create_initial_response(
            hikari.ResponseType.MESSAGE_CREATE, text, flags=hikari.MessageFlag.EPHEMERAL
        )
        return None


def _results_lines(poll: Poll, counts: Sequence[int]) -> str:
    total = sum(counts)
    lines = []
    for option, count in zip(poll.options, counts, strict=True):
        share = round(100 * count / total) if total else 0
        lines.append(f"**{option}**: {count} vote{'s' if count != 1 else ''} ({share}%)")
    lines.append(f"{total} vote{'s' if total != 1 else ''} in all.")
    return "\n".join(lines)


def build(bot: hikari.GatewayBot | hikari.RESTBot, *, polls: Polls, **manager_options: Any) -> FlowManager:
    """Wire polls and flowfsm onto ``bot``: the poll hook first, then the FlowManager.

    ``/poll`` posts a poll; ``/weather`` opens the quick-start menu (a flowfsm flow beside the
    polls, to show that both kinds of click are routed). Works for gateway and REST bots; also
    usable as ``Harness(wire=functools.partial(build, polls=polls))``. Call
    ``await polls.start()`` once the bot is up.
    """
    client = miru.Client(bot)
    polls.install(client)  # before the FlowManager, which passes non-"ff:" custom ids on to it
    flows = FlowManager(client, [quickstart.weather], **manager_options)

    async def on_command(interaction: hikari.CommandInteraction) -> Any:
        if interaction.command_name == "poll":
            return await polls.handle_command(interaction)
        if interaction.command_name == "weather":
            return await flows.start(interaction, quickstart.weather)
        return None

    if isinstance(bot, hikari.RESTBot):
        bot.interaction_server.set_listener(hikari.CommandInteraction, on_command)
    else:

        async def on_event(event: hikari.InteractionCreateEvent) -> None:
            if isinstance(event.interaction, hikari.CommandInteraction):
                await on_command(event.interaction)

        bot.event_manager.subscribe(hikari.InteractionCreateEvent, on_event)
    return flows


def commands(rest: hikari.api.RESTClient) -> list[hikari.api.CommandBuilder]:
    """The slash commands of this bot."""
    string, number = hikari.OptionType.STRING, hikari.OptionType.FLOAT
    poll = (
        rest.slash_command_builder("poll", "Start a poll")
        .add_option(
            hikari.CommandOption(type=string, name="question", description="The question", is_required=True)
        )
        .add_option(
            hikari.CommandOption(
                type=string, name="choices", description="Options, separated by ;", is_required=True
            )
        )
        .add_option(hikari.CommandOption(type=number, name="hours", description="Open for (default 24)"))
    )
    return [poll, rest.slash_command_builder("weather", "Show the weather report")]


def main() -> None:
    """Run polls (and the weather menu) as a gateway bot (``DISCORD_TOKEN``, ``POLL_DB``)."""
    bot = hikari.GatewayBot(os.environ["DISCORD_TOKEN"])
    polls = Polls(PollStore(os.environ.get("POLL_DB", "polls.sqlite3")))
    flows = build(bot, polls=polls)

    @bot.listen(hikari.StartedEvent)
    async def start_up(_: hikari.StartedEvent) -> None:
        await polls.start()  # closes what came due while the bot was down, then schedules
        app = await bot.rest.fetch_application()
        guild = os.environ.get("DISCORD_GUILD_ID")
        await bot.rest.set_application_commands(
            app.id, commands(bot.rest), guild=int(guild) if guild else hikari.UNDEFINED
        )

    @bot.listen(hikari.StoppingEvent)
    async def shut_down(_: hikari.StoppingEvent) -> None:
        await flows.close()
        await polls.stop()

    bot.run()


if __name__ == "__main__":
    main()

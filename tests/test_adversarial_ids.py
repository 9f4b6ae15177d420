"""Hostile custom ids, fed through the real ``miru.Client`` (property-based, with hypothesis).

Anyone can send any custom id: a truncated or oversized one, unicode look-alikes, or a forged one
naming another user's session, another flow, or a screen the menu no longer shows. Every id is
sent as a real component interaction (``Harness.send_component``: hikari's entity factory, the
bot's event manager or its signed interaction server, then miru) while three menus are open, and
each must get the documented answer with nothing else changing:

=====================================================  ==========================================
the custom id                                          the answer (and why)
=====================================================  ==========================================
does not start with ``ff:``                            ignored: not ours. It goes to the hook the
                                                       bot author set before flowfsm (none here),
                                                       so nothing is sent (gateway: another
                                                       listener may own such ids). A REST bot
                                                       must answer its HTTP request: see
                                                       ``test_rest_bot_foreign_id_is_answered...``.
``ff:`` but malformed (truncated, oversized > 100,     ephemeral ``Texts.invalid``: it claims to
unicode look-alikes, bad fields)                       be ours, so silence would be a bug.
``ff:`` naming a flow that is not registered           ephemeral ``Texts.invalid``.
"Open again" id of a flow without ``resume``           ephemeral ``Texts.invalid``.
well-formed, unknown session (or a session of          ephemeral ``Texts.expired``: the likeliest
another flow)                                          honest cause is a restart or a timeout.
well-formed, someone else's session                    ephemeral ``Texts.not_yours``.
well-formed, own session, another state's index        ephemeral ``Texts.stale``: an older screen.
or an item the current screen does not have
own session, an item that cannot fire (disabled        ephemeral ``Texts.invalid``.
button, link button)
own session's id clicked on another message            ephemeral ``Texts.stale``: not its menu
(forged, or a copy of the menu elsewhere)              (it must not run, nor overwrite that one).
=====================================================  ==========================================

After each id: every session's state, data, per-state data, activity time and items are as
before, every message Discord holds is unchanged, no exception reached the event loop and
nothing was logged at ERROR.

The harness is async and hypothesis drives sync functions, so each test owns an
``asyncio.Runner``: the harness starts once on the runner's loop, and every hypothesis example
runs one interaction on it with ``runner.run(...)`` (no pytest-asyncio involved). One harness per
test function, reused across examples; the example database is off (nothing written to the repo).
"""

from __future__ import annotations

import asyncio
import copy
import gc
import logging
import string
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import hikari
from escapes import RecordTo
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from flowfsm import Button, Context, Flow, Screen
from flowfsm.engine import custom_id
from flowfsm.testing import Harness, payloads
from flowfsm.testing.harness import Reply, components_of

T = TypeVar("T")

OWNER = 1001
RIVAL = 2002
STRANGER = 3003
USERS = (OWNER, RIVAL, STRANGER)

IGNORED = "<ignored>"
VALID = "<valid>"

EXAMPLES = settings(
    max_examples=100,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _inc(ctx: Context) -> None:
    ctx.data["n"] = ctx.data.get("n", 0) + 1


def build_flows() -> list[Flow]:
    """Two small flows: ``alpha`` (counter, navigation, a disabled and a link button) and ``beta``."""
    alpha = Flow("alpha")

    @alpha.state(initial=True)
    def home(ctx: Context) -> Screen:
        ctx.state.setdefault("seen", 0)
        ctx.state["seen"] += 1
        return Screen(
            f"n={ctx.data.get('n', 0)}",
            items=[
                Button("+1", action=_inc, id="inc"),
                Button("Go", trigger="go"),
                Button("Off", disabled=True),
                Button("Docs", url="https://example.com/docs"),
            ],
        )

    @alpha.state()
    def away(ctx: Context) -> Screen:
        return Screen("away", items=[Button("Back", trigger="back")])

    alpha.transition("go", "home", "away")
    alpha.transition("back", "away", "home")

    beta = Flow("beta", command="beta-cmd")

    @beta.state(initial=True)
    def one(ctx: Context) -> Screen:
        return Screen(f"beta n={ctx.data.get('n', 0)}", items=[Button("+1", action=_inc)])

    return [alpha, beta]


@dataclass
class Arena:
    """A started harness with three open menus, plus what escaped while it ran."""

    runner: asyncio.Runner
    h: Harness
    menus: dict[str, dict[str, Any]] = field(default_factory=dict)
    """``"owner_alpha"``, ``"rival_alpha"``, ``"owner_beta"`` -> the message Discord holds."""
    escaped: list[str] = field(default_factory=list)
    """Exceptions that reached the event loop, and ERROR log records."""
    seen: dict[str, int] = field(default_factory=dict)
    """How many examples produced each answer (to see that each case was exercised)."""

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run one coroutine on the harness's loop."""
        return self.runner.run(coro)

    def ids(self, menu: str) -> list[str]:
        """The custom ids on one menu."""
        return [c["custom_id"] for c in components_of(self.menus[menu]) if "custom_id" in c]

    def session_ids(self) -> list[str]:
        """Ids of the open sessions."""
        return [s.id for s in self.h.manager.sessions]

    def snapshot(self) -> list[Any]:
        """Everything a refused click must leave alone."""
        sessions = sorted(self.h.manager.sessions, key=lambda s: s.id)
        fields = ("id", "state", "data", "local", "last_active", "message_id", "items", "ended", "token")
        held = [[copy.deepcopy(getattr(s, name)) for name in fields] for s in sessions]
        shown = {
            key: copy.deepcopy(self.h.discord.messages.get(int(m["id"]))) for key, m in self.menus.items()
        }
        return [held, shown]

    def expected(self, cid: str, user: int, menu: str = "owner_alpha") -> str:
        """The documented answer to ``cid`` clicked by ``user`` (see the module docstring)."""
        manager = self.h.manager
        if not cid.startswith("ff:"):
            return IGNORED
        parsed = custom_id.parse(cid)
        flow = manager.flows.get(parsed.flow) if parsed is not None else None
        if parsed is None or flow is None:
            return manager.texts.invalid
        session = manager.sessions.get(parsed.session_id)
        if session is None or session.flow is not flow:
            return manager.texts.expired.format(command=flow.command)
        if user != session.user_id:
            return manager.texts.not_yours.format(command=flow.command)
        item = session.find_item(parsed.item)
        if (
            parsed.screen != session.screen
            or parsed.state_index != flow.state_index(session.state)
            or item is None
        ):
            return manager.texts.stale
        message = self.menus[menu]
        if session.message_id is not None and int(message["id"]) != session.message_id:
            return manager.texts.stale
        if not item.fires or item.disabled:
            return manager.texts.invalid
        if cid not in [c.get("custom_id") for c in components_of(message)]:
            return manager.texts.invalid  # the session's id on a message that does not carry it
        return VALID

    def check(self, cid: str, *, user: int = OWNER, menu: str = "owner_alpha") -> None:
        """Send ``cid``; assert the documented answer and that nothing changed."""
        expected = self.expected(cid, user, menu)
        assume(expected != VALID)
        before = self.snapshot()
        reply = self.run(self.h.send_component(cid, message=self.menus[menu], user=user))
        self.seen[expected] = self.seen.get(expected, 0) + 1
        assert_answer(reply, expected, rest_bot=self.h.rest_bot)
        assert self.snapshot() == before, f"state changed after {cid!r}"
        assert self.escaped == [], self.escaped


def assert_answer(reply: Reply, expected: str, *, rest_bot: bool) -> None:
    """``expected`` is IGNORED (nothing sent) or the text of a single ephemeral reply."""
    if expected == IGNORED:
        assert reply.requests == [], reply.requests
        if rest_bot:
            assert reply.http_status == 204
        return
    assert len(reply.requests) == 1, [(r.method, r.path) for r in reply.requests]
    request = reply.requests[0]
    assert request.status == 200
    assert reply.type == hikari.ResponseType.MESSAGE_CREATE
    data = (reply.callback or {})["data"]
    assert data["flags"] & payloads.EPHEMERAL
    assert data["content"] == expected
    assert not data.get("components")


@contextmanager
def arena(*, rest_bot: bool = False) -> Iterator[Arena]:
    """Start a harness on a private loop with three menus open; close it afterwards."""
    with asyncio.Runner() as runner:
        h = Harness(build_flows(), rest_bot=rest_bot)
        a = Arena(runner, h)
        loop = runner.get_loop()
        loop.set_exception_handler(lambda _loop, ctx: a.escaped.append(f"loop: {ctx.get('exception')!r}"))
        collector = RecordTo(
            lambda record: a.escaped.append(f"log {record.name}: {record.getMessage()}"), logging.ERROR
        )
        logging.getLogger().addHandler(collector)
        try:
            a.run(h.start())
            for key, user, command in (("owner_alpha", OWNER, "alpha"), ("rival_alpha", RIVAL, "alpha")):
                a.run(h.command(command, user=user))
                assert h.message is not None
                a.menus[key] = h.message
            a.run(h.command("beta-cmd", user=OWNER))
            assert h.message is not None
            a.menus["owner_beta"] = h.message
            assert len(h.manager.sessions) == 3
            yield a
        finally:
            a.run(h.close())
            gc.collect()
            logging.getLogger().removeHandler(collector)
    assert a.escaped == [], a.escaped


# -- strategies ------------------------------------------------------------------------------------------

ID_CHARS = string.ascii_letters + string.digits + "_-.:~"
look_alikes = st.sampled_from(
    # fullwidth f : 0 1 A, Cyrillic a e o, Greek Alpha, math and Arabic-Indic digits, invisible and odd characters
    "\uff46\uff1a\uff10\uff11\uff21\u0430\u0435\u043e\u0391\U0001d7e2\u0660\u06f1\u200b\u00a0\ufeff\u0301\u00e9\U0001f642\x00\n"
)
unicode_text = st.text(st.characters(codec="utf-8"), max_size=20)
NAME, SID, ITEM = r"\A[A-Za-z0-9_\-]{1,32}\Z", r"\A[A-Za-z0-9_\-]{6,16}\Z", r"\A[A-Za-z0-9_.\-]{1,40}\Z"


@st.composite
def mutated(draw: st.DrawFn, originals: list[str]) -> str:
    """A real custom id, damaged: truncated, padded past 100, or with foreign characters."""
    cid = draw(st.sampled_from(originals))
    how = draw(st.sampled_from(["truncate", "oversize", "replace", "insert", "case", "drop-field"]))
    if how == "truncate":
        return cid[: draw(st.integers(0, len(cid) - 1))]
    if how == "oversize":
        filler = draw(st.text(st.sampled_from(ID_CHARS), min_size=1, max_size=200))
        return (cid + filler + "x" * custom_id.MAX_CUSTOM_ID)[: draw(st.integers(101, 400))]
    at = draw(st.integers(0, len(cid) - 1))
    if how == "replace":
        return cid[:at] + draw(look_alikes | unicode_text) + cid[at + 1 :]
    if how == "insert":
        return cid[:at] + draw(look_alikes | unicode_text) + cid[at:]
    if how == "case":
        return cid.swapcase()
    parts = cid.split(":")
    del parts[draw(st.integers(0, len(parts) - 1))]
    return ":".join(parts)


def _mostly(real: list[Any], made_up: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Real parts three times out of four, made-up ones otherwise."""
    return st.integers(0, 3).flatmap(lambda n: made_up if n == 0 else st.sampled_from(real))


def forged(arena_: Arena) -> st.SearchStrategy[tuple[str, int, str]]:
    """Well-formed ids put together from real and made-up parts, sent by any user on any menu."""
    flow_names = _mostly(
        ["alpha", "alpha", "beta"], st.sampled_from(["gamma", "ALPHA"]) | st.from_regex(NAME)
    )
    sids = _mostly(arena_.session_ids(), st.sampled_from(["AAAAAAAA", "zzzzzz"]) | st.from_regex(SID))
    states = _mostly([0, 0, 1, 2], st.integers(0, 36**4 - 1))
    items = _mostly(
        ["0", "1", "2", "3", "inc", "go"], st.sampled_from(["4", "9", "Go"]) | st.from_regex(ITEM)
    )
    screens = _mostly([1, 1, 0, 2], st.integers(0, custom_id.SCREENS - 1))
    ids = st.builds(custom_id.encode, flow_names, sids, states, items, screens)
    return st.tuples(ids, st.sampled_from(USERS), st.sampled_from(list(arena_.menus)))


# -- tests -------------------------------------------------------------------------------------------------


def test_random_text_is_ignored_or_invalid() -> None:
    """Arbitrary text (any unicode, any length, with or without the ``ff:`` prefix)."""
    with arena() as a:

        @EXAMPLES
        @given(st.text(max_size=150) | st.text(max_size=150).map(lambda s: "ff:" + s), st.sampled_from(USERS))
        def check(cid: str, user: int) -> None:
            a.check(cid, user=user)

        check()
        assert a.seen.get(IGNORED, 0) > 0 and a.seen.get(a.h.manager.texts.invalid, 0) > 0, a.seen


def test_damaged_real_ids() -> None:
    """Real ids of the open menus, truncated, oversized, with unicode look-alikes or a field dropped."""
    with arena() as a:
        originals = a.ids("owner_alpha") + a.ids("rival_alpha") + a.ids("owner_beta")

        @EXAMPLES
        @given(mutated(originals), st.sampled_from(USERS), st.sampled_from(["owner_alpha", "owner_beta"]))
        def check(cid: str, user: int, menu: str) -> None:
            a.check(cid, user=user, menu=menu)

        check()
        texts = a.h.manager.texts
        assert a.seen.get(texts.invalid, 0) > 0, a.seen


def test_forged_well_formed_ids() -> None:
    """Another user's session, another flow's, unknown sessions, states and items, any sender."""
    with arena() as a:
        alpha = a.h.manager.session_for(OWNER, "alpha")
        assert alpha is not None

        # one case of each kind always runs, whatever hypothesis draws besides
        @EXAMPLES
        @example((f"ff:alpha:{alpha.id}:1:1:0", OWNER, "owner_alpha"))  # stale
        @example((f"ff:alpha:{alpha.id}:0:1:inc", RIVAL, "owner_alpha"))  # not yours
        @example(("ff:alpha:AAAAAAAA:0:1:inc", OWNER, "owner_alpha"))  # expired
        @given(forged(a))
        def check(case: tuple[str, int, str]) -> None:
            cid, user, menu = case
            a.check(cid, user=user, menu=menu)

        check()
        texts = a.h.manager.texts
        assert a.seen.get(texts.stale, 0) > 0, a.seen
        assert any(k.startswith("This menu has expired") for k in a.seen), a.seen
        assert any(k.startswith("This menu belongs") for k in a.seen), a.seen


def test_specific_forgeries() -> None:
    """The named cases, each once, so a regression names its case."""
    with arena() as a:
        texts = a.h.manager.texts
        alpha, rival, beta = (
            a.h.manager.session_for(u, f) for u, f in ((OWNER, "alpha"), (RIVAL, "alpha"), (OWNER, "beta"))
        )
        assert alpha is not None and rival is not None and beta is not None
        cases: list[tuple[str, int, str]] = [
            ("weather:123", OWNER, IGNORED),
            ("", OWNER, IGNORED),
            ("FF:alpha:" + alpha.id + ":0:1:inc", OWNER, IGNORED),
            ("ff:", OWNER, texts.invalid),
            ("ff:alpha:~open", OWNER, texts.invalid),
            ("ff:alpha:" + alpha.id + ":0:1:inc" + "x" * 100, OWNER, texts.invalid),
            (f"ff:gamma:{alpha.id}:0:1:inc", OWNER, texts.invalid),
            (f"ff:beta:{alpha.id}:0:1:0", OWNER, texts.expired.format(command="beta-cmd")),
            ("ff:alpha:AAAAAAAA:0:1:inc", OWNER, texts.expired.format(command="alpha")),
            (f"ff:alpha:{rival.id}:0:1:inc", OWNER, texts.not_yours.format(command="alpha")),
            (f"ff:alpha:{alpha.id}:0:1:inc", RIVAL, texts.not_yours.format(command="alpha")),
            (f"ff:alpha:{alpha.id}:1:1:0", OWNER, texts.stale),
            (f"ff:alpha:{alpha.id}:0:1:9", OWNER, texts.stale),
            (f"ff:alpha:{alpha.id}:0:1:2", OWNER, texts.invalid),  # the disabled button
            (f"ff:alpha:{alpha.id}:0:1:3", OWNER, texts.invalid),  # the link button
        ]
        for cid, user, expected in cases:
            assert a.expected(cid, user) == expected, cid
            before = a.snapshot()
            reply = a.run(a.h.send_component(cid, message=a.menus["owner_alpha"], user=user))
            assert_answer(reply, expected, rest_bot=False)
            assert a.snapshot() == before, cid
        # and a real click still works afterwards
        reply = a.run(a.h.send_component(f"ff:alpha:{alpha.id}:0:1:inc", message=a.menus["owner_alpha"]))
        assert reply.type == hikari.ResponseType.MESSAGE_UPDATE
        assert alpha.data == {"n": 1}


def test_rest_bot_answers_the_same() -> None:
    """Our (``ff:``) ids through a ``hikari.RESTBot`` (signed HTTP), fewer examples.

    Foreign ids on a REST bot are :func:`test_rest_bot_foreign_id_is_answered_without_a_crash`.
    """
    with arena(rest_bot=True) as a:
        originals = a.ids("owner_alpha") + a.ids("owner_beta")
        ours = (
            st.text(max_size=120).map(lambda s: "ff:" + s)
            | mutated(originals).filter(lambda cid: cid.startswith("ff:"))
            | forged(a).map(lambda case: case[0])
        )

        alpha = a.h.manager.session_for(OWNER, "alpha")
        assert alpha is not None

        @settings(EXAMPLES, max_examples=40)
        @example(f"ff:alpha:{alpha.id}:1:1:0", OWNER)  # stale
        @example(f"ff:alpha:{alpha.id}:0:1:inc", RIVAL)  # not yours
        @example("ff:alpha:AAAAAAAA:0:1:inc", OWNER)  # expired
        @given(ours, st.sampled_from(USERS))
        def check(cid: str, user: int) -> None:
            a.check(cid, user=user)

        check()
        assert len(a.seen) >= 4, a.seen


def test_rest_bot_foreign_id_is_answered_without_a_crash() -> None:
    """A REST bot has one listener per interaction type (miru's): if no hook answers, nobody can.

    The contract asserted: an HTTP 200 answer, nothing reaches the event loop, nothing changes.
    (flowfsm acknowledges it silently, a deferred update: the message stays as it is.)
    """
    with arena(rest_bot=True) as a:
        for cid in ("not-flowfsm:1", "", "FF:alpha"):
            before = a.snapshot()
            reply = a.run(a.h.send_component(cid, message=a.menus["owner_alpha"], user=OWNER))
            assert reply.http_status == 200
            assert reply.ephemeral_text is None
            assert a.snapshot() == before
            assert a.escaped == [], a.escaped


def test_own_id_on_another_message_is_refused() -> None:
    """A well-formed id of the owner's session, but on a different menu message (forged)."""
    with arena() as a:
        alpha = a.h.manager.session_for(OWNER, "alpha")
        assert alpha is not None
        before = a.snapshot()
        reply = a.run(a.h.send_component(f"ff:alpha:{alpha.id}:0:1:inc", message=a.menus["rival_alpha"]))
        assert_answer(reply, a.h.manager.texts.stale, rest_bot=False)
        assert a.snapshot() == before


def test_forged_modal_submits() -> None:
    """Modal submits: foreign ids are ignored, forged ``ff:`` ids get ``Texts.invalid``."""
    with arena() as a:
        next_id: Callable[[], int] = iter(range(1_900_000_000_000_000_000, 2**63)).__next__
        for cid, expected in (("someone-else", IGNORED), ("ff:alpha:x", a.h.manager.texts.invalid)):
            before, sent = a.snapshot(), len(a.h.discord.requests)
            iid, token = next_id(), f"modal-{cid}"
            payload = payloads.modal_interaction(
                interaction_id=iid,
                token=token,
                user_id=OWNER,
                custom_id=cid,
                fields={"name": "x"},
                message=a.menus["owner_alpha"],
                application_id=a.h.discord.application_id,
            )
            a.h.discord.register_interaction(
                iid, token, channel_id=222, message_id=int(a.menus["owner_alpha"]["id"])
            )
            bot = a.h.bot
            assert isinstance(bot, hikari.GatewayBot)
            event = bot.event_factory.deserialize_interaction_create_event(None, payload)  # type: ignore[arg-type]

            async def deliver(event: hikari.Event = event, bot: hikari.GatewayBot = bot) -> None:
                await bot.event_manager.dispatch(event, return_tasks=True)
                await a.h.manager.drain()

            a.run(deliver())
            reply = Reply(iid, token, a.h.discord.requests[sent:])
            assert_answer(reply, expected, rest_bot=False)
            assert a.snapshot() == before

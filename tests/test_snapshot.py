"""Session snapshots: every position of every example flow comes back equal, values that would
not are named, and a snapshot meets a changed flow (versions, migrations) as documented."""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any

import msgspec
import pytest

from flowfsm import Button, Context, Flow, Screen
from flowfsm.engine.session import Session
from flowfsm.engine.snapshot import decode_session, encode_session, read_snapshot, refusal
from flowfsm.errors import SnapshotError, SnapshotRefused
from flowfsm.testing import Harness
from flowfsm.tools.explore import explore
from flowfsm.tools.targets import load_flows

EXAMPLES = load_flows(["examples"])
REGISTRY = {flow.name: flow for flow in EXAMPLES}
WALL = 1_800_000_000.0 - 1000.0  # wall clock minus the harness's fake clock


def position(session: Session) -> tuple[Any, ...]:
    """Everything a snapshot keeps, with flows by name (times compared apart, to the microsecond)."""
    frames = [(frame[0].name, *frame[1:]) for frame in session.frames or ()]
    return (
        session.id,
        session.user_id,
        session.flow.name,
        session.state,
        session.local,
        session.page,
        dict(session.state_options),
        dict(session.options),
        session.preserved,
        session.data,
        session.history,
        frames,
        session.channel_id,
        session.message_id,
        session.msg_flags,
        session.token,
        session.timeout,
        session.ended,
        session.end_text,
        getattr(session, "screen", None),
        session.members,
    )


def assert_round_trip(session: Session) -> None:
    blob = encode_session(session, wall_offset=WALL)
    back = decode_session(blob, REGISTRY, wall_offset=WALL)
    assert position(back) == position(session)
    assert back.last_active == pytest.approx(session.last_active, abs=1e-6)
    assert back.token_at == pytest.approx(session.token_at, abs=1e-6)
    assert back.items == ()  # never stored: the engine re-renders the state to recover them
    assert encode_session(back, wall_offset=WALL) == blob


@pytest.mark.parametrize("flow", EXAMPLES, ids=lambda flow: flow.name)
async def test_every_position_of_every_example_round_trips(flow: Flow) -> None:
    seen: set[tuple[str, str]] = set()

    def check(harness: Harness) -> None:
        for session in harness.manager.sessions:
            assert_round_trip(session)
            seen.add((session.flow.name, session.state))

    try:
        report = await explore(flow, 5, flows=EXAMPLES, observe=check)
    finally:
        if flow.name == "inventory":  # its database connection's thread would keep pytest from exiting
            from examples import inventory

            await inventory.db().close()
    assert report.ok, report.findings
    open_states = {state for state in report.reached if not flow.states[state].final}
    assert open_states <= {state for name, state in seen if name == flow.name}


async def test_sub_flow_preserved_history_and_page_positions_round_trip() -> None:
    parent = REGISTRY["loadout"]
    async with Harness(EXAMPLES) as harness:
        await harness.command(parent.command)
        labels = [label for label in harness.labels() if label]
        await harness.click(labels[0])
        session = harness.session()
        assert session.frames, "the first button opens the weapons sub-flow"
        assert_round_trip(session)


def lone_flow(**options: Any) -> Flow:
    flow = Flow("lone", **options)
    flow.add_state("start", lambda ctx: Screen("start", items=[Button("Next", trigger="next")]), initial=True)
    flow.add_state("end", lambda ctx: Screen("end"), tracked=True)
    flow.transition("next", "start", "end")
    return flow


def lone_session(flow: Flow) -> Session:
    session = Session("abc", flow, 1, options=None, now=10.0, channel_id=9)
    session.data = {}
    return session


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ((1, 2), "a tuple would come back as a list"),
        ({1, 2}, "a set would come back as a list"),
        (print, "a builtin_function_or_method cannot be stored"),
        (datetime.datetime(2026, 1, 1), "a datetime would come back as a str"),
        (2**70, "an? int cannot be stored"),
    ],
)
def test_a_value_that_would_not_come_back_is_named(value: Any, problem: str) -> None:
    session = lone_session(lone_flow())
    session.data = {"fine": [1, "a", None, {"b": 2.5}], "bad": value}
    with pytest.raises(
        SnapshotError, match=rf"flow 'lone', state 'start', ctx.data key 'bad': {problem}"
    ) as raised:
        encode_session(session)
    assert raised.value.key == "bad" and raised.value.what == "ctx.data"


def test_per_state_and_preserved_values_are_named_with_their_state() -> None:
    session = lone_session(lone_flow())
    session.preserved = {"end": ({"cursor": object()}, 0)}
    with pytest.raises(SnapshotError, match=r"state 'end', preserved ctx.state key 'cursor'"):
        encode_session(session)
    session.preserved = None
    session.local = {"rows": ("a",)}
    with pytest.raises(SnapshotError, match=r"state 'start', ctx.state key 'rows'"):
        encode_session(session)


def test_aware_datetimes_bytes_and_int_keys_come_back() -> None:
    session = lone_session(lone_flow())
    session.data = {
        "at": datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
        "raw": b"\x00\x01",
        "by_id": {7: "x"},
    }
    assert_round_trip_of(session)


def assert_round_trip_of(session: Session) -> Session:
    flow = session.root_flow
    back = decode_session(encode_session(session), {flow.name: flow})
    assert back.data == session.data
    return back


@dataclasses.dataclass
class Cart:
    items: list[str] = dataclasses.field(default_factory=list)
    total: int = 0


class Order(msgspec.Struct):
    lines: tuple[str, ...] = ()
    paid: bool = False


@pytest.mark.parametrize("data_type", [Cart, Order])
def test_typed_data_is_created_typed_and_stored_with_its_schema(data_type: type[Any]) -> None:
    flow = lone_flow(data=data_type)
    session = lone_session(flow)
    session.data = None
    ctx: Context[Any] = Context(None, session, None)  # type: ignore[arg-type]
    assert isinstance(ctx.data, data_type) and ctx.data is session.data
    back = assert_round_trip_of(session)
    assert isinstance(back.data, data_type)


def test_typed_data_names_the_field_that_would_change() -> None:
    session = lone_session(lone_flow(data=Cart))
    session.data = Cart(items=("a", "b"))  # type: ignore[arg-type]
    with pytest.raises(SnapshotError, match=r"ctx.data key 'items': a tuple would come back as a list"):
        encode_session(session)


def test_a_data_type_must_be_buildable_without_arguments() -> None:
    @dataclasses.dataclass
    class Needy:
        user: int

    with pytest.raises(Exception, match="constructible without arguments"):
        Flow("needy", data=Needy)
    with pytest.raises(Exception, match=r"dataclass or a msgspec\.Struct"):
        Flow("wrong", data=dict)


# -- versions and migrations ------------------------------------------------------------------------------


def test_the_version_is_the_graph_not_the_callbacks() -> None:
    one, two = lone_flow(), lone_flow()
    two.states["start"].render = lambda ctx: Screen("another text")
    assert one.version == two.version and len(one.version) == 12
    before = one.version
    one.compile()  # adds generated Back/Cancel transitions: the version reads the same
    assert one.version == before
    moved = lone_flow()
    moved.transition("again", "end", "start")
    typed = lone_flow(data=Cart)
    marked = lone_flow()
    marked.states["end"].preserve = True
    assert len({before, moved.version, typed.version, marked.version}) == 4


def renamed_flow(**options: Any) -> Flow:
    flow = Flow("lone", **options)
    flow.add_state("begin", lambda ctx: Screen("begin", items=[Button("Next", trigger="next")]), initial=True)
    flow.add_state("end", lambda ctx: Screen("end"), tracked=True)
    flow.transition("next", "begin", "end")
    return flow


def test_a_removed_state_refuses_and_a_migration_carries_on() -> None:
    session = lone_session(lone_flow())
    session.history = [("end", None), ("start", {"x": 1})]
    snapshot = read_snapshot(encode_session(session))
    assert refusal(snapshot, {"lone": renamed_flow()}) == (
        "flow 'lone': state 'start' no longer exists and no migration names it"
    )
    migrated = renamed_flow(migrations={"start": "begin"})
    assert refusal(snapshot, {"lone": migrated}) is None
    back = decode_session(encode_session(session), {"lone": migrated})
    assert back.state == "begin"
    assert back.history == [("end", None)]  # 'begin' is not tracked: Back could not return there
    with pytest.raises(SnapshotRefused, match="not registered"):
        decode_session(encode_session(session), {})


def test_data_that_no_longer_decodes_refuses() -> None:
    session = lone_session(lone_flow(data=Cart))
    session.data = Cart(items=["a"], total=3)
    blob = encode_session(session)

    @dataclasses.dataclass
    class Cart2:
        items: list[int] = dataclasses.field(default_factory=list)

    changed = lone_flow(data=Cart2)
    with pytest.raises(SnapshotRefused, match="session data no longer decodes"):
        decode_session(blob, {"lone": changed})


def test_a_migration_must_name_a_gone_state_and_an_existing_one() -> None:
    with pytest.raises(Exception, match="is still a state"):
        lone_flow(migrations={"start": "end"}).compile()
    with pytest.raises(Exception, match="is not a state"):
        renamed_flow(migrations={"start": "nowhere"}).compile()


async def test_the_typed_data_example_runs_and_its_cart_round_trips() -> None:
    from examples.typed_data import Cart, cart

    async with Harness([cart]) as harness:
        await harness.command("cart")
        await harness.click("Add Tea")
        await harness.click("Add Cake")
        session = harness.session()
        assert session.data == Cart(lines=("Tea", "Cake"), total=8)
        back = assert_round_trip_of(session)
        assert back.data.lines == ("Tea", "Cake")  # a tuple again: the schema says so
        await harness.click("Checkout")
        assert harness.message is not None and harness.message["content"] == "Paid 8 coins for 2 item(s)."

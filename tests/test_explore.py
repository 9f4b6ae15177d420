"""``flowfsm explore``: breadth-first clicking through the real stack, reporting what breaks."""

from __future__ import annotations

from examples.quickstart import weather
from flowfsm import Button, Context, Flow, Screen
from flowfsm.tools.explore import explore
from tests.fixtures import explore_flows


async def test_the_quick_start_explores_clean() -> None:
    report = await explore(weather, depth=3)
    assert report.ok, report.findings
    assert set(report.reached) == {"report", "details", "closed"}
    assert report.reached[0] == "report"
    assert report.expected == ("report", "details", "closed")
    # report, details, closed, and the report closed by Cancel: four different screens.
    assert report.screens == 4
    assert "weather: reached 3 of 3 reachable states" in report.summary()


async def test_every_kind_of_finding_is_reported_exactly() -> None:
    flows = [
        explore_flows.crashes,
        explore_flows.too_long,
        explore_flows.wrong_trigger,
        explore_flows.unreached,
    ]
    lines: set[str] = set()
    for flow in flows:
        report = await explore(flow)
        lines.update(str(finding) for finding in report.findings)
    assert lines == explore_flows.EXPECTED


async def test_depth_limits_the_walk() -> None:
    report = await explore(weather, depth=0)
    assert report.reached == ("report",)
    assert report.interactions == 1
    assert {str(f) for f in report.findings} == {
        "weather:details: reachable in the diagram, but no rendered item reached it within 0 steps",
        "weather:closed: reachable in the diagram, but no rendered item reached it within 0 steps",
    }


def _flow_with_guarded_and_fired_states() -> Flow:
    flow = Flow("vault")

    @flow.guard("is_admin", "Admins only.")
    def is_admin(ctx: Context) -> bool:
        return False

    async def jump(ctx: Context) -> None:
        await ctx.fire("hidden")

    @flow.state(initial=True)
    def lobby(ctx: Context) -> Screen:
        return Screen(
            content="Lobby",
            items=[
                Button("Vault", trigger="vault"),
                Button("Jump", action=jump),
                Button("Docs", url="https://x.y"),
            ],
        )

    @flow.state()
    def vault(ctx: Context) -> Screen:
        return Screen(content="Vault", items=[Button("Leave", trigger="leave")])

    @flow.state()
    def attic(ctx: Context) -> Screen:
        return Screen(content="Attic", items=[Button("Leave", trigger="leave")])

    flow.transition("vault", "lobby", "vault", conditions=["is_admin"])  # type: ignore[list-item]
    flow.transition("hidden", "lobby", "attic")
    flow.transition("leave", ["vault", "attic"], "lobby")
    return flow


async def test_states_behind_refusing_guards_are_notes_and_fired_triggers_count() -> None:
    report = await explore(_flow_with_guarded_and_fired_states())
    assert report.ok, report.findings
    assert set(report.reached) == {"lobby", "attic"}  # 'attic' only through an action's ctx.fire
    assert report.notes == [
        "vault:vault: not reached: only guarded transitions lead there (lobby -> vault [is_admin]) "
        "and their guards refused with default options"
    ]


async def test_a_flow_that_cannot_compile_is_one_finding() -> None:
    from tests.fixtures.broken_flows import unknown_dest

    report = await explore(unknown_dest)
    assert [str(f) for f in report.findings] == [
        "unknown_dest:start: cannot be compiled: transition 'go' goes to unknown state 'nowhere' "
        "(known: start, done)"
    ]


async def test_sub_flows_given_as_flows_are_explored_through_the_parent() -> None:
    child = Flow("kid")

    async def pick(ctx: Context) -> None:
        await ctx.complete("a")

    @child.state(initial=True)
    def choose(ctx: Context) -> Screen:
        return Screen(content="Pick", items=[Button("A", action=pick)])

    parent = Flow("mom")

    @parent.on_complete("got")
    def got(ctx: Context, value: object) -> None:
        ctx.data["value"] = value

    @parent.state(initial=True)
    def home(ctx: Context) -> Screen:
        return Screen(content=f"Value {ctx.data.get('value')}", items=[Button("Pick", trigger="pick")])

    parent.subflow("pick", "home", child, on_complete="got")
    report = await explore(parent, flows=[child])
    assert report.ok, report.findings
    assert report.reached == ("home",)
    assert report.screens >= 2


def _form_flow() -> Flow:
    """States reached only through a text select's option and a modal's submission."""
    from flowfsm.define.modals import Modal, TextField
    from flowfsm.define.selects import SelectOption, TextSelect

    flow = Flow("form")

    async def picked(ctx: Context, values: list[str]) -> None:
        if values == ["teal"]:
            await ctx.fire("chosen")

    async def submitted(ctx: Context, values: dict[str, str]) -> None:
        ctx.data["name"] = values["name"]
        if len(values["name"]) >= 3 and values["code"] == "AB-1":
            await ctx.fire("thanks")

    @flow.state(initial=True)
    def ask(ctx: Context) -> Screen:
        colours = TextSelect(
            [SelectOption("Red", "red"), SelectOption("Teal", "teal")], placeholder="Colour", action=picked
        )
        form = Modal(
            "m",
            "Tell us",
            [
                TextField("name", "Name", min_length=3, max_length=10),
                TextField("code", "Code", placeholder="AB-1"),
            ],
            on_submit=submitted,
        )
        return Screen(content="Ask", items=[colours, Button("Fill in", modal="m")], modals=[form])

    @flow.state(final=True)
    def chosen(ctx: Context) -> Screen:
        return Screen(content="Teal it is")

    @flow.state(final=True)
    def thanks(ctx: Context) -> Screen:
        return Screen(content=f"Thanks {ctx.data['name']}")

    flow.transition("chosen", "ask", "chosen")
    flow.transition("thanks", "ask", "thanks")
    return flow


async def test_text_select_options_and_modal_submissions_are_driven() -> None:
    report = await explore(_form_flow(), depth=1)
    assert report.ok, report.findings
    assert set(report.reached) == {"ask", "chosen", "thanks"}
    # The command, then each option of the select, then the button and its modal's submission.
    assert report.interactions == 1 + 2 * 2 + 3

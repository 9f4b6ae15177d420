"""Flow coverage: the recorder, the table and JSON, ``pytest --flowfsm-cov``, ``explore --coverage``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from examples.guards import store
from flowfsm import Button, Context, Flow, Screen, Tracer, guard
from flowfsm.testing import Harness
from flowfsm.testing.coverage import FlowCoverage, recording
from flowfsm.tools.cli import main

pytest_plugins = ("pytester",)


@guard(message="closed")
def is_open(ctx: Context) -> bool:
    """Refuses when the start options say the door is shut."""
    return not ctx.options.get("shut")


def make_door() -> Flow:
    """Three states; the test below never crosses ``hall --leave--> street``."""
    door = Flow("door")

    @door.state(initial=True, on_enter=[lambda ctx: None])
    def porch(ctx: Context) -> Screen:
        return Screen("Porch", items=[Button("Enter", trigger="enter")])

    @door.state(returnable=True, fallback="porch")
    def hall(ctx: Context) -> Screen:
        return Screen("Hall", items=[Button("Leave", trigger="leave")])

    @door.state(final=True)
    def street(ctx: Context) -> Screen:
        return Screen("Street")

    door.transition("enter", "porch", "hall", conditions=[is_open])
    door.transition("leave", "hall", "street")
    return door


async def drive_door(door: Flow) -> FlowCoverage:
    coverage = FlowCoverage([door])
    with recording(coverage):
        async with Harness([door]) as h:
            await h.command("door")
            porch = h.message
            await h.click("Enter")
            await h.click("Back")
            assert porch is not None
            await h.click("Enter", message_id=int(porch["id"]))  # the porch screen, clicked again: fine
            await h.click("Back")
    return coverage


async def test_a_known_uncovered_edge_is_reported_exactly() -> None:
    door = make_door()
    coverage = await drive_door(door)
    measures = coverage.measures(coverage.flows()[0])
    assert measures["transitions"].missing == ["door:hall --leave--> street"]
    assert measures["transitions"].covered == ["door:porch --enter--> hall"]
    assert measures["states"].missing == ["door:street"]
    assert measures["guards"].covered == ["door:porch [is_open] pass"]
    assert measures["guards"].missing == ["door:porch [is_open] refuse"]
    assert "door:hall back" in measures["nav"].covered
    assert "door:porch timeout" in measures["nav"].missing
    assert measures["hooks"].covered == ["door:porch on_enter[0] <lambda>"]
    assert "door:hall item 'Leave'" in measures["items"].missing
    table = coverage.table().splitlines()
    assert table[0].split() == [
        "Flow",
        "Trans",
        "Miss",
        "Cover",
        "States",
        "Guards",
        "Nav",
        "Hooks",
        "Items",
        "Missing",
    ]
    assert table[2].split(None, 9) == [
        "door",
        "2",
        "1",
        "50%",
        "2/3",
        "1/2",
        "1/5",
        "1/1",
        "2/3",
        "door:hall --leave--> street",
    ]
    assert table[-1].split()[:4] == ["TOTAL", "2", "1", "50%"]


async def test_stale_clicks_timeouts_and_refusals_are_counted_per_state() -> None:
    door = make_door()
    coverage = FlowCoverage([door])
    with recording(coverage):
        async with Harness([door]) as h:
            await h.command("door", options={"shut": True})
            porch = h.message
            await h.click("Enter")  # refused by is_open
            coverage_after_refusal = set(coverage.measures(coverage.flows()[0])["guards"].covered)
            await h.command("door")
            await h.click("Enter")
            assert porch is not None
            await h.click(
                "Enter", message_id=int(porch["id"]), allow_disabled=True
            )  # the first session's menu: replaced
            await h.click("Back")
            await h.click("Enter", message_id=int(h.message["id"]))  # the hall replaced it: stale
            await h.advance(door.timeout + 1)
    assert coverage_after_refusal == {"door:porch [is_open] refuse"}
    nav = coverage.measures(coverage.flows()[0])["nav"]
    assert {"door:hall timeout", "door:hall back"} <= set(
        nav.covered
    )  # the porch session was replaced, not timed out


async def test_a_plain_tracer_gets_no_coverage_events_and_keeps_its_own() -> None:
    door = make_door()
    mine = Tracer(size=50)
    coverage = FlowCoverage([door])
    with recording(coverage):
        async with Harness([door], tracer=mine) as h:
            await h.command("door")
            await h.click("Enter")
    assert [e.kind for e in mine] == ["start", "transition"]
    assert coverage.percent() == 50.0


async def test_without_coverage_the_engine_builds_no_detailed_events(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Harness, "started", [])  # even under `pytest --flowfsm-cov`
    door = make_door()
    async with Harness([door]) as h:
        assert h.manager.tracer is None  # nothing attached: the engine's checks are one attribute read
        await h.command("door")
        await h.click("Enter")
        assert h.session().state == "hall"


def test_json_report_lists_missing_and_covered(tmp_path: Path) -> None:
    coverage = FlowCoverage([make_door()])
    coverage.write_json(str(tmp_path / "cov.json"))
    report = json.loads((tmp_path / "cov.json").read_text())
    door = report["flows"]["door"]["transitions"]
    assert door["missing"] == ["door:porch --enter--> hall", "door:hall --leave--> street"]
    assert report["totals"]["transitions"] == {"covered": 0, "total": 2, "percent": 0.0}


PLUGIN_TEST = """
from flowfsm.testing import Harness
from examples.guards import store

async def test_admin(flowfsm_harness):
    flowfsm_harness.manager.register(store)
    await flowfsm_harness.command("store")
    await flowfsm_harness.click("Admin panel")
    assert flowfsm_harness.session().state == "admin"
"""


def _plugin_run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    pytester.makeini("[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(test_store=PLUGIN_TEST)
    pytester.syspathinsert(str(Path(__file__).resolve().parent.parent))
    return pytester.runpytest_inprocess("-p", "no:cacheprovider", *args)


def test_pytest_flowfsm_cov_prints_the_table_and_writes_json(pytester: pytest.Pytester) -> None:
    report = pytester.path / "flowcov.json"
    result = _plugin_run(
        pytester,
        "--flowfsm-cov=examples.guards:store",
        f"--flowfsm-cov-report={report}",
        "--flowfsm-cov-fail-under=90",
    )
    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(
        [
            "*flowfsm coverage: transitions (states, guards, nav, hooks, items)*",
            "Flow   Trans  Miss  Cover  States  Guards  Nav  Hooks  Items  Missing",
            "store      1     0   100%     2/2     1/2  0/5    0/0    1/3",
            "TOTAL      1     0   100%     2/2     1/2  0/5    0/0    1/3",
            f"flowfsm coverage JSON written to {report}",
            "Required flow transition coverage of 90% reached.",
        ]
    )
    data = json.loads(report.read_text())
    assert data["flows"]["store"]["transitions"]["covered_items"] == ["store:shop --admin--> admin"]
    assert data["flows"]["store"]["guards"]["missing"] == ["store:shop [is_admin] refuse"]


def test_pytest_flowfsm_cov_fail_under_fails_the_run(pytester: pytest.Pytester) -> None:
    result = _plugin_run(pytester, "--flowfsm-cov=examples.navigation", "--flowfsm-cov-fail-under=90")
    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "navigation * 0%*",
            "FAIL Required flow transition coverage of 90% not reached. Total coverage: 0.00%",
        ]
    )


def test_explore_coverage_uses_the_samples(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert [s.name for s in store.samples] == ["broke", "rich", "admin"]
    report = tmp_path / "explore.json"
    code = main(["explore", "examples.guards:store", "--coverage", "--coverage-report", str(report)])
    out = capsys.readouterr().out
    assert code == 0
    assert "Flow" in out and "store" in out
    guards = json.loads(report.read_text())["flows"]["store"]["guards"]
    # The broke sample makes can_afford refuse. Exploration does not click an item again on a
    # screen of the same shape, so "already own" is never seen refusing (gen-tests tries repeats).
    assert "store:shop [can_afford] refuse" in guards["covered_items"]
    assert guards["missing"] == ["store:shop [not_owned] refuse"]
    # Exploration's users are no admins: only the admin sample crosses the guarded transition.
    assert "store:shop [is_admin] refuse" in guards["covered_items"]
    transitions = json.loads(report.read_text())["flows"]["store"]["transitions"]
    assert transitions["covered_items"] == ["store:shop --admin--> admin"]


async def test_a_sub_flow_opener_counts_for_the_parent() -> None:
    from examples.subflow import loadout, weapons

    coverage = FlowCoverage([loadout, weapons])
    with recording(coverage):
        async with Harness([loadout, weapons]) as h:
            await h.command("loadout")
            await h.click("Change weapon")
    parent = coverage.measures(coverage.flows()[0])
    assert coverage.flows()[0].flow is loadout
    assert parent["transitions"].covered == ["loadout:editor --pick--> flow weapons"]
    assert coverage.measures(coverage.flows()[1])["states"].covered == ["weapons:" + weapons.initial]

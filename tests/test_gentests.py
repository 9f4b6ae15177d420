"""flowfsm gen-tests: committed path tests are up to date; a generated file runs green; a broken
render fails its snapshot with a readable diff."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowfsm.testing.gentests import generate
from flowfsm.tools.cli import main

pytest_plugins = ("pytester",)

ROOT = Path(__file__).resolve().parent.parent

COMMITTED = {
    "examples.shop:shop": "tests/test_shop_paths.py",
    "examples.guards:store": "tests/test_store_paths.py",
    "examples.navigation:nav": "tests/test_navigation_paths.py",
    "examples.layout_navigation:helpdesk": "tests/test_layout_navigation_paths.py",
    "examples.subflow:loadout": "tests/test_loadout_paths.py",
    "examples.lifecycle:lifecycle": "tests/test_lifecycle_paths.py",
}


@pytest.mark.parametrize("target", sorted(COMMITTED))
async def test_regenerating_the_committed_path_tests_is_a_no_op(target: str) -> None:
    output = COMMITTED[target]
    fresh = await generate(target, command=f"flowfsm gen-tests {target} -o {output}")
    assert fresh == (ROOT / output).read_text(encoding="utf-8"), (
        f"{output} is out of date: run `flowfsm gen-tests {target} -o {output}` "
        "and `pytest --snapshot-update` on it"
    )


FLOW_MODULE = """
from flowfsm import Button, Context, Flow, Screen, guard

lamp = Flow("lamp")
GREETING = ["Hello"]


@guard(message="The bulb is broken.")
def bulb_ok(ctx: Context) -> bool:
    return not ctx.options.get("broken")


@lamp.state(initial=True)
def off(ctx: Context) -> Screen:
    return Screen(f"{GREETING[0]}: the lamp is off.", items=[Button("Switch on", trigger="on")])


@lamp.state(returnable=True, fallback="off")
def on(ctx: Context) -> Screen:
    return Screen("The lamp is on.", items=[Button("Switch off", trigger="off")])


lamp.transition("on", "off", "on", conditions=[bulb_ok])
lamp.transition("off", "on", "off")
lamp.sample("off", options={"broken": True}, name="broken bulb")
"""


def test_a_generated_file_runs_green_and_a_broken_render_shows_a_diff(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(lamp_flows=FLOW_MODULE)
    pytester.syspathinsert()
    out = pytester.path / "test_lamp_paths.py"
    assert main(["gen-tests", "lamp_flows:lamp", "-o", str(out)]) == 0
    text = out.read_text()
    # Readable: one function per path, named after its steps, a comment per step.
    assert "async def test_lamp__switch_on_switch_off_switch_on_back(snapshot):" in text
    assert "        # click 'Switch on' -> on; crosses off --on--> on, off [bulb_ok] pass\n" in text
    assert "async def test_lamp_broken_bulb__switch_on(snapshot):" in text
    assert "        # click 'Switch on' -> off; crosses off [bulb_ok] refuse\n" in text
    assert "Not covered" not in text

    # Subprocesses: a failing run's tracebacks (holding its harness) must not outlive this test.
    first = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--snapshot-update", str(out))
    first.assert_outcomes(passed=2)
    green = pytester.runpytest_subprocess("-p", "no:cacheprovider", str(out))
    green.assert_outcomes(passed=2)

    pytester.makepyfile(lamp_flows=FLOW_MODULE.replace('["Hello"]', '["Good evening"]'))  # a changed render
    red = pytester.runpytest_subprocess("-p", "no:cacheprovider", str(out))
    red.assert_outcomes(failed=2)
    report = red.stdout.str()
    assert "assert [+ received] == [- snapshot]" in report
    assert "-   'content': 'Hello: the lamp is off.'," in report
    assert "+   'content': 'Good evening: the lamp is off.'," in report

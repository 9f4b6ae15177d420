"""The ``flowfsm`` command: subcommands, outputs, exit codes and one-line errors."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from flowfsm.tools import cli
from flowfsm.tools.cli import main
from tests.fixtures import broken_flows, explore_flows

ROOT = Path(__file__).resolve().parent.parent


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse usage errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


# -- check ----------------------------------------------------------------------------------------------


def test_check_reports_every_finding_and_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "check", "tests.fixtures.broken_flows")
    assert code == 1
    assert set(out.splitlines()) == broken_flows.EXPECTED
    assert len(out.splitlines()) == len(broken_flows.EXPECTED)
    assert "22 flow(s), 21 finding(s)" in err


def test_check_clean_exits_0_and_prints_no_finding(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", "examples.quickstart", "examples.quickstart:weather")
    assert (code, out) == (0, "")


# -- diagram --------------------------------------------------------------------------------------------


def test_diagram_prints_mermaid_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "diagram", "examples.quickstart:weather")
    assert code == 0
    assert out.startswith("---\ntitle: weather\n---\nstateDiagram-v2\n")


def test_diagram_of_several_flows_prints_one_diagram_each(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "diagram", "tests.fixtures.explore_flows", "--format", "dot")
    assert code == 0
    assert out.count("digraph ") == 4
    assert [line.split()[1] for line in out.splitlines() if line.startswith("digraph")] == [
        "crashes",
        "too_long",
        "wrong_trigger",
        "unreached",
    ]


def test_diagram_to_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    svg = tmp_path / "weather.svg"
    assert run(capsys, "diagram", "examples.quickstart:weather", "-f", "svg", "-o", str(svg))[0] == 0
    ET.parse(svg)
    png = tmp_path / "weather.png"
    assert run(capsys, "diagram", "examples.quickstart:weather", "-f", "png", "-o", str(png))[0] == 0
    assert png.read_bytes().startswith(b"\x89PNG")
    out_dir = tmp_path / "many"
    out_dir.mkdir()
    assert run(capsys, "diagram", "tests.fixtures.explore_flows", "-f", "svg", "-o", str(out_dir))[0] == 0
    assert sorted(p.name for p in out_dir.iterdir()) == [
        "crashes.svg",
        "too_long.svg",
        "unreached.svg",
        "wrong_trigger.svg",
    ]
    named = tmp_path / "all.mmd"
    assert run(capsys, "diagram", "tests.fixtures.explore_flows", "-o", str(named))[0] == 0
    assert (tmp_path / "all.crashes.mmd").read_text().startswith("---\ntitle: crashes\n")


def test_diagrams_writes_mmd_and_svg_for_every_flow(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "diagrams", "tests.fixtures.explore_flows", "--out", str(tmp_path / "d"))
    assert code == 0
    names = sorted(p.name for p in (tmp_path / "d").iterdir())
    flows = ["crashes", "too_long", "unreached", "wrong_trigger"]
    assert names == sorted([f"{flow}.mmd" for flow in flows] + [f"{flow}.svg" for flow in flows])
    assert err.count("wrote ") == 8
    code, _, _ = run(
        capsys, "diagrams", "examples.quickstart", "--out", str(tmp_path / "e"), "--formats", "dot"
    )
    assert code == 0
    assert [p.name for p in (tmp_path / "e").iterdir()] == ["weather.dot"]


# -- explore --------------------------------------------------------------------------------------------


def test_explore_reports_findings_and_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "explore", "tests.fixtures.explore_flows")
    assert code == 1
    assert set(out.splitlines()) == explore_flows.EXPECTED
    assert "flowfsm explore: 4 flow(s), 4 finding(s)" in err
    assert "Traceback" not in err  # the engine's error log is silenced: the findings say it


def test_explore_clean_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "explore", "examples.quickstart", "--depth", "2")
    assert (code, out) == (0, "")
    assert "weather: reached 3 of 3 reachable states" in err


# -- errors: one line, exit 2 ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["diagram", "no_such_module"], "flowfsm: error: cannot import 'no_such_module': no module named"),
        (["check", "examples.quickstart:nothing"], "has no attribute 'nothing'"),
        (
            ["check", "tests.fixtures.broken_flows:EXPECTED"],
            "flowfsm: error: 'tests.fixtures.broken_flows:EXPECTED' holds no flow (it is a set)",
        ),
        (["check", "flowfsm.define.flow"], "flowfsm: error: module 'flowfsm.define.flow' defines no flow"),
        (
            ["diagram", "examples.quickstart", "--format", "gif"],
            "flowfsm diagram: error: argument -f/--format",
        ),
        (["diagrams", "examples.quickstart", "--formats", "svg,gif"], "unknown format 'gif'"),
        (["diagram", "tests.fixtures.explore_flows", "-f", "svg"], "write SVG with -o DIR/"),
        (["explore", "examples.quickstart", "--depth", "-1"], "depth must be 0 or more"),
        ([], "flowfsm: error: the following arguments are required: COMMAND"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
    ],
)
def test_usage_errors_are_one_line_with_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert message in one_error_line(err)


def test_an_import_time_error_in_the_target_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "exploding_flows.py").write_text("raise RuntimeError('boom\\nsecond line')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    code, _, err = run(capsys, "check", "exploding_flows")
    assert code == 2
    assert one_error_line(err) == "flowfsm: error: cannot import 'exploding_flows': RuntimeError: boom"


@pytest.mark.parametrize("fmt", ["svg", "png"])
def test_missing_dot_is_one_line_with_exit_2(
    fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    code, _, err = run(capsys, "diagram", "examples.quickstart:weather", "-f", fmt, "-o", str(tmp_path / "x"))
    assert code == 2
    assert one_error_line(err) == (
        f"flowfsm: error: {fmt.upper()} diagrams need the Graphviz 'dot' program on PATH "
        "(Debian: apt-get install graphviz)"
    )


# -- the command itself ---------------------------------------------------------------------------------


def test_python_dash_m_flowfsm_runs_the_command() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "flowfsm", "check", "tests.fixtures.broken_flows"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert set(done.stdout.splitlines()) == broken_flows.EXPECTED


def test_more_subcommands_plug_in(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def handler(args: argparse.Namespace) -> int:
        print(f"hello {args.name}")
        return 3

    def provide(subparsers: Any) -> None:
        parser = subparsers.add_parser("hello", help="say hello")
        parser.add_argument("name")
        parser.set_defaults(func=handler)

    monkeypatch.setattr(cli, "PROVIDERS", [provide])
    monkeypatch.setitem(
        cli.COMMANDS, "bye", cli.Command("say bye", lambda p: None, lambda args: print("bye") or 0)
    )
    assert run(capsys, "hello", "you") == (3, "hello you\n", "")
    assert run(capsys, "bye") == (0, "bye\n", "")


@pytest.mark.parametrize("command", ["play", "run"])
def test_play_and_run_without_a_target_say_what_target_is_needed(
    command: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    code, out, err = run(capsys, command)
    assert code == 2 and out == ""
    assert err.strip() == (
        f"flowfsm {command}: error: name the flows to {command}: flowfsm {command} TARGET, where TARGET is a "
        f"module, package or module:attribute holding flows (e.g. flowfsm {command} mybot.flows)"
    )

"""Diagrams: Mermaid names every state and trigger, DOT parses with graphviz, SVG parses as XML and
carries state names in node titles, the live position is highlighted, output is byte-stable."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import graphviz
import pytest

from examples.quickstart import weather
from flowfsm import Button, Context, Flow, Screen
from flowfsm.testing import Harness
from flowfsm.tools.diagram import (
    DiagramError,
    diagram,
    flow_graph,
    render_png,
    session_diagram,
    to_dot,
    to_mermaid,
    to_svg,
)
from flowfsm.tools.targets import load_target

ROOT = Path(__file__).resolve().parent.parent
SVG = "{http://www.w3.org/2000/svg}"


def _screen(ctx: Context) -> Screen:
    return Screen(content=ctx.state_name, items=[Button("Next", trigger="next")])


def _navigation() -> tuple[Flow, Flow]:
    """A flow using every mark: tracked, preserved, back with fallback, cancel, guard, sub-flow."""
    child = Flow("picker")
    child.add_state("choose", _screen, initial=True, returnable=True)
    nav = Flow("nav")
    nav.add_state("main", _screen, initial=True, tracked=True)
    nav.add_state("settings", _screen, tracked=True, preserve=True, returnable=True)
    nav.add_state("profile", _screen, returnable=True, cancellable=True, fallback="main")
    nav.add_state("bye", _screen, final=True)

    @nav.guard("is_admin")
    def is_admin(ctx: Context) -> bool:
        return False

    @nav.on_complete("picked")
    def picked(ctx: Context, value: object) -> None:
        pass

    def has_name(ctx: Context) -> bool:
        return True

    nav.transition("next", "main", "settings")
    nav.transition("profile", "settings", "profile", conditions=[has_name], unless=["is_admin"])  # type: ignore[list-item]
    nav.transition("bye", "*", "bye")
    nav.transition("refresh", "main", None)
    nav.subflow("pick", "settings", child, on_complete="picked")
    return nav, child


def _svg_groups(svg: str) -> dict[str, ET.Element]:
    """``<title>`` -> the ``<g>`` of each node and edge (edge titles are ``source->dest``)."""
    groups: dict[str, ET.Element] = {}
    for group in ET.fromstring(svg).iter(f"{SVG}g"):
        classes = (group.get("class") or "").split()
        title = group.findtext(f"{SVG}title")
        if title is not None and ("node" in classes or "edge" in classes):
            groups[title] = group
    return groups


# -- Mermaid --------------------------------------------------------------------------------------------


def test_mermaid_of_the_quick_start() -> None:
    text = to_mermaid(weather)
    assert text.startswith("---\ntitle: weather\n---\nstateDiagram-v2\n")
    lines = [line.strip() for line in text.splitlines()]
    assert 'state "report" as report' in lines
    assert 'state "details" as details' in lines
    assert 'state "closed [final]" as closed' in lines
    assert "[*] --> report" in lines
    assert "closed --> [*]" in lines
    assert "report --> details: details" in lines
    assert "details --> report: back" in lines
    assert "report --> closed: close" in lines
    assert text.endswith("\n")


@pytest.mark.parametrize("flow", load_target("examples"), ids=lambda flow: flow.name)
def test_mermaid_names_every_state_and_trigger_of_every_example(flow: Flow) -> None:
    text = to_mermaid(flow)
    labels = re.findall(r'^\s*state "([^"]*)" as (\S+)$', text, re.MULTILINE)
    names = {label.split(" [")[0] for label, _ in labels}
    for state in flow.states:
        assert state.replace('"', "#quot;") in names
    edges = " ".join(re.findall(r"-->[^:\n]*: (.*)$", text, re.MULTILINE))
    for spec in flow.transitions:
        if spec.kind in ("back", "cancel"):  # generated when compiled: drawn from the state marks
            continue
        assert re.search(rf"(^|[ |]){re.escape(spec.trigger)}( |$)", edges), spec.trigger


def test_mermaid_marks_guards_back_cancel_subflows_tracked_and_preserved() -> None:
    nav, _ = _navigation()
    text = to_mermaid(nav)
    lines = [line.strip() for line in text.splitlines()]
    assert 'state "main [tracked]" as main' in lines
    assert 'state "settings [tracked, preserved, back]" as settings' in lines
    assert 'state "profile [back, cancel]" as profile' in lines
    assert 'state "H (history)" as history_' in lines
    assert 'state "sub-flow picker" as flow_picker' in lines
    assert "settings --> profile: profile [has_name & !is_admin]" in lines
    assert "main --> main: refresh [internal]" in lines
    assert "settings --> history_: back" in lines
    assert "profile --> main: back (empty history)" in lines
    assert "profile --> [*]: cancel" in lines
    assert "settings --> flow_picker: pick" in lines
    assert "flow_picker --> settings: complete -#gt; picked" in lines
    assert "class main,settings ff_tracked" in lines
    # "*" means every state, the final one included (as the engine compiles it).
    for state in ("main", "settings", "profile", "bye"):
        assert f"{state} --> bye: bye" in lines


def test_mermaid_ids_are_safe_and_labels_escaped() -> None:
    flow = Flow("odd")
    flow.add_state('say "hi" #1; <b>', _screen, initial=True)
    flow.add_state("end", _screen, final=True)
    flow.add_state("Main menu", _screen)
    flow.transition("next", 'say "hi" #1; <b>', "Main menu")
    flow.transition("next", "Main menu", "end")
    text = to_mermaid(flow)
    assert 'state "say #quot;hi#quot; #35;1#59; #lt;b#gt;" as s_say__hi___1___b_' in text
    assert 'state "end [final]" as s_end' in text  # "end" is a Mermaid keyword
    assert 'state "Main menu" as s_Main_menu' in text
    for line in text.splitlines():
        if "-->" in line:
            source, _, rest = line.strip().partition(" --> ")
            assert re.fullmatch(r"\[\*\]|[A-Za-z][A-Za-z0-9_]*", source)
            assert re.fullmatch(r"(\[\*\]|[A-Za-z][A-Za-z0-9_]*)(: .*)?", rest)


# -- DOT ------------------------------------------------------------------------------------------------


def test_dot_parses_with_graphviz_and_names_every_state() -> None:
    nav, _ = _navigation()
    source = to_dot(nav)
    plain = graphviz.Source(source).pipe(format="plain").decode()
    nodes = {line.split()[1] for line in plain.splitlines() if line.startswith("node ")}
    assert {"main", "settings", "profile", "bye"} <= nodes
    assert {"__start__", "__end__", "__history__", "__flow_picker__"} <= nodes
    assert 'settings -> __history__ [label=back class="ff-back" color=gray30 style=dashed]' in source
    assert '__flow_picker__ [label="sub-flow\\npicker"' in source
    assert "shape=component" in source
    assert 'label="profile [has_name & !is_admin]"' in source
    assert "peripheries=2" in source  # the final state


@pytest.mark.parametrize("flow", load_target("examples"), ids=lambda flow: flow.name)
def test_dot_of_every_example_renders(flow: Flow) -> None:
    svg = graphviz.Source(to_dot(flow)).pipe(format="svg")
    titles = {group.findtext(f"{SVG}title") for group in ET.fromstring(svg).iter(f"{SVG}g")}
    assert set(flow.states) <= titles


def test_pseudo_node_ids_never_collide_with_states() -> None:
    flow = Flow("clash")
    flow.add_state("__start__", _screen, initial=True)
    flow.add_state("__end__", _screen, final=True)
    flow.transition("next", "__start__", "__end__")
    plain = graphviz.Source(to_dot(flow)).pipe(format="plain").decode()
    nodes = [line.split()[1] for line in plain.splitlines() if line.startswith("node ")]
    assert sorted(nodes) == sorted(["__start__", "__end__", "__start___2", "__end___2"])


# -- SVG and PNG ----------------------------------------------------------------------------------------


def test_svg_is_xml_with_state_titles_and_the_position_highlighted() -> None:
    nav, _ = _navigation()
    svg = to_svg(nav, current="profile", path=["main", "settings"])
    groups = _svg_groups(svg)
    for state in nav.states:
        assert state in groups, state
        assert "ff-state" in (groups[state].get("class") or "")
    current = groups["profile"]
    assert "ff-current" in (current.get("class") or "").split()
    fills = {shape.get("fill") for shape in current if shape.tag in (f"{SVG}path", f"{SVG}polygon")}
    assert "darksalmon" in fills
    for state in ("main", "settings"):
        assert "ff-visited" in (groups[state].get("class") or "").split()
    assert "ff-visited" not in (groups["bye"].get("class") or "")
    walked = [
        title for title, g in groups.items() if "ff-visited" in (g.get("class") or "") and "->" in title
    ]
    assert sorted(walked) == ["main->settings", "settings->profile"]


def test_png_is_a_png() -> None:
    png = render_png(weather, current="details")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert diagram(weather, "png")[:8] == png[:8]


def test_missing_dot_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(DiagramError, match=r"need the Graphviz 'dot' program on PATH"):
        to_svg(weather)
    assert to_mermaid(weather)  # Mermaid needs no binary


def test_unknown_format_and_state_are_clear_errors() -> None:
    with pytest.raises(DiagramError, match="unknown format 'gif'"):
        diagram(weather, "gif")
    with pytest.raises(DiagramError, match="flow 'weather': no state named 'nowhere'"):
        to_mermaid(weather, current="nowhere")


def test_a_path_skips_other_flows_states_and_repeats() -> None:
    text = to_mermaid(weather, current="details", path=["report", "report", "elsewhere", "report"])
    assert "report --> report" not in text  # refreshing the report is not a step
    assert "report --> details: details (visited)" in text
    assert "elsewhere" not in text  # e.g. a sub-flow's state: not in this diagram
    assert to_dot(weather, path=["report", "details"]).count("ff-visited") == 3


# -- stability, definitions, sessions -------------------------------------------------------------------


_DUMP = """
import sys
from flowfsm.tools.diagram import to_dot, to_mermaid, to_svg
from flowfsm.tools.targets import load_target

for i, flow in enumerate(load_target("examples")):
    sys.stdout.write(to_mermaid(flow) + to_dot(flow, current=flow.initial))
    sys.stdout.write(to_svg(flow, current=flow.initial) if i < 3 else "")
"""


def test_same_definition_same_bytes_across_processes(capsys: pytest.CaptureFixture[str]) -> None:
    """Another process, with another string hash seed, writes exactly the same bytes."""
    exec(compile(_DUMP, "dump", "exec"), {})
    here = capsys.readouterr().out.encode()
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(ROOT)}
    there = subprocess.run(
        [sys.executable, "-c", _DUMP], cwd=ROOT, env=env, capture_output=True, check=True, timeout=120
    ).stdout
    assert here == there
    assert b"0x" not in here  # no addresses


def test_compiling_does_not_change_the_diagram() -> None:
    nav, child = _navigation()
    before = (to_mermaid(nav), to_dot(nav))
    nav.compile()  # adds the generated back/cancel transitions to nav.transitions
    child.compile()
    assert (to_mermaid(nav), to_dot(nav)) == before


def test_a_broken_flow_still_draws() -> None:
    from tests.fixtures.broken_flows import unknown_dest

    graph = flow_graph(unknown_dest)
    node = graph.state("nowhere")
    assert node is not None and node.unknown
    assert 'state "nowhere [unknown state]" as nowhere' in to_mermaid(unknown_dest)
    ET.fromstring(to_svg(unknown_dest))


async def test_session_diagram_highlights_a_live_session() -> None:
    async with Harness([weather]) as h:
        await h.command("weather")
        await h.click("Details")
        session = h.session()
        assert session is not None and session.state == "details"
        text = session_diagram(session)
        assert "class details ff_current" in text
        assert "class report ff_visited" not in text  # no path known yet
        with_path = session_diagram(session, "mermaid", path=["report"])
        assert "class report ff_visited" in with_path
        assert "report --> details: details (visited)" in with_path
        groups = _svg_groups(session_diagram(session, "svg", path=["report"]))
        assert "ff-current" in (groups["details"].get("class") or "")
        assert "ff-visited" in (groups["report"].get("class") or "")
        assert 'details [label=details class="ff-state ff-current"' in session_diagram(session, "dot")
        with pytest.raises(DiagramError):
            session_diagram(session, "png")


@pytest.mark.parametrize("flow", load_target("examples"), ids=lambda flow: flow.name)
def test_the_committed_mermaid_diagrams_are_current(flow: Flow) -> None:
    committed = ROOT / "docs" / "diagrams" / f"{flow.name}.mmd"
    assert committed.exists(), f"{committed} is missing: run 'make diagrams'"
    assert committed.read_text(encoding="utf-8") == to_mermaid(flow), (
        f"{committed} is stale: run 'make diagrams'"
    )
    assert (ROOT / "docs" / "diagrams" / f"{flow.name}.svg").exists()

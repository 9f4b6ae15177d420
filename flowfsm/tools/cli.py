"""The ``flowfsm`` command (also ``python -m flowfsm``).

Subcommands::

    flowfsm diagram TARGET [--format mermaid|dot|svg|png] [-o FILE]
    flowfsm diagrams TARGET... [--out DIR] [--formats mermaid,svg]
    flowfsm check TARGET... [--against FLOW_GRAPH]
    flowfsm snapshot TARGET... [-o FILE]
    flowfsm explore TARGET... [--depth N] [--coverage] [--coverage-report FILE]
    flowfsm gen-tests MODULE:FLOW [-o FILE] [--depth N]

A TARGET is ``module:attribute`` (a flow, a manager, a list or dict of flows) or a module or
package name (every flow at its top level, and in its submodules); see :mod:`flowfsm.tools.targets`.

Exit status: 0 when all is well, 1 when ``check`` or ``explore`` found problems (one line each,
``flow:state: problem``, on standard output), 2 on a usage error (an unimportable TARGET, one
holding no flow, an unknown format, Graphviz ``dot`` missing for SVG/PNG), always one line
``flowfsm: error: ...`` on standard error.

Adding a subcommand: put a :class:`Command` in :data:`COMMANDS` (name -> help, a function adding
its arguments to its parser, a handler returning the exit status), or append to
:data:`PROVIDERS` a function that adds parsers to the subparsers object and sets ``func`` on
each, e.g. the playground's ``add_cli``::

    from flowfsm.tools.playground.cli import add_cli as playground_cli
    PROVIDERS.append(playground_cli)

from flowfsm.tools.gen_tests_cli import add_cli as gen_tests_cli  # noqa: E402  (gen-tests)

PROVIDERS.append(gen_tests_cli)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from flowfsm.define.flow import Flow
from flowfsm.errors import FlowError

__all__ = ["COMMANDS", "PROVIDERS", "Command", "UsageError", "build_parser", "main"]

PROG = "flowfsm"


class UsageError(FlowError):
    """A command-line mistake reported in one line with exit status 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, but every usage error is one line (and exit status 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


@dataclass(frozen=True, slots=True)
class Command:
    """One subcommand: its help line, a function adding its arguments, and its handler."""

    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]
    description: str | None = None


# -- diagram / diagrams ---------------------------------------------------------------------------------


def _configure_diagram(parser: argparse.ArgumentParser) -> None:
    from flowfsm.tools.diagram import FORMATS

    parser.add_argument("target", metavar="TARGET", help="module:attribute or module/package holding flows")
    parser.add_argument(
        "-f", "--format", default="mermaid", choices=FORMATS, help="output format (default: mermaid)"
    )
    parser.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write here instead of standard output; with several flows: a directory (FILE/<flow>.<ext>) "
        "or FILE with the flow's name before the extension",
    )


def _output_path(output: str, flow: Flow, extension: str, several: bool) -> Path:
    path = Path(output)
    if path.is_dir() or output.endswith(("/", os.sep)):
        return path / f"{flow.name}.{extension}"
    if several:
        suffix = path.suffix or f".{extension}"
        return path.with_name(f"{path.stem}.{flow.name}{suffix}")
    return path


def _write(path: Path, content: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", newline="\n")


def _run_diagram(args: argparse.Namespace) -> int:
    from flowfsm.tools.diagram import EXTENSIONS, diagram
    from flowfsm.tools.targets import load_target

    flows = load_target(args.target)
    several = len(flows) > 1
    if args.output is None and several and args.format in ("svg", "png"):
        raise UsageError(
            f"{args.target!r} holds {len(flows)} flows: write {args.format.upper()} with -o DIR/ "
            "(or name one flow as module:attribute)"
        )
    outputs = [diagram(flow, args.format) for flow in flows]
    if args.output is None:
        if isinstance(outputs[0], bytes):
            sys.stdout.flush()
            sys.stdout.buffer.write(outputs[0])
            sys.stdout.buffer.flush()
        else:
            sys.stdout.write("\n".join(str(text) for text in outputs))
        return 0
    for flow, content in zip(flows, outputs, strict=True):
        path = _output_path(args.output, flow, EXTENSIONS[args.format], several)
        _write(path, content)
        print(f"wrote {path}", file=sys.stderr)
    return 0


def _formats(value: str) -> list[str]:
    from flowfsm.tools.diagram import FORMATS

    chosen = [part.strip() for part in value.split(",") if part.strip()]
    unknown = [part for part in chosen if part not in FORMATS]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(
            f"unknown format {', '.join(map(repr, unknown)) or repr(value)} (choose from {', '.join(FORMATS)})"
        )
    return chosen


def _configure_diagrams(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("targets", nargs="+", metavar="TARGET", help="modules/packages or module:attribute")
    parser.add_argument(
        "--out", default="docs/diagrams", metavar="DIR", help="directory (default: docs/diagrams)"
    )
    parser.add_argument(
        "--formats",
        type=_formats,
        default=["mermaid", "svg"],
        help="comma-separated formats to write (default: mermaid,svg)",
    )


def _run_diagrams(args: argparse.Namespace) -> int:
    from flowfsm.tools.diagram import EXTENSIONS, diagram
    from flowfsm.tools.targets import load_flows

    flows = load_flows(args.targets)
    names: dict[str, Flow] = {}
    for flow in flows:
        if flow.name in names:
            raise UsageError(
                f"two different flows are named {flow.name!r}; their diagram files would collide"
            )
        names[flow.name] = flow
    out = Path(args.out)
    contents = [
        (out / f"{flow.name}.{EXTENSIONS[fmt]}", diagram(flow, fmt)) for flow in flows for fmt in args.formats
    ]
    for path, content in contents:
        _write(path, content)
        print(f"wrote {path}", file=sys.stderr)
    return 0


# -- check ----------------------------------------------------------------------------------------------


def _configure_check(parser: argparse.ArgumentParser) -> None:
    from flowfsm.tools.i18n_check import parse_locales

    parser.add_argument("targets", nargs="+", metavar="TARGET", help="modules/packages or module:attribute")
    parser.add_argument(
        "--locales",
        type=parse_locales,
        metavar="de,fr",
        help="also render every state of translated flows in these locales: limits broken only there, "
        "missing and unused keys ('flow:state:item [locale]: message')",
    )
    _configure_against(parser)


def _run_check(args: argparse.Namespace) -> int:
    if getattr(args, "against", None):
        return _run_check_against(args)
    from flowfsm.tools.check import check_all
    from flowfsm.tools.targets import load_flows

    flows = load_flows(args.targets)
    findings: list[object] = list(asyncio.run(check_all(flows)))
    if args.locales:
        from flowfsm.tools.i18n_check import run_check

        findings += run_check(flows, args.locales)
    for finding in findings:
        print(finding)
    from flowfsm.tools.timed_edges import timed_edges

    for line in (line for flow in flows for line in timed_edges(flow)):
        print(f"flowfsm check: timed {line}", file=sys.stderr)
    print(f"flowfsm check: {len(flows)} flow(s), {len(findings)} finding(s)", file=sys.stderr)
    return 1 if findings else 0


# -- snapshot / check --against (flow versions) ----------------------------------------------------------


def _configure_against(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--against",
        metavar="FLOW_GRAPH",
        help="also compare with a flow-graph file written by 'flowfsm snapshot': states removed or renamed "
        "while stored sessions may sit in them, data fields whose type changed",
    )


def _configure_snapshot(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("targets", nargs="+", metavar="TARGET", help="modules/packages or module:attribute")
    parser.add_argument("-o", "--output", metavar="FILE", help="write here instead of standard output")


def _run_snapshot(args: argparse.Namespace) -> int:
    from flowfsm.define.versions import write_graph_file
    from flowfsm.tools.targets import load_flows

    flows = load_flows(args.targets)
    text = write_graph_file(flows, Path(args.output) if args.output else None)
    if args.output is None:
        print(text)
    else:
        print(f"wrote {args.output} ({len(flows)} flow(s))", file=sys.stderr)
    return 0


def _run_check_against(args: argparse.Namespace) -> int:
    from flowfsm.define.versions import flow_version, read_graph_file
    from flowfsm.tools.check import check_flows
    from flowfsm.tools.flow_graph import compare_graph
    from flowfsm.tools.targets import load_flows

    flows = load_flows(args.targets)
    graphs = read_graph_file(Path(args.against))
    findings = check_flows(flows)
    for flow in flows:
        old = graphs.get(flow.name)
        if old is None:
            print(f"flowfsm check: {flow.name}: not in {args.against} (a new flow)", file=sys.stderr)
            continue
        if old.get("version") != flow_version(flow):
            print(
                f"flowfsm check: {flow.name}: version {old.get('version')} -> {flow_version(flow)}",
                file=sys.stderr,
            )
        findings.extend(compare_graph(old, flow))
    for finding in findings:
        print(finding)
    print(f"flowfsm check: {len(flows)} flow(s), {len(findings)} finding(s)", file=sys.stderr)
    return 1 if findings else 0


# -- explore --------------------------------------------------------------------------------------------


def _depth(value: str) -> int:
    try:
        depth = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"depth must be a whole number, got {value!r}") from None
    if depth < 0:
        raise argparse.ArgumentTypeError(f"depth must be 0 or more, got {depth}")
    return depth


_EXPLORE_DEPTH = (
    8  # flowfsm.tools.explore.DEFAULT_DEPTH, without importing the test harness to build the parser
)


def _configure_explore(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("targets", nargs="+", metavar="TARGET", help="modules/packages or module:attribute")
    parser.add_argument(
        "--depth",
        type=_depth,
        default=_EXPLORE_DEPTH,
        metavar="N",
        help=f"longest path of steps (clicks, selections) tried (default {_EXPLORE_DEPTH})",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="show the engine's log (errors with tracebacks)"
    )
    parser.add_argument(
        "--coverage",
        action="store_true",
        help="also explore from each flow's samples (flow.sample) and print the flow coverage table",
    )
    parser.add_argument("--coverage-report", metavar="PATH", help="write the coverage report as JSON")


@contextlib.contextmanager
def _quiet(enabled: bool) -> Iterator[None]:
    """Silence logging while exploring: the errors the engine logs are reported as findings."""
    if not enabled:
        yield
        return
    logging.disable(logging.CRITICAL)
    try:
        yield
    finally:
        logging.disable(logging.NOTSET)


def _run_explore(args: argparse.Namespace) -> int:
    from flowfsm.tools.explore import ExploreReport, explore
    from flowfsm.tools.targets import load_flows

    flows = load_flows(args.targets)
    if args.verbose:
        logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    async def explore_all() -> list[ExploreReport]:
        return [await explore(flow, args.depth, flows=flows) for flow in flows]

    with _quiet(not args.verbose):
        if args.coverage or args.coverage_report:
            from flowfsm.testing.coverage import explore_with_coverage

            reports, coverage = asyncio.run(explore_with_coverage(flows, args.depth, explore_all))
        else:
            reports, coverage = asyncio.run(explore_all()), None
    count = 0
    for report in reports:
        for finding in report.findings:
            print(finding)
            count += 1
    for report in reports:
        print(report.summary(), file=sys.stderr)
        for note in report.notes:
            print(f"  note: {note}", file=sys.stderr)
    print(f"flowfsm explore: {len(reports)} flow(s), {count} finding(s)", file=sys.stderr)
    if coverage is not None:
        print(coverage.table())
        if args.coverage_report:
            coverage.write_json(args.coverage_report)
    return 1 if count else 0


# -- the command ----------------------------------------------------------------------------------------

COMMANDS: dict[str, Command] = {
    "diagram": Command(
        "draw flows: Mermaid (default), DOT, SVG or PNG",
        _configure_diagram,
        _run_diagram,
        "Draw each flow of TARGET as a state diagram, one diagram per flow.",
    ),
    "diagrams": Command(
        "write <flow>.mmd and <flow>.svg for every flow into a directory",
        _configure_diagrams,
        _run_diagrams,
        "Write the diagram files of every flow of the TARGETs (what 'make diagrams' runs).",
    ),
    "check": Command(
        "find definition mistakes in flows and open every reachable screen once",
        _configure_check,
        _run_check,
        "Report every definition mistake, then open each reachable state through the test harness and report "
        "what its screen gets wrong, as 'flow:state: problem' or 'flow:state:item: problem'; exit 1 when "
        "there is any.",
    ),
    "snapshot": Command(
        "write the graph of flows (states, transitions, version, data schema) to compare later",
        _configure_snapshot,
        _run_snapshot,
        "Write a flow-graph file (JSON) of the TARGETs' flows; 'flowfsm check --against FILE' compares a "
        "later definition with it (what stored sessions would meet after a deploy).",
    ),
    "explore": Command(
        "use every item of every screen of flows and report what breaks",
        _configure_explore,
        _run_explore,
        "Start each flow through the test harness and use every button, text select and modal breadth first; "
        "report render errors, "
        "Discord-limit violations, unknown triggers and states no item reaches. Exit 1 when there is any.",
    ),
}
"""Subcommands by name."""

PROVIDERS: list[Callable[[Any], None]] = []
"""Functions adding more subcommands: each gets the argparse subparsers object, adds its parsers
and sets ``func`` (``args -> exit status``) on each."""

from flowfsm.tools.playground.cli import add_cli as playground_cli  # noqa: E402  (play, run)

PROVIDERS.append(playground_cli)

from flowfsm.tools.i18n_check import add_cli as i18n_cli  # noqa: E402  (i18n extract, i18n builtin)

PROVIDERS.append(i18n_cli)

from flowfsm.tools.gen_tests_cli import add_cli as gen_tests_cli  # noqa: E402  (gen-tests)

PROVIDERS.append(gen_tests_cli)


def build_parser() -> argparse.ArgumentParser:
    """The ``flowfsm`` argument parser with every registered subcommand."""
    parser = _Parser(prog=PROG, description="Diagrams, checks and exploration of flowfsm flows.")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    subparsers.required = True
    for name, command in COMMANDS.items():
        sub = subparsers.add_parser(name, help=command.help, description=command.description or command.help)
        command.configure(sub)
        sub.set_defaults(func=command.run)
    for provide in PROVIDERS:
        provide(subparsers)
    return parser


def _run(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except FlowError as exc:  # TargetError, DiagramError, UsageError, FlowDefinitionError
        message = str(exc).strip().splitlines()
        print(f"{PROG}: error: {message[0] if message else type(exc).__name__}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0


def _lingering_threads() -> list[threading.Thread]:
    main_thread = threading.main_thread()
    return [t for t in threading.enumerate() if t is not main_thread and t.is_alive() and not t.daemon]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``flowfsm`` command; returns the exit status.

    When run as the real command (``argv`` is ``None``) and the flows' code left non-daemon threads
    running (an open database connection, say), the process exits anyway instead of hanging.
    """
    code = _run(argv)
    if argv is None:
        lingering = _lingering_threads()
        if lingering:
            print(
                f"{PROG}: note: the flows left {len(lingering)} thread(s) running "
                f"({', '.join(sorted(t.name for t in lingering))}); exiting without waiting for them",
                file=sys.stderr,
            )
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    return code

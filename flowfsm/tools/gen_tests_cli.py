"""The ``flowfsm gen-tests`` subcommand (added to :data:`flowfsm.tools.cli.PROVIDERS`).

Kept apart from :mod:`flowfsm.testing.gentests` so that building the command-line parser does
not import the test harness.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

__all__ = ["add_cli"]


def add_cli(subparsers: Any) -> None:
    """Add ``gen-tests TARGET [-o FILE] [--depth N]``."""
    parser = subparsers.add_parser(
        "gen-tests",
        help="write pytest path tests covering every transition and guard outcome of a flow",
        description="Explore the flow module:attribute and write a few pytest functions (one per path, "
        "shortest paths, greedy set cover) that cross every transition and both outcomes of every guard "
        "it can drive; each step asserts the state and a syrupy snapshot of the screen.",
    )
    parser.add_argument("target", metavar="TARGET", help="module:attribute naming one flow")
    parser.add_argument("-o", "--output", metavar="FILE", help="write here (default: standard output)")
    parser.add_argument("--depth", type=int, default=6, metavar="N", help="steps explored from each start")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    import logging

    from flowfsm.testing.gentests import generate

    command = f"flowfsm gen-tests {args.target}" + (f" -o {args.output}" if args.output else "")
    logging.disable(logging.CRITICAL)  # refusals and errors of the flow are part of the paths
    try:
        text = asyncio.run(generate(args.target, depth=args.depth, command=command))
    finally:
        logging.disable(logging.NOTSET)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"flowfsm gen-tests: wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0

"""The ``flowfsm play`` and ``flowfsm run`` subcommands.

* ``flowfsm play TARGET...``: serve the playground for the flows in TARGET on
  http://127.0.0.1:8765 (``FLOWFSM_PORT`` or ``--port``).
* ``flowfsm run TARGET...``: the same without ``DISCORD_TOKEN``; with it, run the flows as a
  real bot on Discord, one slash command per flow (registered to ``DISCORD_GUILD_ID`` when set).

A TARGET is required: outside this repository there is no ``examples`` package to fall back
on, and guessing one would only fail further away from the mistake (``make run`` names
``examples``).

This module imports nothing heavy at load time, so registering the subcommands is cheap.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from typing import Any

__all__ = ["add_cli", "main"]

_TARGET_HELP = "module, package or module:attribute holding your flows, e.g. mybot.flows"

NO_TARGET = (
    "flowfsm {command}: error: name the flows to {verb}: flowfsm {command} TARGET, where TARGET is a module, "
    "package or module:attribute holding flows (e.g. flowfsm {command} mybot.flows)"
)
"""The one line ``play``/``run`` print (exit status 2) when given no TARGET."""


def add_cli(subparsers: Any) -> None:
    """Add the ``play`` and ``run`` subcommands to an ``argparse`` subparsers object.

    Each sets ``func``: call ``args.func(args)``; it returns the exit status.
    """
    play = subparsers.add_parser(
        "play",
        help="click through flows in a browser, without a bot token",
        description="Serve the local playground: every flow, a fake Discord, the diagram beside the message.",
    )
    _common(play)
    play.set_defaults(func=play_command)
    run = subparsers.add_parser(
        "run",
        help="the playground, or the example bot on Discord when DISCORD_TOKEN is set",
        description=(
            "Without DISCORD_TOKEN: serve the playground (like 'play'). With DISCORD_TOKEN: run the flows "
            "as a gateway bot, one slash command per flow, registered to DISCORD_GUILD_ID when set."
        ),
    )
    _common(run)
    run.set_defaults(func=run_command)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("targets", nargs="*", metavar="TARGET", help=_TARGET_HELP)
    parser.add_argument("--host", default=None, help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=None, help="port (default: $FLOWFSM_PORT or 8765)")


def _flows(targets: list[str]) -> tuple[list[Any], list[str]] | None:
    from flowfsm.tools.playground.targets import discover

    found = discover(targets)
    if not found.flows:
        print(f"flowfsm: no flows found in {' '.join(targets)}", file=sys.stderr)
        for problem in found.errors:
            print(f"  {problem}", file=sys.stderr)
        return None
    return found.flows, found.errors


def play_command(args: argparse.Namespace) -> int:
    """``flowfsm play``: serve the playground until Ctrl+C."""
    from flowfsm.tools.playground.server import DEFAULT_HOST, port_from_env, serve

    if not args.targets:
        print(NO_TARGET.format(command="play", verb="play"), file=sys.stderr)
        return 2
    loaded = _flows(args.targets)
    if loaded is None:
        return 1
    flows, errors = loaded
    port = args.port if args.port is not None else port_from_env()
    try:
        asyncio.run(serve(flows, host=args.host or DEFAULT_HOST, port=port, errors=errors))
    except KeyboardInterrupt:
        return 0
    except OSError as exc:
        print(
            f"flowfsm: cannot listen on port {port}: {exc.strerror or exc} (set FLOWFSM_PORT)",
            file=sys.stderr,
        )
        return 1
    return 0


def run_command(args: argparse.Namespace) -> int:
    """``flowfsm run``: the real bot when ``DISCORD_TOKEN`` is set, else the playground."""
    token = os.environ.get("DISCORD_TOKEN", "").strip()
    if not args.targets:
        print(NO_TARGET.format(command="run", verb="run"), file=sys.stderr)
        return 2
    if not token:
        return play_command(args)
    from flowfsm.tools.playground.bot import guild_from_env, run_bot

    loaded = _flows(args.targets)
    if loaded is None:
        return 1
    flows, errors = loaded
    for problem in errors:
        print(f"flowfsm: warning: {problem}", file=sys.stderr)
    run_bot(flows, token=token, guild_id=guild_from_env())
    return 0


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry point: ``python -m flowfsm.tools.playground [play|run] [TARGET...]``."""
    parser = argparse.ArgumentParser(prog="python -m flowfsm.tools.playground")
    subparsers = parser.add_subparsers(dest="command")
    add_cli(subparsers)
    arguments = list(sys.argv[1:] if argv is None else argv)
    if not arguments or arguments[0] not in ("play", "run", "-h", "--help"):
        arguments.insert(0, "play")
    args = parser.parse_args(arguments)
    return int(args.func(args))

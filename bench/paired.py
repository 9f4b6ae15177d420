"""This tree's click against another commit's, in one process: ``python bench/paired.py REV [--seeds N]``.

The four-framework click ratio of ``make bench`` moves with the machine (0.69-0.84 over runs of
the same code on the project's 2-core machine), and two checkouts measured in turn, even seed by
seed, still differ by a few percent from one run to the next. So a change to the engine is judged
side by side: ``REV``'s ``flowfsm`` package is extracted (``git archive``) into a temporary
directory as ``flowfsm_rev`` (its imports renamed), and one process builds today's benchmark menu
(``bench/flows.py``) with both engines, each on its own miru client and loopback Discord, next to
the three miru set-ups. Clicks are interleaved framework by framework in a shuffled order, as in
``bench/measure.py latency``: the same machine load and the same caches for everyone.

Each seed runs in a process of its own, pinned to one CPU; it prints the two engines' median
clicks, their quotient (this tree / REV) and each one's ratio to miru.ext.menu, then the median
and range of the quotients::

    seed 0: this 352 µs  REV 350 µs  this/REV 1.006 | vs miru.ext.menu: this 0.733  REV 0.729
    ...
    this / REV: median 0.998 (0.991-1.006) over 3 seeds

``REV`` must run today's benchmark menu (any commit since the engine split does). Run it on an
otherwise quiet machine: about 50 s a seed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
_IMPORT = re.compile(r"\b(from|import) flowfsm(?=[.\s])")


def extract(rev: str, into: Path) -> None:
    """``REV``'s ``flowfsm`` as the package ``flowfsm_rev`` under ``into``, and ``flows_rev.py``
    (today's benchmark menu built with it)."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", rev, "flowfsm"], check=True, capture_output=True
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    (into / "flowfsm").rename(into / "flowfsm_rev")
    for path in (into / "flowfsm_rev").rglob("*.py"):
        path.write_text(_IMPORT.sub(r"\1 flowfsm_rev", path.read_text()))
    flows = (ROOT / "bench" / "flows.py").read_text()
    (into / "flows_rev.py").write_text(_IMPORT.sub(r"\1 flowfsm_rev", flows))


async def one_seed(seed: int, clicks: int, sessions: int) -> dict[str, float]:
    """Median click (ns) of each set-up, interleaved in this process."""
    import flows_rev  # written by extract() into the scratch directory

    from bench import measure
    from bench.env import Env

    envs = [
        Env("flowfsm", label="this"),
        Env("flowfsm", label="rev"),
        Env("miru_menu"),
        Env("miru_view"),
        Env("miru_view_idiomatic"),
    ]
    for env in envs:
        await env.start()
    rev = envs[1]
    rev.menus = flows_rev.FlowfsmMenus(rev.client, clock=rev.clock, auto_expire=False)
    if not type(rev.menus.manager).__module__.startswith("flowfsm_rev."):
        raise AssertionError("REV's menus are not built with REV's engine")
    rng = random.Random(seed)
    menus: dict[str, list[Any]] = {env.label: [] for env in envs}
    await measure._open_interleaved(envs, menus, sessions, 10_000, rng)
    await measure._interleaved(envs, menus, rng, 100)  # warm-up, not counted
    measure.full_gc()
    times = await measure._interleaved(envs, menus, rng, clicks)
    for env in envs:
        await env.close()
    return {label: statistics.median(values) for label, values in times.items()}


def run_seed(scratch: Path, seed: int, args: argparse.Namespace) -> dict[str, float]:
    """One seed in a fresh process (pinned to ``--cpu`` when ``taskset`` exists)."""
    command = [sys.executable, __file__, "--one-seed", str(seed), "--scratch", str(scratch)]
    command += ["--clicks", str(args.clicks), "--sessions", str(args.sessions), "REV"]
    if args.cpu >= 0 and shutil.which("taskset"):
        command = ["taskset", "-c", str(args.cpu), *command]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    """Parse arguments; extract REV and run the seeds, or (``--one-seed``) run one seed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rev", help="the commit to compare this tree against (e.g. HEAD~1)")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--clicks", type=int, default=1000)
    parser.add_argument("--cpu", type=int, default=(os.cpu_count() or 1) - 1, help="-1: no pinning")
    parser.add_argument("--one-seed", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--scratch", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one_seed is not None:
        sys.path[:0] = [str(args.scratch), str(ROOT)]
        print(json.dumps(asyncio.run(one_seed(args.one_seed, args.clicks, args.sessions))))
        return
    quotients = []
    with tempfile.TemporaryDirectory(prefix="flowfsm-paired-") as scratch:
        extract(args.rev, Path(scratch))
        for seed in range(args.seeds):
            medians = run_seed(Path(scratch), seed, args)
            this, rev, menu = medians["this"], medians["rev"], medians["miru_menu"]
            quotients.append(this / rev)
            print(
                f"seed {seed}: this {this / 1e3:.0f} µs  REV {rev / 1e3:.0f} µs  this/REV {this / rev:.3f}"
                f" | vs miru.ext.menu: this {this / menu:.3f}  REV {rev / menu:.3f}",
                flush=True,
            )
    print(
        f"this / REV: median {statistics.median(quotients):.3f} "
        f"({min(quotients):.3f}-{max(quotients):.3f}) over {len(quotients)} seeds"
    )


if __name__ == "__main__":
    main()

"""Compare the click of two checkouts of flowfsm, paired: ``python bench/paired.py REV [--seeds N]``.

The four-framework click ratio of ``make bench`` moves with the machine (0.69-0.84 over runs of
the same code on the project's 2-core machine), so a change to the engine is judged against the
commit before it, not against a remembered figure. This script checks ``REV`` out into a
temporary git worktree, copies today's ``bench/`` into it (both checkouts run the same
benchmark), then runs ``bench/measure.py latency`` in each checkout in turn, seed by seed, the
order swapped every other seed, each process pinned to one CPU (a process moving between cores
leaves its warm L2 behind). For each run it takes flowfsm's median click over
miru.ext.menu's median click in the same process: the ratio that ``make bench`` reports.

It prints, per checkout, each seed's ratio and their median, then the per-seed quotients
(this checkout / REV) with their median and range, e.g.::

    REV 49bcc51   0.732 0.735 ... | median 0.729
    this tree     0.740 0.685 ... | median 0.704
    this / REV    1.011 0.932 ... | median 0.995 (0.762-1.128)

Run it on an otherwise quiet machine: it takes about 25 s per seed and checkout.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def worktree(rev: str, into: Path) -> Path:
    """``rev`` checked out (detached) under ``into``, with today's ``bench/`` in place of its own."""
    path = into / "checkout"
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(path), rev],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    shutil.rmtree(path / "bench", ignore_errors=True)
    shutil.copytree(ROOT / "bench", path / "bench", ignore=shutil.ignore_patterns("__pycache__"))
    return path


def click_ratio(checkout: Path, seed: int, sessions: int, clicks: int, cpu: int | None) -> float:
    """One ``measure.py latency`` run in ``checkout``: flowfsm's median click / miru.ext.menu's."""
    # All four frameworks, as in ``make bench``: what the others leave in the caches is part of it.
    command = [
        sys.executable,
        "bench/measure.py",
        "latency",
        "--sessions",
        str(sessions),
        "--clicks",
        str(clicks),
        "--seed",
        str(seed),
    ]
    if cpu is not None and shutil.which("taskset"):
        command = ["taskset", "-c", str(cpu), *command]
    done = subprocess.run(command, cwd=checkout, capture_output=True, text=True, check=True)
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    return statistics.median(figures["flowfsm"]["click_ns"]) / statistics.median(
        figures["miru_menu"]["click_ns"]
    )


def main() -> None:
    """Parse arguments, run the paired comparison, print it."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rev", help="the commit to compare this tree against (e.g. HEAD~1)")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--clicks", type=int, default=1500)
    parser.add_argument(
        "--cpu",
        type=int,
        default=(os.cpu_count() or 1) - 1,
        help="the CPU to pin every run to (-1: no pinning)",
    )
    args = parser.parse_args()
    # A terminated run still removes its worktree (SystemExit runs the ``finally`` below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    cpu = None if args.cpu < 0 else args.cpu
    with tempfile.TemporaryDirectory(prefix="flowfsm-paired-") as scratch:
        other = worktree(args.rev, Path(scratch))
        try:
            ratios: dict[str, list[float]] = {"rev": [], "tree": []}
            for seed in range(args.seeds):
                pair = [("rev", other), ("tree", ROOT)]
                for name, checkout in pair if seed % 2 == 0 else reversed(pair):
                    ratios[name].append(click_ratio(checkout, seed, args.sessions, args.clicks, cpu))
                print(
                    f"seed {seed}: REV {ratios['rev'][-1]:.3f}  this tree {ratios['tree'][-1]:.3f}",
                    file=sys.stderr,
                )
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(other)], check=False)
    quotients = [tree / rev for tree, rev in zip(ratios["tree"], ratios["rev"], strict=True)]
    for label, values in ((f"REV {args.rev}", ratios["rev"]), ("this tree", ratios["tree"])):
        print(
            f"{label:<14}", " ".join(f"{v:.3f}" for v in values), f"| median {statistics.median(values):.3f}"
        )
    print(
        f"{'this / REV':<14}",
        " ".join(f"{q:.3f}" for q in quotients),
        f"| median {statistics.median(quotients):.3f} ({min(quotients):.3f}-{max(quotients):.3f})",
    )


if __name__ == "__main__":
    main()

"""``make bench``: flowfsm against miru.ext.menu and a plain miru.View, side by side, in one run.

Runs each measurement of bench/measure.py in a process of its own (several rounds where timing is
involved, the frameworks alternating A B A B), prints a table with each ratio's median and its spread
over the rounds (min-max), and writes the results to .bench/results.json (untracked; ``--out`` to
change), so running it never dirties the checkout.

    python bench/run.py            # the full run (about 3 minutes on 2 cores)
    python bench/run.py --quick    # a smaller, faster run to check that everything works

The same 4-state menu (bench/flows.py) is built with each framework; all four are driven through
the same hikari interaction objects (Discord JSON from flowfsm.testing.payloads, turned into hikari
entities by a RESTBot's entity factory), the same real ``miru.Client`` and the same loopback REST
server (flowfsm.testing.FakeDiscord), so only the framework differs. How each figure is taken is
described in bench/measure.py and bench/loadgen.py.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MEASURE = HERE / "measure.py"
LIVE = HERE / "live.py"
RESULTS = ROOT / ".bench" / "results.json"

LABELS = {
    "flowfsm": "flowfsm",
    "miru_menu": "miru.ext.menu",
    "miru_view": "miru.View",
    "miru_view_idiomatic": "miru.View (idiomatic)",
}
BASELINES = ("miru_menu", "miru_view", "miru_view_idiomatic")

# key -> (comparison, limit, what it means)
TARGETS: dict[str, tuple[str, float, str]] = {
    "idle_ratio_vs_miru_view": ("<=", 0.5, "idle memory per session vs a started miru.View"),
    "tasks_per_idle_session": ("==", 0, "asyncio tasks per idle session"),
    "click_ratio_vs_miru_menu": ("<=", 1.0, "click latency vs miru.ext.menu (stretch 0.5)"),
    "start_ratio_vs_miru_menu": ("<=", 1.0, "session start vs miru.ext.menu"),
    "expire_100k_s": ("<=", 1.0, "expire 100,000 sessions (s)"),
    "sessions_left_after_expiry": ("==", 0, "sessions left after expiry"),
    "rss_mb_100k_sessions": ("<=", 300, "process RSS with 100,000 sessions (MB)"),
    "click_scale_ratio_10k_vs_10": ("<", 1.5, "click at 10,000 open vs at 10 open"),
    "timed_tasks_per_idle_session": ("==", 0, "asyncio tasks per idle session, a timed edge on every one"),
    "invalidate_10k_ms": ("<=", 50, "loop time to queue the edits of 10,000 watching sessions (ms)"),
    "watch_click_ratio_vs_plain": ("<=", 1.05, "click of a menu watching 3 keys vs one watching none"),
}


def measure(part: str, *args: str, timeout: float = 240, script: Path = MEASURE) -> dict[str, Any]:
    """Run one part of bench/measure.py (or ``script``) in a fresh process; return its JSON result."""
    command = [sys.executable, str(script), part, *args]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=ROOT, check=False)
    if done.returncode != 0 or not done.stdout.strip():
        sys.stderr.write(done.stderr[-4000:])
        raise SystemExit(f"bench: {' '.join(command[1:])} failed (exit {done.returncode})")
    print(f"  {part} {' '.join(args)}: {time.perf_counter() - started:.1f} s", flush=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def measure_redis(*args: str, timeout: float = 300) -> dict[str, Any]:
    """Run bench/redis_store.py (RedisStore vs MemoryStore) in a fresh process; return its JSON result."""
    command = [sys.executable, str(HERE / "redis_store.py"), *args]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=ROOT, check=False)
    if done.returncode != 0 or not done.stdout.strip():
        sys.stderr.write(done.stderr[-4000:])
        raise SystemExit(f"bench: redis_store.py {' '.join(args)} failed (exit {done.returncode})")
    print(f"  redis_store {' '.join(args)}: {time.perf_counter() - started:.1f} s", flush=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def redis_figures(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians over rounds of each store's click (to the reply, and to the end of the step) at p50 and p99."""
    out: dict[str, Any] = {}
    for store in ("memory", "redis"):
        for until in ("reply", "done"):
            samples = [r["times_ns"][store][until] for r in runs]
            out[f"{store}_{until}_p50_us"] = round(med([median_us(t) for t in samples]), 1)
            out[f"{store}_{until}_p99_us"] = round(
                med([statistics.quantiles(t, n=100)[98] / 1e3 for t in samples]), 1
            )
    out["ratio_p50"] = ratio(out["redis_done_p50_us"], out["memory_done_p50_us"])
    out["ratio_p99"] = ratio(out["redis_done_p99_us"], out["memory_done_p99_us"])
    out["added_p50_us"] = round(out["redis_done_p50_us"] - out["memory_done_p50_us"], 1)
    out["round_trips_per_click"] = max(r["round_trips_per_click"] for r in runs)
    out["snapshot_bytes"] = round(med([r["snapshot_memory_usage_bytes"] for r in runs]))
    for store in ("memory", "redis"):
        out[f"kept_bytes_{store}"] = round(med([r["kept_bytes_per_session"][store] for r in runs]))
    out["sessions_in_process_redis"] = max(r["sessions_in_process"]["redis"] for r in runs)
    return out


def median_us(samples: list[int]) -> float:
    """Median of nanosecond samples, in microseconds."""
    return statistics.median(samples) / 1e3


def med(values: list[float]) -> float:
    """Median over rounds."""
    return float(statistics.median(values))


def ratio(a: float, b: float) -> float:
    """a / b, rounded for the report."""
    return round(a / b, 3) if b else float("inf")


def spread(ratios: list[float]) -> dict[str, float]:
    """A ratio measured in several rounds: median, min and max."""
    return {"median": round(med(ratios), 3), "min": round(min(ratios), 3), "max": round(max(ratios), 3)}


def show_spread(s: dict[str, float]) -> str:
    """``0.61 (0.58-0.64)``: the median and the range over the rounds."""
    return f"{s['median']:.2f} ({s['min']:.2f}-{s['max']:.2f})"


def run(quick: bool) -> dict[str, Any]:
    """Run every part and assemble results.json's content."""
    rounds = 1 if quick else 3
    sessions, clicks = ("300", "500") if quick else ("1000", "1500")
    big = "2000" if quick else "10000"
    huge = "20000" if quick else "100000"
    detail: dict[str, Any] = {}
    out: dict[str, Any] = {}

    print("latency: start and click, four frameworks interleaved in one process", flush=True)
    latency = [
        measure("latency", "--sessions", sessions, "--clicks", clicks, "--seed", str(seed))
        for seed in range(rounds)
    ]
    for fw in LABELS:
        clicks_us = [median_us(r[fw]["click_ns"]) for r in latency]
        starts_us = [median_us(r[fw]["start_ns"]) for r in latency]
        suffix = "" if fw == "flowfsm" else f"_{fw}"
        out[f"click_us{suffix}"] = round(med(clicks_us), 1)
        out[f"start_us{suffix}"] = round(med(starts_us), 1)
        detail[f"click_us_rounds{suffix}"] = [round(v, 1) for v in clicks_us]
        detail[f"start_us_rounds{suffix}"] = [round(v, 1) for v in starts_us]
        detail[f"click_us_p90{suffix}"] = round(
            med([statistics.quantiles(r[fw]["click_ns"], n=10)[-1] / 1e3 for r in latency]), 1
        )
        detail[f"rest_requests_during_clicks{suffix}"] = sum(r[fw]["rest_requests"] for r in latency)
        detail[f"click_cpu_us{suffix}"] = round(med([median_us(r[fw]["click_cpu_ns"]) for r in latency]), 1)
        detail[f"start_cpu_us{suffix}"] = round(med([median_us(r[fw]["start_cpu_ns"]) for r in latency]), 1)
    spreads: dict[str, dict[str, float]] = {}
    for fw in BASELINES:
        out[f"click_ratio_vs_{fw}"] = ratio(out["click_us"], out[f"click_us_{fw}"])
        out[f"start_ratio_vs_{fw}"] = ratio(out["start_us"], out[f"start_us_{fw}"])
        for op in ("click", "start"):
            ours, theirs = detail[f"{op}_us_rounds"], detail[f"{op}_us_rounds_{fw}"]
            spreads[f"{op}_vs_{fw}"] = spread([a / b for a, b in zip(ours, theirs, strict=True)])
        detail[f"click_cpu_ratio_vs_{fw}"] = ratio(detail["click_cpu_us"], detail[f"click_cpu_us_{fw}"])
        detail[f"start_cpu_ratio_vs_{fw}"] = ratio(detail["start_cpu_us"], detail[f"start_cpu_us_{fw}"])
    detail["latency_open_sessions"] = int(sessions)

    print(
        f"scale: click with 10 and with {int(big):,} open sessions, side by side (flowfsm, miru.ext.menu)",
        flush=True,
    )
    scale = [
        measure(
            "scale",
            "--frameworks",
            "flowfsm",
            "miru_menu",
            "--sizes",
            "10",
            big,
            "--clicks",
            clicks,
            "--seed",
            str(seed),
        )
        for seed in range(rounds)
    ]
    for fw in ("flowfsm", "miru_menu"):
        suffix = "" if fw == "flowfsm" else f"_{fw}"
        small_us = med([median_us(r[fw]["click_ns_10"]) for r in scale])
        big_us = med([median_us(r[fw][f"click_ns_{big}"]) for r in scale])
        out[f"click_us_10_sessions{suffix}"] = round(small_us, 1)
        out[f"click_us_10k_sessions{suffix}"] = round(big_us, 1)
        out[f"click_scale_ratio_10k_vs_10{suffix}"] = ratio(big_us, small_us)
        small_cpu = med([median_us(r[fw]["click_cpu_ns_10"]) for r in scale])
        big_cpu = med([median_us(r[fw][f"click_cpu_ns_{big}"]) for r in scale])
        detail[f"click_cpu_scale_ratio_10k_vs_10{suffix}"] = ratio(big_cpu, small_cpu)
    detail["scale_large_sessions"] = int(big)

    print(f"memory: {int(big):,} idle sessions per framework (tracemalloc, after gc)", flush=True)
    memory = {fw: measure("memory", "--framework", fw, "--sessions", big) for fw in LABELS}
    for fw, r in memory.items():
        prefix = "idle_session" if fw == "flowfsm" else f"{fw}_idle"
        out[f"{prefix}_bytes"] = round(r["idle_bytes_total"] / r["sessions"])
        detail[f"{fw}_bytes_after_one_click"] = round(
            (r["idle_bytes_total"] / r["sessions"]) + r["clicked_extra_bytes_total"] / r["clicked_sample"]
        )
        detail[f"{fw}_tasks_per_idle_session"] = r["tasks"] / r["sessions"]
    out["idle_ratio_vs_miru_view"] = ratio(out["idle_session_bytes"], out["miru_view_idle_bytes"])
    out["idle_ratio_vs_miru_menu"] = ratio(out["idle_session_bytes"], out["miru_menu_idle_bytes"])
    out["idle_ratio_vs_miru_view_idiomatic"] = ratio(
        out["idle_session_bytes"], out["miru_view_idiomatic_idle_bytes"]
    )
    out["tasks_per_idle_session"] = memory["flowfsm"]["tasks"] / memory["flowfsm"]["sessions"]
    out["miru_view_tasks_per_idle_session"] = memory["miru_view"]["tasks"] / memory["miru_view"]["sessions"]
    out["bytes_after_one_click"] = detail["flowfsm_bytes_after_one_click"]
    out["miru_view_bytes_after_one_click"] = detail["miru_view_bytes_after_one_click"]
    detail["memory_sessions"] = int(big)

    print(f"expiry and RSS: {int(huge):,} flowfsm sessions, clock injected", flush=True)
    expire = measure("expire", "--sessions", huge)
    out["expire_100k_s"] = round(expire["expire_s"], 4)
    out["sessions_left_after_expiry"] = expire["left"]
    out["rss_mb_100k_sessions"] = round(expire["rss_mb"], 1)
    detail["expire"] = {k: round(v, 4) if isinstance(v, float) else v for k, v in expire.items()}
    drained = measure("drain", "--sessions", "500" if quick else "2000")
    out["expiry_edit_cpu_us"] = round(drained["cpu_us_per_edit"], 1)
    detail["drain"] = {k: round(v, 1) if isinstance(v, float) else v for k, v in drained.items()}

    print("http: signed requests to a RESTBot interaction server from a second process", flush=True)
    # Short rounds, alternating A B A B: throughput wanders a lot on a shared machine, so each round's
    # ratio is taken against the other framework's neighbouring run and the spread is reported.
    duration = "1" if quick else "2"
    http_rounds = 2 if quick else 6
    http: dict[str, list[dict[str, Any]]] = {"flowfsm": [], "miru_menu": []}
    for index in range(http_rounds):
        order = list(http) if index % 2 == 0 else list(reversed(http))
        for fw in order:
            http[fw].append(measure("http", "--framework", fw, "--duration", duration, "--concurrency", "8"))
    for fw, runs in http.items():
        suffix = "" if fw == "flowfsm" else f"_{fw}"
        errors = sum(r["errors"] for r in runs)
        if errors:
            raise SystemExit(f"bench: {fw} answered {errors} HTTP clicks wrongly: {runs[0]['first_error']}")
        out[f"http_clicks_per_s{suffix}"] = round(med([r["clicks_per_s"] for r in runs]), 1)
        detail[f"http_latency_ms_p50{suffix}"] = round(med([r["latency_ms_p50"] for r in runs]), 2)
        detail[f"http_latency_ms_p99{suffix}"] = round(med([r["latency_ms_p99"] for r in runs]), 2)
        detail[f"http_clicks_per_s_rounds{suffix}"] = [round(r["clicks_per_s"], 1) for r in runs]
        detail[f"http_loadgen_cpu_share{suffix}"] = round(med([r["loadgen_cpu_share"] for r in runs]), 2)
    out["http_ratio_vs_miru_menu"] = ratio(out["http_clicks_per_s"], out["http_clicks_per_s_miru_menu"])
    spreads["http_vs_miru_menu"] = spread(
        [
            a["clicks_per_s"] / b["clicks_per_s"]
            for a, b in zip(http["flowfsm"], http["miru_menu"], strict=True)
        ]
    )
    live(out, detail, spreads, quick, rounds, sessions, clicks, big)
    out["spreads"] = spreads

    print(
        "redis: a click through RedisStore on a loopback redis-server vs MemoryStore, interleaved", flush=True
    )
    redis_runs = [
        measure_redis("--sessions", sessions, "--clicks", clicks, "--kept", sessions, "--seed", str(seed))
        for seed in range(rounds)
    ]
    out["redis"] = redis_figures(redis_runs)
    detail["http_concurrency"] = 8
    detail["quick"] = quick
    detail["rounds"] = rounds
    out["detail"] = detail
    return out


def live(
    out: dict[str, Any],
    detail: dict[str, Any],
    spreads: dict[str, dict[str, float]],
    quick: bool,
    rounds: int,
    sessions: str,
    clicks: str,
    big: str,
) -> None:
    """Live menus (bench/live.py): timed edges, invalidation, the click cost of watching."""
    print(f"live: {int(big):,} sessions with timed edges; invalidating a key {int(big):,} watch", flush=True)
    timed = measure("timed", "--sessions", big, script=LIVE)
    out["timed_tasks_per_idle_session"] = timed["tasks_per_idle_session"]
    detail["timed"] = {k: round(v, 2) if isinstance(v, float) else v for k, v in timed.items()}
    invalidated = measure("invalidate", "--sessions", big, script=LIVE)
    out["invalidate_10k_ms"] = round(invalidated["queue_ms"], 1)
    detail["invalidate"] = {k: round(v, 2) if isinstance(v, float) else v for k, v in invalidated.items()}
    print("live: click of menus watching keys vs not, paired, with miru.ext.menu", flush=True)
    paired = [
        measure("watch_click", "--sessions", sessions, "--clicks", clicks, "--seed", str(seed), script=LIVE)
        for seed in range(rounds)
    ]
    ratios = [r["watch_ratio_vs_plain"] for r in paired]
    out["watch_click_ratio_vs_plain"] = round(med(ratios), 3)
    spreads["watch_click_vs_plain"] = spread(ratios)
    detail["watch_click_us"] = round(med([r["click_us"]["flowfsm_watch"] for r in paired]), 1)
    detail["watch_click_cpu_ratio_vs_plain"] = round(med([r["watch_cpu_ratio_vs_plain"] for r in paired]), 3)
    detail["watch_click_ratio_vs_miru_menu"] = round(med([r["watch_ratio_vs_miru_menu"] for r in paired]), 3)


def check_targets(results: dict[str, Any]) -> dict[str, Any]:
    """Each target: the value, the limit, whether it is met."""
    checks: dict[str, Any] = {}
    for key, (op, limit, text) in TARGETS.items():
        value = results[key]
        met = {"<=": value <= limit, "<": value < limit, "==": value == limit}[op]
        checks[key] = {"value": value, "target": f"{op} {limit}", "met": bool(met), "what": text}
    return checks


def table(r: dict[str, Any]) -> str:
    """The human-readable table: one column per framework, then flowfsm's ratios with their spread."""
    d, sp = r["detail"], r["spreads"]
    big = f"{d['scale_large_sessions']:,}"

    def per_fw(key: str, fmt: str = "{:.0f}") -> list[str]:
        return [fmt.format(r[key if fw == "flowfsm" else f"{key}_{fw}"]) for fw in LABELS]

    def vs(op: str) -> str:
        return ", ".join(
            f"{show_spread(sp[f'{op}_vs_{fw}'])} vs {name}"
            for fw, name in (("miru_menu", "menu"), ("miru_view_idiomatic", "idiomatic View"))
        )

    def mem(key: str) -> list[str]:
        return [
            f"{r['idle_session_bytes' if fw == 'flowfsm' else f'{fw}_idle_bytes']:,}"
            if key == "idle"
            else f"{d[f'{fw}_bytes_after_one_click']:,}"
            for fw in LABELS
        ]

    blank = ["", "", ""]
    rows: list[list[str]] = [
        ["measure", *LABELS.values(), "flowfsm ratio: median (min-max over rounds)"],
        [
            f"click, engine side (µs, median, {d['latency_open_sessions']:,} open)",
            *per_fw("click_us"),
            vs("click"),
        ],
        ["start + first message (µs, median)", *per_fw("start_us"), vs("start")],
        [
            f"memory per idle session (bytes, {d['memory_sessions']:,} open, 200-char tokens)",
            *mem("idle"),
            f"{r['idle_ratio_vs_miru_view']:.2f} vs View, {r['idle_ratio_vs_miru_view_idiomatic']:.2f} vs idiomatic",
        ],
        ["memory per session after one click (bytes)", *mem("click"), ""],
        [
            "asyncio tasks per idle session",
            f"{r['tasks_per_idle_session']:g}",
            *(f"{d[f'{fw}_tasks_per_idle_session']:g}" for fw in BASELINES),
            "",
        ],
        [
            "click at 10 open sessions (µs)",
            f"{r['click_us_10_sessions']:.0f}",
            f"{r['click_us_10_sessions_miru_menu']:.0f}",
            "",
            "",
            "",
        ],
        [
            f"click at {big} open sessions (µs)",
            f"{r['click_us_10k_sessions']:.0f}",
            f"{r['click_us_10k_sessions_miru_menu']:.0f}",
            "",
            "",
            f"{r['click_scale_ratio_10k_vs_10']:.2f} ({big} / 10)",
        ],
        [
            f"HTTP clicks/s (RESTBot, 8 users, 2nd process, {len(d['http_clicks_per_s_rounds'])} rounds)",
            f"{r['http_clicks_per_s']:.0f}",
            f"{r['http_clicks_per_s_miru_menu']:.0f}",
            "",
            "",
            f"{show_spread(sp['http_vs_miru_menu'])} vs menu",
        ],
        [
            "HTTP click latency p50 / p99 (ms)",
            f"{d['http_latency_ms_p50']:.1f} / {d['http_latency_ms_p99']:.1f}",
            f"{d['http_latency_ms_p50_miru_menu']:.1f} / {d['http_latency_ms_p99_miru_menu']:.1f}",
            "",
            "",
            "",
        ],
        [
            f"expire {d['expire']['sessions']:,} sessions (s) / left",
            f"{r['expire_100k_s']:.3f} / {r['sessions_left_after_expiry']}",
            *blank,
            "bookkeeping only",
        ],
        [
            f"CPU per expiry edit, drained (µs, {d['drain']['edits']:,} edits)",
            f"{r['expiry_edit_cpu_us']:.0f}",
            *blank,
            "incl. the in-process loopback server",
        ],
        [
            "asyncio tasks per idle session, timed edge on each "
            f"({d['timed']['sessions']:,}; 1 timer: {d['timed']['timer_armed']})",
            f"{r['timed_tasks_per_idle_session']:g}",
            *blank,
            f"tick queues {d['timed']['queued_timed_edges']:,} edges in {d['timed']['tick_queue_ms']:.0f} ms",
        ],
        [
            f"invalidate a key {d['invalidate']['sessions']:,} sessions watch: loop time to queue (ms)",
            f"{r['invalidate_10k_ms']:.1f}",
            *blank,
            f"drained at {d['invalidate']['edits_per_s']:.0f} edits/s (outbox of "
            f"{d['invalidate']['outbox_concurrency']}); burst of 100: "
            f"{d['invalidate']['edits_after_burst']:,} edits for {d['invalidate']['burst_bound']:,} menus",
        ],
        [
            "click of a menu watching 3 keys (µs)",
            f"{d['watch_click_us']:.0f}",
            *blank,
            f"{show_spread(sp['watch_click_vs_plain'])} vs watching none (paired)",
        ],
        [
            f"RSS with {d['expire']['sessions']:,} sessions (MB)",
            f"{r['rss_mb_100k_sessions']:.0f} (empty: {d['expire']['rss_mb_before']:.0f})",
            *blank,
            "",
        ],
    ]
    rd = r["redis"]
    rows += [
        [
            f"click through RedisStore, loopback (µs p50 / p99, to the end of the step; {rd['round_trips_per_click']:g} round trips)",
            f"{rd['redis_done_p50_us']:.0f} / {rd['redis_done_p99_us']:.0f}",
            *blank,
            f"{rd['ratio_p50']:.2f} / {rd['ratio_p99']:.2f} vs MemoryStore ({rd['memory_done_p50_us']:.0f} / "
            f"{rd['memory_done_p99_us']:.0f}); +{rd['added_p50_us']:.0f} µs at p50",
        ],
        [
            "click through RedisStore, to the HTTP reply (µs p50 / p99)",
            f"{rd['redis_reply_p50_us']:.0f} / {rd['redis_reply_p99_us']:.0f}",
            *blank,
            f"MemoryStore {rd['memory_reply_p50_us']:.0f} / {rd['memory_reply_p99_us']:.0f}",
        ],
        [
            "memory per open session with RedisStore: in Redis (MEMORY USAGE) / in the process (bytes)",
            f"{rd['snapshot_bytes']:,} / {rd['kept_bytes_redis']:,}",
            *blank,
            f"MemoryStore keeps {rd['kept_bytes_memory']:,} in the process",
        ],
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for index, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines.append("")
    lines.append("targets:")
    for key, check in r["targets"].items():
        mark = "met    " if check["met"] else "NOT MET"
        lines.append(f"  {mark}  {key} = {check['value']} (target {check['target']}): {check['what']}")
    return "\n".join(lines)


def git_describe() -> str:
    """The commit measured, with '+dirty' when the working tree differs."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "flowfsm"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=True,
        ).stdout.strip()
        return head + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main() -> None:
    """Run, print the table, write the results (.bench/results.json unless ``--out``)."""
    parser = argparse.ArgumentParser(description="flowfsm benchmarks against miru, side by side")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, one round (a smoke run)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where to write the JSON results")
    args = parser.parse_args()
    started = time.perf_counter()
    load_before = os.getloadavg()
    results = run(args.quick)
    results["targets"] = check_targets(results)
    results["meta"] = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "commit": git_describe(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "seconds": round(time.perf_counter() - started, 1),
        "command": "make bench" + (" (--quick)" if args.quick else ""),
    }
    print()
    print(table(results))
    print(f"\n{results['meta']['seconds']:.0f} s; results in {args.out}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()

"""One measurement, in a process of its own: ``python bench/measure.py PART --framework NAME [...]``.

bench/run.py starts one process per part, framework and round, so that no measurement inherits the
heap, the garbage-collector state or the leftover tasks of another. The last line printed is a JSON
object with the raw figures; run.py takes medians and ratios.

How the engine-side figures are taken (the same for all three frameworks):

* **click** — the time from a real ``hikari.ComponentInteraction`` (built beforehand, untimed, by the
  bot's entity factory from Discord's JSON) to the bytes of the HTTP reply an interaction server would
  send: ``await miru_client.handle_component_interaction(interaction)`` (the entry point of a REST bot's
  miru client, which routes to a miru View or, for flowfsm, to its unhandled-component hook) returning
  the response builder, then ``builder.build(entity_factory)`` and hikari's JSON encoder, exactly what
  ``hikari.RESTBot``'s interaction server does with a listener's result. Measuring through the builder
  (REST-bot mode) keeps HTTP, signature checks and socket scheduling out of the figure, so only the
  framework differs; ``http`` measures the whole path separately. Between clicks, outside the timed
  region, the loop gets a few turns so that work a framework leaves running in the background after
  answering finishes and is not billed to the next click.
* **start** — from a real ``hikari.CommandInteraction`` to the bytes of the first message: flowfsm's
  ``manager.start``; miru.ext.menu's ``Menu.build_response_async`` + ``client.start_view``; the plain
  View's construction + ``client.start_view``; then build and encode, as above.

The frameworks are measured side by side in one process, interleaved operation by operation, so a
busy machine slows them alike and the ratios stay fair. Wall time (``time.perf_counter_ns``) is what
the figures report; the thread's CPU time is recorded too (``cpu`` figures in results.json).

Every click is checked: the reply must show the screen the click leads to.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import random
import socket
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import hikari

from bench import flows
from bench.env import Env, OpenMenu, dumps, full_gc, peak_rss_mb, rss_mb

FIRST_USER = 10_000


async def settle(turns: int = 5) -> None:
    """Give the loop a few turns (background work a framework left after answering)."""
    for _ in range(turns):
        await asyncio.sleep(0)


async def timed_start(env: Env, interaction: hikari.CommandInteraction) -> tuple[int, OpenMenu]:
    """Start one menu; returns (nanoseconds from the interaction to the encoded reply, the menu)."""
    c0, t0 = time.thread_time_ns(), time.perf_counter_ns()
    builder = await env.menus.start(interaction)
    payload, _ = builder.build(env.entity_factory)
    body = dumps(payload)
    elapsed = time.perf_counter_ns() - t0
    env.cpu_ns["start"].append(time.thread_time_ns() - c0)
    menu = OpenMenu(int(interaction.user.id), env._ids.next())
    menu.apply(json.loads(body))
    return elapsed, menu


async def timed_click(env: Env, menu: OpenMenu) -> int:
    """Click the next button of the cycle on ``menu``; returns nanoseconds to the encoded reply."""
    interaction, after = env.next_click(menu)
    c0, t0 = time.thread_time_ns(), time.perf_counter_ns()
    builder = await env.client.handle_component_interaction(interaction)
    if builder is None:
        raise AssertionError(f"{env.framework}: no reply to {interaction.custom_id!r}")
    payload, _ = builder.build(env.entity_factory)
    body = dumps(payload)
    elapsed = time.perf_counter_ns() - t0
    env.cpu_ns["click"].append(time.thread_time_ns() - c0)
    answer = json.loads(body)
    if answer.get("type") != 7 or answer["data"].get("content") != flows.CONTENT[after]:
        raise AssertionError(f"{env.framework}: click led to {answer!r}, expected the {after!r} screen")
    menu.apply(answer)
    menu.step += 1
    await settle()
    return elapsed


async def open_many(env: Env, count: int, first_user: int, menus: list[OpenMenu]) -> list[int]:
    """Open ``count`` menus (one user each), timing each start; returns the start times."""
    times = []
    for index in range(count):
        interaction = env.command(first_user + index)
        elapsed, menu = await timed_start(env, interaction)
        menus.append(menu)
        times.append(elapsed)
        await settle(1)
    return times


async def click_many(env: Env, menus: list[OpenMenu], clicks: int, rng: random.Random) -> list[int]:
    """``clicks`` clicks on menus picked at random (each advancing its own cycle); returns the times."""
    return [await timed_click(env, rng.choice(menus)) for _ in range(clicks)]


# -- parts -----------------------------------------------------------------------------------------------


async def _interleaved(
    envs: list[Env], menus: dict[str, list[OpenMenu]], rng: random.Random, clicks: int
) -> dict[str, list[int]]:
    """``clicks`` clicks per framework, interleaved click by click in a shuffled order.

    Interleaving puts every framework under the same machine load at the same moment (this machine may
    be shared), so the ratios stay fair even when absolute figures wander.
    """
    times: dict[str, list[int]] = {env.label: [] for env in envs}
    order = list(envs)
    for _ in range(clicks):
        rng.shuffle(order)
        for env in order:
            times[env.label].append(await timed_click(env, rng.choice(menus[env.label])))
    return times


async def _open_interleaved(
    envs: list[Env], menus: dict[str, list[OpenMenu]], count: int, first_user: int, rng: random.Random
) -> dict[str, list[int]]:
    """Open ``count`` more menus per framework, interleaved; returns the start times."""
    times: dict[str, list[int]] = {env.label: [] for env in envs}
    order = list(envs)
    for index in range(count):
        rng.shuffle(order)
        for env in order:
            elapsed, menu = await timed_start(env, env.command(first_user + index))
            times[env.label].append(elapsed)
            menus[env.label].append(menu)
            await settle(1)
    return times


async def part_latency(args: argparse.Namespace) -> dict[str, Any]:
    """Start ``--sessions`` menus per framework and click ``--clicks`` times per framework, interleaved."""
    envs = [await Env(name).start() for name in args.frameworks]
    rng = random.Random(args.seed)
    try:
        # Warm-up: first-use costs (imports, caches, the first task) are not what a running bot pays.
        warm: dict[str, list[OpenMenu]] = {env.framework: [] for env in envs}
        await _open_interleaved(envs, warm, 20, FIRST_USER + 900_000, rng)
        await _interleaved(envs, warm, rng, 80)
        requests_before = {env.framework: len(env.discord.requests) for env in envs}
        menus: dict[str, list[OpenMenu]] = {env.framework: [] for env in envs}
        starts = await _open_interleaved(envs, menus, args.sessions, FIRST_USER, rng)
        full_gc()
        clicks = await _interleaved(envs, menus, rng, args.clicks)
        return {
            env.framework: {
                "start_ns": starts[env.framework],
                "click_ns": clicks[env.framework],
                "start_cpu_ns": env.cpu_ns["start"][-len(starts[env.framework]) :],
                "click_cpu_ns": env.cpu_ns["click"][-len(clicks[env.framework]) :],
                "open_sessions": env.menus.open_sessions(),
                "rest_requests": len(env.discord.requests) - requests_before[env.framework],
            }
            for env in envs
        }
    finally:
        for env in envs:
            await env.close()


async def part_scale(args: argparse.Namespace) -> dict[str, Any]:
    """Click cost with few and with many open menus: ``--sizes`` (10 and 10,000) open, side by side.

    For each framework, one set-up holds 10 open menus and another 10,000, each with its own miru client
    (and FlowManager), in the same process; clicks alternate between them in a shuffled order. So both
    sizes are measured at the same moments, on the same heap, under the same machine load, and the
    ratio shows how the framework's own per-click work grows with the menus it holds. (Measured one
    after the other instead, the ratio would mostly show how the machine's load changed in between.)
    """
    sizes = sorted(args.sizes)
    envs = [await Env(name, label=f"{name}@{size}").start() for name in args.frameworks for size in sizes]
    rng = random.Random(args.seed)
    menus: dict[str, list[OpenMenu]] = {env.label: [] for env in envs}
    try:
        opened = 0
        for size in sizes:  # open menus in every set-up that needs more, interleaved
            growing = [env for env in envs if int(env.label.split("@")[1]) >= size]
            await _open_interleaved(growing, menus, size - opened, FIRST_USER + opened, rng)
            opened = size
        full_gc()
        await _interleaved(envs, menus, rng, 80)  # warm-up
        clicks = await _interleaved(envs, menus, rng, args.clicks)
        result: dict[str, dict[str, Any]] = {name: {} for name in args.frameworks}
        for env in envs:
            size = int(env.label.split("@")[1])
            result[env.framework][f"click_ns_{size}"] = clicks[env.label]
            result[env.framework][f"click_cpu_ns_{size}"] = env.cpu_ns["click"][-args.clicks :]
            result[env.framework][f"open_{size}"] = env.menus.open_sessions()
        return result
    finally:
        for env in envs:
            await env.close()


async def part_memory(args: argparse.Namespace) -> dict[str, Any]:
    """Memory (tracemalloc, after gc) and asyncio tasks per idle menu with ``--sessions`` open."""
    env = await Env(args.framework).start()
    rng = random.Random(args.seed)
    try:
        warm: list[OpenMenu] = []
        await open_many(env, 50, FIRST_USER + 900_000, warm)
        await click_many(env, warm, 100, rng)
        # Command interactions are made before tracing; the menus hold on to whatever they keep of them.
        # One interaction (so one Discord-sized token) per session, as in production: a framework that
        # keeps each session's token pays for it here.
        pool = [env.command(FIRST_USER + i) for i in range(args.sessions)]
        message_ids = [env._ids.next() for _ in range(args.sessions)]
        # The benchmark's own view of each menu is one bytes object (the last reply); its exact size is
        # subtracted, so only what the framework keeps is counted.
        bodies: list[bytes] = [b""] * args.sessions
        full_gc()
        tasks_before = len(asyncio.all_tasks())
        tracemalloc.start()
        full_gc()
        base = tracemalloc.get_traced_memory()[0]
        for index in range(args.sessions):
            builder = await env.menus.start(pool[index % len(pool)])
            bodies[index] = dumps(builder.build(env.entity_factory)[0])
            del builder
        await settle()
        full_gc()
        idle = tracemalloc.get_traced_memory()[0] - base - sum(map(sys.getsizeof, bodies))
        tasks = len(asyncio.all_tasks()) - tasks_before
        # A sample of the menus after one click each (a miru View then holds the message and the last
        # context); the extra bytes per clicked menu are added to the idle figure.
        sample = min(args.sessions, args.click_sample)
        for index, body in enumerate(bodies[:sample]):
            menu = OpenMenu(int(pool[index % len(pool)].user.id), message_ids[index])
            menu.apply(json.loads(body))
            interaction, _ = env.next_click(menu)
            builder = await env.client.handle_component_interaction(interaction)
            assert builder is not None
            bodies[index] = dumps(builder.build(env.entity_factory)[0])
            del menu, interaction, builder
            await settle(2)
        await settle()
        full_gc()
        clicked = tracemalloc.get_traced_memory()[0] - base - sum(map(sys.getsizeof, bodies))
        tracemalloc.stop()
        return {
            "sessions": args.sessions,
            "open_sessions": env.menus.open_sessions(),
            "idle_bytes_total": idle,
            "clicked_sample": sample,
            "clicked_extra_bytes_total": clicked - idle,
            "tasks": tasks,
            "tasks_after_click": len(asyncio.all_tasks()) - tasks_before,
        }
    finally:
        await env.close()


async def part_expire(args: argparse.Namespace) -> dict[str, Any]:
    """RSS with ``--sessions`` open flowfsm menus, then the time ``expire_due`` takes to drop them all."""
    env = await Env("flowfsm").start()
    manager = env.menus.manager
    full_gc()
    rss_before = rss_mb()
    t0 = time.perf_counter()
    for index in range(args.sessions):
        # One user per session: a user's new session of a flow replaces their previous one.
        builder = await manager.start(env.command(FIRST_USER + index), env.menus.flow)
        builder.build(env.entity_factory)
    start_s = time.perf_counter() - t0
    await settle()
    full_gc()
    result: dict[str, Any] = {
        "sessions": len(manager.sessions),
        "start_all_s": start_s,
        "rss_mb_before": rss_before,
        "rss_mb": rss_mb(),
        "peak_rss_mb": peak_rss_mb(),
        "tasks": len(asyncio.all_tasks()),
    }
    env.clock.advance(env.menus.flow.timeout + 1)
    # The garbage collector stays on: a collection triggered by what expiry allocates is part of its cost
    # (the collections that ran are reported, a full one walks every object of the 100,000 sessions).
    collections = [g["collections"] for g in gc.get_stats()]
    t0 = time.perf_counter()
    expired = manager.expire_due()
    result["expire_s"] = time.perf_counter() - t0
    result["gc_collections_during_expiry"] = [
        g["collections"] - n for g, n in zip(gc.get_stats(), collections, strict=True)
    ]
    result["expired"] = expired
    result["left"] = len(manager.sessions)
    result["queued_edits"] = len(manager.outbox)
    return result


async def part_drain(args: argparse.Namespace) -> dict[str, Any]:
    """CPU and wall time per "disable the menu" edit that expiry queues, drained against FakeDiscord.

    ``expire`` times only the bookkeeping of expiry; each expired menu also costs one message edit
    through hikari's REST client. Here ``--sessions`` menus expire and the outbox is drained to the end.
    The loopback server runs in this process, so the CPU figure includes its side of each request (an
    upper bound on what the bot itself spends).
    """
    env = await Env("flowfsm").start()
    manager = env.menus.manager
    try:
        for index in range(args.sessions):
            builder = await manager.start(env.command(FIRST_USER + index), env.menus.flow)
            builder.build(env.entity_factory)
        await settle()
        full_gc()
        requests_before = len(env.discord.requests)
        env.clock.advance(env.menus.flow.timeout + 1)
        cpu0, t0 = time.process_time(), time.perf_counter()
        expired = manager.expire_due()
        await manager.outbox.join()
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - t0
        edits = len(env.discord.requests) - requests_before
        return {
            "sessions": args.sessions,
            "expired": expired,
            "edits": edits,
            "cpu_us_per_edit": cpu / max(edits, 1) * 1e6,
            "wall_us_per_edit": wall / max(edits, 1) * 1e6,
            "left": len(manager.sessions),
        }
    finally:
        await env.close()


async def part_http(args: argparse.Namespace) -> dict[str, Any]:
    """Clicks per second through a RESTBot interaction server, driven by a second process."""
    env = Env(args.framework)
    await env.start(rest_started=False)  # RESTBot.start() starts the REST client itself
    env.bot.interaction_server.set_listener(hikari.CommandInteraction, env.menus.start)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}/"
    await env.bot.start(check_for_updates=False, socket=sock)
    try:
        loadgen = Path(__file__).with_name("loadgen.py")
        cpu0 = time.process_time()
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(loadgen),
            url,
            env.signing_key.encode().hex(),
            "--concurrency",
            str(args.concurrency),
            "--warmup",
            str(args.warmup),
            "--duration",
            str(args.duration),
            stdout=asyncio.subprocess.PIPE,
        )
        out, _ = await process.communicate()
        server_cpu = time.process_time() - cpu0
        if process.returncode != 0:
            raise RuntimeError(f"load generator failed ({process.returncode})")
        result: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
        result["server_cpu_s"] = server_cpu
        result["open_sessions"] = env.menus.open_sessions()
        return result
    finally:
        await env.bot.close()
        await env.discord.close()


PARTS = {
    "latency": part_latency,
    "scale": part_scale,
    "memory": part_memory,
    "expire": part_expire,
    "drain": part_drain,
    "http": part_http,
}


def main(argv: list[str] | None = None) -> None:
    """Run one part and print its JSON result as the last line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("part", choices=sorted(PARTS))
    parser.add_argument("--framework", default="flowfsm", choices=flows.FRAMEWORKS)
    parser.add_argument("--frameworks", nargs="*", default=list(flows.FRAMEWORKS), choices=flows.FRAMEWORKS)
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--clicks", type=int, default=2000)
    parser.add_argument("--sizes", type=int, nargs="*", default=[10, 10_000])
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--click-sample", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--warmup", type=float, default=0.5)
    parser.add_argument("--duration", type=float, default=3.0)
    args = parser.parse_args(argv)
    result = asyncio.run(PARTS[args.part](args))
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()
    if args.part == "expire":
        # 100,000 "disable components" edits are queued on the outbox; draining them at Discord's pace
        # is not part of this figure (tests/test_outbox.py covers the drain), so leave without waiting.
        import os

        os._exit(0)


if __name__ == "__main__":
    main()

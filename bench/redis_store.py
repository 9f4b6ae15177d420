"""A click through RedisStore on a loopback Redis against the MemoryStore, side by side in one process.

    python bench/redis_store.py --sessions 500 --clicks 1000 --seed 1

Both set-ups are bench/flows.py's flowfsm menu on the same kind of REST-bot environment
(bench/env.py); clicks alternate between them in a shuffled order, so a busy machine slows both
alike. A click is timed from the ``hikari.ComponentInteraction`` to the encoded HTTP reply, and
also to the end of its step (``manager.drain()``): with RedisStore the save-and-unlock round trip
runs after the reply has gone, and the second figure counts it. The redis-server is the test
fixture's (flowfsm.testing.redis_server: loopback, no persistence).

Also measured: the Redis round trips per click (commands sent by the store's client), the Redis
memory of a typical snapshot (``MEMORY USAGE`` of a session's key), everything Redis holds per
session (``used_memory`` grown by ``--live`` sessions, all keys counted: snapshot, deadline, user
index, and the live menus' timed due time or watch set entry) for a plain menu, one with a timed
edge and one watching a key, and what the process keeps per open session (tracemalloc after gc, as bench/measure.py's memory part, with ``--sessions`` menus
opened). The last line printed is a JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import flows
from bench.env import Env, OpenMenu, dumps, full_gc
from bench.measure import FIRST_USER, settle, timed_start
from flowfsm import Button, Context, Flow, Screen
from flowfsm.engine.stores.redis import RedisStore
from flowfsm.testing import FakeClock, FakeDiscord, Harness
from flowfsm.testing.redis_server import RedisServer


def _live_flow(kind: str) -> Flow:
    """A one-screen menu: plain, with a timed edge (``every=5``), or watching a key."""
    flow = Flow(f"live_{kind}", timeout=600, command=kind)

    @flow.state(initial=True)
    def showing(ctx: Context) -> Screen:
        if kind == "watching":
            ctx.watch("stock", ctx.user_id % 50)  # 50 keys, shared by many sessions each
        return Screen(f"n={ctx.data.get('n', 0)}", items=[Button("Add", trigger="add")])

    flow.transition("add", "showing", "showing")
    if kind == "timed":
        flow.transition("tick", "showing", "showing", every=5)
    return flow


async def bytes_per_session(url: str, sessions: int) -> dict[str, float]:
    """What Redis holds per open session (``used_memory`` delta / sessions), by kind of menu."""
    found: dict[str, float] = {}
    clock = FakeClock(1_800_000_000.0)
    async with FakeDiscord() as discord:
        for kind in ("plain", "timed", "watching"):
            store = RedisStore(url, prefix=f"live-{kind}:", wall=clock)
            async with Harness([_live_flow(kind)], discord=discord, store=store, clock=clock) as h:
                before = int((await store.redis.info("memory"))["used_memory"])
                for index in range(sessions):
                    await h.command(kind, user=7_000_000 + index)
                await h.manager.drain()
                after = int((await store.redis.info("memory"))["used_memory"])
                found[kind] = (after - before) / sessions
            await store.close()
    return found


async def timed_click(env: Env, menu: OpenMenu) -> tuple[int, int]:
    """One click: nanoseconds to the encoded reply, and to the end of the step (its save)."""
    interaction, after = env.next_click(menu)
    t0 = time.perf_counter_ns()
    builder = await env.client.handle_component_interaction(interaction)
    assert builder is not None, f"{env.label}: no reply"
    body = dumps(builder.build(env.entity_factory)[0])
    replied = time.perf_counter_ns() - t0
    await env.menus.manager.drain()
    done = time.perf_counter_ns() - t0
    answer = json.loads(body)
    if answer.get("type") != 7 or answer["data"].get("content") != flows.CONTENT[after]:
        raise AssertionError(f"{env.label}: click led to {answer!r}, expected the {after!r} screen")
    menu.apply(answer)
    menu.step += 1
    await settle()
    return replied, done


async def open_menus(env: Env, count: int, first_user: int) -> list[OpenMenu]:
    menus = []
    for index in range(count):
        _, menu = await timed_start(env, env.command(first_user + index))
        await env.menus.manager.drain()  # the first step's save
        menus.append(menu)
    return menus


def counting(store: RedisStore) -> list[str]:
    """Record each command the store's client sends (one round trip each: the store pipelines nothing)."""
    sent: list[str] = []
    send = store.redis.execute_command

    async def counted(*args: Any, **options: Any) -> Any:
        sent.append(str(args[0]))
        return await send(*args, **options)

    store.redis.execute_command = counted  # type: ignore[method-assign]
    return sent


async def kept_per_session(env: Env, sessions: int) -> float:
    """Bytes the process keeps per open menu (tracemalloc after gc; the replies are subtracted)."""
    pool = [env.command(FIRST_USER + 500_000 + i) for i in range(sessions)]
    bodies: list[bytes] = [b""] * sessions
    full_gc()
    tracemalloc.start()
    full_gc()
    base = tracemalloc.get_traced_memory()[0]
    for index in range(sessions):
        builder = await env.menus.start(pool[index])
        bodies[index] = dumps(builder.build(env.entity_factory)[0])
        del builder
        await env.menus.manager.drain()
    await settle()
    full_gc()
    kept = tracemalloc.get_traced_memory()[0] - base - sum(map(sys.getsizeof, bodies))
    tracemalloc.stop()
    return kept / sessions


async def run(args: argparse.Namespace) -> dict[str, Any]:
    with RedisServer() as server:
        store = RedisStore(server.url, prefix="bench:")
        memory_env = await Env("flowfsm", label="memory").start()
        redis_env = await Env("flowfsm", label="redis", store=store).start()
        envs = [memory_env, redis_env]
        rng = random.Random(args.seed)
        try:
            menus = {env.label: await open_menus(env, 20, FIRST_USER + 900_000) for env in envs}
            for _ in range(40):  # warm-up: scripts loaded, connections made, caches filled
                for env in envs:
                    await timed_click(env, rng.choice(menus[env.label]))
            for env in envs:
                menus[env.label] = await open_menus(env, args.sessions, FIRST_USER)
            full_gc()  # as bench/measure.py's latency part: no collection of the set-up's garbage mid-run
            sent = counting(store)
            times: dict[str, dict[str, list[int]]] = {e.label: {"reply": [], "done": []} for e in envs}
            order = list(envs)
            for _ in range(args.clicks):
                rng.shuffle(order)
                for env in order:
                    replied, done = await timed_click(env, rng.choice(menus[env.label]))
                    times[env.label]["reply"].append(replied)
                    times[env.label]["done"].append(done)
            round_trips = len(sent) / args.clicks
            sizes = [await store.memory_usage(s) or 0 for s in await _some_sessions(store, 50)]
            kept = {env.label: await kept_per_session(env, args.kept) for env in envs}
            in_redis = await bytes_per_session(server.url, args.live)
            return {
                "clicks": args.clicks,
                "open_sessions": args.sessions,
                "times_ns": times,
                "round_trips_per_click": round_trips,
                "commands": sorted(set(sent)),
                "snapshot_memory_usage_bytes": statistics.median(sizes),
                "kept_bytes_per_session": kept,
                "redis_bytes_per_session": in_redis,
                "sessions_in_process": {env.label: env.menus.open_sessions() for env in envs},
            }
        finally:
            for env in envs:
                await env.menus.manager.close()
                await env.close()
            await store.close()


async def _some_sessions(store: RedisStore, count: int) -> list[str]:
    keys = []
    async for key in store.redis.scan_iter(match=f"{store.prefix}s:*", count=500):
        keys.append(key.decode().removeprefix(f"{store.prefix}s:"))
        if len(keys) >= count:
            break
    return keys


def main(argv: list[str] | None = None) -> None:
    """Run the measurement and print its JSON result as the last line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=500)
    parser.add_argument("--clicks", type=int, default=1000)
    parser.add_argument("--kept", type=int, default=500, help="menus opened for the per-session memory")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--live", type=int, default=1000, help="sessions opened per kind for the Redis bytes")
    args = parser.parse_args(argv)
    sys.stdout.write(json.dumps(asyncio.run(run(args))) + "\n")


if __name__ == "__main__":
    main()

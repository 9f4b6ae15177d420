"""``make soak STORE=redis``: the soak of bench/soak.py over three replicas sharing a RedisStore.

The Discord side (second process: the loopback Discord, the hostile users, the REST faults) is
bench/soak.py's, unchanged; what it talks to is a round-robin load balancer
(:class:`flowfsm.testing.replicas.RoundRobin`) in front of three replica processes of the
inventory bot (:func:`replica`), each a ``hikari.RESTBot`` with its own ``FlowManager`` on one
:class:`~flowfsm.engine.stores.redis.RedisStore` (a real redis-server on loopback) and the shop's
SQLite file. This process orchestrates:

* **replica kills**: now and then one replica is killed with SIGKILL, wherever it is (often in the
  middle of a step, holding a session's lock), and restarted a moment later on the same port; the
  balancer skips it while it is down; a request that died with it is answered 502 (not re-sent);
* **time leaps**: like the memory soak's clock jumps, time leaps forward for every process (the
  leap is published in Redis and each replica's wall clock follows it); a manager of this process
  claims the sessions due by then at once, the replicas' expiry tasks claim them too (exactly one
  process expires each), running their ``on_timeout`` and disabling their menus while users are
  busy with them;
* **live menus across replicas**: the replicas also serve the auction example (timed edges: a tick
  every 10 s, the sale after 60 s), whose plans live in Redis and fire on whichever replica claims
  them first; purchases invalidate the stock other menus watch, and for the first
  ``SOAK_STORM_SHARE`` of the load this process adds an invalidation storm
  (``await flows.ainvalidate("stock", sku)``, ``SOAK_REDIS_STORM_RATE`` a second, default 100: each
  is one script over every stored session watching the item) that the replicas' refreshes serve,
  each session at most once per ``refresh_interval``; time leaps only once the storm is over;
* at the end: it waits until no step holds a lock, leaps past every timeout and claims the rest;
  **sessions left** counts what Redis still holds of sessions: snapshots, deadlines, timed due
  times, marked or claimed refreshes and watch sets (a leak of any shows there).

The replicas write what they saw (interaction ids that reached an item, exceptions at their event
loop, ERROR records) to a file each, line by line, so a kill loses nothing already written. The
last line is the memory soak's, plus the sessions served by more than one replica and the kills::

    soak: N interactions, F faults injected, L lost updates, C crashes, S sessions left, X forged actions run; M sessions served by more than one replica, K replica kills; T timed edges fired, R refresh edits (bound B)

(one line). The refresh bound is one edit per session per ``refresh_interval`` it is open: at
most the peak of stored sessions times the load's intervals, plus one per session opened.

Exit status non-zero unless L, C, S and X are 0. Same ``SOAK_*`` settings as bench/soak.py.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import multiprocessing
import os
import random
import sys
import tempfile
import time
import traceback
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, TextIO

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import hikari  # noqa: E402
import miru  # noqa: E402

from bench.soak import (  # noqa: E402
    APPLICATION_ID,
    CATALOG,
    STARTING_BALANCE,
    WIND_DOWN,
    JumpClock,
    Settings,
    count_lost_updates,
    discord_process,
    forged_actions_run,
)
from flowfsm import FlowManager, RemoteStore  # noqa: E402
from flowfsm.engine.stores.redis import RedisStore  # noqa: E402
from flowfsm.testing.redis_server import RedisServer  # noqa: E402
from flowfsm.testing.replicas import ReplicaSet, RoundRobin  # noqa: E402

REPLICAS = 3
PREFIX = "soak:"
LEAP_KEY = f"{PREFIX}leap"
"""Seconds time has leapt so far (every process's wall clock runs that far ahead)."""
KILL_EVERY = (4.0, 12.0)
"""Seconds between two replica kills, picked at random."""
DOWN_FOR = (0.3, 2.0)
"""Seconds a killed replica stays down before it is restarted."""
REFRESH_INTERVAL = 1.0
"""Every manager's ``refresh_interval`` (the coalescing bound's unit)."""


# -- a replica (run by flowfsm.testing.replicas in its own process) ---------------------------------------


def _reporter(path: Path) -> TextIO:
    return path.open("a", buffering=1)  # line-buffered: each line reaches the file when written


def replica(bot: hikari.RESTBot, store: RemoteStore) -> FlowManager:
    """One replica of the inventory bot on ``store``, writing what it saw to ``$SOAK_REPORT_DIR``."""
    from examples import auction
    from examples import inventory as shop

    shop.configure(os.environ["SOAK_DB"], catalog=CATALOG, starting_balance=STARTING_BALANCE)
    report = _reporter(Path(os.environ["SOAK_REPORT_DIR"]) / f"replica-{os.getpid()}.log")
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(
        lambda _loop, context: report.write(
            f"crash {context.get('message')}: {context.get('exception')!r}".replace("\n", " ") + "\n"
        )
    )
    logging.getLogger().addHandler(_ErrorLines(report))
    logging.getLogger().setLevel(logging.ERROR)
    manager = FlowManager(
        miru.Client(bot),
        [shop.inventory, auction.auction],
        store=store,
        defer_after=float(os.environ.get("SOAK_DEFER_AFTER", "0.05")),
        step_timeout=15.0,
        refresh_interval=REFRESH_INTERVAL,
    )
    manager.add_hook("on_action", lambda ctx: report.write(f"ran {int(ctx.interaction.id)}\n"))
    if isinstance(store, RedisStore):
        _follow_leaps(store)
    _tasks.add(loop.create_task(_report_live(manager, report)))

    async def on_command(interaction: hikari.CommandInteraction) -> Any:
        if interaction.command_name == "auction":
            return await manager.start(interaction, auction.auction)
        options = await shop.start_options(int(interaction.user.id))
        return await manager.start(interaction, shop.inventory, options=options)

    bot.interaction_server.set_listener(hikari.CommandInteraction, on_command)
    return manager


def _follow_leaps(store: RedisStore) -> None:
    """This replica's wall clock leaps with the orchestrator's (read from Redis every 0.2 s), so
    every process shares one timeline, as the memory soak's one process does."""
    leap = [0.0]
    store.wall = lambda: time.time() + leap[0]

    async def follow() -> None:
        while True:
            value = await store.redis.get(LEAP_KEY)
            leap[0] = float(value or 0.0)
            await asyncio.sleep(0.2)

    _tasks.add(asyncio.get_running_loop().create_task(follow()))


_tasks: set[asyncio.Task[None]] = set()


async def _report_live(manager: FlowManager, report: TextIO) -> None:
    """Write this replica's live counters every 0.2 s (a kill loses at most the last 0.2 s)."""
    while True:
        await asyncio.sleep(0.2)
        stats = manager.live_stats
        report.write(f"live {stats.timed_fired} {stats.refreshes}\n")


class _ErrorLines(logging.Handler):
    def __init__(self, report: TextIO) -> None:
        super().__init__(logging.ERROR)
        self.report = report

    def emit(self, record: logging.LogRecord) -> None:
        error = record.exc_info[1] if record.exc_info else None
        cause = ""
        if error is not None:
            frames = [f for f in traceback.extract_tb(error.__traceback__) if "examples" in f.filename]
            where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
            cause = f" ({type(error).__name__}: {str(error)[:60]}{where})"
        self.report.write(f"error {record.name}: {str(record.msg).split('%')[0][:60].strip()}{cause}\n")


# -- this process ------------------------------------------------------------------------------------------


class Orchestra:
    """The replicas, the balancer, the kills, the time leaps, and what they add up to."""

    def __init__(
        self,
        settings: Settings,
        replicas: ReplicaSet,
        expirer: FlowManager,
        store: RedisStore,
        clock: JumpClock,
    ) -> None:
        self.settings = settings
        self.store = store
        self.replicas = replicas
        self.expirer = expirer
        self.clock = clock
        self.rng = random.Random(settings.seed + 2)
        self.kills = 0
        self.jumps = 0
        self.expired = 0
        self.stop = asyncio.Event()
        self.storm_over = asyncio.Event()
        self.invalidations = 0
        self.marked = 0
        self.peak_stored = 0

    async def storm(self) -> None:
        """For the first part of the load, invalidate random items' stock from this process."""
        skus = [sku for sku, *_ in CATALOG]
        rate = float(os.environ.get("SOAK_REDIS_STORM_RATE", "100"))
        ends = time.monotonic() + self.settings.seconds * self.settings.storm_share
        per_tick = max(1, round(rate / 100))
        try:
            while time.monotonic() < ends and not self.stop.is_set():
                for _ in range(per_tick):
                    self.marked += await self.expirer.ainvalidate("stock", self.rng.choice(skus))
                self.invalidations += per_tick
                self.peak_stored = max(
                    self.peak_stored, await self.store.redis.zcard(self.store.deadlines_key)
                )
                await asyncio.sleep(0.01)
        finally:
            self.storm_over.set()

    async def kill_and_restart(self) -> None:
        """Now and then one replica dies (SIGKILL) and comes back a moment later."""
        if os.environ.get("SOAK_KILLS", "1") in ("0", "false", "no"):
            return
        while not await self._pause(*KILL_EVERY):
            victim = self.rng.randrange(len(self.replicas))
            await self.replicas.stop(victim)
            self.kills += 1
            await asyncio.sleep(self.rng.uniform(*DOWN_FOR))
            await self.replicas.start(victim)

    async def leap(self) -> None:
        """Now and then time leaps forward here and this process claims the sessions due by then
        (once the storm is over: its menus stay open while it lasts)."""
        await self.storm_over.wait()
        while not await self._pause(1.0, 4.0):
            if self.rng.random() < 0.5:
                self.clock.jump(self.rng.uniform(30, 240))
                await self.store.redis.set(LEAP_KEY, repr(self.clock.offset))
                self.jumps += 1
                self.expired += await self.expirer.expire_stored()

    async def _pause(self, low: float, high: float) -> bool:
        """Wait a random while; ``True`` when the load has stopped."""
        try:
            await asyncio.wait_for(self.stop.wait(), self.rng.uniform(low, high))
        except TimeoutError:
            return False
        return True


async def locks_held(store: RedisStore) -> int:
    return len([key async for key in store.redis.scan_iter(match=f"{store.prefix}lock:*")])


async def no_locks(store: RedisStore) -> None:
    """Until no step holds a session (a killed replica's locks end with their lease)."""
    for _ in range(int(WIND_DOWN / 0.2)):
        if not await locks_held(store):
            return
        await asyncio.sleep(0.2)
    raise TimeoutError(f"sessions still locked after {WIND_DOWN:.0f} s")


async def expire_all(expirer: FlowManager, store: RedisStore) -> int:
    """Claim every session due after the last leap. The replicas' poll tasks still run: one may
    hold a session for a timed edge or a refresh that fell due with the leap (the claim skips a
    held session); its save leaves the deadline due, so claim again once no lock is held."""
    expired = 0
    for _ in range(20):
        expired += await expirer.expire_stored()
        await no_locks(store)
        if not await store.redis.zcard(store.deadlines_key):
            break
    return expired


async def sessions_stored(store: RedisStore) -> int:
    """What Redis holds of sessions: snapshots, deadlines, and the live menus' keys."""
    stored = [key async for key in store.redis.scan_iter(match=f"{store.prefix}s:*")]
    watch_sets = [key async for key in store.redis.scan_iter(match=f"{store.prefix}w:*")]
    live = [await store.redis.zcard(f"{store.prefix}{name}") for name in ("timed", "refresh", "refreshing")]
    return len(stored) + int(await store.redis.zcard(store.deadlines_key)) + len(watch_sets) + sum(live)


async def run(settings: Settings, conn: Connection, db_path: Path, reports: Path) -> dict[str, Any]:
    from examples import auction
    from examples import inventory as shop

    loop = asyncio.get_running_loop()
    logging.getLogger().setLevel(logging.ERROR)  # hikari's back-off notices under injected faults
    _, rest_url, bot_token, public_key = await loop.run_in_executor(None, conn.recv)
    db = shop.configure(db_path, catalog=CATALOG, starting_balance=STARTING_BALANCE)
    await db.connection()  # the schema, before three processes open the file
    with RedisServer() as server:
        clock = JumpClock()
        store = RedisStore(server.url, prefix=PREFIX, wall=lambda: time.time() + clock.offset)
        bot = hikari.GatewayBot(
            bot_token, rest_url=rest_url, banner=None, logs=None, suppress_optimization_warning=True
        )  # never started: its REST client edits the menus of the sessions this process expires
        bot.rest.start()  # type: ignore[attr-defined]
        expirer = FlowManager(
            miru.Client(bot),
            [shop.inventory, auction.auction],
            store=store,
            clock=clock,
            auto_expire=False,
            refresh_interval=REFRESH_INTERVAL,
        )
        expirer.application_id = APPLICATION_ID
        replicas = ReplicaSet(
            "bench.soak_redis:replica",
            REPLICAS,
            (rest_url, bot_token),
            server.url,
            public_key,
            store_options={"prefix": PREFIX},
            env={
                "SOAK_DB": str(db_path),
                "SOAK_REPORT_DIR": str(reports),
                "SOAK_DEFER_AFTER": str(settings.defer_after),
            },
            path=[str(ROOT)],
        )
        started = time.monotonic()
        async with replicas, RoundRobin(replicas) as balancer:
            conn.send(balancer.url)
            orchestra = Orchestra(settings, replicas, expirer, store, clock)
            chaos = [
                asyncio.ensure_future(orchestra.kill_and_restart()),
                asyncio.ensure_future(orchestra.leap()),
                asyncio.ensure_future(orchestra.storm()),
            ]
            assert await loop.run_in_executor(None, conn.recv) == ("done",)
            load = time.monotonic() - started
            orchestra.stop.set()
            await asyncio.gather(*chaos)
            # Steps still running (or locks of killed replicas, until their lease ends) finish first;
            # then time passes every timeout and the last sessions are claimed.
            stuck = 0
            await no_locks(store)
            clock.jump(max(shop.inventory.timeout, auction.auction.timeout) + 1)
            await store.redis.set(LEAP_KEY, repr(clock.offset))
            orchestra.expired += await expire_all(expirer, store)
            try:
                async with asyncio.timeout(WIND_DOWN):
                    await expirer.drain()
            except TimeoutError:
                stuck = len(expirer.outbox) or 1
            left = await sessions_stored(store)
            if not stuck:
                await expirer.close()
            conn.send("bye")
            stats = await loop.run_in_executor(None, conn.recv)
        await bot.rest.close()
        await store.close()
    await db.close()
    return {
        "stats": stats,
        "load_s": load,
        "kills": orchestra.kills,
        "jumps": orchestra.jumps,
        "expired": orchestra.expired,
        "left": left,
        "stuck": stuck,
        "multi_served": balancer.multi_served(),
        "sessions_seen": len(balancer.served),
        "invalidations": orchestra.invalidations,
        "marked": orchestra.marked,
        "peak_stored": orchestra.peak_stored,
    }


def read_reports(
    reports: Path,
) -> tuple[collections.Counter[int], list[str], collections.Counter[str], tuple[int, int]]:
    """What every replica process wrote: interaction ids that reached an item, crashes, ERRORs,
    and the timed edges fired and refresh edits made (summed over the replica processes)."""
    ran: collections.Counter[int] = collections.Counter()
    crashes: list[str] = []
    errors: collections.Counter[str] = collections.Counter()
    timed = refreshes = 0
    for path in sorted(reports.glob("replica-*.log")):
        last_live = (0, 0)
        for line in path.read_text().splitlines():
            kind, _, rest = line.partition(" ")
            if kind == "live":
                fired, refreshed = rest.split()
                last_live = (int(fired), int(refreshed))
            elif kind == "ran":
                ran[int(rest)] += 1
            elif kind == "crash":
                crashes.append(rest)
            elif kind == "error":
                errors[rest] += 1
        timed += last_live[0]
        refreshes += last_live[1]
    return ran, crashes, errors, (timed, refreshes)


def main() -> int:
    """Run the soak over three replicas; print the summary line; return the exit status."""
    settings = Settings.from_env()
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    discord = context.Process(target=discord_process, args=(settings, child), name="soak-discord")
    started = time.monotonic()
    discord.start()
    child.close()
    shm = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
    with tempfile.TemporaryDirectory(prefix="flowfsm-soak-redis-", dir=shm) as tmp:
        db_path = Path(tmp) / "inventory.sqlite3"
        reports = Path(tmp) / "reports"
        reports.mkdir()
        try:
            result = asyncio.run(run(settings, parent, db_path, reports))
        finally:
            discord.join(timeout=30)
            if discord.is_alive():
                discord.terminate()
        _, interactions, faults, acks, counts, (forged, doubles) = result["stats"]
        lost, problems = asyncio.run(count_lost_updates(db_path, acks))
        ran, crashes, errors, (timed, refreshes) = read_reports(reports)
    elapsed = time.monotonic() - started
    print(
        f"soak (STORE=redis): {elapsed:.0f} s, {REPLICAS} replicas, {settings.users} users, "
        f"{settings.workers} at once, seed {settings.seed}"
    )
    print(
        f"  load {result['load_s']:.1f} s; {len(acks)} purchases acknowledged; replica kills {result['kills']}; "
        f"time leaps {result['jumps']}, sessions expired {result['expired']}; "
        f"{result['sessions_seen']} sessions clicked through the balancer"
    )
    for key, value in sorted(counts.items()):
        print(f"  {key}: {value}")
    # At most one refresh per stored session per interval, over the whole load (and the wind-down).
    opened = sum(value for key, value in counts.items() if key.startswith("command"))
    bound = result["peak_stored"] * int(result["load_s"] / REFRESH_INTERVAL + 2) + opened
    print(
        f"  live: {result['invalidations']} invalidations from the orchestrator marked {result['marked']} "
        f"stored sessions; replicas fired {timed} timed edges and made {refreshes} refresh edits"
    )
    for key, value in errors.most_common():
        print(f"  logged ERROR {key}: {value}")
    for crash, number in collections.Counter(crashes).most_common(10):
        print(f"  crash x{number}: {crash}")
    for problem in problems[:10]:
        print(f"  lost update: {problem}")
    if result["stuck"]:
        print(f"  wind-down: {result['stuck']} background job(s) still unfinished after {WIND_DOWN:.0f} s")
    forged_run = forged_actions_run(ran, forged, doubles)
    print(
        f"soak: {interactions} interactions, {faults} faults injected, {lost} lost updates, "
        f"{len(crashes)} crashes, {result['left']} sessions left, {forged_run} forged actions run; "
        f"{result['multi_served']} sessions served by more than one replica, {result['kills']} replica kills; "
        f"{timed} timed edges fired, {refreshes} refresh edits (bound {bound})"
    )
    healthy = lost == 0 and not crashes and result["left"] == 0 and not result["stuck"] and refreshes <= bound
    return 0 if healthy and forged_run == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

"""Several replicas of a REST bot, in separate processes, sharing one Redis, behind a round-robin proxy.

What a bot deployed as several copies of its interaction server behind a load balancer looks
like, on 127.0.0.1, for tests and ``make soak STORE=redis``:

* :class:`ReplicaSet` starts each replica as ``python -m flowfsm.testing.replicas`` (a
  ``hikari.RESTBot`` interaction server with the real ``miru.Client``, its REST calls going to a
  :class:`~flowfsm.testing.FakeDiscord`), built by the bot's own ``build(bot, store)`` function
  on a :class:`~flowfsm.engine.stores.redis.RedisStore`; it can SIGKILL and restart any of them;
* :class:`RoundRobin` is the load balancer: an aiohttp server forwarding each signed request to
  the next replica (a replica that refuses the connection is skipped, as a load balancer's health
  check would; a request whose replica dies with it is answered 502, not sent again) and
  recording which replica served each session;
* :class:`Interactions` sends signed interactions like Discord: to the balancer or to one replica,
  then hands the HTTP reply to the fake Discord as the interaction's callback.

Example::

    async with ReplicaSet("examples.redis_bot:build", 3, discord, redis_url, public_key) as replicas:
        async with RoundRobin(replicas) as balancer:
            ...
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import itertools
import json
import os
import secrets
import signal
import sys
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import hikari
import nacl.signing
from aiohttp import web

from flowfsm.engine import custom_id
from flowfsm.testing import payloads, signing
from flowfsm.testing.discord_api import FakeDiscord

__all__ = ["Interactions", "ReplicaSet", "RoundRobin", "Sent"]

HOST = "127.0.0.1"
_READY = "flowfsm-replica-ready"
_START_TIMEOUT = 30.0


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@dataclass
class Replica:
    """One replica process: its index, port and the process while it runs."""

    index: int
    port: int
    process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        """Where its interaction server listens."""
        return f"http://{HOST}:{self.port}/"

    @property
    def running(self) -> bool:
        """Whether its process is alive."""
        return self.process is not None and self.process.returncode is None


class ReplicaSet:
    """``count`` replicas of the bot ``app`` (``"module:build"``), sharing the Redis at ``redis_url``,
    calling the loopback Discord ``discord`` (a :class:`FakeDiscord` or its ``(rest_url, bot_token)``).

    ``build(bot, store)`` wires miru and flowfsm onto a ``hikari.RESTBot`` with the given
    store and returns the FlowManager. ``store_options`` go to each replica's RedisStore
    (``prefix``, ``lease``, ``wait``...); ``env`` is added to the replicas' environment.
    """

    def __init__(
        self,
        app: str,
        count: int,
        discord: FakeDiscord | tuple[str, str],
        redis_url: str,
        public_key: str,
        *,
        store_options: Mapping[str, Any] | None = None,
        env: Mapping[str, str] | None = None,
        path: list[str] | None = None,
    ) -> None:
        self.app = app
        # The loopback Discord the replicas call: a FakeDiscord, or its (rest_url, bot_token) when
        # it runs in another process.
        self.rest_url, self.token = (
            (discord.rest_url, discord.bot_token) if isinstance(discord, FakeDiscord) else discord
        )
        self.redis_url = redis_url
        self.public_key = public_key
        self.store_options = dict(store_options or {})
        self.env = dict(env or {})
        self.path = path or []
        self.replicas = [Replica(index, _free_port()) for index in range(count)]

    def __getitem__(self, index: int) -> Replica:
        return self.replicas[index]

    def __len__(self) -> int:
        return len(self.replicas)

    async def __aenter__(self) -> ReplicaSet:
        await asyncio.gather(*(self.start(replica.index) for replica in self.replicas))
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def _config(self, replica: Replica) -> str:
        return json.dumps(
            {
                "app": self.app,
                "port": replica.port,
                "redis": self.redis_url,
                "public_key": self.public_key,
                "rest_url": self.rest_url,
                "token": self.token,
                "store": self.store_options,
                "path": self.path,
            }
        )

    async def start(self, index: int) -> None:
        """Start replica ``index`` and wait until its interaction server listens."""
        replica = self.replicas[index]
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "flowfsm.testing.replicas",
            self._config(replica),
            stdout=asyncio.subprocess.PIPE,
            env={**os.environ, **self.env, "FLOWFSM_REPLICA": str(index)},
        )
        replica.process = process
        assert process.stdout is not None
        async with asyncio.timeout(_START_TIMEOUT):
            while True:
                line = await process.stdout.readline()
                if not line:
                    raise RuntimeError(f"replica {index} exited before it was ready")
                if line.decode().strip() == _READY:
                    return

    def kill(self, index: int) -> None:
        """SIGKILL replica ``index``: it stops wherever it is, holding whatever it holds."""
        process = self.replicas[index].process
        if process is not None and process.returncode is None:
            process.send_signal(signal.SIGKILL)

    async def stop(self, index: int) -> None:
        """Kill replica ``index`` and wait for its process to be gone."""
        self.kill(index)
        process = self.replicas[index].process
        if process is not None:
            await process.wait()

    async def restart(self, index: int) -> None:
        """Kill replica ``index`` (if it runs) and start it again on the same port."""
        await self.stop(index)
        await self.start(index)

    async def close(self) -> None:
        """Stop every replica."""
        await asyncio.gather(*(self.stop(replica.index) for replica in self.replicas))


class RoundRobin:
    """An aiohttp load balancer on 127.0.0.1: each request to the next running replica."""

    def __init__(self, replicas: ReplicaSet) -> None:
        self.replicas = replicas
        self.url = ""
        self.served: dict[str, set[int]] = defaultdict(set)
        """Session id -> the replicas that served a click of it."""
        self._next = itertools.count()
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> RoundRobin:
        app = web.Application()
        app.router.add_post("/", self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, HOST, 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://{HOST}:{port}/"
        self._http = aiohttp.ClientSession()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._http is not None:
            await self._http.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def multi_served(self) -> int:
        """How many sessions were served by more than one replica."""
        return sum(1 for replicas in self.served.values() if len(replicas) > 1)

    async def _forward(self, request: web.Request) -> web.Response:
        body = await request.read()
        headers = {
            name: value
            for name, value in request.headers.items()
            if name.lower() in ("content-type", "user-agent", "x-signature-ed25519", "x-signature-timestamp")
        }
        assert self._http is not None
        for _attempt in range(len(self.replicas)):
            replica = self.replicas[next(self._next) % len(self.replicas)]
            if not replica.running:
                continue
            try:
                async with self._http.post(replica.url, data=body, headers=headers) as answer:
                    raw = await answer.read()
                    self._note(body, replica.index)
                    return web.Response(
                        body=raw, status=answer.status, content_type=answer.content_type or None
                    )
            except aiohttp.ClientConnectorError:
                continue  # not listening (killed, restarting): the next replica
            except aiohttp.ClientError:
                # Killed with the request: not sent again (it may have run), as load balancers do.
                return web.Response(status=502, text="the replica went away")
        return web.Response(status=502, text="no replica answered")

    def _note(self, body: bytes, index: int) -> None:
        with contextlib.suppress(ValueError, KeyError, TypeError):
            parsed = custom_id.parse(json.loads(body)["data"]["custom_id"])
            if parsed is not None:
                self.served[parsed.session_id].add(index)


@dataclass
class Sent:
    """One interaction sent: its id and token, the HTTP status and the answer (JSON or bytes)."""

    interaction_id: int
    token: str
    status: int = 0
    answer: Any = None
    error: BaseException | None = None

    @property
    def ephemeral_text(self) -> str | None:
        """The text of an ephemeral answer (a refusal), else ``None``."""
        if not isinstance(self.answer, dict):
            return None
        data = self.answer.get("data") or {}
        if int(data.get("flags", 0)) & payloads.EPHEMERAL:
            return str(data.get("content"))
        return None


@dataclass
class Interactions:
    """Signed interactions from users, like Discord sends them, to a balancer or one replica."""

    discord: FakeDiscord
    signing_key: nacl.signing.SigningKey
    http: aiohttp.ClientSession
    ids: payloads.Ids = field(default_factory=lambda: payloads.Ids(1_300_000_000_000_000_000))

    async def command(self, url: str, name: str, *, user: int) -> Sent:
        """``/name`` from ``user``."""
        iid, token = self.ids.next(), f"tok-{secrets.token_hex(8)}"
        payload = payloads.command_interaction(
            interaction_id=iid,
            token=token,
            user_id=user,
            command_name=name,
            application_id=self.discord.application_id,
        )
        self.discord.register_interaction(iid, token, channel_id=222)
        return await self._send(url, payload, Sent(iid, token))

    async def click(self, url: str, message: Mapping[str, Any], cid: str, *, user: int) -> Sent:
        """A click of the component ``cid`` on ``message`` by ``user``."""
        iid, token = self.ids.next(), f"tok-{secrets.token_hex(8)}"
        payload = payloads.component_interaction(
            interaction_id=iid,
            token=token,
            user_id=user,
            custom_id=cid,
            message=dict(message),
            application_id=self.discord.application_id,
        )
        self.discord.register_interaction(iid, token, channel_id=222, message_id=int(message["id"]))
        return await self._send(url, payload, Sent(iid, token))

    async def _send(self, url: str, payload: dict[str, Any], sent: Sent) -> Sent:
        try:
            sent.status, sent.answer = await signing.post_interaction(
                url, payload, self.signing_key, self.http
            )
        except aiohttp.ClientError as exc:  # the replica died with the request
            sent.error = exc
            return sent
        if sent.status == 200 and isinstance(sent.answer, dict):
            # Discord processes the HTTP reply as the interaction's callback.
            callback = f"{self.discord.rest_url}/interactions/{sent.interaction_id}/{sent.token}/callback"
            async with self.http.post(callback, json=sent.answer) as response:
                await response.read()
        return sent


# -- the replica process ---------------------------------------------------------------------------------


def _load(spec: str) -> Callable[..., Any]:
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)


async def _serve(config: Mapping[str, Any]) -> None:
    from flowfsm.engine.stores.redis import RedisStore

    bot = hikari.RESTBot(
        config["token"],
        "Bot",
        config["public_key"],
        rest_url=config["rest_url"],
        banner=None,
        logs=None,
        suppress_optimization_warning=True,
    )
    store = RedisStore(config["redis"], **config["store"])
    manager = _load(config["app"])(bot, store)
    await bot.start(host=HOST, port=int(config["port"]), check_for_updates=False)
    print(_READY, flush=True)
    try:
        await bot.join()
    finally:
        await manager.close()
        await store.close()


def main(argv: list[str] | None = None) -> None:
    """Run one replica (the JSON configuration :class:`ReplicaSet` passes) until killed."""
    parser = argparse.ArgumentParser(prog="python -m flowfsm.testing.replicas")
    parser.add_argument("config", help="the replica's configuration, as JSON")
    config = json.loads(parser.parse_args(argv).config)
    for entry in reversed(config.get("path", [])):
        sys.path.insert(0, str(Path(entry)))
    asyncio.run(_serve(config))


if __name__ == "__main__":
    main()

"""A real ``redis-server`` for tests: loopback only, a free port, a temp dir, no persistence.

Tests of a remote store run against the real server (Debian package ``redis-server``; ``make
test`` installs it), not an imitation, so that scripts, leases and pipelines behave as in
production::

    with RedisServer() as server:
        client = redis.asyncio.Redis.from_url(server.url)

The server writes nothing to disk (``--save "" --appendonly no``) and stops with the ``with``
block (or :meth:`RedisServer.stop`).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

__all__ = ["RedisServer", "RedisServerError"]

HOST = "127.0.0.1"


class RedisServerError(RuntimeError):
    """``redis-server`` is missing, or did not answer PING in time."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _ping(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=0.2) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    """One ``redis-server`` process on 127.0.0.1, started by :meth:`start`."""

    def __init__(self, executable: str = "redis-server", startup_timeout: float = 10.0) -> None:
        self.executable = executable
        self.startup_timeout = startup_timeout
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self._dir: tempfile.TemporaryDirectory[str] | None = None

    @property
    def url(self) -> str:
        """``redis://127.0.0.1:PORT/0``."""
        return f"redis://{HOST}:{self.port}/0"

    def start(self) -> RedisServer:
        """Start the server and wait until it answers PING (a few tries if a port was taken)."""
        path = shutil.which(self.executable)
        if path is None:
            raise RedisServerError(
                f"{self.executable!r} is not installed (Debian: apt-get install redis-server; 'make test' does it)"
            )
        self._dir = tempfile.TemporaryDirectory(prefix="flowfsm-redis-")
        for _attempt in range(3):  # another process may take the free port before the server binds it
            self.port = _free_port()
            self.process = subprocess.Popen(
                [path, *self._arguments()],
                cwd=self._dir.name,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            if self._wait_ready():
                return self
            self._kill()
        self.stop()
        raise RedisServerError(f"redis-server did not answer PING within {self.startup_timeout}s")

    def _arguments(self) -> list[str]:
        assert self._dir is not None
        return [
            "--bind", HOST,
            "--port", str(self.port),
            "--dir", self._dir.name,
            "--save", "",
            "--appendonly", "no",
            "--protected-mode", "yes",
            "--loglevel", "warning",
            "--logfile", str(Path(self._dir.name) / "redis.log"),
        ]  # fmt: skip

    def _wait_ready(self) -> bool:
        assert self.process is not None
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            if _ping(self.port):
                return True
            time.sleep(0.02)  # waiting for a process to start listening; no test timing depends on it
        return False

    def _kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def stop(self) -> None:
        """Stop the server and remove its directory."""
        self._kill()
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

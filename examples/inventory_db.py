"""Data access for the inventory example: SQLite through aiosqlite, and a shared TTL cache.

Everything durable lives in SQLite (a file path, or ``":memory:"``); the schema is created on
first use and an empty catalog is seeded. The catalog (items with price and stock) is read by
every user's menu, so :class:`InventoryDB` keeps it in one ``cachetools.TTLCache`` shared by all
sessions. Every write that changes cached rows invalidates those entries explicitly, right after
its transaction commits; the TTL only bounds staleness caused by writers this process cannot see
(another process on the same database file).

Per-user rows (balance, owned items, last viewed category) are read from the database directly:
nothing else shares them, so a cache would only add a way to be wrong.

Writes that must be correct re-check the database inside a transaction, never the cache:
:meth:`InventoryDB.purchase` raises :class:`PurchaseRefused` with a user-facing message when the
item is sold out or the balance is short, and then writes nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Hashable, Iterable
from dataclasses import dataclass
from os import PathLike
from typing import Any

import aiosqlite
from cachetools import TTLCache

__all__ = [
    "DEFAULT_CATALOG",
    "STARTING_BALANCE",
    "InventoryDB",
    "Item",
    "Owned",
    "PurchaseRefused",
    "Receipt",
]

STARTING_BALANCE = 100
"""Coins a user gets the first time the shop sees them."""

DEFAULT_CATALOG: tuple[tuple[str, str, str, int, int], ...] = (
    # sku, name, category, price, stock
    ("potion", "Healing potion", "potions", 10, 20),
    ("elixir", "Elixir", "potions", 45, 3),
    ("sword", "Iron sword", "weapons", 60, 5),
    ("bow", "Longbow", "weapons", 55, 4),
    ("map", "Treasure map", "curios", 90, 1),
)
"""The catalog seeded into an empty database."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    sku      TEXT PRIMARY KEY,
    name     TEXT NOT NULL,
    category TEXT NOT NULL,
    price    INTEGER NOT NULL CHECK (price >= 0),
    stock    INTEGER NOT NULL CHECK (stock >= 0)
);
CREATE TABLE IF NOT EXISTS users (
    user_id       INTEGER PRIMARY KEY,
    balance       INTEGER NOT NULL CHECK (balance >= 0),
    last_category TEXT
);
CREATE TABLE IF NOT EXISTS owned (
    user_id  INTEGER NOT NULL REFERENCES users (user_id),
    sku      TEXT NOT NULL REFERENCES items (sku),
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (user_id, sku)
);
CREATE TABLE IF NOT EXISTS purchases (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL,
    sku     TEXT NOT NULL,
    price   INTEGER NOT NULL,
    at      REAL NOT NULL
);
"""


@dataclass(frozen=True, slots=True)
class Item:
    """A catalog row."""

    sku: str
    name: str
    category: str
    price: int
    stock: int


@dataclass(frozen=True, slots=True)
class Owned:
    """How many of one item a user owns."""

    sku: str
    name: str
    quantity: int


@dataclass(frozen=True, slots=True)
class Receipt:
    """The committed result of a purchase."""

    sku: str
    name: str
    category: str
    price: int
    balance: int
    """The buyer's balance after the purchase."""
    stock: int
    """Stock left after the purchase."""


class PurchaseRefused(Exception):
    """The database refused a purchase; ``str(exc)`` is a message for the user.

    ``category`` is the item's category when the item exists.
    """

    def __init__(self, message: str, *, category: str | None = None) -> None:
        super().__init__(message)
        self.category = category


class InventoryDB:
    """The shop's data: a SQLite database and a TTL cache of the catalog shared by all sessions.

    Args:
        path: a database file, or ``":memory:"`` (one connection is kept, so an in-memory
            database lives as long as this object).
        catalog: ``(sku, name, category, price, stock)`` rows seeded into an empty database.
        starting_balance: coins of a user seen for the first time.
        cache_ttl: seconds a cached catalog entry may be served (0: no cache, every read goes to
            the database, for several processes writing it).
        cache_size: at most this many cached entries.
        timer: the cache's clock (inject one in tests to move time without sleeping).

    The connection and schema are created on first use; call :meth:`close` when done (or use
    ``async with``).
    """

    def __init__(
        self,
        path: str | PathLike[str] = ":memory:",
        *,
        catalog: Iterable[tuple[str, str, str, int, int]] = DEFAULT_CATALOG,
        starting_balance: int = STARTING_BALANCE,
        cache_ttl: float = 30.0,
        cache_size: int = 256,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = str(path)
        self.catalog = tuple(catalog)
        self.starting_balance = starting_balance
        self.cache: TTLCache[Hashable, Any] = TTLCache(maxsize=cache_size, ttl=cache_ttl, timer=timer)
        self._conn: aiosqlite.Connection | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._open_lock = asyncio.Lock()
        # One connection is shared by every coroutine of the process: transactions take turns.
        self._write_lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"InventoryDB({self.path!r})"

    # -- connection ------------------------------------------------------------------------------------

    async def connection(self) -> aiosqlite.Connection:
        """The open connection; the first call opens it, creates the schema and seeds the catalog.

        A bot has one event loop. Tools and tests may run the flow in a fresh loop each time:
        the connection and locks of a finished loop are then replaced (an in-memory database
        starts afresh; a file keeps its data).
        """
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            stale, self._conn, self._loop = self._conn, None, loop
            self._open_lock, self._write_lock = asyncio.Lock(), asyncio.Lock()
            self.cache.clear()
            if stale is not None:
                with contextlib.suppress(Exception):
                    await stale.close()
        if self._conn is not None:
            return self._conn
        async with self._open_lock:
            if self._conn is None:
                # Autocommit mode: transactions are explicit (BEGIN IMMEDIATE ... COMMIT).
                conn = await aiosqlite.connect(self.path, timeout=10.0, isolation_level=None)
                conn.row_factory = aiosqlite.Row
                await conn.execute("PRAGMA foreign_keys = ON")
                if self.path != ":memory:":
                    await conn.execute("PRAGMA journal_mode = WAL")
                await conn.executescript(_SCHEMA)
                async with conn.execute("SELECT COUNT(*) FROM items") as cursor:
                    row = await cursor.fetchone()
                if row is not None and row[0] == 0 and self.catalog:
                    await conn.executemany(
                        "INSERT OR IGNORE INTO items (sku, name, category, price, stock) "
                        "VALUES (?, ?, ?, ?, ?)",
                        self.catalog,
                    )
                self._conn = conn
        assert self._conn is not None
        return self._conn

    async def close(self) -> None:
        """Close the connection and drop the cache."""
        self.cache.clear()
        if self._conn is not None:
            conn, self._conn = self._conn, None
            await conn.close()

    async def __aenter__(self) -> InventoryDB:
        await self.connection()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[aiosqlite.Row]:
        conn = await self.connection()
        async with conn.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    # -- catalog: shared by all sessions, served from the cache ---------------------------------------

    async def categories(self) -> list[str]:
        """Category names, sorted (cached)."""
        key = ("categories",)
        found = self.cache.get(key)
        if found is None:
            rows = await self._rows("SELECT DISTINCT category FROM items ORDER BY category")
            found = self.cache[key] = [str(row["category"]) for row in rows]
        return list(found)

    async def items(self, category: str) -> list[Item]:
        """The items of one category, by price (cached until a write touches the category)."""
        key = ("items", category)
        found = self.cache.get(key)
        if found is None:
            rows = await self._rows(
                "SELECT sku, name, category, price, stock FROM items WHERE category = ? ORDER BY price, sku",
                (category,),
            )
            found = self.cache[key] = [Item(*row) for row in rows]
        return list(found)

    def invalidate(self, category: str) -> None:
        """Forget the cached rows of ``category`` (call after any write to its items)."""
        self.cache.pop(("items", category), None)
        self.cache.pop(("categories",), None)

    # -- per-user rows: read from the database -----------------------------------------------------------

    async def _ensure_user(self, conn: aiosqlite.Connection, user_id: int) -> None:
        await conn.execute(
            "INSERT OR IGNORE INTO users (user_id, balance) VALUES (?, ?)", (user_id, self.starting_balance)
        )

    async def balance(self, user_id: int) -> int:
        """The user's coins (a new user starts with ``starting_balance``)."""
        rows = await self._rows("SELECT balance FROM users WHERE user_id = ?", (user_id,))
        return int(rows[0]["balance"]) if rows else self.starting_balance

    async def owned(self, user_id: int) -> list[Owned]:
        """What the user owns, by name."""
        rows = await self._rows(
            "SELECT o.sku, i.name, o.quantity FROM owned o JOIN items i ON i.sku = o.sku "
            "WHERE o.user_id = ? ORDER BY i.name",
            (user_id,),
        )
        return [Owned(str(r["sku"]), str(r["name"]), int(r["quantity"])) for r in rows]

    async def last_category(self, user_id: int) -> str | None:
        """The category the user last looked at, if it still exists."""
        rows = await self._rows(
            "SELECT u.last_category FROM users u "
            "WHERE u.user_id = ? AND EXISTS (SELECT 1 FROM items i WHERE i.category = u.last_category)",
            (user_id,),
        )
        return str(rows[0]["last_category"]) if rows else None

    async def set_last_category(self, user_id: int, category: str) -> None:
        """Remember where the user is, so a lost menu can re-open there."""
        conn = await self.connection()
        async with self._write_lock, _immediate(conn):
            await self._ensure_user(conn, user_id)
            await conn.execute("UPDATE users SET last_category = ? WHERE user_id = ?", (category, user_id))

    # -- the write that matters ----------------------------------------------------------------------------

    async def purchase(self, user_id: int, sku: str) -> Receipt:
        """Buy one ``sku`` for ``user_id`` in one transaction, then invalidate the cached catalog.

        Stock and balance are re-checked in the database inside the transaction (whatever the
        cache said when the menu was drawn). Raises :class:`PurchaseRefused` with a message for
        the user, having written nothing, when the item is unknown, sold out, or too expensive;
        a refusal also drops the cached rows of the item's category, which may be stale.
        """
        conn = await self.connection()
        async with self._write_lock:
            try:
                # IMMEDIATE takes the write lock now: another writer (even another process) cannot
                # sell the same last item between our check and our update.
                async with _immediate(conn):
                    receipt = await self._purchase_locked(conn, user_id, sku)
            except PurchaseRefused as refused:
                if refused.category is not None:
                    # The database disagreed with what the menu showed: the cached rows may be
                    # stale (another process wrote), so the next render reads them afresh.
                    self.invalidate(refused.category)
                raise
        self.invalidate(receipt.category)
        return receipt

    async def _purchase_locked(self, conn: aiosqlite.Connection, user_id: int, sku: str) -> Receipt:
        async with conn.execute(
            "SELECT name, category, price, stock FROM items WHERE sku = ?", (sku,)
        ) as cur:
            item = await cur.fetchone()
        if item is None:
            raise PurchaseRefused("That item is no longer sold here.")
        name, category, price, stock = str(item[0]), str(item[1]), int(item[2]), int(item[3])
        if stock <= 0:
            raise PurchaseRefused(f"Sorry, {name} just sold out. Nothing was charged.", category=category)
        await self._ensure_user(conn, user_id)
        async with conn.execute("SELECT balance FROM users WHERE user_id = ?", (user_id,)) as cur:
            row = await cur.fetchone()
        balance = int(row[0]) if row is not None else 0
        if balance < price:
            raise PurchaseRefused(
                f"{name} costs {price} coins and you have {balance}. Nothing was charged.", category=category
            )
        await conn.execute("UPDATE items SET stock = stock - 1 WHERE sku = ?", (sku,))
        await conn.execute("UPDATE users SET balance = balance - ? WHERE user_id = ?", (price, user_id))
        await conn.execute(
            "INSERT INTO owned (user_id, sku, quantity) VALUES (?, ?, 1) "
            "ON CONFLICT (user_id, sku) DO UPDATE SET quantity = quantity + 1",
            (user_id, sku),
        )
        await conn.execute(
            "INSERT INTO purchases (user_id, sku, price, at) VALUES (?, ?, ?, ?)",
            (user_id, sku, price, time.time()),
        )
        return Receipt(sku, name, category, price, balance - price, stock - 1)

    async def restock(self, sku: str, amount: int) -> int:
        """Add ``amount`` to the stock of ``sku`` (a delivery) and drop its cached category; returns
        the new stock. Raises ``KeyError`` for an unknown item."""
        conn = await self.connection()
        async with self._write_lock, _immediate(conn):
            async with conn.execute("SELECT category FROM items WHERE sku = ?", (sku,)) as cur:
                row = await cur.fetchone()
            if row is None:
                raise KeyError(sku)
            await conn.execute("UPDATE items SET stock = stock + ? WHERE sku = ?", (amount, sku))
            async with conn.execute("SELECT stock FROM items WHERE sku = ?", (sku,)) as cur:
                stock = await cur.fetchone()
        self.invalidate(str(row[0]))
        return int(stock[0]) if stock is not None else 0

    async def purchase_count(self, user_id: int | None = None) -> int:
        """How many purchases were recorded (of ``user_id``, or of everyone)."""
        if user_id is None:
            rows = await self._rows("SELECT COUNT(*) AS n FROM purchases")
        else:
            rows = await self._rows("SELECT COUNT(*) AS n FROM purchases WHERE user_id = ?", (user_id,))
        return int(rows[0]["n"])

    async def stock(self, sku: str) -> int | None:
        """The stock of ``sku`` as the database holds it now (uncached)."""
        rows = await self._rows("SELECT stock FROM items WHERE sku = ?", (sku,))
        return int(rows[0]["stock"]) if rows else None


@contextlib.asynccontextmanager
async def _immediate(conn: aiosqlite.Connection) -> AsyncIterator[None]:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``, rolled back on any exception, a cancellation included.

    aiosqlite runs statements in its own thread in order, whether or not the awaiting task is
    still there: a step cancelled while it waited for ``BEGIN`` would otherwise leave the
    transaction open on the shared connection (its writes uncommitted, seen by its own later
    reads, the database locked for every other process). The ``ROLLBACK`` is queued after
    whatever was sent, so it runs even then.
    """
    try:
        await conn.execute("BEGIN IMMEDIATE")
        yield
        await conn.execute("COMMIT")
    except BaseException:
        rollback = asyncio.ensure_future(conn.execute("ROLLBACK"))
        # Read its outcome even if this task is cancelled again: when BEGIN itself failed there is
        # nothing to undo ("no transaction is active").
        rollback.add_done_callback(lambda done: done.cancelled() or done.exception())
        with contextlib.suppress(sqlite3.OperationalError):
            await asyncio.shield(rollback)
        raise

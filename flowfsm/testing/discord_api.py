"""A loopback Discord REST server (API v10) for tests and the local playground.

:class:`FakeDiscord` speaks the endpoints flowfsm calls, answers like Discord so hikari's REST client
deserializes the answers, keeps the messages, and records every request. No pytest dependency.

Recipe (hikari 2.7.0). A ``GatewayBot`` whose gateway is never started::

    bot = hikari.GatewayBot(server.bot_token, rest_url=server.rest_url, banner=None, logs=None,
                            suppress_optimization_warning=True)
    bot.rest.start()        # synchronous, inside a running loop (GatewayBot.start() would do it);
                            # typed code: typing.cast(hikari.impl.RESTClientImpl, bot.rest).start()
    await bot.rest.close()  # when done: closes hikari's aiohttp session

Its token must be parseable (first segment = base64 of the bot id; ``"x"`` raises ValueError):
use :attr:`FakeDiscord.bot_token`. A ``RESTBot`` (``bot.start`` and ``bot.close`` manage ``bot.rest``)::

    bot = hikari.RESTBot(server.bot_token, "Bot", public_key_hex, rest_url=server.rest_url, ...)
    await bot.start(check_for_updates=False, socket=sock)  # the default True contacts PyPI
    await bot.close()

A socket bound to ``("127.0.0.1", 0)`` gives a race-free port. Without ``public_key`` the RESTBot
fetches ``GET /oauth2/applications/@me`` and uses its ``verify_key`` (``FakeDiscord(public_key=...)``).

Like Discord: callbacks of unregistered interactions get 404 10062; components get numeric ``id``s;
ephemeral messages are reachable only through the interaction webhook; the first followup after a
deferred (type 5) response fills in the "thinking" message; limit breaches of messages and of
modals (see :func:`flowfsm.testing.payloads.message_problems` and
:func:`~flowfsm.testing.payloads.modal_problems`) get 400 Invalid Form Body (50035). A 429 from
:meth:`FakeDiscord.fail_next` has no ``X-RateLimit-Bucket`` header (hikari would otherwise mark an
unlimited route as limited, process-wide); hikari sleeps ``retry_after`` and retries. hikari also
retries 500/502/503/504, after a back-off of a second or more.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import http
import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from flowfsm.testing import payloads
from flowfsm.testing.payloads import EPHEMERAL, IS_COMPONENTS_V2, LOADING

__all__ = ["API_ROOT", "ApiError", "FakeDiscord", "RecordedRequest"]

API_ROOT = "/api/v10"
"""Path under which the API is served (part of :attr:`FakeDiscord.rest_url`)."""
_SUPPRESS_EMBEDS = 1 << 2
_CREATE_FLAGS = EPHEMERAL | LOADING | _SUPPRESS_EMBEDS | IS_COMPONENTS_V2
_DEFAULT_ERRORS = {400: ("Invalid Form Body", 50035), 403: ("Missing Access", 50001)}
_DEFAULT_ERRORS |= {404: ("Unknown Message", 10008), 429: ("You are being rate limited.", 0)}
Uploads = dict[int, tuple[str, int]]  # files[N] -> (filename, size)


@dataclass
class RecordedRequest:
    """One request the server received, and the status it answered."""

    method: str
    path: str
    """Path relative to the API root, e.g. ``/interactions/123/tok/callback``."""
    query: dict[str, str]
    json: Any
    """The JSON body, None without one (for multipart requests, the parsed ``payload_json`` part)."""
    headers: dict[str, str]
    status: int = 0


@dataclass
class _Interaction:
    id: int
    token: str
    channel_id: int
    message_id: int | None
    type: int
    acknowledged: bool = False
    original_id: int | None = None


@dataclass
class _Fault:
    method: str
    pattern: re.Pattern[str]
    status: int
    body: dict[str, Any]
    headers: dict[str, str]
    times: int


@dataclass
class _Call:
    method: str
    match: re.Match[str]
    query: dict[str, str]
    data: dict[str, Any]
    uploads: Uploads = field(default_factory=dict)
    body: Any = None
    """The JSON body as sent (``data`` is it only when it is an object)."""


class ApiError(Exception):
    """Raised inside a handler to answer ``status`` with a Discord error body."""

    def __init__(self, status: int, message: str, code: int, *, body: dict[str, Any] | None = None) -> None:
        """Answer ``status`` with ``body``, by default ``{"message": message, "code": code}``."""
        super().__init__(message)
        self.status = status
        self.body: dict[str, Any] = body or {"message": message, "code": code}


def _unknown_message() -> ApiError:
    return ApiError(404, "Unknown Message", 10008)


def _form_error(problems: list[tuple[str, str, str]]) -> ApiError:
    return ApiError(400, "Invalid Form Body", 50035, body=payloads.invalid_form_body(problems))


Handler = Callable[[_Call], Awaitable[tuple[int, Any]]]


def _bucket_headers(
    path: str, windows: dict[tuple[str, str], list[float]], length: float = 1.0
) -> dict[str, str]:
    """Rate-limit headers like Discord's: they name the route's bucket, so hikari keeps one bucket
    per webhook token / channel instead of queueing every call to a route behind one another.

    Like Discord, each bucket has fixed windows (``length`` seconds) of 50 requests: ``Remaining`` counts
    down and ``Reset`` stays put within a window. (A reset time that moved with every answer made
    hikari take the bucket for a sliding one, letting one request through per second once it had
    counted 50: a long soak's wind-down crawled.) ``windows`` holds each bucket's
    ``[window end, remaining]``; requests over the budget are not refused."""
    route = re.sub(r"/\d+|/[A-Za-z0-9_-]{20,}", "/x", path)
    bucket = hashlib.sha1(route.encode()).hexdigest()[:16]
    major = re.search(r"/(?:channels|webhooks/\d+|guilds)/([^/]+)", path)
    now = time.time()
    window = windows.setdefault((bucket, major.group(1) if major else ""), [0.0, 0.0])
    if now >= window[0]:
        window[:] = [now + length, 50.0]
    window[1] = max(window[1] - 1, 0.0)
    return {
        "X-RateLimit-Bucket": bucket,
        "X-RateLimit-Limit": "50",
        "X-RateLimit-Remaining": str(int(window[1])),
        "X-RateLimit-Reset-After": f"{window[0] - now:.3f}",
        "X-RateLimit-Reset": f"{window[0]:.3f}",
    }


class FakeDiscord:
    """A loopback Discord REST API: messages, interaction callbacks, webhooks, fault injection."""

    def __init__(
        self,
        *,
        application_id: int = 4242,
        bot_user_id: int = 4242,
        bot_username: str = "flowbot",
        public_key: str = "00" * 32,
        rate_limit_window: float = 1.0,
    ) -> None:
        """Create a server (idle until :meth:`start`); ``public_key`` (hex) is the app's verify key;
        ``rate_limit_window`` is the length of the windows its rate-limit headers announce."""
        self.application_id = application_id
        self.bot_user_id = bot_user_id
        self.public_key = public_key
        self.bot_user: dict[str, Any] = payloads.user(bot_user_id, bot_username, bot=True)
        self.rest_url: str = ""
        """The URL to give hikari as ``rest_url`` (set by :meth:`start`)."""
        self.requests: list[RecordedRequest] = []
        """Every request received, in order."""
        self.messages: dict[int, dict[str, Any]] = {}
        """Live messages (full Discord message objects) by id."""
        self.deleted: set[int] = set()
        """Ids of deleted messages."""
        self._archive: dict[int, dict[str, Any]] = {}  # every message ever stored, latest state
        self._touched: list[int] = []  # message ids, once per create and per edit
        self._ephemeral: list[int] = []
        self._interactions: dict[int, _Interaction] = {}
        self._by_token: dict[str, _Interaction] = {}
        self._faults: list[_Fault] = []
        self._windows: dict[tuple[str, str], list[float]] = {}
        self._window_length = rate_limit_window
        self._ids = payloads.Ids(1_300_000_000_000_000_000)
        self.commands: list[dict[str, Any]] = []
        """The application commands the bot last registered (``PUT .../commands``)."""
        self._runner: web.AppRunner | None = None
        hook, one = r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)", r"/messages/(?P<mid>@original|\d+)"
        get_patch_delete = ("GET", "PATCH", "DELETE")
        self._routes: list[tuple[tuple[str, ...], re.Pattern[str], Handler]] = [
            (("POST",), re.compile(r"/interactions/(?P<iid>\d+)/(?P<token>[^/]+)/callback"), self._callback),
            (("POST",), re.compile(hook), self._followup),
            (get_patch_delete, re.compile(hook + one), self._webhook_message),
            (("POST",), re.compile(r"/channels/(?P<cid>\d+)/messages"), self._channel_create),
            (get_patch_delete, re.compile(r"/channels/(?P<cid>\d+)" + one), self._channel_message),
            (("GET",), re.compile(r"/users/@me|(/oauth2)?/applications/@me"), self._identity),
            (
                ("PUT",),
                re.compile(r"/applications/(?P<app>\d+)(?:/guilds/(?P<gid>\d+))?/commands"),
                self._set_commands,
            ),
        ]

    # ------------------------------------------------------------------ lifecycle

    @property
    def bot_token(self) -> str:
        """A bot token hikari's ``GatewayBot`` accepts (its first segment encodes ``bot_user_id``)."""
        return base64.b64encode(str(self.bot_user_id).encode()).decode() + ".fake.token"

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Start listening (port 0 picks a free port); set and return :attr:`rest_url`."""
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        bound_host, bound_port = self._runner.addresses[0][:2]
        self.rest_url = f"http://{bound_host}:{bound_port}{API_ROOT}"
        return self.rest_url

    async def close(self) -> None:
        """Stop listening and release the port."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        """Start the server (``async with FakeDiscord() as server``)."""
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        """Close the server."""
        await self.close()

    # ------------------------------------------------------------------ harness API

    def register_interaction(
        self,
        interaction_id: int,
        token: str,
        *,
        channel_id: int,
        message_id: int | None = None,
        interaction_type: int | None = None,
    ) -> None:
        """Tell the server about an interaction the harness built.

        ``message_id`` is the message a component/modal interaction comes from. ``interaction_type``
        defaults to 2 (command) without a message and 3 (component) with one.
        """
        kind = interaction_type or (2 if message_id is None else 3)
        self._interactions[interaction_id] = self._by_token[token] = _Interaction(
            interaction_id, token, channel_id, message_id, kind
        )

    def responses_for(self, interaction_id: int) -> list[RecordedRequest]:
        """Callback requests sent for ``interaction_id``, in order (whatever their status)."""
        pattern = re.compile(rf"/interactions/{interaction_id}/[^/]+/callback")
        return [r for r in self.requests if r.method == "POST" and pattern.fullmatch(r.path)]

    def last_message(self, channel_id: int | None = None) -> dict[str, Any] | None:
        """The most recently created or edited live message (optionally in ``channel_id``)."""
        for message_id in reversed(self._touched):
            msg = self.messages.get(message_id)
            if msg is not None and (channel_id is None or int(msg["channel_id"]) == channel_id):
                return msg
        return None

    def message_for_token(self, token: str) -> dict[str, Any] | None:
        """The live ``@original`` message of an interaction token, if any."""
        record = self._by_token.get(token)
        return None if record is None or record.original_id is None else self.messages.get(record.original_id)

    def ephemeral_replies(self) -> list[dict[str, Any]]:
        """Every ephemeral response or followup message (latest state), in creation order."""
        return [self._archive[message_id] for message_id in self._ephemeral]

    def fail_next(
        self,
        method: str,
        path_regex: str,
        status: int,
        *,
        body: dict[str, Any] | None = None,
        retry_after: float | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` requests matching ``method`` and ``path_regex`` with ``status``.

        ``path_regex`` is searched (``re.search``) in the API-relative path; ``method`` may be ``"*"``.
        The body defaults to Discord's for that status (404: Unknown Message 10008) and ``body`` is
        merged over it, so ``body={"code": 10062, "message": "Unknown interaction"}`` works. A 429
        carries ``{"message", "retry_after", "global": false}`` (``retry_after`` default 0.01 s).
        """
        message, code = _DEFAULT_ERRORS.get(status, (f"{status}: {http.HTTPStatus(status).phrase}", 0))
        payload: dict[str, Any] = {"message": message, "code": code}
        headers: dict[str, str] = {}
        if status == 429:
            delay = 0.01 if retry_after is None else retry_after
            payload = {"message": message, "retry_after": delay, "global": False}
            headers = {"Retry-After": str(delay), "X-RateLimit-Scope": "shared"}
        payload.update(body or {})
        self._faults.append(_Fault(method.upper(), re.compile(path_regex), status, payload, headers, times))

    def clear(self) -> None:
        """Forget the recorded requests (messages and interactions are kept)."""
        self.requests.clear()

    # ------------------------------------------------------------------ plumbing

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path.removeprefix(API_ROOT)
        body, uploads = await self._read_body(request)
        record = RecordedRequest(request.method, path, dict(request.query), body, dict(request.headers))
        self.requests.append(record)
        status, answer, headers = 404, {"message": "404: Not Found", "code": 0}, {}
        matching = (f for f in self._faults if f.method in ("*", request.method) and f.pattern.search(path))
        if fault := next(matching, None):
            fault.times -= 1
            if fault.times <= 0:
                self._faults.remove(fault)
            status, answer, headers = fault.status, copy.deepcopy(fault.body), fault.headers
        else:
            for methods, pattern, handler in self._routes:
                if not (match := pattern.fullmatch(path)):
                    continue
                if request.method not in methods:
                    status, answer = 405, {"message": "405: Method Not Allowed", "code": 0}
                    continue
                data = body if isinstance(body, dict) else {}
                call = _Call(request.method, match, dict(request.query), data, uploads, body)
                try:
                    status, answer = await handler(call)
                except ApiError as exc:
                    status, answer = exc.status, exc.body
                break
        record.status = status
        if not headers and not path.endswith("/callback"):
            headers = _bucket_headers(path, self._windows, self._window_length)
        if answer is None:
            return web.Response(status=status, headers=headers)
        return web.json_response(answer, status=status, headers=headers)

    @staticmethod
    async def _read_body(request: web.Request) -> tuple[Any | None, Uploads]:
        if not request.can_read_body:
            return None, {}
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            files = {k: v for k, v in form.items() if isinstance(v, web.FileField) and k.startswith("files[")}
            uploads = {int(k[6:-1]): (v.filename, len(v.file.read())) for k, v in files.items()}
            raw = form.get("payload_json")
            raw = raw.file.read() if isinstance(raw, web.FileField) else raw
            return (json.loads(raw) if raw else None), uploads
        raw_bytes = await request.read()
        try:
            return json.loads(raw_bytes), {}
        except ValueError:
            return raw_bytes.decode(errors="replace"), {}

    # ------------------------------------------------------------------ messages

    def _write(self, msg: dict[str, Any], data: dict[str, Any], uploads: Uploads) -> None:
        """Apply the message fields present in ``data`` to ``msg`` (Discord's PATCH semantics)."""
        if "content" in data:
            msg["content"] = data["content"] or ""
        if "embeds" in data:
            msg["embeds"] = [{"type": "rich", **e} for e in data["embeds"] or ()]
        if "components" in data:
            msg["components"] = payloads.assign_component_ids(copy.deepcopy(data["components"] or []))
        if "tts" in data:
            msg["tts"] = bool(data["tts"])
        if data.get("flags") is not None:  # only these flags are editable; v2 cannot be removed
            kept = msg["flags"] & (EPHEMERAL | IS_COMPONENTS_V2)
            msg["flags"] = kept | (int(data["flags"]) & (_SUPPRESS_EMBEDS | IS_COMPONENTS_V2))
        if "attachments" in data:  # existing ids are kept, new entries refer to uploaded files[N]
            old = {a["id"]: a for a in msg["attachments"]}
            items = data["attachments"] or ()
            msg["attachments"] = [
                old.get(str(a.get("id"))) or self._attachment(msg, a, uploads) for a in items
            ]

    def _attachment(self, msg: dict[str, Any], item: dict[str, Any], uploads: Uploads) -> dict[str, Any]:
        filename, size = uploads.get(int(item.get("id", -1)), (item.get("filename", "file"), 0))
        aid = self._ids.next()
        url = f"https://cdn.discordapp.com/attachments/{msg['channel_id']}/{aid}/{filename}"
        return {"id": str(aid), "filename": filename, "size": size, "url": url, "proxy_url": url}

    def _store(self, msg: dict[str, Any]) -> dict[str, Any]:
        if problems := payloads.message_problems(msg):
            raise _form_error(problems)
        message_id = int(msg["id"])
        self.messages[message_id] = self._archive[message_id] = msg
        self._touched.append(message_id)
        return msg

    def _create(
        self, channel_id: int, data: dict[str, Any], uploads: Uploads, *, via: _Interaction | None = None
    ) -> dict[str, Any]:
        """Create a message from ``data``; ``via`` is the interaction whose webhook creates it."""
        msg = payloads.message(
            message_id=self._ids.next(),
            channel_id=channel_id,
            author=copy.deepcopy(self.bot_user),
            application_id=self.application_id if via else None,
            message_type=20 if via and via.type == 2 else 0,
        )
        msg["flags"] = int(data.get("flags") or 0) & _CREATE_FLAGS
        self._write(msg, {k: v for k, v in data.items() if k != "flags"}, uploads)
        if reference := data.get("message_reference"):
            msg["message_reference"] = {"type": 0, "channel_id": str(channel_id), **reference}
            msg["type"] = 19
        has_body = any(msg[key] for key in ("content", "embeds", "components", "attachments"))
        if not (has_body or msg["flags"] & LOADING):
            raise ApiError(400, "Cannot send an empty message", 50006)
        self._store(msg)
        if msg["flags"] & EPHEMERAL:
            self._ephemeral.append(int(msg["id"]))
        return msg

    def _edit(self, message_id: int, data: dict[str, Any], uploads: Uploads) -> dict[str, Any]:
        msg = copy.deepcopy(self.messages[message_id])
        self._write(msg, data, uploads)
        msg["flags"] &= ~LOADING
        msg["edited_timestamp"] = payloads.iso_now()
        return self._store(msg)

    def _message_op(self, call: _Call, message_id: int) -> tuple[int, Any]:
        """GET, PATCH or DELETE an existing message."""
        if call.method == "DELETE":
            self.messages.pop(message_id)
            self.deleted.add(message_id)
            return 204, None
        if call.method == "PATCH":
            return 200, self._edit(message_id, call.data, call.uploads)
        return 200, self.messages[message_id]

    # ------------------------------------------------------------------ interactions and webhooks

    async def _callback(self, call: _Call) -> tuple[int, Any]:
        record = self._interactions.get(int(call.match["iid"]))
        if record is None or record.token != call.match["token"]:
            raise ApiError(404, "Unknown interaction", 10062)
        if record.acknowledged:
            raise ApiError(400, "Interaction has already been acknowledged.", 40060)
        kind, data = call.data.get("type"), call.data.get("data") or {}
        msg: dict[str, Any] | None = None
        if kind == 4:
            msg = self._create(record.channel_id, data, call.uploads, via=record)
        elif kind == 5:
            flags = (int(data.get("flags") or 0) & EPHEMERAL) | LOADING
            msg = self._create(record.channel_id, {"flags": flags}, {}, via=record)
        elif kind in (6, 7):
            if record.message_id is None:
                raise _form_error([("type", "INTERACTION_CALLBACK_TYPE_INVALID", "Only for components")])
            if record.message_id not in self.messages:
                raise _unknown_message()
            msg = self.messages[record.message_id]
            msg = self._edit(record.message_id, data, call.uploads) if kind == 7 else msg
        elif kind == 9:
            if problems := payloads.modal_problems(data):
                raise _form_error([(f"data.{path}", code, text) for path, code, text in problems])
        elif kind != 8:
            raise _form_error([("type", "BASE_TYPE_CHOICES", "Value must be one of (4, 5, 6, 7, 8, 9).")])
        record.acknowledged = True
        record.original_id = int(msg["id"]) if msg is not None else None
        if str(call.query.get("with_response", "")).lower() != "true":
            return 204, None
        callback: dict[str, Any] = {"id": str(record.id), "type": record.type}
        resource: dict[str, Any] = {"type": kind}
        if msg is not None:
            callback["response_message_id"] = msg["id"]
            callback["response_message_loading"] = bool(msg["flags"] & LOADING)
            callback["response_message_ephemeral"] = bool(msg["flags"] & EPHEMERAL)
            if kind in (4, 7):
                resource["message"] = msg
        return 200, {"interaction": callback, "resource": resource}

    def _webhook(self, call: _Call) -> _Interaction:
        record = self._by_token.get(call.match["token"])
        if record is None or int(call.match["app"]) != self.application_id:
            raise ApiError(404, "Unknown Webhook", 10015)
        return record

    async def _followup(self, call: _Call) -> tuple[int, Any]:
        record = self._webhook(call)
        if not record.acknowledged:
            raise ApiError(404, "Unknown Webhook", 10015)
        original = self.messages.get(record.original_id or 0)
        if original is not None and original["flags"] & LOADING:
            msg = self._edit(int(original["id"]), call.data, call.uploads)
        else:
            msg = self._create(record.channel_id, call.data, call.uploads, via=record)
        return (200, msg) if str(call.query.get("wait", "")).lower() == "true" else (204, None)

    async def _webhook_message(self, call: _Call) -> tuple[int, Any]:
        record = self._webhook(call)
        if not record.acknowledged:  # the interaction's response has not arrived yet
            raise ApiError(404, "Unknown Webhook", 10015)
        mid = record.original_id if call.match["mid"] == "@original" else int(call.match["mid"])
        msg = self.messages.get(mid or 0)
        if msg is None or int(msg["channel_id"]) != record.channel_id:
            raise _unknown_message()
        return self._message_op(call, int(msg["id"]))

    # ------------------------------------------------------------------ channels, users, application

    async def _channel_create(self, call: _Call) -> tuple[int, Any]:
        return 200, self._create(int(call.match["cid"]), call.data, call.uploads)

    async def _channel_message(self, call: _Call) -> tuple[int, Any]:
        msg = self.messages.get(int(call.match["mid"]) if call.match["mid"] != "@original" else 0)
        if msg is None or int(msg["channel_id"]) != int(call.match["cid"]) or msg["flags"] & EPHEMERAL:
            raise _unknown_message()
        if call.method == "PATCH" and int(msg["author"]["id"]) != self.bot_user_id:
            raise ApiError(403, "Cannot edit a message authored by another user", 50005)
        return self._message_op(call, int(msg["id"]))

    async def _set_commands(self, call: _Call) -> tuple[int, Any]:
        """``PUT /applications/{id}[/guilds/{id}]/commands``: the bot's slash commands, as registered."""
        if not isinstance(call.body, list):
            raise ApiError(400, "Invalid Form Body", 50035)
        guild = call.match["gid"]
        self.commands = [
            {
                "id": str(self._ids.next()),
                "application_id": call.match["app"],
                "type": 1,
                "version": "1",
                "options": [],
                "default_member_permissions": None,
                "nsfw": False,
                **({"guild_id": guild} if guild else {}),
                **command,
            }
            for command in call.body
        ]
        return 200, copy.deepcopy(self.commands)

    async def _identity(self, call: _Call) -> tuple[int, Any]:
        if call.match[0] == "/users/@me":
            return 200, payloads.own_user(self.bot_user_id, self.bot_user["username"])
        name = self.bot_user["username"]
        return 200, payloads.application(self.application_id, name=name, verify_key=self.public_key)

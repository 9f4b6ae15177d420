"""Sign interaction requests exactly like Discord does, to drive a ``hikari.RESTBot``.

Discord signs ``timestamp + body`` with the application's Ed25519 key and sends the signature
(hex) in ``X-Signature-Ed25519`` and the timestamp in ``X-Signature-Timestamp``. A test generates
its own key pair, gives the public half to the bot (``RESTBot(..., public_key=public_key_hex)``)
and signs with the private half::

    signing_key, public_key_hex = generate_keypair()
    status, answer = await post_interaction(url, payload, signing_key)
"""

from __future__ import annotations

import json
import time
from typing import Any

import aiohttp
import nacl.signing

__all__ = ["SIGNATURE_HEADER", "TIMESTAMP_HEADER", "generate_keypair", "post_interaction", "sign"]

SIGNATURE_HEADER = "X-Signature-Ed25519"
"""Header carrying the hex Ed25519 signature of ``timestamp + body``."""
TIMESTAMP_HEADER = "X-Signature-Timestamp"
"""Header carrying the timestamp that was signed together with the body."""
_USER_AGENT = "Discord-Interactions/1.0 (+https://discord.com)"


def generate_keypair() -> tuple[nacl.signing.SigningKey, str]:
    """Return a fresh ``(signing_key, public_key_hex)`` pair."""
    signing_key = nacl.signing.SigningKey.generate()
    return signing_key, signing_key.verify_key.encode().hex()


def sign(signing_key: nacl.signing.SigningKey, body: bytes, timestamp: str | None = None) -> dict[str, str]:
    """Return the signature headers for ``body`` (``timestamp`` defaults to now, in Unix seconds)."""
    stamp = timestamp if timestamp is not None else str(int(time.time()))
    signature = signing_key.sign(stamp.encode() + body).signature
    return {SIGNATURE_HEADER: signature.hex(), TIMESTAMP_HEADER: stamp}


async def post_interaction(
    url: str,
    payload: dict[str, Any],
    signing_key: nacl.signing.SigningKey,
    session: aiohttp.ClientSession | None = None,
    *,
    timestamp: str | None = None,
) -> tuple[int, Any]:
    """POST ``payload`` signed with ``signing_key`` to an interaction server at ``url``.

    Returns ``(status, answer)``: the decoded JSON when the answer is JSON, else the raw bytes
    (e.g. a multipart answer carrying files, or hikari's plain-text error for a bad signature).
    A temporary client session is used (and closed) when ``session`` is None. ``timestamp`` signs
    another time than now (a replayed request).
    """
    body = json.dumps(payload).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": _USER_AGENT,
        **sign(signing_key, body, timestamp),
    }
    own_session = session is None
    client = aiohttp.ClientSession() if session is None else session
    try:
        async with client.post(url, data=body, headers=headers) as response:
            raw = await response.read()
            if response.content_type == "application/json":
                return response.status, json.loads(raw)
            return response.status, raw
    finally:
        if own_session:
            await client.close()

"""Test tools for flows: a loopback Discord, Discord-shaped payloads, and the :class:`Harness`.

Installed as a pytest plugin (``flowfsm_harness`` and ``flowfsm_rest_harness`` fixtures).
"""

from flowfsm.testing.discord_api import FakeDiscord, RecordedRequest
from flowfsm.testing.harness import DEFAULT_USER, OTHER_USER, FakeClock, Harness, Reply, components_of

__all__ = [
    "DEFAULT_USER",
    "OTHER_USER",
    "FakeClock",
    "FakeDiscord",
    "Harness",
    "RecordedRequest",
    "Reply",
    "components_of",
]

"""Where sessions live when they must outlive the process: :mod:`flowfsm.engine.stores.redis`.

The default is the process's own memory (:class:`flowfsm.engine.memory_store.MemoryStore`): no
serialization, no network, sessions end with the process. A remote store keeps each session as
a snapshot (:mod:`flowfsm.engine.snapshot`), so a restarted bot, another replica or another gateway
shard serves the next click. Remote stores need the ``redis`` extra and are imported from
their own module (``from flowfsm.engine.stores.redis import RedisStore``).
"""

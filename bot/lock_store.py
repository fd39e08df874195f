"""Rasa's lock store: in Redis whenever ``redis_url`` is set, else in the process's memory.

Registered in ``bot/endpoints.yml`` (``type: bot.lock_store.ConfiguredLockStore``). Several
Rasa processes behind nginx get each conversation routed by its sender; the Redis lock is the
safety net that keeps two processes from handling turns of one conversation at once (Rasa's
in-memory lock only covers one process, and makes Rasa ignore ``SANIC_WORKERS``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from knowledge.config import get_settings

KEY_PREFIX = "tthc"  # Rasa's keys become tthc:lock:<sender>


def redis_lock_store(url: str) -> RedisLockStore:
    """Rasa's ``RedisLockStore`` for a ``redis://[user:password@]host[:port][/db]`` URL.

    >>> redis_lock_store("redis://127.0.0.1:6390/2").red.connection_pool.connection_kwargs["db"]
    2
    """
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss"):
        raise ValueError(
            f"redis_url phải bắt đầu bằng redis:// hoặc rediss://, nhận: {parts.scheme}"
        )
    path = parts.path.strip("/")
    return RedisLockStore(
        host=parts.hostname or "localhost",
        port=parts.port or 6379,
        db=int(path) if path else 0,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        use_ssl=parts.scheme == "rediss",
        key_prefix=KEY_PREFIX,
    )


class ConfiguredLockStore(LockStore):
    """Factory Rasa calls with the endpoint config: returns the lock store the settings select.

    ``__new__`` returns a ``RedisLockStore`` or an ``InMemoryLockStore`` (Rasa's own classes,
    not instances of this one, so ``__init__`` is never run).
    """

    def __new__(  # type: ignore[misc]
        cls, endpoint_config: EndpointConfig | None = None, **_: Any
    ) -> LockStore:
        url = get_settings().redis_url
        if url:
            return redis_lock_store(url)
        return InMemoryLockStore()

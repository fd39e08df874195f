"""Rasa's lock store is in Redis whenever redis_url is set, in memory otherwise."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from bot.lock_store import ConfiguredLockStore, redis_lock_store
from knowledge.config import get_settings

ENDPOINT = EndpointConfig(type="bot.lock_store.ConfiguredLockStore")


@pytest.fixture(autouse=True)
def _fresh_settings() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_without_redis_the_locks_stay_in_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TTHC_REDIS_URL", raising=False)
    assert isinstance(LockStore.create(ENDPOINT), InMemoryLockStore)


def test_with_redis_url_rasa_gets_its_redis_lock_store(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TTHC_REDIS_URL", "redis://:bí-mật@127.0.0.1:6390/3")
    store = LockStore.create(ENDPOINT)
    assert isinstance(store, RedisLockStore)
    pool = store.red.connection_pool.connection_kwargs
    assert (pool["host"], pool["port"], pool["db"], pool["password"]) == (
        "127.0.0.1",
        6390,
        3,
        "bí-mật",
    )
    assert store.key_prefix == "tthc:lock:"
    assert not isinstance(store, ConfiguredLockStore)


def test_a_url_that_is_not_redis_is_refused_in_vietnamese() -> None:
    with pytest.raises(ValueError, match="redis_url phải bắt đầu"):
        redis_lock_store("http://127.0.0.1:6379")

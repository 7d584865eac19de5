"""The conversation lock store against the real Redis server: why Rasa's RedisLockStore is
not enough with several servers (RasaHQ/rasa#9213), and that ours serialises."""

from __future__ import annotations

import asyncio
import multiprocessing
import time

import pytest
import redis
from rasa.core.lock_store import LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from bot.plugins.locks import AtomicRedisLockStore
from tests.conftest import REDIS_URL


def _store(client: redis.Redis, **kwargs) -> AtomicRedisLockStore:
    return AtomicRedisLockStore(client=client, key_prefix="t", **kwargs)


def test_rasas_redis_lock_store_loses_a_ticket_when_two_servers_interleave(redis_client):
    """The interleaving from #9213, step by step: server A reads the lock, server B issues
    and saves a ticket, A saves its stale copy. Both then hold ticket 0: both may run."""
    kwargs = redis_client.connection_pool.connection_kwargs
    server_a = RedisLockStore(host=kwargs["host"], port=kwargs["port"], db=kwargs["db"])
    server_b = RedisLockStore(host=kwargs["host"], port=kwargs["port"], db=kwargs["db"])
    stale = server_a.get_or_create_lock("conv")
    ticket_b = server_b.issue_ticket("conv")
    ticket_a = stale.issue_ticket(60)
    server_a.save_lock(stale)
    lock = server_a.get_lock("conv")
    assert ticket_a == ticket_b == 0
    assert not lock.is_locked(ticket_a) and not lock.is_locked(ticket_b)


def test_our_tickets_are_distinct_and_served_in_order(redis_client):
    server_a, server_b = _store(redis_client), _store(redis_client)
    first = server_a.issue_ticket("conv")
    second = server_b.issue_ticket("conv")
    third = server_a.issue_ticket("conv")
    assert (first, second, third) == (1, 2, 3)
    lock = server_b.get_lock("conv")
    assert not lock.is_locked(first) and lock.is_locked(second) and lock.is_locked(third)
    server_a.cleanup("conv", first)
    lock = server_a.get_lock("conv")
    assert not lock.is_locked(second) and lock.is_locked(third)
    server_b.cleanup("conv", second)
    server_a.cleanup("conv", third)
    assert server_a.get_lock("conv") is None
    assert redis_client.keys("t:lock:*") == []  # nothing left behind


def _hammer(url: str, rounds: int, barrier) -> int:
    """One 'server': takes the lock `rounds` times; returns how often it found someone inside."""
    client = redis.Redis.from_url(url)
    store = AtomicRedisLockStore(client=client, key_prefix="t")

    async def run() -> int:
        overlaps = 0
        for _ in range(rounds):
            async with store.lock("shared-conversation"):
                if client.incr("inside") != 1:
                    overlaps += 1
                await asyncio.sleep(0.002)
                client.decr("inside")
        return overlaps

    barrier.wait()
    return asyncio.run(run())


def test_four_processes_never_hold_one_conversation_at_once(redis_client):
    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager, ctx.Pool(4) as pool:
        barrier = manager.Barrier(4)
        results = [pool.apply_async(_hammer, (REDIS_URL, 40, barrier)) for _ in range(4)]
        overlaps = [r.get(timeout=120) for r in results]
    assert overlaps == [0, 0, 0, 0]
    assert int(redis_client.get("inside")) == 0
    assert redis_client.keys("t:lock:*") == []


def test_a_ticket_of_a_dead_server_expires_and_the_next_message_proceeds(redis_client):
    store = _store(redis_client)
    store.issue_ticket("conv", lock_lifetime=0.5)  # its server died: never finished

    async def next_message() -> float:
        started = time.monotonic()
        async with store.lock("conv"):
            return time.monotonic() - started

    waited = asyncio.run(next_message())
    assert 0.3 < waited < 3
    assert store.get_lock("conv") is None


def test_redis_down_is_a_clear_lock_error_without_the_conversation_id():
    client = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=1)
    store = _store(client)

    async def take() -> None:
        async with store.lock("visitor-secret-id"):
            pass

    with pytest.raises(LockError) as error:
        asyncio.run(take())
    assert "Redis" in str(error.value) and "visitor-secret-id" not in str(error.value)


def test_built_from_endpoints_yml_settings(redis_client):
    kwargs = redis_client.connection_pool.connection_kwargs
    config = EndpointConfig(
        url=kwargs["host"],
        type="bot.plugins.locks.AtomicRedisLockStore",
        port=kwargs["port"],
        db=kwargs["db"],
        key_prefix="pb",
        lock_lifetime=7,
    )
    from rasa.core.lock_store import LockStore

    store = LockStore.create(config)
    assert isinstance(store, AtomicRedisLockStore)
    store.issue_ticket("conv")
    assert 6 <= redis_client.ttl("pb:lock:conv") <= 8
    with pytest.raises(ValueError):
        AtomicRedisLockStore(client=redis_client, key_prefix="not ok")


def test_a_late_release_cannot_remove_a_newer_holders_ticket(redis_client):
    """A turn that outlived its ticket finishes after the next message took the lock: its
    release must not free the conversation for a third message (numbers are never reused)."""
    store = _store(redis_client)
    stale = store.issue_ticket("conv", lock_lifetime=0.2)
    time.sleep(1.5)  # expired, and the whole key with it
    current = store.issue_ticket("conv")
    assert current != stale
    store.cleanup("conv", stale)  # the slow turn ends now
    lock = store.get_lock("conv")
    assert lock is not None and not lock.is_locked(current)
    third = store.issue_ticket("conv")
    assert store.get_lock("conv").is_locked(third)


def test_a_slow_turn_keeps_its_lock_beyond_the_lifetime(redis_client):
    store = _store(redis_client, lock_lifetime=0.6)
    events = []

    async def turn(name: str, seconds: float) -> None:
        async with store.lock("conv"):
            events.append(f"{name} in")
            await asyncio.sleep(seconds)
            events.append(f"{name} out")

    async def both() -> None:
        first = asyncio.ensure_future(turn("slow", 2.0))  # more than three lifetimes
        await asyncio.sleep(0.1)
        await asyncio.gather(first, turn("next", 0))

    asyncio.run(both())
    assert events == ["slow in", "slow out", "next in", "next out"]
    assert store.get_lock("conv") is None

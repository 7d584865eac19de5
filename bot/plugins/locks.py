"""A Redis lock store whose every step is one atomic Redis operation.

Rasa's RedisLockStore keeps a conversation's ticket lock as one JSON value and changes it
by read-modify-write from each server: two servers issuing a ticket at the same moment both
read the same lock, each appends "its" ticket and the second write erases the first, so both
believe they are first and process the conversation at once (RasaHQ/rasa#9213; the fix,
ConcurrentRedisLockStore, was reverted from Rasa Open Source in #11428).

Here a conversation's lock is one Redis hash in which each ticket is a field
``t:<number>`` holding its expiry. Ticket numbers come from one counter that is never deleted
(``<prefix>:lock-seq``, INCR): a number is never handed out twice, so a late release can only
ever remove its own ticket. Issuing, renewing, expiring and finishing a ticket are Lua
scripts, so Redis runs each one whole and alone, and expiry uses Redis's clock, not each
server's. The waiting logic stays Rasa's own (``LockStore._acquire_lock``): serve the lowest
live ticket first. While a message waits or is handled, its ticket is renewed every third of
its lifetime, so a slow turn (an action server that takes its time) keeps the conversation;
the lifetime only decides how soon a conversation is free again after its server died.
Needs Redis 5 or newer (TIME before writes in a script).

endpoints.yml::

    lock_store:
      type: bot.plugins.locks.AtomicRedisLockStore
      url: 127.0.0.1          # Redis host
      port: 6379
      db: 1
      password: ...           # optional
      key_prefix: privacybot  # optional, alphanumeric
      lock_lifetime: 20       # seconds a ticket lives if its server dies while holding it
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from contextlib import asynccontextmanager
from typing import AsyncGenerator, Optional

import redis
from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

from bot.core import settings

logger = logging.getLogger(__name__)

DEFAULT_LIFETIME = settings.DEFAULT_LOCK_LIFETIME
# How often a waiting message looks again (Rasa polls once a second; our turns take ~0.1 s).
DEFAULT_WAIT = 0.05

_ISSUE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local n = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[1], 't:' .. n, tostring(now + tonumber(ARGV[1])))
local ttl = math.ceil(tonumber(ARGV[1])) + 1
if redis.call('TTL', KEYS[1]) < ttl then redis.call('EXPIRE', KEYS[1], ttl) end
return n
"""

_RENEW = """
if redis.call('HEXISTS', KEYS[1], 't:' .. ARGV[1]) == 0 then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
redis.call('HSET', KEYS[1], 't:' .. ARGV[1], tostring(now + tonumber(ARGV[2])))
local ttl = math.ceil(tonumber(ARGV[2])) + 1
if redis.call('TTL', KEYS[1]) < ttl then redis.call('EXPIRE', KEYS[1], ttl) end
return 1
"""

_EXPIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local fields = redis.call('HGETALL', KEYS[1])
local live = 0
for i = 1, #fields, 2 do
  if string.sub(fields[i], 1, 2) == 't:' then
    if tonumber(fields[i + 1]) < now then
      redis.call('HDEL', KEYS[1], fields[i])
    else
      live = live + 1
    end
  end
end
if live == 0 then redis.call('DEL', KEYS[1]) end
return live
"""

_FINISH = """
redis.call('HDEL', KEYS[1], 't:' .. ARGV[1])
local fields = redis.call('HKEYS', KEYS[1])
for _, f in ipairs(fields) do
  if string.sub(f, 1, 2) == 't:' then return 1 end
end
redis.call('DEL', KEYS[1])
return 0
"""


class AtomicRedisLockStore(LockStore):
    """Ticket locks in Redis, safe with several Rasa servers sharing one Redis."""

    def __init__(
        self,
        endpoint_config: Optional[EndpointConfig] = None,
        *,
        client: Optional[redis.Redis] = None,
        key_prefix: str = "privacybot",
        lock_lifetime: float = DEFAULT_LIFETIME,
    ) -> None:
        if endpoint_config is not None:
            kwargs = dict(endpoint_config.kwargs)
            # Short timeouts: these calls run on the server's event loop.
            client = redis.Redis(
                host=endpoint_config.url or "127.0.0.1",
                port=int(kwargs.get("port", 6379)),
                db=int(kwargs.get("db", 1)),
                username=kwargs.get("username"),
                password=kwargs.get("password"),
                ssl=bool(kwargs.get("use_ssl", False)),
                socket_timeout=float(kwargs.get("socket_timeout", 2)),
                socket_connect_timeout=float(kwargs.get("socket_connect_timeout", 2)),
            )
            key_prefix = str(kwargs.get("key_prefix", key_prefix))
            lock_lifetime = float(kwargs.get("lock_lifetime", lock_lifetime))
        if client is None:
            raise ValueError("AtomicRedisLockStore needs an endpoint config or a Redis client")
        if not key_prefix.isalnum():
            raise ValueError(f"key_prefix must be alphanumeric, not {key_prefix!r}")
        self.red = client
        self.key_prefix = f"{key_prefix}:lock:"
        self.sequence = f"{key_prefix}:lock-seq"
        self.lock_lifetime = lock_lifetime
        self._issue = client.register_script(_ISSUE)
        self._renew = client.register_script(_RENEW)
        self._expire = client.register_script(_EXPIRE)
        self._finish = client.register_script(_FINISH)
        super().__init__()

    def _key(self, conversation_id: str) -> str:
        return self.key_prefix + conversation_id

    def _call(self, what: str, script, conversation_id: str, *args) -> int:
        try:
            return int(script(keys=[self._key(conversation_id), self.sequence], args=list(args)))
        except redis.RedisError as error:
            # The conversation id is left out: it is the visitor's pseudonymous id.
            raise LockError(f"Lock store (Redis) unreachable while trying to {what}: {type(error).__name__}") from error

    def issue_ticket(self, conversation_id: str, lock_lifetime: Optional[float] = None) -> int:
        return self._call("issue a ticket", self._issue, conversation_id, lock_lifetime or self.lock_lifetime)

    def get_lock(self, conversation_id: str) -> Optional[TicketLock]:
        try:
            pipe = self.red.pipeline(transaction=True)
            pipe.time()
            pipe.hgetall(self._key(conversation_id))
            (seconds, micros), fields = pipe.execute()
        except redis.RedisError as error:
            raise LockError(f"Lock store (Redis) unreachable: {type(error).__name__}") from error
        # Rasa compares expiry with this server's clock: shift Redis's expiries onto it, so
        # servers whose clocks differ still agree on which tickets are live.
        offset = time.time() - (seconds + micros / 1_000_000)
        tickets = sorted(
            (
                Ticket(int(name[2:]), float(expires) + offset)
                for name, expires in ((k.decode(), v.decode()) for k, v in fields.items())
                if name.startswith("t:")
            ),
            key=lambda ticket: ticket.number,
        )
        return TicketLock(conversation_id, deque(tickets)) if tickets else None

    def renew(self, conversation_id: str, ticket_number: int, lock_lifetime: Optional[float] = None) -> bool:
        """Push a live ticket's expiry one lifetime ahead; False if it is gone already."""
        return bool(
            self._call(
                "renew a ticket", self._renew, conversation_id, ticket_number, lock_lifetime or self.lock_lifetime
            )
        )

    async def _keep_alive(self, conversation_id: str, ticket_number: int, lifetime: float) -> None:
        while True:
            await asyncio.sleep(lifetime / 3)
            try:
                if not self.renew(conversation_id, ticket_number, lifetime):
                    return
            except LockError:
                logger.warning("Could not renew a conversation lock (Redis unreachable).")

    def update_lock(self, conversation_id: str) -> None:
        """Drop expired tickets (a server that died holding one) by Redis's clock."""
        self._call("expire tickets", self._expire, conversation_id)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        self._call("finish a ticket", self._finish, conversation_id, ticket_number)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        # _FINISH also deletes the lock when no ticket is left, in the same atomic step.
        self.finish_serving(conversation_id, ticket_number)

    def delete_lock(self, conversation_id: str) -> None:
        deleted = self.red.delete(self._key(conversation_id))
        self._log_deletion(conversation_id, bool(deleted))

    def save_lock(self, lock: TicketLock) -> None:
        """Not supported: writing a whole lock back is the read-modify-write that made
        Rasa's RedisLockStore unsafe; every caller in LockStore is overridden above."""
        raise NotImplementedError("AtomicRedisLockStore changes tickets one by one")

    @asynccontextmanager
    async def lock(
        self, conversation_id: str, lock_lifetime: Optional[float] = None, wait_time_in_seconds: float = DEFAULT_WAIT
    ) -> AsyncGenerator[TicketLock, None]:
        lifetime = lock_lifetime or self.lock_lifetime
        ticket = self.issue_ticket(conversation_id, lifetime)
        keep_alive = asyncio.ensure_future(self._keep_alive(conversation_id, ticket, lifetime))
        try:
            yield await self._acquire_lock(conversation_id, ticket, wait_time_in_seconds)
        finally:
            keep_alive.cancel()
            try:
                self.cleanup(conversation_id, ticket)
            except LockError:
                # Redis went away mid-turn: the ticket expires by itself after its lifetime.
                logger.warning("Could not release a conversation lock; it expires by itself.")

"""Rate limits for the chat channel, the actions that write or look up requests, and the
console's free-text searches.

Fixed windows counted in Redis when PRIVACYBOT_REDIS_URL is set (so several Rasa instances
and action servers share one count), else in this process's memory (one instance: the
default set-up). Keys never hold a raw IP address: `client_key()` turns it into a keyed hash.

A limiter that cannot reach Redis lets the message through and logs it: the lock store
refuses the message a moment later anyway when Redis is really down (bot/plugins/locks.py), and
a flaky limiter should not lock every visitor out.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import time
from dataclasses import dataclass
from typing import Dict, Optional, Tuple

from bot.core import settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limit:
    name: str
    count: int
    window: float  # seconds


def _limit(name: str, setting: str, window: float) -> Limit:
    """The limit ``name`` with its count from ``setting`` (bot.core.settings.RATE_LIMITS)."""
    return Limit(name, settings.rate_limit(setting), window)


def chat_per_client() -> Limit:
    """Messages per minute from one address (an office behind one NAT shares it)."""
    return _limit("chat-ip", "PRIVACYBOT_CHAT_LIMIT_PER_IP", 60)


def chat_per_conversation() -> Limit:
    """Messages per minute in one conversation: a visitor types one every few seconds."""
    return _limit("chat-conv", "PRIVACYBOT_CHAT_LIMIT_PER_CONVERSATION", 60)


def feedback_per_client() -> Limit:
    """👍/👎 clicks per minute from one address: a visitor rates an answer and may add a reason,
    a few clicks a minute; an office behind one NAT shares it."""
    return _limit("feedback-ip", "PRIVACYBOT_FEEDBACK_LIMIT_PER_IP", 60)


def requests_per_client() -> Limit:
    """Rights requests registered per address per day: enough for a family, not a flood."""
    return _limit("request-ip", "PRIVACYBOT_REQUEST_LIMIT_PER_IP", 24 * 3600)


def lookups_per_client() -> Limit:
    """Status lookups per address per hour: references cannot be enumerated."""
    return _limit("lookup-ip", "PRIVACYBOT_LOOKUP_LIMIT_PER_IP", 3600)


def optouts_per_client() -> Limit:
    """Opt-outs per address per hour: a person unsubscribes a few addresses of their own, not
    a list of other people's (issue 15, finding 6)."""
    return _limit("optout-ip", "PRIVACYBOT_OPTOUT_LIMIT_PER_IP", 3600)


def verification_mails_per_address() -> Limit:
    """Verification mails (confirmation and reminder) per recipient per day. Nobody proved yet
    that the address belongs to the requester, so the chat must not become a way to fill
    someone else's mailbox (issue 15, finding 8). Counted in the outbox, not here:
    bot/privacy/verification.py; the Limit only carries the setting."""
    return _limit("verify-mail", "PRIVACYBOT_VERIFY_MAIL_LIMIT_PER_ADDRESS", 24 * 3600)


def console_searches_per_user() -> Limit:
    """Free-text searches (conversations, opt-outs) per staff account per minute: plenty for
    reading logs, far too few to probe stored text by trial and error."""
    return _limit("console-search", "PRIVACYBOT_CONSOLE_SEARCH_LIMIT", 60)


class MemoryCounter:
    def __init__(self) -> None:
        self._counts: Dict[str, Tuple[float, int]] = {}
        self._mutex = threading.Lock()

    def incr(self, key: str, window: float, now: float) -> int:
        with self._mutex:
            if len(self._counts) > 100_000:  # forget ended windows now and then
                self._counts = {k: v for k, v in self._counts.items() if v[0] > now}
            ends, count = self._counts.get(key, (0.0, 0))
            if ends <= now:
                ends, count = now + window, 0
            self._counts[key] = (ends, count + 1)
            return count + 1


class RedisCounter:
    def __init__(self, url: str) -> None:
        import redis

        self.red = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    def incr(self, key: str, window: float, now: float) -> int:
        # The window's start is part of the key: every server agrees on it without a clock sync.
        bucket = int(now // window)
        full = f"privacybot:limit:{key}:{bucket}"
        pipe = self.red.pipeline(transaction=True)
        pipe.incr(full)
        pipe.expire(full, int(window) + 1)
        return int(pipe.execute()[0])


class Limiter:
    def __init__(self, redis_url: Optional[str] = None) -> None:
        self.counter = RedisCounter(redis_url) if redis_url else MemoryCounter()

    def allow(self, limit: Limit, subject: str, now: Optional[float] = None) -> bool:
        """Count one more use of `limit` by `subject`; False once over the limit."""
        if limit.count <= 0:  # 0 switches a limit off
            return True
        try:
            used = self.counter.incr(f"{limit.name}:{subject}", limit.window, now or time.time())
        except Exception as error:  # noqa: BLE001 - see the module docstring
            logger.warning("rate limiter unavailable (%s): message let through", type(error).__name__)
            return True
        return used <= limit.count


_shared: Optional[Limiter] = None


def shared() -> Limiter:
    """One limiter per process, on Redis when the deployment has it."""
    global _shared
    if _shared is None:
        _shared = Limiter(settings.redis_url())
    return _shared


def client_key(address: str) -> str:
    """A keyed hash of a client address: counts per address without storing the address."""
    from bot.core import keys

    return hmac.new(keys.key("address").encode(), address.encode(), hashlib.sha256).hexdigest()[:24]


def local_client(conversation_id: str) -> str:
    """The client key of the local tools (``privacybot converse``, ``privacybot shell``): they
    have no visitor's address, and the actions register or look up nothing without a client
    key. One key per conversation, so their per-client limits act per conversation, as before."""
    return client_key(f"lokaal:{conversation_id}")

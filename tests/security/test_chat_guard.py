"""What the chat channel refuses before Rasa sees a message, and the rate limits behind it."""

from __future__ import annotations

import ipaddress
import json

import pytest

from bot.core import clients, limits
from bot.plugins import chat_guard
from bot.plugins.chat_guard import RefusedError


def body(**payload) -> bytes:
    return json.dumps(payload).encode()


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"{",
        b"null",
        b"[]",
        b'"tekst"',
        b"\xff\xfe",
        b'{"sender": 1, "message": "hallo"}',
        body(message="zonder afzender"),
        body(sender="", message="x"),
        body(sender="a b", message="x"),
        body(sender="../../etc/passwd", message="x"),
        body(sender="x" * 129, message="x"),
        body(sender="ok", message={"text": "genest"}),
        body(sender="ok", message=["lijst"]),
        b"[" * 10_000,  # deep nesting: the JSON parser's recursion limit
    ],
    ids=lambda raw: repr(raw[:24]),
)
def test_malformed_requests_are_refused_with_a_dutch_400(raw):
    with pytest.raises(RefusedError) as refused:
        chat_guard.parse(raw)
    assert refused.value.refusal.status == 400 and "opnieuw" in refused.value.refusal.text


def test_a_megabyte_payload_is_refused_before_parsing():
    with pytest.raises(RefusedError) as refused:
        chat_guard.parse(body(sender="s", message="a" * 1_000_000))
    assert refused.value.refusal.status == 413 and "privacy@" in refused.value.refusal.text


def test_well_formed_requests_keep_sender_and_text_without_hidden_characters():
    chat = chat_guard.parse(body(sender="bezoeker-1a2b", message="  hoe\u202e lang\x00 bewaren\r\njullie\u200b dat? "))
    assert chat.sender == "bezoeker-1a2b"
    assert chat.text == "hoe lang bewaren  jullie dat?"
    assert chat_guard.parse(body(sender="s", message=None)).text == ""
    assert chat_guard.parse(body(sender="s")).text == ""
    assert chat_guard.parse(body(sender="s", message="مرحبا 👋 שלום")).text == "مرحبا 👋 שלום"
    assert chat_guard.parse(json.dumps({"sender": "s", "message": "x\ud800y"}).encode()).text == "xy"


PROXIES = [ipaddress.ip_network("127.0.0.1/32")]


def test_the_client_address_comes_from_a_trusted_proxy_only():
    assert clients.client_address("203.0.113.7", None, PROXIES) == "203.0.113.7"
    # A visitor cannot choose its address by sending X-Forwarded-For itself...
    assert clients.client_address("203.0.113.7", "198.51.100.1", PROXIES) == "203.0.113.7"
    # ...and behind our nginx the nearest untrusted hop counts, not what the client prepended.
    assert clients.client_address("127.0.0.1", "198.51.100.1, 203.0.113.7", PROXIES) == "203.0.113.7"
    assert clients.client_address("127.0.0.1", "127.0.0.1", PROXIES) == "127.0.0.1"
    assert clients.client_address("127.0.0.1", "niet-een-adres", PROXIES) == "niet-een-adres"


def test_rate_limits_per_client_and_per_conversation(monkeypatch):
    monkeypatch.setenv("PRIVACYBOT_CHAT_LIMIT_PER_IP", "4")
    monkeypatch.setenv("PRIVACYBOT_CHAT_LIMIT_PER_CONVERSATION", "3")
    limiter = limits.Limiter()
    for _ in range(3):
        chat_guard.check_rate(limiter, "client-a", "conv-1")
    with pytest.raises(RefusedError) as refused:
        chat_guard.check_rate(limiter, "client-a", "conv-1")
    assert refused.value.refusal.status == 429 and refused.value.refusal.retry_after == 60
    chat_guard.check_rate(limiter, "client-b", "conv-2")  # others are not affected
    with pytest.raises(RefusedError):  # a new conversation from the same client: the per-client count
        chat_guard.check_rate(limiter, "client-a", "conv-3")


def test_a_window_ends(monkeypatch):
    limiter = limits.Limiter()
    limit = limits.Limit("t", 2, 60)
    assert [limiter.allow(limit, "x", now=1000.0 + i) for i in range(3)] == [True, True, False]
    assert limiter.allow(limit, "x", now=1061.0)
    assert limiter.allow(limits.Limit("off", 0, 60), "x")  # 0 switches a limit off


def test_limits_are_shared_through_redis(redis_client):
    url = "redis://{host}:{port}/{db}".format(**redis_client.connection_pool.connection_kwargs)
    one, two = limits.Limiter(url), limits.Limiter(url)  # two Rasa instances
    limit = limits.Limit("shared", 3, 60)
    results = [server.allow(limit, "client", now=5000.0) for server in (one, two, one, two)]
    assert results == [True, True, True, False]
    assert all(ttl <= 61 for ttl in (redis_client.ttl(k) for k in redis_client.keys("privacybot:limit:*")))


def test_an_unreachable_redis_lets_messages_through():
    limiter = limits.Limiter("redis://127.0.0.1:1/0")
    assert limiter.allow(limits.Limit("x", 1, 60), "c") and limiter.allow(limits.Limit("x", 1, 60), "c")


def test_the_client_key_is_a_keyed_hash_not_the_address(monkeypatch):
    monkeypatch.setenv("PRIVACYBOT_SECRET_KEY", "k" * 40)
    key = limits.client_key("203.0.113.7")
    assert "203" not in key and len(key) == 24 and key == limits.client_key("203.0.113.7")
    monkeypatch.setenv("PRIVACYBOT_SECRET_KEY", "j" * 40)
    assert limits.client_key("203.0.113.7") != key

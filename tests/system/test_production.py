"""The production path on the real servers: two Rasa instances behind nginx, the tracker store
on PostgreSQL, the conversation locks in Redis, and what happens when parts fail.

PostgreSQL and Redis are reached through TCP proxies (tests/system/tcp_proxy.py) so that a test can
take them "down" for the stack without stopping the servers the rest of the suite uses.
"""

from __future__ import annotations

import json
import os
import re
import signal
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, List, Tuple

import pytest
import sqlalchemy as sa

from bot.ops.deployment import Deployment
from bot.ops.processes import nginx_binary
from bot.ops.stack import Stack
from bot.plugins.chat_channel import NO_REPLY, UNAVAILABLE
from tests.conftest import REDIS_URL, fresh_postgres_database
from tests.system.tcp_proxy import TcpProxy

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.slow,
    pytest.mark.skipif(
        nginx_binary() is None, reason="nginx ontbreekt (Debian-pakket nginx-light; ./test installeert het als root)"
    ),
]


def post(url: str, sender: str, text: str, timeout: float = 60) -> Tuple[int, List[dict]]:
    body = json.dumps({"sender": sender, "message": text}).encode()
    request = urllib.request.Request(f"{url}/webhooks/rest/webhook", body, {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        body = error.read()
        try:
            return error.code, json.loads(body)
        except ValueError:  # nginx's own error page (502 when an instance died mid-request)
            return error.code, []


def text_of(replies: List[dict]) -> str:
    return " ".join(r.get("text", "") for r in replies)


@pytest.fixture(scope="module")
def production(trained_model, tmp_path_factory):
    """Two Rasa instances, nginx, action server, on a fresh PostgreSQL database and Redis."""
    import redis

    lock_db = redis.Redis.from_url(REDIS_URL)
    try:
        lock_db.ping()
    except redis.RedisError as error:
        pytest.skip(f"geen Redis-server bereikbaar op {REDIS_URL}: {error}")
    lock_db.flushdb()
    with fresh_postgres_database("privacybot_prod") as direct_url:
        url = sa.engine.make_url(direct_url)
        pg, red = (
            TcpProxy(url.port or 5432).start(),
            TcpProxy(lock_db.connection_pool.connection_kwargs["port"]).start(),
        )
        redis_db = lock_db.connection_pool.connection_kwargs["db"]
        deployment = Deployment(
            database_url=url.set(port=pg.port).render_as_string(hide_password=False),
            redis_url=f"redis://127.0.0.1:{red.port}/{redis_db}",
            instances=2,
            lock_lifetime=10,
        )
        # The load test's visitors talk faster than the per-conversation limit allows (it is
        # tested in tests/security/); every client here is 127.0.0.1, so the per-address
        # limits are off too, whatever an earlier fixture left in the environment.
        limits_off = {
            name: "0"
            for name in (
                "PRIVACYBOT_CHAT_LIMIT_PER_CONVERSATION",
                "PRIVACYBOT_CHAT_LIMIT_PER_IP",
                "PRIVACYBOT_REQUEST_LIMIT_PER_IP",
                "PRIVACYBOT_LOOKUP_LIMIT_PER_IP",
            )
        }
        stack = Stack(
            deployment, trained_model, var=tmp_path_factory.mktemp("production"), model_server=False, env=limits_off
        )
        engine = sa.create_engine(direct_url, future=True)
        try:
            stack.start()
            yield {"stack": stack, "pg": pg, "redis": red, "engine": engine, "lock_db": lock_db}
        finally:
            stack.stop()
            engine.dispose()
            pg.stop()
            red.stop()
            lock_db.flushdb()


def events(engine, sender: str) -> List[Tuple[str, dict]]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("select type_name, data from events where sender_id = :s order by id"), {"s": sender}
        ).all()
    return [(r.type_name, json.loads(r.data)) for r in rows]


OUTSIDE_A_TURN = {("action", "action_session_start"), ("session_started", None), ("action", "action_listen")}


def turns(engine, sender: str) -> List[Tuple[str, List[str]]]:
    """(user text, [what followed until action_listen]) per turn; asserts every turn is whole:
    a user message, the bot's actions, then action_listen, before the next user message, and
    nothing but a session start between turns."""
    result: List[Tuple[str, List[str]]] = []
    current = None
    for kind, data in events(engine, sender):
        if kind == "user":
            assert current is None, f"user message {data.get('text')!r} arrived inside an unfinished turn"
            current = (data.get("text"), [])
        elif current is None:
            if kind == "slot":  # a session start carries slots over
                continue
            name = data.get("name") if kind == "action" else None
            assert (kind, name) in OUTSIDE_A_TURN, f"{kind} {name or ''} outside a turn"
        elif kind == "action" and data.get("name") == "action_listen":
            result.append(current)
            current = None
        elif kind == "action":
            current[1].append(data.get("name"))
        elif kind == "bot":
            current[1].append("bot:" + (data.get("text") or "")[:30])
    assert current is None, "the last turn never finished"
    return result


def requests_for(engine, email: str) -> List[str]:
    with engine.connect() as conn:
        return [
            r.reference
            for r in conn.execute(sa.text("select reference from rights_requests where email = :e"), {"e": email}).all()
        ]


def test_a_request_form_continues_across_instances(production):
    """Each message of one conversation lands on the other instance, mid-form."""
    stack, engine = production["stack"], production["engine"]
    first, second = (server.url for server in stack.rasa)
    messages = ["ik wil dat jullie al mijn gegevens wissen", "Jan Peeters", "jan.across@example.be", "geen", "ja"]
    replies = [post(first if i % 2 == 0 else second, "visitor-across", text) for i, text in enumerate(messages)]
    assert all(status == 200 for status, _ in replies)
    confirmation = text_of(replies[-1][1])
    reference = re.search(r"PRV-[0-9A-Z]{10}", confirmation).group(0)
    assert requests_for(engine, "jan.across@example.be") == [reference]
    assert [text for text, _ in turns(engine, "visitor-across")] == messages


def test_two_messages_of_one_conversation_at_once_are_handled_one_after_the_other(production):
    stack, engine = production["stack"], production["engine"]
    first, second = (server.url for server in stack.rasa)
    texts = ("hoe lang bewaren jullie mijn gegevens?", "met wie delen jullie mijn gegevens?")
    for round_ in range(4):
        sender = f"visitor-twice-{round_}"
        start = threading.Barrier(2)

        def send(url: str, text: str, start=start, sender=sender) -> Tuple[int, List[dict]]:
            start.wait()
            return post(url, sender, text)

        with ThreadPoolExecutor(2) as pool:
            results = list(pool.map(send, (first, second), texts))
        assert [status for status, _ in results] == [200, 200]
        assert all(replies and text_of(replies) not in (NO_REPLY, UNAVAILABLE) for _, replies in results)
        stored = turns(engine, sender)  # fails on an interleaved turn
        assert sorted(text for text, _ in stored) == sorted(texts)
        assert all(any(step.startswith("bot:") for step in steps) for _, steps in stored)
    assert production["lock_db"].keys("privacybot:lock:*") == []  # every lock released


def test_action_server_down_gets_a_polite_reply_and_recovers_without_restarting_rasa(production):
    stack, engine = production["stack"], production["engine"]
    rasa_pids = [server.process.pid for server in stack.rasa]
    status, replies = post(stack.url, "visitor-actions", "ik wil dat jullie al mijn gegevens wissen")
    assert status == 200 and "naam" in text_of(replies)
    stack.actions.stop()
    try:
        status, replies = post(stack.url, "visitor-actions", "Els Wouters")
        assert status == 200 and text_of(replies) == NO_REPLY
    finally:
        stack.actions.start()
    # The visitor simply answers again; the form picks up where it was.
    assert "e-mail" in text_of(post(stack.url, "visitor-actions", "Els Wouters")[1]).lower()
    post(stack.url, "visitor-actions", "els.actions@example.be")
    post(stack.url, "visitor-actions", "geen")
    done = text_of(post(stack.url, "visitor-actions", "ja")[1])
    assert re.search(r"PRV-[0-9A-Z]{10}", done)
    assert len(requests_for(engine, "els.actions@example.be")) == 1
    assert [server.process.pid for server in stack.rasa] == rasa_pids
    turns(engine, "visitor-actions")  # whole turns only


def retry_until_answered(url: str, sender: str, text: str, seconds: float = 30) -> List[dict]:
    """What the widget's "send again" button does, until the service is back."""
    deadline = time.monotonic() + seconds
    while True:
        status, replies = post(url, sender, text)
        if status == 200:
            return replies
        assert status == 503 and text_of(replies) == UNAVAILABLE
        assert time.monotonic() < deadline, "the service did not come back"
        time.sleep(0.5)


def test_database_briefly_down_confirms_nothing_and_writes_nothing_then_resumes(production):
    stack, engine, pg = production["stack"], production["engine"], production["pg"]
    sender, email = "visitor-db", "an.db@example.be"
    for text in ("ik wil inzage in mijn gegevens", "An Janssens", email):
        post(stack.url, sender, text)
    summary = text_of(post(stack.url, sender, "geen")[1])
    assert "Zal ik het versturen?" in summary
    stored_before = events(engine, sender)
    pg.cut()
    try:
        status, replies = post(stack.url, sender, "ja")
        assert status == 503 and text_of(replies) == UNAVAILABLE, (status, replies)
        assert not re.search(r"PRV-", text_of(replies))
    finally:
        pg.restore()
    assert events(engine, sender) == stored_before  # nothing half-written
    assert requests_for(engine, email) == []
    confirmation = text_of(retry_until_answered(stack.url, sender, "ja"))
    found = re.search(r"PRV-[0-9A-Z]{10}", confirmation)
    assert found, confirmation
    reference = found.group(0)
    assert requests_for(engine, email) == [reference]
    turns(engine, sender)


def test_redis_down_refuses_messages_clearly_and_resumes(production):
    stack, engine, red = production["stack"], production["engine"], production["redis"]
    sender = "visitor-redis"
    post(stack.url, sender, "hallo")
    stored_before = events(engine, sender)
    red.cut()
    try:
        status, replies = post(stack.url, sender, "hoe lang bewaren jullie mijn gegevens?")
        assert status == 503 and text_of(replies) == UNAVAILABLE
    finally:
        red.restore()
    assert events(engine, sender) == stored_before  # refused before anything was handled
    replies = retry_until_answered(stack.url, sender, "hoe lang bewaren jullie mijn gegevens?")
    assert "10 jaar" in text_of(replies)


def test_an_instance_killed_under_load_loses_no_conversation(production):
    """Visitors keep talking through nginx while one instance is killed (SIGKILL) once the
    load is under way. Messages in flight on it may fail (the widget keeps them); every other
    message is answered, and every conversation's stored turns are whole. Runs last: it
    leaves one instance."""
    stack, engine = production["stack"], production["engine"]
    script = [
        "hallo",
        "hoe lang bewaren jullie mijn gegevens?",
        "met wie delen jullie mijn gegevens?",
        "mag ik mijn gegevens laten verwijderen?",
        "welke rechten heb ik?",
        "bedankt",
    ]
    answered = threading.Semaphore(0)
    killed = threading.Event()
    stop_at: Dict[str, float] = {"t": time.monotonic() + 120}
    killed_at: Dict[str, float] = {}
    outcomes: Dict[str, List[Tuple[float, float, int]]] = {}

    def visitor(n: int) -> None:
        sender = f"visitor-load-{n}"
        outcomes[sender] = []
        step = 0
        while time.monotonic() < stop_at["t"]:
            text = script[step % len(script)]
            step += 1
            started = time.monotonic()
            try:
                status, replies = post(stack.url, sender, text, timeout=30)
                ok = status == 200 and text_of(replies) not in (NO_REPLY, UNAVAILABLE)
            except OSError:
                ok = False
            outcomes[sender].append((started, time.monotonic(), 200 if ok else 0))
            if ok:
                answered.release()
            time.sleep(0.2)

    def killer() -> None:
        for _ in range(24):  # the load is under way on both instances
            assert answered.acquire(timeout=60)
        killed_at["t"] = time.monotonic()
        os.kill(stack.rasa[0].process.pid, signal.SIGKILL)
        stop_at["t"] = time.monotonic() + 8  # and goes on for a while on the other one
        killed.set()

    with ThreadPoolExecutor(9) as pool:
        futures = [pool.submit(visitor, n) for n in range(8)] + [pool.submit(killer)]
        for future in futures:
            future.result(timeout=300)
    assert killed.is_set()
    assert stack.rasa[0].process.wait(timeout=10) == -signal.SIGKILL
    kill = killed_at["t"]
    failed = [(s, e) for results in outcomes.values() for s, e, status in results if status != 200]
    # Only messages that were in flight when the instance died may fail.
    assert all(start <= kill + 0.5 for start, _ in failed), failed
    assert len(failed) <= 8
    after = [r for results in outcomes.values() for r in results if r[0] > kill + 0.5]
    assert len(after) >= 8 and all(status == 200 for _, _, status in after)
    for sender, results in outcomes.items():
        stored = turns(engine, sender)  # whole turns only, none interleaved
        answered_here = sum(1 for *_, status in results if status == 200)
        assert answered_here <= len(stored) <= len(results)

"""👍/👎 on a running assistant (issue 16): the chat channel's marker after an FAQ answer and not
after a greeting or a form answer, and the feedback route (storing and replacing a rating, foreign
or unknown messages, content type, origin, CORS, bad bodies, the per-client limit).
The domain module itself is tested in tests/integration/test_feedback.py."""

from __future__ import annotations

import json
import uuid
from typing import Dict, List, Optional, Tuple

import pytest
import sqlalchemy as sa

from bot.plugins import chat_guard
from bot.staff import feedback
from tests.conftest import SITE


def mid() -> str:
    return uuid.uuid4().hex


@pytest.fixture(scope="module")
def stack(shared_stack):
    """The session's shared stack (tests/conftest.py), whose feedback limit is 6 per visitor."""
    return shared_stack


def http(url: str, body: bytes, headers: Dict[str, str], method: str = "POST") -> Tuple[int, Dict[str, str], bytes]:
    from tests.security.test_running_stack import request

    return request(url, body, method=method, headers=headers)


_addresses = iter(range(1, 250))


def client() -> str:
    """A visitor address of its own per test (X-Forwarded-For from the trusted local proxy), so
    the feedback limit of one test does not spill into the next."""
    return f"203.0.113.{next(_addresses)}"


def say(stack, sender: str, text: str) -> List[dict]:
    status, _, raw = http(
        stack.url + "/webhooks/rest/webhook",
        json.dumps({"sender": sender, "message": text}).encode(),
        {"Content-Type": "application/json"},
    )
    assert status == 200
    return json.loads(raw)


def rate(stack, body, headers: Optional[Dict[str, str]] = None, address: Optional[str] = None) -> Tuple[int, dict]:
    raw_body = body if isinstance(body, bytes) else json.dumps(body).encode()
    sent = {"Content-Type": "application/json", "X-Forwarded-For": address or client()}
    sent.update(headers or {})
    status, _, raw = http(stack.url + "/webhooks/rest/feedback", raw_body, sent)
    return status, json.loads(raw)


def marker(replies: List[dict]) -> Optional[str]:
    found = [r["custom"]["feedback"]["message_id"] for r in replies if "feedback" in (r.get("custom") or {})]
    assert len(found) <= 1
    return found[0] if found else None


def stored_feedback(stack) -> List[Tuple]:
    engine = sa.create_engine(stack.database, future=True)
    with engine.connect() as conn:
        found = [
            tuple(r)
            for r in conn.execute(
                sa.text("select sender_id, message_id, rating, reason from answer_feedback order by id")
            )
        ]
    engine.dispose()
    return found


def user_message_ids(stack, sender: str) -> List[str]:
    engine = sa.create_engine(stack.database, future=True)
    with engine.connect() as conn:
        data = (
            conn.execute(
                sa.text("select data from events where sender_id = :s and type_name = 'user' order by id"),
                {"s": sender},
            )
            .scalars()
            .all()
        )
    engine.dispose()
    return [json.loads(d)["message_id"] for d in data]


def test_an_faq_answer_carries_the_marker_of_the_visitors_message(stack):
    replies = say(stack, "fb-http-faq", "Hoe lang bewaren jullie mijn gegevens?")
    message_id = marker(replies)
    assert message_id and replies[-1] == {
        "recipient_id": "fb-http-faq",
        "custom": {"feedback": {"message_id": message_id}},
    }
    assert any(r.get("text") for r in replies[:-1])
    assert user_message_ids(stack, "fb-http-faq") == [message_id]


def active_loops(stack, sender: str) -> List[Optional[str]]:
    engine = sa.create_engine(stack.database, future=True)
    with engine.connect() as conn:
        data = (
            conn.execute(
                sa.text("select data from events where sender_id = :s and type_name = 'active_loop' order by id"),
                {"s": sender},
            )
            .scalars()
            .all()
        )
    engine.dispose()
    return [json.loads(d).get("name") for d in data]


def test_the_greeting_and_form_answers_carry_no_marker(stack):
    assert marker(say(stack, "fb-http-form", "/greet")) is None
    assert marker(say(stack, "fb-http-form", "Hoe lang bewaren jullie mijn gegevens?"))  # an answer: rated
    started = say(stack, "fb-http-form", "Ik wil dat jullie mijn gegevens wissen")
    assert marker(started) is None and any(r.get("text") for r in started)  # the form asks the name
    answered = say(stack, "fb-http-form", "Jan Peeters")
    assert marker(answered) is None and any(r.get("text") for r in answered)
    assert active_loops(stack, "fb-http-form") == ["rights_request_form"]  # still in the form
    ids = user_message_ids(stack, "fb-http-form")
    assert len(ids) == 4
    # Posted without the widget, a rating of the typed name or of /greet is refused by the route too.
    from bot.plugins.chat_channel import NOT_RATEABLE

    for message_id in (ids[0], ids[3]):
        status, reply = rate(stack, {"sender": "fb-http-form", "message_id": message_id, "rating": "down"})
        assert (status, reply) == (400, {"error": NOT_RATEABLE})
    assert not [r for r in stored_feedback(stack) if r[0] == "fb-http-form"]
    assert rate(stack, {"sender": "fb-http-form", "message_id": ids[1], "rating": "up"}) == (200, {"ok": True})


def test_a_rating_is_stored_and_replaced_by_the_next(stack):
    message_id = marker(say(stack, "fb-http-rate", "Met wie delen jullie mijn gegevens?"))
    assert message_id
    address = client()
    body = {"sender": "fb-http-rate", "message_id": message_id, "rating": "up"}
    assert rate(stack, body, {"Origin": SITE}, address) == (200, {"ok": True})
    assert [r for r in stored_feedback(stack) if r[0] == "fb-http-rate"] == [("fb-http-rate", message_id, "up", None)]
    assert rate(stack, {**body, "rating": "down"}, address=address) == (200, {"ok": True})
    assert rate(stack, {**body, "rating": "down", "reason": "unclear"}, address=address) == (200, {"ok": True})
    assert [r for r in stored_feedback(stack) if r[0] == "fb-http-rate"] == [
        ("fb-http-rate", message_id, "down", "unclear")
    ]
    logged = "\n".join(p.read_text(errors="replace") for p in (stack.var / "logs").glob("rasa-*.log"))
    assert "chat.feedback.stored: down" in logged and message_id not in logged


def test_a_foreign_or_unknown_message_id_is_refused(stack):
    theirs = marker(say(stack, "fb-http-theirs", "Welke rechten heb ik?"))
    assert theirs
    for body in (
        {"sender": "fb-http-mine", "message_id": theirs, "rating": "down"},
        {"sender": "fb-http-theirs", "message_id": mid(), "rating": "down"},
    ):
        status, reply = rate(stack, body)
        assert status == 404 and reply == {"error": feedback.UNKNOWN_MESSAGE}
    assert not [r for r in stored_feedback(stack) if r[1] == theirs]


def test_a_wrong_content_type_or_origin_is_refused(stack):
    message_id = marker(say(stack, "fb-http-xs", "Hoe kan ik de DPO contacteren?"))
    assert message_id
    body = json.dumps({"sender": "fb-http-xs", "message_id": message_id, "rating": "down"}).encode()
    for content_type in ("text/plain", "application/x-www-form-urlencoded", ""):
        status, reply = rate(stack, body, {"Content-Type": content_type, "Origin": "https://evil.example.be"})
        assert status == 415 and reply == {"error": chat_guard.NOT_JSON.text}, content_type
    for origin in ("https://evil.example.be", "null", SITE + ".evil.example.be"):
        status, reply = rate(stack, body, {"Origin": origin})
        assert status == 403 and reply == {"error": chat_guard.WRONG_ORIGIN.text}, origin
    assert not [r for r in stored_feedback(stack) if r[0] == "fb-http-xs"]


def test_the_widgets_site_may_post_across_origins(stack):
    """The widget runs on the site and posts to Rasa's port: the CORS preflight must allow it."""
    status, headers, _ = http(
        stack.url + "/webhooks/rest/feedback",
        None,
        {"Origin": SITE, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"},
        method="OPTIONS",
    )
    assert status in (200, 204) and headers.get("Access-Control-Allow-Origin") == SITE


@pytest.mark.parametrize(
    "body, status, error",
    [
        ({"rating": "down", "reason": "too_slow"}, 400, feedback.UNKNOWN_REASON),
        ({"rating": "up", "reason": "wrong"}, 400, feedback.REASON_ONLY_DOWN),
        ({"rating": "meh"}, 400, feedback.UNKNOWN_RATING),
        ({"rating": "down", "reason": "wrong", "text": "het antwoord was fout"}, 400, chat_guard.BAD_REQUEST.text),
        ({"rating": "down", "reason": ["wrong"]}, 400, chat_guard.BAD_REQUEST.text),
        ({"rating": "down", "message_id": "../../etc"}, 400, feedback.UNREADABLE),
        ({"rating": "down", "sender": "fb http"}, 400, chat_guard.BAD_REQUEST.text),
        (b"{not json", 400, chat_guard.BAD_REQUEST.text),
        (b"[]", 400, chat_guard.BAD_REQUEST.text),
        (json.dumps({"rating": "down", "reason": "x" * 2000}).encode(), 400, chat_guard.BAD_REQUEST.text),
    ],
)
def test_bad_bodies_are_refused_with_a_dutch_error(stack, body, status, error):
    if isinstance(body, dict):
        body = {"sender": "fb-http-bad", "message_id": mid(), **body}
    got_status, reply = rate(stack, body)
    assert (got_status, reply) == (status, {"error": error})
    assert not [r for r in stored_feedback(stack) if r[0] == "fb-http-bad"]


def test_one_client_cannot_rate_faster_than_its_limit(stack):
    message_id = marker(say(stack, "fb-http-limit", "Welke persoonsgegevens verzamelen jullie?"))
    assert message_id
    address = client()
    body = {"sender": "fb-http-limit", "message_id": message_id, "rating": "up"}
    statuses = [rate(stack, body, address=address)[0] for _ in range(7)]
    assert statuses == [200] * 6 + [429]
    status, reply = rate(stack, body, address=address)
    assert status == 429 and "sneller" in reply["error"]
    assert rate(stack, body)[0] == 200  # another visitor is not held up

"""Cross-site posts and slash commands, attacked on the running assistant (issue 15, findings 9
and 10).

Finding 9: another website could make a visitor's browser post ``text/plain`` to the chat (no
CORS preflight for that): CORS hid the reply, but the message was processed and stored.
Finding 10: a message starting with "/" that is no payload of ours was logged verbatim by
Rasa with whatever it held, and ``/restart`` or ``/session_start`` reset the conversation,
and with it the per-conversation limit on status lookups.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
import yaml

from bot.core import paths
from bot.dialogue import answers, topic_catalogue
from bot.dialogue.answer_choice import TOPIC_ENTITY
from bot.plugins import chat_guard
from bot.plugins.chat_channel import BUTTON_ENTITIES
from tests.security.conftest import SITE
from tests.security.test_running_stack import logs, request, say, text_of

WEBHOOK = "/webhooks/rest/webhook"


def post(stack, body: bytes, headers: dict):
    status, _, raw = request(stack.url + WEBHOOK, body, headers=headers)
    return status, json.loads(raw)


def events_of(stack, sender: str) -> list:
    engine = sa.create_engine(stack.database, future=True)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("select type_name, action_name, data from events where sender_id = :s order by id"), {"s": sender}
        ).all()
    engine.dispose()
    return rows


# ---------------------------------------------------------------------------- finding 9


def test_a_cross_site_text_plain_post_is_refused_and_not_stored(stack):
    body = json.dumps({"sender": "xs-plain", "message": "ik wil inzage in mijn gegevens, stuur naar x@example.be"})
    for content_type in (
        "text/plain",
        "text/plain;charset=UTF-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
    ):
        status, reply = post(stack, body.encode(), {"Content-Type": content_type, "Origin": "https://evil.example.be"})
        assert status == 415 and reply[0]["text"] == chat_guard.NOT_JSON.text, content_type
    status, reply = post(stack, body.encode(), {})  # no content type at all
    assert status == 415
    assert events_of(stack, "xs-plain") == []  # never reached Rasa


def test_json_from_a_foreign_origin_is_refused(stack):
    body = json.dumps({"sender": "xs-origin", "message": "hallo"}).encode()
    for origin in ("https://evil.example.be", "null", SITE + ".evil.example.be"):
        status, reply = post(stack, body, {"Content-Type": "application/json", "Origin": origin})
        assert status == 403 and "KMO-verzekeringen" in reply[0]["text"], origin
    assert events_of(stack, "xs-origin") == []


def test_the_widgets_own_site_and_tools_without_origin_still_work(stack):
    body = json.dumps({"sender": "xs-site", "message": "hallo"}).encode()
    status, replies = post(stack, body, {"Content-Type": "application/json; charset=utf-8", "Origin": SITE})
    assert status == 200 and replies and "sneller" not in text_of(replies)
    status, replies = post(
        stack, json.dumps({"sender": "xs-tool", "message": "hallo"}).encode(), {"Content-Type": "application/json"}
    )
    assert status == 200 and replies


# ---------------------------------------------------------------------------- finding 10


def test_an_unknown_slash_command_is_not_logged_verbatim(stack):
    secret = "Kerkstraatje 12 in Tienen"
    status, replies = say(stack, "xs-slash", f'/mijn_adres{{"adres": "{secret}"}}')
    assert status == 200 and replies
    status, replies = say(stack, "xs-slash", f"/bestaat_niet mijn adres is {secret}")
    assert status == 200 and replies
    assert secret not in logs(stack)
    # Rasa got it as ordinary text (through the NLU), not as an intent payload.
    stored = [json.loads(r.data) for r in events_of(stack, "xs-slash") if r.type_name == "user"]
    assert stored and all(not e["text"].startswith("/") for e in stored[-2:])


def test_visitors_cannot_restart_their_conversation(stack):
    say(stack, "xs-restart", "hallo")
    for command in ("/restart", "/session_start", "/back", "//restart"):
        status, replies = say(stack, "xs-restart", command)
        assert status == 200
    kinds = [r.type_name for r in events_of(stack, "xs-restart")]
    actions = [r.action_name for r in events_of(stack, "xs-restart")]
    assert "restart" not in kinds and "action_restart" not in actions
    assert kinds.count("session_started") == 1  # only the one Rasa started itself
    assert "action_back" not in actions and "rewind" not in kinds


# ---------------------------------------------------------------------------- our own payloads


def test_every_payload_of_our_own_buttons_passes_unchanged():
    domain = yaml.safe_load((paths.ROOT / "domain.yml").read_text(encoding="utf-8"))
    intents = [i if isinstance(i, str) else next(iter(i)) for i in domain["intents"]]
    payloads = {
        b["payload"]
        for variants in domain["responses"].values()
        for v in variants
        for b in v.get("buttons", [])
        if b["payload"].startswith("/")
    }
    payloads |= {answers.topic_payload(key) for key in topic_catalogue.TOPICS}
    payloads |= {answers.CLARIFY_OTHER_PAYLOAD, "/affirm", "/cancel", "/greet"}
    payloads |= {f"/{entry.offer}" for entry in topic_catalogue.TOPICS.values() if getattr(entry, "offer", None)}
    assert len(payloads) > 20
    for payload in payloads:
        assert chat_guard.neutralise_command(payload, intents, BUTTON_ENTITIES) == payload, payload
    assert BUTTON_ENTITIES == (TOPIC_ENTITY,)


def test_commands_that_are_not_ours_become_plain_text():
    intents = ["greet", "faq", "inform", "restart", "session_start", "back"]
    cases = {
        "/restart": "restart",
        "/session_start": "session_start",
        "/back": "back",
        "//greet": "greet",
        '/inform{"requester_email": "a@example.be"}': 'inform{"requester_email": "a@example.be"}',
        '/faq{"faq_topic": "x", "extra": "y"}': 'faq{"faq_topic": "x", "extra": "y"}',
        '/faq{"faq_topic": 3}': 'faq{"faq_topic": 3}',
        "/faq{kapot": "faq{kapot",
        "/onbekend": "onbekend",
        "/": "",
        "/greet hallo daar": "greet hallo daar",
    }
    for text, expected in cases.items():
        assert chat_guard.neutralise_command(text, intents, ("faq_topic",)) == expected, text
    assert chat_guard.neutralise_command("hallo /restart", intents, ()) == "hallo /restart"
    assert (
        chat_guard.neutralise_command('/faq{"faq_topic": "bewaartermijn"}', intents, ("faq_topic",))
        == '/faq{"faq_topic": "bewaartermijn"}'
    )


def test_rasa_does_not_tell_its_version(stack):
    import rasa

    status, _, body = request(stack.url + "/")
    assert status == 200 and body.decode() == "ok"
    assert rasa.__version__ not in body.decode()

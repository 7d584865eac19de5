"""Attacks on the running assistant (one Rasa server, action server, SQLite), through the
same HTTP a visitor or an attacker has: what is reachable, what is refused, what is stored."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from pathlib import Path
from typing import Dict, List, Tuple

import pytest
import sqlalchemy as sa

from bot.dialogue import forms
from bot.ops.stack import Stack
from bot.plugins import chat_guard
from tests.security.conftest import SITE


def national_number(birth: str = "850730", serial: str = "033") -> str:
    base = int(birth + serial)
    return f"{birth[:2]}.{birth[2:4]}.{birth[4:]}-{serial}.{97 - base % 97:02d}"


def iban_be(account: str = "5390075470") -> str:
    bban = account + f"{int(account) % 97 or 97:02d}"  # bank code and account, then their check
    check = 98 - int(bban + "111400") % 97  # "BE00" moved to the end, letters as numbers
    return f"BE{check:02d}{bban}"


def request(
    url: str, data: bytes = None, method: str = None, headers: Dict[str, str] = None
) -> Tuple[int, Dict[str, str], bytes]:
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=60) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def say(stack: Stack, sender: str, text: str) -> Tuple[int, List[dict]]:
    status, _, body = request(
        f"{stack.url}/webhooks/rest/webhook",
        json.dumps({"sender": sender, "message": text}).encode(),
        headers={"Content-Type": "application/json"},
    )
    return status, json.loads(body)


def text_of(replies: List[dict]) -> str:
    return " ".join(r.get("text", "") for r in replies)


def stored_texts(stack: Stack) -> str:
    engine = sa.create_engine(stack.database, future=True)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("select data from events")).all()
    engine.dispose()
    return "\n".join(json.loads(r.data).get("text") or "" for r in rows)


def logs(stack: Stack) -> str:
    return "\n".join(p.read_text(errors="replace") for p in (stack.var / "logs").glob("*.log"))


def test_rasas_http_api_is_not_reachable(stack):
    for method, path in [
        ("GET", "/conversations/someone/tracker"),
        ("POST", "/model/parse"),
        ("GET", "/domain"),
        ("PUT", "/model"),
        ("POST", "/conversations/someone/messages"),
        ("GET", "/status"),
    ]:
        status, _, _ = request(stack.url + path, data=b"{}" if method != "GET" else None, method=method)
        assert status in (404, 405), (method, path, status)


def test_the_action_server_listens_on_loopback_only(stack):
    listening = {}
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        if state == "0A":  # LISTEN
            address, port = local.split(":")
            listening[int(port, 16)] = address
    assert listening[stack.actions.port] == "0100007F"  # 127.0.0.1, not 0.0.0.0
    assert listening[stack.port] == "0100007F"


def test_cors_allows_the_site_only(stack):
    for origin, allowed in ((SITE, True), ("https://evil.example.be", False)):
        status, headers, _ = request(
            f"{stack.url}/webhooks/rest/webhook",
            method="OPTIONS",
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type",
            },
        )
        granted = {k.lower(): v for k, v in headers.items()}.get("access-control-allow-origin")
        assert (granted == origin) is allowed, (origin, status, headers)


@pytest.mark.parametrize(
    "body",
    [
        b"{kapot",
        b'{"message": "zonder afzender"}',
        b"[1,2]",
        b"\xff\x00",
        json.dumps({"sender": "s" * 500, "message": "x"}).encode(),
        json.dumps({"sender": "s", "message": "a" * 1_000_000}).encode(),
    ],
    ids=["broken-json", "no-sender", "array", "not-utf8", "long-sender", "one-megabyte"],
)
def test_malformed_requests_get_a_dutch_refusal_never_a_5xx(stack, body):
    status, headers, raw = request(
        f"{stack.url}/webhooks/rest/webhook", body, headers={"Content-Type": "application/json"}
    )
    assert status in (400, 413)
    reply = json.loads(raw)
    assert reply[0]["text"] in (chat_guard.BAD_REQUEST.text, chat_guard.TOO_LARGE.text)
    assert "Traceback" not in raw.decode() and headers.get("X-Content-Type-Options") == "nosniff"


def test_an_over_long_message_is_answered_and_not_stored(stack):
    status, replies = say(stack, "sec-long", "privacy " * 200)
    assert status == 200 and "te lang" in text_of(replies)
    assert "privacy privacy" not in stored_texts(stack)


def test_sensitive_data_is_redacted_before_storage_and_never_logged(stack):
    number, iban = national_number(), iban_be()
    status, replies = say(
        stack, "sec-sensitive", f"mijn rijksregisternummer is {number}, waarvoor gebruiken jullie dat?"
    )
    assert status == 200
    assert "rijksregisternummer" in replies[0]["text"] and "weggelaten" in replies[0]["text"]
    assert len([r for r in replies if r.get("text")]) > 1  # and the question itself is still answered
    echoed = [r["custom"]["redacted"] for r in replies if "redacted" in r.get("custom", {})]  # what the widget keeps
    assert echoed and "[rijksregisternummer weggelaten]" in echoed[0] and number not in echoed[0]
    say(stack, "sec-sensitive", f"betaal terug op {iban[:4]} {iban[4:8]} {iban[8:12]} {iban[12:]} aub")
    say(stack, "sec-sensitive", "ik heb diabetes, is dat een probleem voor mijn verzekering?")
    stored, logged = stored_texts(stack), logs(stack)
    digits = re.sub(r"\D", "", number)
    for secret in (number, digits, iban, iban[4:8] + " " + iban[8:12], "diabetes"):
        assert secret not in stored, secret
        assert secret not in logged, secret
    assert "weggelaten" in stored  # the redacted text is what Rasa got


def test_the_attackers_ordinary_spellings_are_redacted_before_storage(stack):
    """Finding 3 of issue 15: these passed unredacted into the tracker store."""
    number = national_number()
    n = re.sub(r"\D", "", number)
    spellings = [
        f"{n[:2]}.{n[2:4]}.{n[4:6]} - {n[6:9]}.{n[9:]}",
        f"{n[:2]},{n[2:4]},{n[4:6]},{n[6:9]},{n[9:]}",
        f"RRN{n}",
        "BE68.5390.0754.7034",
        "4111.1111.1111.1111",
    ]
    for i, spelling in enumerate(spellings):
        status, replies = say(stack, f"sec-spelling-{i}", f"hoe lang bewaren jullie {spelling} ?")
        assert status == 200 and "weggelaten" in text_of(replies), spelling
    for i, statement in enumerate(
        [
            "hoe lang bewaren jullie mijn gegevens want ik heb een strafblad",
            "ik heb MS, welke gegevens hebben jullie",
            "ik ben moslim, wat weten jullie",
        ]
    ):
        say(stack, f"sec-words-{i}", statement)
    stored = stored_texts(stack)
    for secret in [*spellings, n, "539007547034", "4111111111111111", "strafblad", " MS,", "moslim"]:
        assert secret not in stored, secret


def test_one_conversation_cannot_flood_the_channel(stack):
    statuses = [say(stack, "sec-flood", "hallo")[0] for _ in range(10)]
    assert statuses[:8] == [200] * 8 and statuses[8:] == [429, 429]
    status, replies = say(stack, "sec-flood", "hallo")
    assert "sneller" in text_of(replies)
    assert say(stack, "sec-other", "hallo")[0] == 200  # another visitor is not affected


def test_a_client_cannot_flood_the_request_queue(stack):
    def request_flow(sender: str, email: str) -> str:
        for text in ("ik wil inzage in mijn gegevens", "Jan Peeters", email, "geen"):
            say(stack, sender, text)
        return text_of(say(stack, sender, "ja")[1])

    first = request_flow("sec-req-1", "jan.eerste@example.be")
    assert re.search(r"PRV-[0-9A-Z]{10}", first)
    second = request_flow("sec-req-2", "jan.tweede@example.be")  # a new conversation, same address
    assert second == forms.CLIENT_LIMIT_REACHED
    engine = sa.create_engine(stack.database, future=True)
    with engine.connect() as conn:
        emails = [r.email for r in conn.execute(sa.text("select email from rights_requests")).all()]
    engine.dispose()
    assert "jan.eerste@example.be" in emails and "jan.tweede@example.be" not in emails


def test_references_cannot_be_enumerated_across_conversations(stack):
    answers = []
    for n in range(3):  # three conversations, one guess each (the per-conversation limit is 3)
        say(stack, f"sec-enum-{n}", "wat is de status van mijn verzoek?")
        say(stack, f"sec-enum-{n}", f"PRV-00000000{n:02d}")
        answers.append(text_of(say(stack, f"sec-enum-{n}", "iemand@example.be")[1]))
    assert answers[2] == forms.LOOKUP_LIMIT_REACHED and answers[0] != answers[2]


def test_link_pages_cannot_be_framed_and_run_no_script(stack):
    for page in ("verify", "unsubscribe"):
        status, headers, body = request(f"{stack.url}/webhooks/privacy/{page}?token=vervalst")
        policy = headers.get("Content-Security-Policy", "")
        assert status < 500 and "<script" not in body.decode()
        assert "frame-ancestors 'none'" in policy and "script-src" not in policy and "default-src 'none'" in policy
        assert headers.get("X-Content-Type-Options") == "nosniff"

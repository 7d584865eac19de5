"""A request from submission to verification, reminder and expiry; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlparse

import pytest
import sqlalchemy as sa

from bot.privacy import rights, tokens, verification
from bot.store.db import Store, migrate
from bot.store.models import OutboxMessage
from tests.conftest import DATABASES

NOW = datetime(2026, 5, 4, 9, 30, tzinfo=timezone.utc)


@pytest.fixture(params=DATABASES)
def store(request, tmp_path, monkeypatch):
    monkeypatch.setenv("PRIVACYBOT_SECRET_KEY", "flow-test-key-" + "z" * 40)
    url = f"sqlite:///{tmp_path / 'flow.db'}" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    migrate(url)
    store = Store(url)
    yield store
    store.dispose()


def submit(store, email="jan@example.be", now=NOW):
    return verification.submit(
        store,
        rights.NewRequest(request_type="access", name="Jan Peeters", email=email, conversation_id="conv-7"),
        now=now,
    )


def outbox(store):
    with store.session() as session:
        return [
            (m.kind, m.recipient, m.subject, m.body)
            for m in session.execute(sa.select(OutboxMessage).order_by(OutboxMessage.id)).scalars()
        ]


def token_from(body: str) -> str:
    link = next(word for word in body.split() if "/webhooks/privacy/verify?token=" in word)
    return parse_qs(urlparse(link).query)["token"][0]


def test_submission_stores_the_request_and_both_mails_together(store):
    request = submit(store)
    mails = outbox(store)
    assert [(kind, to) for kind, to, *_ in mails] == [
        ("confirmation", "jan@example.be"),
        ("notification", "privacy@kmo-verzekeringen.be"),
    ]
    confirmation = mails[0][3]
    assert request.reference in confirmation and "04/06/2026" in confirmation
    assert "privacy@kmo-verzekeringen.be" in confirmation
    assert "Jan Peeters" not in mails[1][3] and "jan@example.be" not in mails[1][3]  # no personal data


def test_nothing_is_stored_when_the_transaction_fails(store):
    def broken(session, request):
        raise RuntimeError("mail queue down")

    with pytest.raises(RuntimeError):
        rights.open_request(store, rights.NewRequest("access", "Jan", "jan@example.be"), on_created=broken)
    with store.session() as session:
        assert session.execute(sa.text("select count(*) from rights_requests")).scalar() == 0


def test_the_link_verifies_its_own_request_only(store):
    first = submit(store)
    second = submit(store, now=NOW + timedelta(hours=1))  # same address, asks again
    token = token_from(outbox(store)[0][3])
    verified = verification.confirm_by_link(store, token, now=NOW + timedelta(hours=2))
    assert verified.reference == first.reference and verified.status == rights.OPEN
    assert rights.get(store, second.reference).status == rights.UNVERIFIED
    again = verification.confirm_by_link(store, token, now=NOW + timedelta(hours=3))
    assert again.status == rights.OPEN
    events = rights.get(store, first.reference).events
    assert [(e.actor, e.to_status) for e in events] == [("chat", "unverified"), ("aanvrager (link)", "open")]


def test_tampered_or_expired_links_change_nothing(store):
    request = submit(store)
    token = token_from(outbox(store)[0][3])
    with pytest.raises(tokens.TokenError):
        verification.confirm_by_link(store, token[:-3] + "abc", now=NOW)
    with pytest.raises(tokens.TokenError, match="verlopen"):
        verification.confirm_by_link(store, token, now=NOW + timedelta(days=8))
    assert rights.get(store, request.reference).status == rights.UNVERIFIED


def test_reminded_once_after_a_day_and_closed_after_a_week(store):
    request = submit(store)
    assert verification.housekeeping(store, now=NOW + timedelta(hours=23)).reminded == 0
    assert verification.housekeeping(store, now=NOW + timedelta(hours=25)).reminded == 1
    assert verification.housekeeping(store, now=NOW + timedelta(hours=30)).reminded == 0
    assert [kind for kind, *_ in outbox(store)].count("reminder") == 1
    report = verification.housekeeping(store, now=NOW + timedelta(days=7, minutes=1))
    assert report.expired == 1
    closed = rights.get(store, request.reference)
    assert closed.status == rights.EXPIRED and closed.events[-1].actor == "systeem"


def test_an_unreachable_database_raises_instead_of_confirming(tmp_path):
    store = Store("postgresql://nobody@127.0.0.1:1/none")
    with pytest.raises(sa.exc.OperationalError):
        submit(store)
    store.dispose()


def test_one_address_gets_at_most_the_daily_verification_mails_reminders_included(store, monkeypatch):
    monkeypatch.setenv("PRIVACYBOT_VERIFY_MAIL_LIMIT_PER_ADDRESS", "2")
    first, second, third = (submit(store, now=NOW + timedelta(minutes=n)) for n in range(3))
    assert [verification.verification_mailed(store, r) for r in (first, second, third)] == [True, True, False]
    assert rights.get(store, third.reference).status == rights.UNVERIFIED  # registered all the same
    notes = [body for kind, _, _, body in outbox(store) if kind == "notification"]
    assert "geen bevestigingsmail" in notes[2] and "geen bevestigingsmail" not in notes[0]
    # A day later the two confirmations still count until they are 24 hours old...
    assert verification.housekeeping(store, now=NOW + timedelta(hours=23, minutes=59)).reminded == 0
    # ...then two reminders fit in the new 24 hours, and the third waits for a later run.
    assert verification.housekeeping(store, now=NOW + timedelta(hours=24, minutes=3)).reminded == 2
    assert verification.housekeeping(store, now=NOW + timedelta(hours=30)).reminded == 0
    assert verification.housekeeping(store, now=NOW + timedelta(hours=48, minutes=5)).reminded == 1
    assert all("Jan Peeters" not in body for kind, _, _, body in outbox(store) if kind != "notification")


def test_the_verification_mail_says_what_the_link_proves(store):
    submit(store)
    confirmation = outbox(store)[0][3]
    assert "Jan Peeters" not in confirmation  # typed by whoever asked: not mailed to an unproven address
    assert "dat je dit mailadres beheert, niet wie je bent" in confirmation

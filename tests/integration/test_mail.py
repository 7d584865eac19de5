"""The outbox and its sender, against a real local SMTP server (aiosmtpd)."""

from __future__ import annotations

import email
from datetime import timedelta

import pytest

from bot.core.clock import now_utc
from bot.privacy import mail
from bot.store.db import Store, migrate
from bot.store.models import OutboxMessage


@pytest.fixture
def store(tmp_path):
    url = f"sqlite:///{tmp_path / 'mail.db'}"
    migrate(url)
    store = Store(url)
    yield store
    store.dispose()


def queue_one(store, recipient="jan@example.be"):
    with store.session() as session:
        mail.queue(
            session,
            kind="confirmation",
            recipient=recipient,
            subject="Je verzoek PRV-TEST",
            body="We hebben je verzoek goed ontvangen.",
        )


def test_mail_is_delivered_by_smtp_and_read_back(store, smtp_server):
    controller, inbox = smtp_server
    queue_one(store)
    transport = mail.SmtpTransport("127.0.0.1", controller.port)
    report = mail.deliver_pending(store, transport)
    assert (report.sent, report.failed) == (1, 0)
    [received] = inbox.messages
    assert received["To"] == "jan@example.be" and received["Subject"] == "Je verzoek PRV-TEST"
    assert "goed ontvangen" in received.get_payload()
    assert mail.deliver_pending(store, transport).sent == 0  # sent once, not twice


def test_failed_delivery_is_kept_and_retried_later(store, smtp_server):
    controller, inbox = smtp_server
    queue_one(store)
    down = mail.SmtpTransport("127.0.0.1", 1, timeout=2)  # nothing listens on port 1
    report = mail.deliver_pending(store, down)
    assert (report.sent, report.failed) == (0, 1)
    with store.session() as session:
        message = session.query(OutboxMessage).one()
        assert message.sent_at is None and message.attempts == 1 and message.last_error
    assert mail.deliver_pending(store, down).failed == 0  # not due yet: waits for the pause
    up = mail.SmtpTransport("127.0.0.1", controller.port)
    later = now_utc() + timedelta(minutes=2)
    assert mail.deliver_pending(store, up, now=later).sent == 1
    assert len(inbox.messages) == 1


def test_without_smtp_mail_goes_to_eml_files(store, tmp_path):
    queue_one(store, "marie@example.be")
    report = mail.deliver_pending(store, mail.EmlTransport(tmp_path / "outbox"))
    assert report.sent == 1
    [path] = (tmp_path / "outbox").glob("*.eml")
    parsed = email.message_from_bytes(path.read_bytes())
    assert parsed["To"] == "marie@example.be"


def test_smtp_url_is_parsed_without_leaking_it(monkeypatch):
    transport = mail.SmtpTransport.from_url("smtps://bot:geheim%21@mail.example.be:2465")
    assert (transport.host, transport.port, transport.username, transport.password, transport.tls) == (
        "mail.example.be",
        2465,
        "bot",
        "geheim!",
        True,
    )
    with pytest.raises(ValueError):
        mail.SmtpTransport.from_url("http://mail.example.be")


def test_the_staff_notification_links_to_the_request_in_the_console(store, monkeypatch):
    """Issue 16: the privacy officer clicks through to the request, not a CLI command to copy."""
    from bot.privacy import rights, verification

    monkeypatch.setenv("PRIVACYBOT_SECRET_KEY", "mail-test-key-" + "m" * 40)
    monkeypatch.setenv("PRIVACYBOT_CONSOLE_URL", "https://console.example.be/")
    request = verification.submit(
        store, rights.NewRequest(request_type="erasure", name="Jan Peeters", email="jan@example.be")
    )
    with store.session() as session:
        [note] = [m for m in session.query(OutboxMessage).all() if m.kind == "notification"]
    assert f"https://console.example.be/requests/{request.reference}\n" in note.body
    assert "privacybot requests" not in note.body
    assert "Jan Peeters" not in note.body and "jan@example.be" not in note.body  # still no personal data


def test_the_console_url_defaults_to_the_local_console(monkeypatch):
    from bot.core import settings

    monkeypatch.delenv("PRIVACYBOT_CONSOLE_URL", raising=False)
    assert settings.console_url() == "http://127.0.0.1:8001"
    assert settings.console_request_url("PRV-ABCDEFGHJK") == "http://127.0.0.1:8001/requests/PRV-ABCDEFGHJK"

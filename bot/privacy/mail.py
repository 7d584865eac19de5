"""Outgoing e-mail through the outbox: queued in the same transaction as the request,
delivered by SMTP when PRIVACYBOT_SMTP_URL is set (smtp://user:password@host:port, or
smtps:// for TLS), otherwise written as .eml files under var/outbox/. A failed delivery is
retried later with growing pauses; the message stays in the outbox until it is sent."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import List, Optional, Protocol
from urllib.parse import unquote, urlparse

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core import company, private_files, settings
from bot.core.clock import now_utc
from bot.store.db import Store
from bot.store.models import OutboxMessage

RETRY_PAUSES = [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2)]


def queue(
    session: Session,
    *,
    kind: str,
    recipient: str,
    subject: str,
    body: str,
    request_id: Optional[int] = None,
    now: Optional[datetime] = None,
) -> OutboxMessage:
    """Add a mail to the outbox inside the caller's transaction."""
    at = now or now_utc()
    message = OutboxMessage(
        kind=kind,
        recipient=recipient,
        subject=subject,
        body=body,
        request_id=request_id,
        created_at=at,
        attempts=0,
        next_attempt_at=at,
    )
    session.add(message)
    return message


class Transport(Protocol):
    def send(self, message: EmailMessage) -> None: ...


class EmlTransport:
    """Writes each message as an .eml file: the default when no SMTP server is configured."""

    def __init__(self, folder: Optional[Path] = None) -> None:
        self.folder = folder or settings.outbox_dir()

    def send(self, message: EmailMessage) -> None:
        private_files.private_dir(self.folder)  # mails hold names and addresses: 0700, files 0600
        name = message["Message-ID"].strip("<>").replace("@", "_at_") + ".eml"
        private_files.write_private(self.folder / name, bytes(message))


@dataclass
class SmtpTransport:
    host: str
    port: int
    username: Optional[str] = None
    password: Optional[str] = None
    tls: bool = False
    timeout: float = 20

    @classmethod
    def from_url(cls, url: str) -> "SmtpTransport":
        parsed = urlparse(url)
        if parsed.scheme not in {"smtp", "smtps"}:
            raise ValueError("PRIVACYBOT_SMTP_URL moet met smtp:// of smtps:// beginnen")
        return cls(
            host=parsed.hostname or "127.0.0.1",
            port=parsed.port or (465 if parsed.scheme == "smtps" else 25),
            username=unquote(parsed.username) if parsed.username else None,
            password=unquote(parsed.password) if parsed.password else None,
            tls=parsed.scheme == "smtps",
        )

    def send(self, message: EmailMessage) -> None:
        client = smtplib.SMTP_SSL if self.tls else smtplib.SMTP
        with client(self.host, self.port, timeout=self.timeout) as smtp:
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(message)


def transport_from_env() -> Transport:
    url = settings.smtp_url()
    return SmtpTransport.from_url(url) if url else EmlTransport()


def as_email(message: OutboxMessage) -> EmailMessage:
    email = EmailMessage()
    email["From"] = company.mail_sender()
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = make_msgid(idstring=f"outbox{message.id}", domain=company.MAIL_DOMAIN)
    email.set_content(message.body)
    return email


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0


def deliver_pending(
    store: Store, transport: Optional[Transport] = None, now: Optional[datetime] = None, limit: int = 100
) -> DeliveryReport:
    """Send what is due; on failure keep the mail and try again after a pause."""
    transport = transport or transport_from_env()
    at = now or now_utc()
    report = DeliveryReport()
    with store.session() as session:
        due: List[int] = list(
            session.execute(
                select(OutboxMessage.id)
                .where(OutboxMessage.sent_at.is_(None), OutboxMessage.next_attempt_at <= at)
                .order_by(OutboxMessage.id)
                .limit(limit)
            ).scalars()
        )
    for message_id in due:
        with store.session() as session:
            message = session.get(OutboxMessage, message_id, with_for_update=True)
            if message is None or message.sent_at is not None:
                continue
            try:
                transport.send(as_email(message))
            except (OSError, smtplib.SMTPException) as exc:
                message.attempts += 1
                pause = RETRY_PAUSES[min(message.attempts - 1, len(RETRY_PAUSES) - 1)]
                message.next_attempt_at = at + pause
                message.last_error = f"{type(exc).__name__}: {exc}"[:500]
                report.failed += 1
            else:
                message.attempts += 1
                message.sent_at = at
                message.last_error = None
                report.sent += 1
    return report

"""From a confirmed chat form to a registered, verified request: e-mails with a signed
verification link, verification by that link, a reminder after 24 hours and closing
unverified requests after 7 days. Every request needs its own verification, also when the
same address asked before.

The verification mails go to an address that nobody has proven yet: they carry nothing the
requester typed, say that the link proves control of the mailbox and not identity, and one
address gets at most a few a day (issue 15, finding 8)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.core import clock, limits, settings
from bot.core.company import SIGNATURE, privacy_mailbox
from bot.privacy import mail, rights, tokens
from bot.privacy.rights import TYPE_LABELS
from bot.store.db import Store
from bot.store.models import OutboxMessage, RightsRequest

VERIFY_TTL = timedelta(days=7)
REMINDER_AFTER = timedelta(hours=24)
VERIFY_PURPOSE = "verify"
VERIFY_PATH = "/webhooks/privacy/verify"
# TYPE_LABELS (bot.privacy.rights) and privacy_mailbox (bot.core.company) are used here by name.


def verification_link(reference: str, now: Optional[datetime] = None) -> str:
    token = tokens.sign(VERIFY_PURPOSE, reference, VERIFY_TTL, now=now)
    return f"{settings.public_url()}{VERIFY_PATH}?token={token}"


# What a click on the link proves, said plainly in every verification mail: staff still check
# who the person is before they hand over or change anything (the console says so too).
LINK_PROVES = (
    "Met een klik op de link bevestig je alleen dat je dit mailadres beheert, niet wie je bent. "
    "Voor we gegevens geven, wijzigen of wissen, kunnen we je nog vragen aan te tonen wie je bent."
)
VERIFICATION_KINDS = ("confirmation", "reminder")


def _confirmation(request: RightsRequest, link: str) -> str:
    """The verification mail. It goes to an address nobody has proven yet, so it holds nothing
    the requester typed (no name: an attacker could choose it and have us mail it to anyone);
    only the kind of request, its reference and the dates."""
    return (
        "Hallo,\n\n"
        f"Via de chat op onze website diende iemand met dit e-mailadres een privacyverzoek in: "
        f"{TYPE_LABELS[request.request_type]}.\n"
        f"Referentie: {request.reference}\n\n"
        f"Was jij dat? Bevestig het dan binnen 7 dagen via deze link:\n{link}\n"
        f"{LINK_PROVES}\n"
        "Zonder bevestiging behandelen we het verzoek niet.\n"
        "Was jij het niet? Dan hoef je niets te doen: na 7 dagen sluiten we het verzoek.\n\n"
        f"We antwoorden uiterlijk op {clock.show_date(request.deadline)} (één maand na ontvangst).\n"
        f"Vragen? Mail naar {privacy_mailbox()} en vermeld je referentie.\n\n"
        f"{SIGNATURE}\n"
    )


def _notification(request: RightsRequest, mailed: bool = True) -> str:
    """The staff mail about a new request. No personal data in the mailbox: it links to the
    request in the console, where a privacy officer reads the details after logging in."""
    status = "nog niet bevestigd door de aanvrager."
    if not mailed:
        status += " Er ging geen bevestigingsmail uit: dat adres kreeg vandaag al het maximum."
    return (
        f"Nieuw privacyverzoek {request.reference} ({request.request_type}), ontvangen via de chat.\n"
        f"Wettelijke termijn: {clock.show_date(request.deadline)}. Status: {status}\n\n"
        f"Open het verzoek in de console (aanmelden vereist):\n"
        f"{settings.console_request_url(request.reference)}\n\n"
        "Naam en e-mailadres van de aanvrager staan bewust niet in deze mail.\n"
    )


def _may_mail(session: Session, recipient: str, at: datetime) -> bool:
    """Whether `recipient` may get one more verification mail: at most
    PRIVACYBOT_VERIFY_MAIL_LIMIT_PER_ADDRESS in the last 24 hours (0: no limit). Counted in the
    outbox, so it holds across conversations, clients, instances and restarts."""
    limit = limits.verification_mails_per_address()
    if limit.count <= 0:
        return True
    sent = session.execute(
        select(func.count(OutboxMessage.id)).where(
            OutboxMessage.recipient == recipient,
            OutboxMessage.kind.in_(VERIFICATION_KINDS),
            OutboxMessage.created_at > at - timedelta(seconds=limit.window),
        )
    ).scalar_one()
    return sent < limit.count


def submit(store: Store, new: rights.NewRequest, now: Optional[datetime] = None) -> RightsRequest:
    """Register the request and queue its e-mails in one transaction. The verification mail
    is left out when its address already got the day's maximum (``verification_mailed`` tells);
    the request is registered all the same and the daily housekeeping's reminder may send it later."""

    def queue_mails(session, request: RightsRequest) -> None:
        mailed = _may_mail(session, request.email, now or clock.now_utc())
        if mailed:
            mail.queue(
                session,
                kind="confirmation",
                recipient=request.email,
                request_id=request.id,
                now=now,
                subject=f"Je privacyverzoek {request.reference}: bevestig je e-mailadres",
                body=_confirmation(request, verification_link(request.reference, now)),
            )
        mail.queue(
            session,
            kind="notification",
            recipient=privacy_mailbox(),
            request_id=request.id,
            now=now,
            subject=f"Nieuw privacyverzoek {request.reference}",
            body=_notification(request, mailed),
        )

    return rights.open_request(store, new, now=now, on_created=queue_mails)


def verification_mailed(store: Store, request: RightsRequest) -> bool:
    """Whether a verification mail for this request is in the outbox (what the chat may promise)."""
    with store.session() as session:
        return (
            session.execute(
                select(OutboxMessage.id).where(
                    OutboxMessage.request_id == request.id, OutboxMessage.kind.in_(VERIFICATION_KINDS)
                )
            ).first()
            is not None
        )


def confirm_by_link(store: Store, token: str, now: Optional[datetime] = None) -> RightsRequest:
    """Verify the address behind a request from its link; clicking twice is fine."""
    reference = tokens.verify(token, VERIFY_PURPOSE, now=now)
    request = rights.get(store, reference)
    if request is None:
        raise tokens.TokenError("Deze link is ongeldig.")
    if request.status != rights.UNVERIFIED:
        return request
    return rights.change_status(
        store, reference, rights.OPEN, "aanvrager (link)", "E-mailadres bevestigd via de verificatielink", now=now
    )


@dataclass
class Housekeeping:
    reminded: int = 0
    expired: int = 0


def housekeeping(store: Store, now: Optional[datetime] = None) -> Housekeeping:
    """Remind unverified requests once after 24 hours; close them after 7 days. A reminder
    waits for a later run while its address has had the day's maximum of verification mails."""
    at = now or clock.now_utc()
    report = Housekeeping()
    with store.session() as session:
        pending = list(
            session.execute(select(RightsRequest).where(RightsRequest.status == rights.UNVERIFIED)).scalars()
        )
    for request in pending:
        if at - request.received_at >= VERIFY_TTL:
            rights.change_status(
                store, request.reference, rights.EXPIRED, "systeem", "Niet bevestigd binnen 7 dagen", now=at
            )
            report.expired += 1
        elif at - request.received_at >= REMINDER_AFTER and request.reminder_sent_at is None:
            with store.session() as session:
                fresh = session.get(RightsRequest, request.id, with_for_update=True)
                if fresh.reminder_sent_at is not None:
                    continue
                if not _may_mail(session, fresh.email, at):  # the address had its day's maximum: next run
                    continue
                fresh.reminder_sent_at = at
                mail.queue(
                    session,
                    kind="reminder",
                    recipient=fresh.email,
                    request_id=fresh.id,
                    now=at,
                    subject=f"Herinnering: bevestig je privacyverzoek {fresh.reference}",
                    body=_confirmation(fresh, verification_link(fresh.reference, fresh.received_at)),
                )
            report.reminded += 1
    return report

"""From a confirmed chat form to a registered, verified request: e-mails with a signed
verification link, verification by that link, a reminder after 24 hours and closing
unverified requests after 7 days. Every request needs its own verification, also when the
same address asked before."""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import select

from bot import mail, rights, tokens
from bot.store.db import Store
from bot.store.models import RequestEvent, RightsRequest

VERIFY_TTL = timedelta(days=7)
REMINDER_AFTER = timedelta(hours=24)
VERIFY_PURPOSE = "verify"
VERIFY_PATH = "/webhooks/privacy/verify"

TYPE_LABELS = {
    "access": "inzage in je gegevens", "rectification": "rechtzetting van je gegevens",
    "erasure": "wissing van je gegevens", "restriction": "beperking van de verwerking",
    "portability": "overdraagbaarheid van je gegevens", "objection": "bezwaar tegen de verwerking",
    "marketing_objection": "bezwaar tegen direct marketing", "consent_withdrawal": "intrekking van je toestemming",
}


def privacy_mailbox() -> str:
    return os.environ.get("PRIVACYBOT_PRIVACY_MAILBOX", "privacy@kmo-verzekeringen.be")


def public_url() -> str:
    return os.environ.get("PRIVACYBOT_PUBLIC_URL", "http://127.0.0.1:5005").rstrip("/")


def verification_link(reference: str, now: Optional[datetime] = None) -> str:
    token = tokens.sign(VERIFY_PURPOSE, reference, VERIFY_TTL, now=now)
    return f"{public_url()}{VERIFY_PATH}?token={token}"


def _confirmation(request: RightsRequest, link: str) -> str:
    return (
        f"Beste {request.name},\n\n"
        f"We ontvingen je verzoek: {TYPE_LABELS[request.request_type]}.\n"
        f"Referentie: {request.reference}\n\n"
        f"Bevestig binnen 7 dagen dat dit e-mailadres van jou is, via deze link:\n{link}\n"
        "Zonder bevestiging behandelen we het verzoek niet, zodat niemand anders jouw gegevens kan opvragen.\n\n"
        f"We antwoorden uiterlijk op {request.deadline.strftime('%d/%m/%Y')} (één maand na ontvangst).\n"
        f"Vragen? Mail naar {privacy_mailbox()} en vermeld je referentie.\n\n"
        "KMO-verzekeringen (Groep LB Republico VOF)\n")


def _notification(request: RightsRequest) -> str:
    # No personal data in the mailbox: staff read the details with `privacybot requests show`.
    return (f"Nieuw privacyverzoek {request.reference} ({request.request_type}), ontvangen via de chat.\n"
            f"Wettelijke termijn: {request.deadline.strftime('%d/%m/%Y')}. Status: nog niet bevestigd door de aanvrager.\n"
            f"Details: privacybot requests show {request.reference}\n")


def submit(store: Store, new: rights.NewRequest, now: Optional[datetime] = None) -> RightsRequest:
    """Register the request and queue both e-mails in one transaction."""
    def queue_mails(session, request: RightsRequest) -> None:
        mail.queue(session, kind="confirmation", recipient=request.email, request_id=request.id, now=now,
                   subject=f"Je privacyverzoek {request.reference}: bevestig je e-mailadres",
                   body=_confirmation(request, verification_link(request.reference, now)))
        mail.queue(session, kind="notification", recipient=privacy_mailbox(), request_id=request.id, now=now,
                   subject=f"Nieuw privacyverzoek {request.reference}", body=_notification(request))

    return rights.open_request(store, new, now=now, on_created=queue_mails)


def confirm_by_link(store: Store, token: str, now: Optional[datetime] = None) -> RightsRequest:
    """Verify the address behind a request from its link; clicking twice is fine."""
    reference = tokens.verify(token, VERIFY_PURPOSE, now=now)
    request = rights.get(store, reference)
    if request is None:
        raise tokens.TokenError("Deze link is ongeldig.")
    if request.status != rights.UNVERIFIED:
        return request
    return rights.change_status(store, reference, rights.OPEN, "aanvrager (link)",
                                "E-mailadres bevestigd via de verificatielink", now=now)


@dataclass
class Housekeeping:
    reminded: int = 0
    expired: int = 0


def housekeeping(store: Store, now: Optional[datetime] = None) -> Housekeeping:
    """Remind unverified requests once after 24 hours; close them after 7 days."""
    at = now or rights.now_utc()
    report = Housekeeping()
    with store.session() as session:
        pending = list(session.execute(select(RightsRequest).where(RightsRequest.status == rights.UNVERIFIED)).scalars())
    for request in pending:
        if at - request.received_at >= VERIFY_TTL:
            rights.change_status(store, request.reference, rights.EXPIRED, "systeem",
                                 "Niet bevestigd binnen 7 dagen", now=at)
            report.expired += 1
        elif at - request.received_at >= REMINDER_AFTER and request.reminder_sent_at is None:
            with store.session() as session:
                fresh = session.get(RightsRequest, request.id, with_for_update=True)
                if fresh.reminder_sent_at is not None:
                    continue
                fresh.reminder_sent_at = at
                mail.queue(session, kind="reminder", recipient=fresh.email, request_id=fresh.id, now=at,
                           subject=f"Herinnering: bevestig je privacyverzoek {fresh.reference}",
                           body=_confirmation(fresh, verification_link(fresh.reference, fresh.received_at)))
            report.reminded += 1
    return report

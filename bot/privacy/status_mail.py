"""The mail a requester gets when staff change the status of their request (issue 16).

Staff move a request on in the console (or any other caller of ``change_status``); the
requester then hears it from us instead of having to ask the chat. The mail is queued in the
outbox in the same transaction as the status change (bot.privacy.mail.queue), so there is never a
change without its mail nor a mail about a change that was rolled back.

Who gets a mail, and why:

- Only for the statuses a requester needs to hear about: confirmed by staff (``open``), ``in
  behandeling``, ``afgehandeld`` and ``afgewezen``. Not for ``verlopen``: the verification mail
  already said that an unconfirmed request is closed after 7 days.
- Never to an address nobody proved. A request is ``niet bevestigd`` until the requester
  clicked the verification link (or staff opened it after checking who it is): anyone can type
  someone else's address in the chat, so rejecting such a request must not send that person a
  mail they never asked for (issue 15, finding 8 made the verification mail itself that
  careful). So a change *from* ``niet bevestigd`` mails only when staff open the request.
- The mail holds nothing the requester typed (no name, no details): the kind of request, its
  reference, the new status, the staff's message for the requester when they wrote one (the
  reason of a rejection is required: GDPR art. 12(4)), and where to ask: the privacy mailbox
  (bot.core.company). The internal note of the audit trail never leaves the console.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from sqlalchemy.orm import Session

from bot.core import clock, company
from bot.privacy import mail, rights
from bot.privacy.rights import TYPE_LABELS
from bot.store.db import Store
from bot.store.models import RightsRequest

KIND = "status"
MAX_MESSAGE_LENGTH = 2000

# What the mail says about each status it is sent for ("Je verzoek ... <text>.").
STATUS_SENTENCES = {
    rights.OPEN: "is bevestigd en wacht op behandeling",
    rights.IN_PROGRESS: "is in behandeling",
    rights.DONE: "is afgehandeld",
    rights.REJECTED: "is afgewezen",
}
SUBJECT_WORDS = {
    rights.OPEN: "bevestigd",
    rights.IN_PROGRESS: "in behandeling",
    rights.DONE: "afgehandeld",
    rights.REJECTED: "afgewezen",
}
# The right to complain, as the privacy statement gives it (section "Wat zijn mijn rechten").
COMPLAINT = (
    "Ben je het niet eens met deze beslissing? Dan kan je een klacht indienen bij de "
    "Gegevensbeschermingsautoriteit, Drukpersstraat 35, 1000 Brussel."
)


class StatusMailError(rights.RequestError):
    """A status change whose mail cannot be written as asked; Dutch, safe to show."""


@dataclass
class StatusChange:
    request: RightsRequest
    mailed: bool  # whether a mail to the requester was queued


def will_mail(from_status: str, to_status: str) -> bool:
    """Whether a change from ``from_status`` to ``to_status`` mails the requester (see the
    module docstring: only proven addresses, only statuses worth a mail)."""
    if to_status not in STATUS_SENTENCES:
        return False
    return from_status != rights.UNVERIFIED or to_status == rights.OPEN


def message_required(from_status: str, to_status: str) -> bool:
    """A rejection that is mailed must say why (GDPR art. 12(4))."""
    return to_status == rights.REJECTED and will_mail(from_status, to_status)


def body(request: RightsRequest, to_status: str, message: Optional[str] = None) -> str:
    """The mail's text: Dutch, "je", short; nothing the requester typed."""
    lines = [
        "Hallo,",
        "",
        f"Je privacyverzoek {request.reference} ({TYPE_LABELS[request.request_type]}) {STATUS_SENTENCES[to_status]}.",
    ]
    if message:
        lines += ["", "Bericht van onze privacydienst:", message]
    if to_status in rights.ACTIVE:
        lines += ["", f"We antwoorden uiterlijk op {clock.show_date(request.deadline)} (één maand na ontvangst)."]
    if to_status == rights.REJECTED:
        lines += ["", COMPLAINT]
    lines += [
        "",
        f"Vragen? Mail naar {company.privacy_mailbox()} en vermeld je referentie {request.reference}.",
        "",
        company.SIGNATURE,
        "",
    ]
    return "\n".join(lines)


def subject(request: RightsRequest, to_status: str) -> str:
    return f"Je privacyverzoek {request.reference}: {SUBJECT_WORDS[to_status]}"


def _clean_message(message: Optional[str]) -> Optional[str]:
    text = (message or "").strip().replace("\r\n", "\n")
    if len(text) > MAX_MESSAGE_LENGTH:
        raise StatusMailError(f"Het bericht aan de aanvrager mag hoogstens {MAX_MESSAGE_LENGTH} tekens hebben.")
    return text or None


def change_status(
    store: Store,
    reference: str,
    to_status: str,
    actor: str,
    note: Optional[str] = None,
    message: Optional[str] = None,
    now: Optional[datetime] = None,
) -> StatusChange:
    """rights.change_status, plus the requester's mail queued in the same transaction when
    ``will_mail`` says so. ``message`` is for the requester (required for a mailed rejection);
    ``note`` stays on the audit trail."""
    text = _clean_message(message)
    queued = []

    def queue_mail(session: Session, request: RightsRequest, from_status: str) -> None:
        if message_required(from_status, to_status) and not text:
            raise StatusMailError("Schrijf bij een afwijzing de reden voor de aanvrager: die staat in de mail.")
        if not will_mail(from_status, to_status):
            return
        mail.queue(
            session,
            kind=KIND,
            recipient=request.email,
            request_id=request.id,
            now=now,
            subject=subject(request, to_status),
            body=body(request, to_status, text),
        )
        request.events[-1].note = f"{note or ''} (mail aan de aanvrager)".strip()  # the trail says a mail went out
        queued.append(True)

    request = rights.change_status(store, reference, to_status, actor, note, now=now, on_changed=queue_mail)
    return StatusChange(request, mailed=bool(queued))

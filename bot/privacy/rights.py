"""GDPR rights requests: opening, verifying, handling, looking up. Plain Python over the
store, shared by the chat actions, the staff CLI and the console."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Callable, Dict, List, Optional

from dateutil.relativedelta import relativedelta
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.core import clock
from bot.core.clock import BRUSSELS, now_utc
from bot.privacy.contact import normalise_email
from bot.privacy.references import new_reference
from bot.store.db import Store
from bot.store.models import RequestEvent, RightsRequest

REQUEST_TYPES = (
    "access",
    "rectification",
    "erasure",
    "restriction",
    "portability",
    "objection",
    "marketing_objection",
    "consent_withdrawal",
)
# What each right is called in Dutch, in the visitor's words ("inzage in je gegevens"): the chat
# form, the verification and status mails, and the console's request list.
TYPE_LABELS = {
    "access": "inzage in je gegevens",
    "rectification": "rechtzetting van je gegevens",
    "erasure": "wissing van je gegevens",
    "restriction": "beperking van de verwerking",
    "portability": "overdraagbaarheid van je gegevens",
    "objection": "bezwaar tegen de verwerking",
    "marketing_objection": "bezwaar tegen direct marketing",
    "consent_withdrawal": "intrekking van je toestemming",
}

UNVERIFIED, OPEN, IN_PROGRESS, DONE, REJECTED, EXPIRED = (
    "unverified",
    "open",
    "in_progress",
    "done",
    "rejected",
    "expired",
)
TRANSITIONS = {
    UNVERIFIED: {OPEN, REJECTED, EXPIRED},
    OPEN: {IN_PROGRESS, DONE, REJECTED},
    IN_PROGRESS: {DONE, REJECTED},
    DONE: set(),
    REJECTED: set(),
    EXPIRED: set(),
}
ACTIVE = {UNVERIFIED, OPEN, IN_PROGRESS}
# The order in which a request normally moves: lists and status choices follow it.
STATUS_ORDER = (UNVERIFIED, OPEN, IN_PROGRESS, DONE, REJECTED, EXPIRED)
# Staff's Dutch names of the statuses (console, messages); 'overdue' is a filter, not a status.
STATUS_LABELS = {
    UNVERIFIED: "niet bevestigd",
    OPEN: "open",
    IN_PROGRESS: "in behandeling",
    DONE: "afgehandeld",
    REJECTED: "afgewezen",
    EXPIRED: "verlopen",
    "overdue": "over termijn",
}


class RequestError(ValueError):
    """A request that cannot be made or changed; the message is Dutch and safe to show."""


def legal_deadline(received_at: datetime) -> date:
    """One month from receipt (GDPR art. 12(3)), on the Brussels calendar."""
    return received_at.astimezone(BRUSSELS).date() + relativedelta(months=1)


@dataclass
class NewRequest:
    request_type: str
    name: str
    email: str
    customer_number: Optional[str] = None
    details: Optional[str] = None
    conversation_id: Optional[str] = None


def open_request(
    store: Store,
    new: NewRequest,
    now: Optional[datetime] = None,
    on_created: Optional[Callable[[Session, RightsRequest], None]] = None,
) -> RightsRequest:
    """Store a new, unverified request; returns it only after the commit succeeded.
    ``on_created`` runs inside the same transaction (e.g. to queue its e-mails)."""
    if new.request_type not in REQUEST_TYPES:
        raise RequestError(f"Onbekend soort verzoek: {new.request_type}")
    if not (new.name or "").strip():
        raise RequestError("Een naam is nodig om je verzoek te behandelen.")
    email = normalise_email(new.email)
    received = now or now_utc()
    for _ in range(5):  # a reference collision (1 in 2^50) just draws again
        request = RightsRequest(
            reference=new_reference(),
            request_type=new.request_type,
            status=UNVERIFIED,
            name=new.name.strip(),
            email=email,
            customer_number=(new.customer_number or None),
            details=(new.details or None),
            conversation_id=new.conversation_id,
            received_at=received,
            deadline=legal_deadline(received),
        )
        request.events.append(
            RequestEvent(
                at=received, actor="chat", from_status=None, to_status=UNVERIFIED, note="Aangevraagd via de chat"
            )
        )
        try:
            with store.session() as session:
                session.add(request)
                session.flush()
                if on_created is not None:
                    on_created(session, request)
            return request
        except IntegrityError:
            continue
    raise RequestError("Er kon geen uniek referentienummer gemaakt worden.")


def next_statuses(status: str) -> List[str]:
    """Where a request in ``status`` may go, in the natural order (STATUS_ORDER)."""
    allowed = TRANSITIONS.get(status, set())
    return [s for s in STATUS_ORDER if s in allowed]


def _locked(session: Session, reference: str) -> RightsRequest:
    """The request, locked for this transaction (a status change and a note never interleave)."""
    request = session.execute(
        select(RightsRequest).where(RightsRequest.reference == reference).with_for_update()
    ).scalar_one_or_none()
    if request is None:
        raise RequestError(f"Geen verzoek met referentie {reference}.")
    return request


def change_status(
    store: Store,
    reference: str,
    to_status: str,
    actor: str,
    note: Optional[str] = None,
    now: Optional[datetime] = None,
    on_changed: Optional[Callable[[Session, RightsRequest, str], None]] = None,
) -> RightsRequest:
    """Move a request to a new status, with an audit event; refuses impossible moves.
    ``on_changed(session, request, from_status)`` runs inside the same transaction (e.g. to
    queue the requester's mail, bot.privacy.status_mail), so the change and its mail stand or fall together."""
    at = now or now_utc()
    with store.session() as session:
        request = _locked(session, reference)
        if to_status not in TRANSITIONS.get(request.status, set()):
            raise RequestError(
                f"Een verzoek met status '{STATUS_LABELS.get(request.status, request.status)}' "
                f"kan niet naar '{STATUS_LABELS.get(to_status, to_status)}'."
            )
        request.events.append(
            RequestEvent(at=at, actor=actor, from_status=request.status, to_status=to_status, note=note)
        )
        if request.status == UNVERIFIED and to_status == OPEN:
            request.verified_at = at
        if to_status in {DONE, REJECTED, EXPIRED}:
            request.closed_at = at
        from_status, request.status = request.status, to_status
        if on_changed is not None:
            on_changed(session, request, from_status)
    return request


def add_note(store: Store, reference: str, actor: str, note: str, now: Optional[datetime] = None) -> RightsRequest:
    """An entry on the request's audit trail without a status change (from and to are the
    current status): what staff did for the request, e.g. erasing the requester's chats."""
    if not (note or "").strip():
        raise RequestError("Een notitie is verplicht.")
    with store.session() as session:
        request = _locked(session, reference)
        request.events.append(
            RequestEvent(
                at=now or now_utc(),
                actor=actor,
                from_status=request.status,
                to_status=request.status,
                note=note.strip(),
            )
        )
    return request


def lookup_status(store: Store, reference: str, email: str) -> Optional[str]:
    """The status, only when reference and e-mail address belong together; None otherwise,
    whichever of the two is wrong, so that a wrong pair reveals nothing."""
    try:
        address = normalise_email(email)
    except ValueError:
        return None
    with store.session() as session:
        status = session.execute(
            select(RightsRequest.status).where(
                RightsRequest.reference == (reference or "").strip().upper(), RightsRequest.email == address
            )
        ).scalar_one_or_none()
    return status


def today_in_brussels() -> date:
    return clock.today()


def is_overdue(request: RightsRequest, today: Optional[date] = None) -> bool:
    today = today or today_in_brussels()
    return request.status in ACTIVE and today > request.deadline


def days_left(request: RightsRequest, today: Optional[date] = None) -> Optional[int]:
    """Whole Brussels days until the legal deadline for an active request (0: due today,
    negative: that many days over it); None for a closed request, which no longer runs."""
    if request.status not in ACTIVE:
        return None
    return (request.deadline - (today or today_in_brussels())).days


def status_counts(store: Store, today: Optional[date] = None) -> Dict[str, int]:
    """Requests per status, plus 'overdue' (active and past the deadline) and 'all': the
    numbers on the console's filter tabs."""
    with store.session() as session:
        rows = list(session.execute(select(RightsRequest.status, RightsRequest.deadline)))
    today = today or today_in_brussels()
    counts = {status: 0 for status in STATUS_ORDER}
    counts.update(overdue=0, all=len(rows))
    for status, deadline in rows:
        counts[status] = counts.get(status, 0) + 1
        if status in ACTIVE and today > deadline:
            counts["overdue"] += 1
    return counts


def search(store: Store, needle: str, by_email: bool) -> List[RightsRequest]:
    """Requests whose reference contains ``needle`` (any case), and, with ``by_email``, whose
    e-mail address contains it; newest first. The caller checks the needle's length and who
    may search by address (the console: only roles that may see personal data)."""
    text = (needle or "").strip()
    if not text:
        return []
    wanted = RightsRequest.reference.contains(text.upper(), autoescape=True)
    if by_email:
        wanted = wanted | RightsRequest.email.contains(text.lower(), autoescape=True)
    query = select(RightsRequest).where(wanted).order_by(RightsRequest.received_at.desc(), RightsRequest.id.desc())
    with store.session() as session:
        return list(session.execute(query).scalars())


def requests_of(store: Store, email: str) -> List[RightsRequest]:
    """Every request made with this e-mail address (normalised), oldest first, with its
    events: what a data-subject export lists."""
    try:
        address = normalise_email(email)
    except ValueError:
        return []
    with store.session() as session:
        found = list(
            session.execute(
                select(RightsRequest)
                .where(RightsRequest.email == address)
                .order_by(RightsRequest.received_at, RightsRequest.id)
            ).scalars()
        )
        for request in found:
            list(request.events)
        return found


def get(store: Store, reference: str) -> Optional[RightsRequest]:
    with store.session() as session:
        request = session.execute(
            select(RightsRequest).where(RightsRequest.reference == reference)
        ).scalar_one_or_none()
        if request is not None:
            list(request.events)  # load the audit trail before the session closes
        return request


def list_requests(
    store: Store, status: Optional[str] = None, request_type: Optional[str] = None, today: Optional[date] = None
) -> List[RightsRequest]:
    """Newest first; status 'overdue' means active and past the legal deadline."""
    query = select(RightsRequest).order_by(RightsRequest.received_at.desc(), RightsRequest.id.desc())
    if status and status != "overdue":
        query = query.where(RightsRequest.status == status)
    if request_type:
        query = query.where(RightsRequest.request_type == request_type)
    with store.session() as session:
        requests = list(session.execute(query).scalars())
    if status == "overdue":
        requests = [r for r in requests if is_overdue(r, today)]
    return requests

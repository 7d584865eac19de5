"""Access and erasure requests: which conversations mention a data subject's e-mail address or
phone number, what they contain (as JSON for the subject), and erasing them.

An e-mail address matches however it was capitalised; a phone number however it was typed
("0470 12 34 56", "0470/12.34.56", "+32 470 12 34 56" are one number): both are compared in
their normalised form (bot.privacy.contact). Only what the visitor wrote is searched: the text of user
messages and the values of slots.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence

import phonenumbers

from bot.core import clock
from bot.privacy import contact, masking, optouts, retention, rights
from bot.staff import audit
from bot.staff import conversations as transcripts
from bot.store import events
from bot.store.db import Store
from bot.store.models import RightsRequest

SEARCHED_TYPES = ("user", "slot")
EXPORTED_TYPES = ("user", "bot", "slot", "action")
HIDDEN_ACTIONS = {"action_listen", "action_session_start"}  # Rasa's bookkeeping: noise in an export

# Candidates only; each is confirmed by normalise_email, so a loose pattern is fine.
_EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)


def _emails_in(text: str) -> Iterable[str]:
    for match in _EMAIL.finditer(text):
        candidate = match.group(0).lstrip(".")
        try:
            yield contact.normalise_email(candidate)
        except contact.InvalidContact:
            continue


def _phones_in(text: str) -> Iterable[str]:
    for match in phonenumbers.PhoneNumberMatcher(text, "BE"):
        yield phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)


def _searched_texts(type_name: str, event: Dict[str, Any]) -> Iterable[str]:
    if type_name == "user":
        text = events.user_text(event)
        if text:
            yield text
    elif type_name == "slot":
        yield from events.strings_in(event.get("value"))


def find_conversations(store: Store, email: Optional[str] = None, phone: Optional[str] = None) -> List[str]:
    """Sender ids of the conversations in which the visitor typed this e-mail address or phone
    number (in a message or a slot value), oldest conversation first. Raises
    contact.InvalidContact for an invalid address or number, or when neither is given."""
    if bool(email) == bool(phone):
        raise contact.InvalidContact("Geef een e-mailadres of een telefoonnummer (één van beide).")
    if email:
        wanted = contact.normalise_email(email)
        extract: Callable[[str], Iterable[str]] = _emails_in
    else:
        wanted = contact.normalise_phone(phone)
        extract = _phones_in
    # Rasa stores json.dumps output: ASCII stays as typed, so a lower-cased substring test
    # narrows the rows down. (Non-ASCII would be \\u-escaped: then only the type filter.)
    narrow = wanted if email and wanted.isascii() else None
    found: Dict[str, None] = {}
    for stored in events.read(
        store.engine, types=SEARCHED_TYPES, contains=narrow, ignore_case=True, by_conversation=False, stream=True
    ):
        if stored.sender_id in found:
            continue
        if any(
            wanted == candidate
            for text in _searched_texts(stored.type_name, stored.data)
            for candidate in extract(text)
        ):
            found[stored.sender_id] = None
    return list(found)


def _time(timestamp: Optional[float]) -> Optional[str]:
    if timestamp is None:
        return None
    return clock.iso_brussels(clock.from_epoch(timestamp))


def _export_event(
    type_name: str, timestamp: Optional[float], intent_name: Optional[str], event: Dict[str, Any]
) -> Optional[Dict[str, Any]]:
    if type_name not in EXPORTED_TYPES:
        return None
    item: Dict[str, Any] = {
        "time": _time(timestamp if timestamp is not None else event.get("timestamp")),
        "type": type_name,
    }
    if type_name == "user":
        intent = events.intent_of(events.parse_data(event)).get("name") or intent_name
        item.update(text=events.user_text(event), intent=intent)
    elif type_name == "bot":
        item["text"] = event.get("text")
    elif type_name == "slot":
        item.update(slot=event.get("name"), value=event.get("value"))
    else:
        if event.get("name") in HIDDEN_ACTIONS:
            return None
        item["action"] = event.get("name")
    return item


def export_conversations(store: Store, sender_ids: Sequence[str]) -> Dict[str, Any]:
    """What these conversations contain, for an access request: JSON-able, times in
    Europe/Brussels, only what a person can read (messages, understood intent, slots, actions)."""
    sender_ids = events.unique(sender_ids)
    conversations: Dict[str, List[Dict[str, Any]]] = {}
    for stored in events.read(store.engine, sender_ids):
        items = conversations.setdefault(stored.sender_id, [])
        item = _export_event(stored.type_name, stored.timestamp, stored.intent_name, stored.data)
        if item is not None:
            items.append(item)
    return {
        "exported_at": clock.iso_brussels(clock.now_utc(), "seconds"),
        "conversations": [{"sender_id": s, "events": conversations[s]} for s in sender_ids if s in conversations],
    }


def erase_conversations(store: Store, sender_ids: Sequence[str]) -> Dict[str, int]:
    """Delete these conversations whole (events, review, annotations, 👍/👎 feedback), as the purge does.
    Rights requests, their audit trail, opt-outs and the outbox stay. Returns counts."""
    return retention.delete_conversations(store, sender_ids)


# ---- from a rights request (issue 16): erasure and a readable export, recorded on the request -------
ERASABLE = {rights.OPEN, rights.IN_PROGRESS}  # verified and not yet closed
DOCUMENT_STATUSES = {rights.OPEN, rights.IN_PROGRESS, rights.DONE}  # verified: the data may go to the requester


ERASURE = "erasure"  # one of rights.REQUEST_TYPES


class SubjectRequestError(ValueError):
    """A request that cannot be used for this erasure or export; Dutch, safe to show."""


def _request_for(store: Store, reference: str, allowed: set, what: str) -> RightsRequest:
    request = rights.get(store, reference)
    if request is None:
        raise SubjectRequestError(f"Geen verzoek met referentie {reference}.")
    if request.status not in allowed:
        raise SubjectRequestError(
            f"{what} kan alleen voor een bevestigd verzoek dat nog loopt: dit verzoek is "
            f"'{rights.STATUS_LABELS[request.status]}'. Een onbevestigd adres kan van iemand anders zijn."
        )
    return request


def conversations_of_request(store: Store, request: RightsRequest) -> List[str]:
    """The requester's conversations: those in which the request's e-mail address was typed,
    and the conversation the request itself was made in (when it still exists)."""
    found = find_conversations(store, email=request.email)
    if request.conversation_id and request.conversation_id not in found:
        if events.exists(store.engine, request.conversation_id):
            found.append(request.conversation_id)
    return found


def erasure_candidates(store: Store, reference: str) -> List[str]:
    """What ``erase_for_request`` would erase (for the confirmation step), after the same checks."""
    request = _request_for(store, reference, ERASABLE, "Wissen vanuit een verzoek")
    if request.request_type != ERASURE:
        raise SubjectRequestError("Gesprekken wissen vanuit een verzoek kan alleen bij een wissingsverzoek.")
    return conversations_of_request(store, request)


def erase_for_request(store: Store, reference: str, actor: str) -> Dict[str, int]:
    """Erase the requester's conversations for an erasure request, and record it on the
    request's audit trail and in the staff audit (counts only, never the address)."""
    found = erasure_candidates(store, reference)
    counts = erase_conversations(store, found)
    note_erasure(store, reference, actor, counts)
    audit.record(store, actor, "erase_subject", target=reference, detail=f"via verzoek: {counts}")
    return counts


def note_erasure(store: Store, reference: str, actor: str, counts: Dict[str, int]) -> None:
    """The erasure on the request's audit trail (counts only): whoever reads the request later
    sees that and when the chats were erased, and by whom."""
    rights.add_note(
        store,
        reference,
        actor,
        f"Gesprekken van de betrokkene gewist: {counts['conversations']} gesprek(ken) met {counts['events']} event(s).",
    )


@dataclass
class DocumentMessage:
    time: str  # Brussels, for people: 31/01/2025 14:05
    speaker: str  # "Jij" or "Privacybot"
    text: str
    button: bool = False  # the visitor chose a button (text is its title)


@dataclass
class DocumentConversation:
    started: str
    messages: List[DocumentMessage]
    # Not one of the person's own request conversations: found because their address was typed
    # in it, so it may be someone else's chat; other personal data in it is masked.
    found_by_address: bool = False


@dataclass
class SubjectDocument:
    """What a data subject gets for an access request, for people to read (the console
    renders it as a printable HTML page): their requests with the status history, their
    conversations (their own words and the bot's answers) and their opt-outs. Only what is
    found by the request's own address; staff notes and staff names stay out (they may name
    colleagues or other people)."""

    reference: str
    email: str
    made_at: str
    requests: List[Any]
    conversations: List[DocumentConversation]
    optouts: List[Any]


def _people_time(timestamp: Optional[float]) -> str:
    if timestamp is None:
        return ""
    return clock.show_time(clock.from_epoch(timestamp))


def masked_except(text: str, address: str, known: Dict[str, str]) -> str:
    """``text`` with personal data masked (bot.privacy.masking), except the data subject's own e-mail
    address, which stays readable wherever it was typed."""
    pieces = re.split(re.escape(address), text, flags=re.I) if address else [text]
    return address.join(masking.mask_text(piece, known) for piece in pieces)


def _readable_conversations(
    store: Store, sender_ids: Sequence[str], own: Optional[Iterable[str]] = None, address: str = ""
) -> List[DocumentConversation]:
    """Messages only (no slots, actions or scores). A button the visitor clicked shows its title;
    other payloads ("/greet", sent by the widget itself) are not something the visitor wrote.
    Conversations not in ``own`` (the person's request conversations) were found only because
    ``address`` was typed in them: someone else may have typed it, so everything personal in
    them but that address is masked (the document goes to the person, not to whoever chatted)."""
    result: List[DocumentConversation] = []
    own_ids = set(sender_ids if own is None else own)
    values = transcripts.known_values_for(store, [s for s in events.unique(sender_ids) if s not in own_ids])
    # A chat whose form took this very address (the person typed it as theirs) is theirs too.
    known = {
        sender: found for sender, found in values.items() if address.lower() not in {value.lower() for value in found}
    }
    for sender_id in events.unique(sender_ids):
        hide: Optional[Callable[[str], str]] = None
        if sender_id in known:
            hide = functools.partial(masked_except, address=address, known=known[sender_id])
        messages: List[DocumentMessage] = []
        reader = events.Reader()  # a click shows as its button's title, as in the console
        for stored in events.read(store.engine, [sender_id], types=("user", "bot")):
            when = _people_time(stored.when)
            said = reader.feed(stored.id, stored.data)
            if stored.type_name == "bot":
                if stored.data.get("text"):
                    text = str(stored.data["text"])
                    messages.append(DocumentMessage(when, "Privacybot", hide(text) if hide else text))
            elif said is not None and said.button is not None:
                messages.append(DocumentMessage(when, "Jij", said.button, button=True))
            elif said is not None and said.typed and said.text:
                messages.append(DocumentMessage(when, "Jij", hide(said.text) if hide else said.text))
        if messages:
            result.append(DocumentConversation(messages[0].time, messages, found_by_address=hide is not None))
    return result


def document_for_request(store: Store, reference: str, actor: str) -> SubjectDocument:
    """The readable export for a verified request, recorded on the request's audit trail and in
    the staff audit (counts only)."""
    request = _request_for(store, reference, DOCUMENT_STATUSES, "Een inzagedocument maken")
    # The person's own conversations: those their requests were made in. Any other chat in which
    # their address was typed is shown with the rest of its personal data masked.
    own = [r.conversation_id for r in rights.requests_of(store, request.email) if r.conversation_id]
    conversations = _readable_conversations(
        store, conversations_of_request(store, request), own=own, address=request.email
    )
    document = SubjectDocument(
        reference=request.reference,
        email=request.email,
        made_at=clock.show_time(clock.now_utc()),
        requests=rights.requests_of(store, request.email),
        conversations=conversations,
        optouts=optouts.of_address(store, request.email),
    )
    summary = (
        f"{len(conversations)} gesprek(ken), {len(document.requests)} verzoek(en), "
        f"{len(document.optouts)} afmelding(en)"
    )
    rights.add_note(store, reference, actor, f"Inzagedocument gemaakt: {summary}.")
    audit.record(store, actor, "export_subject_document", target=reference, detail=summary)
    return document


def same_email(stored: Optional[str], given: Optional[str]) -> bool:
    """Whether a request's address and the address staff searched are the same person's address
    (both normalised as the chat stores them); False when either is missing or unreadable."""
    if not stored or not given:
        return False
    try:
        return contact.normalise_email(stored) == contact.normalise_email(given)
    except contact.InvalidContact:
        return False

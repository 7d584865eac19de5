"""Access and erasure requests: which conversations mention a data subject's e-mail address or
phone number, what they contain (as JSON for the subject), and erasing them.

An e-mail address matches however it was capitalised; a phone number however it was typed
("0470 12 34 56", "0470/12.34.56", "+32 470 12 34 56" are one number): both are compared in
their normalised form (bot.contact). Only what the visitor wrote is searched: the text of user
messages and the values of slots.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence

import phonenumbers
import sqlalchemy as sa

from bot import contact, retention, tracker_events
from bot.rights import BRUSSELS
from bot.store.db import Store

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
        text = tracker_events.user_text(event)
        if text:
            yield text
    elif type_name == "slot":
        yield from tracker_events.strings_in(event.get("value"))


def find_conversations(store: Store, email: Optional[str] = None, phone: Optional[str] = None) -> List[str]:
    """Sender ids of the conversations in which the visitor typed this e-mail address or phone
    number (in a message or a slot value), oldest conversation first. Raises
    contact.InvalidContact for an invalid address or number, or when neither is given."""
    if bool(email) == bool(phone):
        raise contact.InvalidContact("Geef een e-mailadres of een telefoonnummer (één van beide).")
    table = tracker_events.events_table(store.engine)
    if email:
        wanted = contact.normalise_email(email)
        extract: Callable[[str], Iterable[str]] = _emails_in
    else:
        wanted = contact.normalise_phone(phone)
        extract = _phones_in
    if table is None:
        return []
    query = (sa.select(table.c.sender_id, table.c.type_name, table.c.data)
             .where(table.c.type_name.in_(SEARCHED_TYPES)).order_by(table.c.id))
    if email and wanted.isascii():
        # Rasa stores json.dumps output: ASCII stays as typed, so a lower-cased substring test
        # narrows the rows down. (Non-ASCII would be \\u-escaped: then only the type filter.)
        query = query.where(sa.func.lower(table.c.data, type_=sa.Text).contains(wanted, autoescape=True))
    found: Dict[str, None] = {}
    with store.engine.connect() as conn:
        rows = conn.execution_options(stream_results=True, yield_per=1000).execute(query)
        for sender_id, type_name, data in rows:
            if sender_id in found:
                continue
            event = tracker_events.parse(data)
            if any(wanted == candidate for text in _searched_texts(type_name, event) for candidate in extract(text)):
                found[sender_id] = None
    return list(found)


def _time(timestamp: Optional[float]) -> Optional[str]:
    if timestamp is None:
        return None
    return datetime.fromtimestamp(float(timestamp), tz=timezone.utc).astimezone(BRUSSELS).isoformat()


def _export_event(type_name: str, timestamp: Optional[float], intent_name: Optional[str],
                  event: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    if type_name not in EXPORTED_TYPES:
        return None
    item: Dict[str, Any] = {"time": _time(timestamp if timestamp is not None else event.get("timestamp")),
                            "type": type_name}
    if type_name == "user":
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name") or intent_name
        item.update(text=tracker_events.user_text(event), intent=intent)
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
    sender_ids = tracker_events.unique(sender_ids)
    table = tracker_events.events_table(store.engine)
    conversations: Dict[str, List[Dict[str, Any]]] = {}
    if table is not None:
        with store.engine.connect() as conn:
            for chunk in tracker_events.batches(sender_ids):
                query = (sa.select(table.c.sender_id, table.c.type_name, table.c.timestamp, table.c.intent_name,
                                   table.c.data)
                         .where(table.c.sender_id.in_(chunk)).order_by(table.c.id))
                for sender_id, type_name, timestamp, intent_name, data in conn.execute(query):
                    items = conversations.setdefault(sender_id, [])
                    item = _export_event(type_name, timestamp, intent_name, tracker_events.parse(data))
                    if item is not None:
                        items.append(item)
    return {"exported_at": datetime.now(timezone.utc).astimezone(BRUSSELS).isoformat(timespec="seconds"),
            "conversations": [{"sender_id": s, "events": conversations[s]} for s in sender_ids if s in conversations]}


def erase_conversations(store: Store, sender_ids: Sequence[str]) -> Dict[str, int]:
    """Delete these conversations whole (events, review, annotations), as the purge does.
    Rights requests, their audit trail, opt-outs and the outbox stay. Returns counts."""
    return retention.delete_conversations(store, sender_ids)

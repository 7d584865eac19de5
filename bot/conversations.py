"""Conversations as support staff see them: listed and filtered from Rasa's SQL tracker store,
and one transcript at a time, masked unless a reveal was allowed.

Rasa's own event classes (``Event.from_parameters``) read each stored event; the SQL only
narrows down which conversations and events to read.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from typing import Any, Dict, Iterable, List, Optional, Sequence, Set, Tuple

from sqlalchemy import and_, func, or_, select

from bot import masking
from bot.rights import BRUSSELS
from bot.store.db import Store
from bot.store.models import Annotation, ConversationReview, RightsRequest
from bot.tracker_events import events_table

FALLBACK_ACTIONS = {"action_fallback"}
FALLBACK_INTENTS = {"nlu_fallback"}
DEFAULT_LOW_CONFIDENCE = 0.6
# Free-text search: at least 3 characters (no probing letter by letter), at most a sentence.
MIN_SEARCH_LENGTH = 3
MAX_SEARCH_LENGTH = 200
FLAGS = ("fell_back", "low_confidence", "opened_request", "reviewed", "not_reviewed")
FLAG_LABELS = {"fell_back": "viel terug", "low_confidence": "lage zekerheid", "opened_request": "opende een verzoek",
               "reviewed": "nagekeken", "not_reviewed": "niet nagekeken"}


@dataclass
class Filters:
    date_from: Optional[date] = None
    date_to: Optional[date] = None
    intent: Optional[str] = None
    slot: Optional[str] = None
    action: Optional[str] = None
    text: Optional[str] = None
    tag: Optional[str] = None
    flag: Optional[str] = None  # one of FLAGS
    threshold: float = DEFAULT_LOW_CONFIDENCE


@dataclass
class Summary:
    sender_id: str
    started: datetime
    last: datetime
    user_messages: int
    first_message: str
    fell_back: bool = False
    low_confidence: bool = False
    opened_request: bool = False
    reviewed: bool = False
    tags: List[str] = field(default_factory=list)


@dataclass
class Page:
    items: List[Summary]
    total: int
    counts: Dict[str, int]
    page: int
    pages: int


def brussels(moment: datetime) -> str:
    return moment.astimezone(BRUSSELS).strftime("%d/%m/%Y %H:%M:%S")


def _epoch(day: date, end: bool = False) -> float:
    moment = datetime.combine(day + timedelta(days=1) if end else day, time.min, tzinfo=BRUSSELS)
    return moment.timestamp()


def _aware(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, tz=timezone.utc)


def _parse(row) -> Dict[str, Any]:
    try:
        return json.loads(row.data or "{}")
    except ValueError:
        return {}


def _reviews(store: Store, senders: Iterable[str]) -> Dict[str, ConversationReview]:
    senders = list(senders)
    found: Dict[str, ConversationReview] = {}
    with store.session() as session:
        for start in range(0, len(senders), 500):
            chunk = senders[start:start + 500]
            for review in session.execute(select(ConversationReview).where(ConversationReview.sender_id.in_(chunk))).scalars():
                found[review.sender_id] = review
    return found


def _request_senders(store: Store) -> Set[str]:
    with store.session() as session:
        return set(session.execute(select(RightsRequest.conversation_id).where(
            RightsRequest.conversation_id.is_not(None))).scalars())


def list_conversations(store: Store, filters: Filters, page: int = 1, per_page: int = 25) -> Page:
    """Newest first; the counts say how many of the conversations matching the other filters
    carry each flag (so staff see at a glance how many fell back, are unreviewed, ...)."""
    events = events_table(store.engine)
    if events is None:
        return Page([], 0, {"all": 0, **{flag: 0 for flag in FLAGS}}, 1, 1)
    base = select(events.c.sender_id).group_by(events.c.sender_id)
    having = []
    if filters.date_from:
        having.append(func.max(events.c.timestamp) >= _epoch(filters.date_from))
    if filters.date_to:
        having.append(func.min(events.c.timestamp) < _epoch(filters.date_to, end=True))
    if having:
        base = base.having(and_(*having))
    conditions = []
    if filters.intent:
        conditions.append(events.c.sender_id.in_(select(events.c.sender_id).where(events.c.intent_name == filters.intent)))
    if filters.action:
        conditions.append(events.c.sender_id.in_(select(events.c.sender_id).where(events.c.action_name == filters.action)))
    if filters.slot:  # only a real slot name, matched literally (no LIKE wildcards from the form)
        slot = filters.slot if filters.slot in domain_slots() else "\x00"
        conditions.append(events.c.sender_id.in_(select(events.c.sender_id).where(
            events.c.type_name == "slot", events.c.data.contains(f'"name": "{slot}"', autoescape=True))))
    if conditions:
        base = base.where(and_(*conditions))
    with store.engine.connect() as conn:
        senders = [row.sender_id for row in conn.execute(base)]
    if filters.text:
        senders = senders_with_text(store, senders, filters.text)
    summaries = _summaries(store, senders, filters.threshold)
    reviews = _reviews(store, senders)
    for summary in summaries.values():
        review = reviews.get(summary.sender_id)
        summary.reviewed = bool(review and review.reviewed_at)
        summary.tags = [t for t in (review.tags.split(",") if review else []) if t]
    matching = [s for s in summaries.values() if not filters.tag or filters.tag.lower() in s.tags]
    counts = {"all": len(matching), **{flag: sum(1 for s in matching if _has(s, flag)) for flag in FLAGS}}
    if filters.flag:
        matching = [s for s in matching if _has(s, filters.flag)]
    matching.sort(key=lambda s: (s.last, s.sender_id), reverse=True)
    pages = max(1, -(-len(matching) // per_page))
    page = min(max(1, page), pages)
    return Page(matching[(page - 1) * per_page: page * per_page], len(matching), counts, page, pages)


class SearchError(ValueError):
    """A free-text search the console refuses, with the Dutch reason for staff."""


def check_search_text(text: str) -> str:
    """The search text, stripped, or SearchError: short needles would let anyone probe."""
    needle = " ".join((text or "").split())
    if len(needle) < MIN_SEARCH_LENGTH:
        raise SearchError(f"Zoek op minstens {MIN_SEARCH_LENGTH} tekens.")
    if len(needle) > MAX_SEARCH_LENGTH:
        raise SearchError(f"Zoek op hoogstens {MAX_SEARCH_LENGTH} tekens.")
    return needle


def _prefilter_word(needle: str) -> Optional[str]:
    """A word of the needle that must also stand in the raw event JSON, so SQL may narrow the
    rows first (the match itself is always made on the masked text). Only words that JSON
    writes as they are (ASCII, no quote or backslash) and that cannot come from a mask label
    ("[e-mailadres]") qualify: those are the only ways the masked text differs from the raw."""
    labels = [label.lower() for label in masking.LABELS.values()]
    words = [w for w in needle.split() if w.isascii() and w.isprintable() and not set(w) & set('"\\[]')
             and not any(w in label for label in labels)]
    return max(words, key=len) if words else None


def senders_with_text(store: Store, senders: Sequence[str], text: str) -> List[str]:
    """The conversations among ``senders`` whose messages contain ``text`` *as staff see them*:
    user and bot texts after masking (``masking.mask_text`` with the conversation's known
    values), never the raw event JSON, its keys or metadata. So a search cannot confirm a
    masked e-mail address or name one guessed character at a time."""
    table = events_table(store.engine)
    needle = " ".join(text.split()).lower()
    if table is None or not senders or not needle:
        return []
    known = known_values_for(store, senders)
    word = _prefilter_word(needle)
    found: Set[str] = set()
    with store.engine.connect() as conn:
        for start in range(0, len(senders), 500):
            query = select(table.c.sender_id, table.c.data).where(
                table.c.sender_id.in_(senders[start:start + 500]), table.c.type_name.in_(("user", "bot")))
            if word:
                query = query.where(func.lower(table.c.data).contains(word, autoescape=True))
            for row in conn.execute(query):
                if row.sender_id in found:
                    continue
                shown = masking.mask_text(_parse(row).get("text") or "", known[row.sender_id])
                if needle in " ".join(shown.split()).lower():
                    found.add(row.sender_id)
    return [s for s in senders if s in found]


@lru_cache(maxsize=1)
def domain_slots() -> frozenset:
    """The slot names of domain.yml, read once: the list page asks on every request."""
    import yaml

    from bot import paths

    return frozenset(yaml.safe_load(paths.DOMAIN.read_text(encoding="utf-8")).get("slots", {}))


def known_values_for(store: Store, senders: Iterable[str]) -> Dict[str, Dict[str, str]]:
    """Per conversation, the personal values its forms collected: masked wherever it shows."""
    table = events_table(store.engine)
    senders = list(senders)
    found: Dict[str, List[Dict[str, Any]]] = {s: [] for s in senders}
    if table is None or not senders:
        return {s: {} for s in senders}
    with store.engine.connect() as conn:
        for start in range(0, len(senders), 500):
            query = select(table.c.sender_id, table.c.data).where(
                table.c.sender_id.in_(senders[start:start + 500]), table.c.type_name == "slot")
            for row in conn.execute(query):
                found[row.sender_id].append(_parse(row))
    return {sender: masking.known_values(events) for sender, events in found.items()}


def masked_preview(text: str, known: Dict[str, str], limit: int = 120) -> str:
    """Mask first, then cut: a cut half address would slip past the patterns."""
    masked = masking.mask_text(text, known)
    return masked if len(masked) <= limit else masked[:limit].rstrip() + "…"


def valid_sender(sender_id: str) -> bool:
    """Visitors choose their own sender id; one that could act as a path is refused."""
    return bool(sender_id) and len(sender_id) <= 255 and not any(c in sender_id for c in "/?#\\") and ".." not in sender_id


def _has(summary: Summary, flag: str) -> bool:
    return not summary.reviewed if flag == "not_reviewed" else bool(getattr(summary, flag))


def _summaries(store: Store, senders: Sequence[str], threshold: float) -> Dict[str, Summary]:
    events = events_table(store.engine)
    requests = _request_senders(store)
    result: Dict[str, Summary] = {}
    with store.engine.connect() as conn:
        for start in range(0, len(senders), 500):
            chunk = list(senders[start:start + 500])
            query = (select(events.c.sender_id, events.c.type_name, events.c.timestamp, events.c.intent_name,
                            events.c.action_name, events.c.data)
                     .where(events.c.sender_id.in_(chunk),
                            or_(events.c.type_name == "user", events.c.action_name.in_(FALLBACK_ACTIONS),
                                events.c.type_name == "session_started"))
                     .order_by(events.c.id))
            for row in conn.execute(query):
                summary = result.get(row.sender_id)
                moment = _aware(row.timestamp)
                if summary is None:
                    summary = result[row.sender_id] = Summary(row.sender_id, moment, moment, 0, "",
                                                              opened_request=row.sender_id in requests)
                summary.started = min(summary.started, moment)
                summary.last = max(summary.last, moment)
                if row.action_name in FALLBACK_ACTIONS:
                    summary.fell_back = True
                if row.type_name != "user":
                    continue
                data = _parse(row)
                summary.user_messages += 1
                if not summary.first_message:
                    summary.first_message = data.get("text") or ""  # masked, then cut, by the caller
                intent = (data.get("parse_data") or {}).get("intent") or {}
                if intent.get("name") in FALLBACK_INTENTS:
                    summary.fell_back = True
                confidence = intent.get("confidence")
                if confidence is not None and float(confidence) < threshold and not (data.get("text") or "").startswith("/"):
                    summary.low_confidence = True
            # the latest activity may be a bot reply: take it from all events
            last = select(events.c.sender_id, func.max(events.c.timestamp)).where(
                events.c.sender_id.in_(chunk)).group_by(events.c.sender_id)
            for sender, latest in conn.execute(last):
                if sender in result:
                    result[sender].last = _aware(latest)
    return result


# ---- one transcript -------------------------------------------------------------------------------
@dataclass
class Line:
    event_id: int
    time: str
    kind: str  # user, bot, slot, form, action
    text: str = ""
    intent: Optional[str] = None
    confidence: Optional[float] = None
    response_key: Optional[str] = None
    button: Optional[str] = None  # the title of the button the visitor clicked
    buttons: List[str] = field(default_factory=list)
    slot: Optional[str] = None
    value: Optional[str] = None
    annotated: Optional[str] = None


def transcript(store: Store, sender_id: str, reveal: bool = False) -> List[Line]:
    """The conversation as staff read it; personal data masked unless ``reveal``."""
    from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, Event, SlotSet, UserUttered

    table = events_table(store.engine)
    if table is None:
        return []
    with store.engine.connect() as conn:
        rows = list(conn.execute(select(table.c.id, table.c.data).where(table.c.sender_id == sender_id)
                                 .order_by(table.c.id)))
    parsed: List[Tuple[int, Any, Dict[str, Any]]] = []
    for row in rows:
        data = _parse(row)
        try:
            event = Event.from_parameters(data)
        except Exception:  # an event type this Rasa does not know: skip it, keep the rest
            event = None
        if event is not None:
            parsed.append((row.id, event, data))
    known = masking.known_values(d for _, e, d in parsed if isinstance(e, SlotSet))
    hide = (lambda text: text) if reveal else (lambda text: masking.mask_text(text, known))
    annotations = annotated_messages(store, sender_id)
    lines: List[Line] = []
    last_buttons: Dict[str, str] = {}
    for event_id, event, data in parsed:
        when = brussels(_aware(event.timestamp))
        if isinstance(event, UserUttered):
            parse = event.parse_data or {}
            intent = (parse.get("intent") or {})
            selector = (parse.get("response_selector") or {}).get("faq", {}).get("response", {})
            key = selector.get("intent_response_key") if intent.get("name") == "faq" else None
            text = event.text or ""
            lines.append(Line(event_id, when, "user", hide(text), intent.get("name"),
                              round(float(intent.get("confidence") or 0), 3), key,
                              button=last_buttons.get(text), annotated=annotations.get(event_id)))
            last_buttons = {}
        elif isinstance(event, BotUttered):
            buttons = (event.data or {}).get("buttons") or []
            last_buttons = {b.get("payload"): b.get("title") for b in buttons}
            lines.append(Line(event_id, when, "bot", hide(event.text or ""), buttons=[b.get("title") for b in buttons]))
        elif isinstance(event, SlotSet) and event.key not in {"requested_slot", "session_started_metadata"}:
            value = event.value
            shown = "" if value is None else str(value)
            if not reveal and event.key in masking.PERSONAL_SLOTS and value not in (None, "geen"):
                shown = masking.LABELS[masking.PERSONAL_SLOTS[event.key]]
            elif not reveal:
                shown = masking.mask_text(shown, known)
            lines.append(Line(event_id, when, "slot", slot=event.key, value=shown))
        elif isinstance(event, ActiveLoop):
            lines.append(Line(event_id, when, "form", text=event.name or "formulier gesloten"))
        elif isinstance(event, ActionExecuted) and event.action_name not in {"action_listen", "action_session_start"}:
            lines.append(Line(event_id, when, "action", text=event.action_name or ""))
    return lines


def annotated_messages(store: Store, sender_id: str) -> Dict[int, str]:
    with store.session() as session:
        return {a.event_id: a.correct_intent for a in session.execute(
            select(Annotation).where(Annotation.sender_id == sender_id)).scalars()}


def exists(store: Store, sender_id: str) -> bool:
    table = events_table(store.engine)
    if table is None:
        return False
    with store.engine.connect() as conn:
        return conn.execute(select(table.c.id).where(table.c.sender_id == sender_id).limit(1)).first() is not None


def user_message(store: Store, sender_id: str, event_id: int) -> Optional[Dict[str, Any]]:
    """The stored user message (text and predicted intent) behind an annotation."""
    table = events_table(store.engine)
    if table is None:
        return None
    with store.engine.connect() as conn:
        row = conn.execute(select(table.c.data).where(table.c.id == event_id, table.c.sender_id == sender_id,
                                                      table.c.type_name == "user")).first()
    if row is None:
        return None
    data = _parse(row)
    intent = ((data.get("parse_data") or {}).get("intent") or {}).get("name")
    selector = ((data.get("parse_data") or {}).get("response_selector") or {}).get("faq", {}).get("response", {})
    if intent == "faq" and selector.get("intent_response_key"):
        intent = selector["intent_response_key"]
    return {"text": data.get("text") or "", "intent": intent}

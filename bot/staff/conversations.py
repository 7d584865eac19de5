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
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence, Set, Tuple

from sqlalchemy import and_, func, or_, select

from bot.privacy import masking
from bot.privacy.rights import BRUSSELS
from bot.staff import feedback
from bot.store.db import Store
from bot.store.events import events_table
from bot.store.models import Annotation, ConversationReview, RightsRequest

FALLBACK_ACTIONS = {"action_fallback"}
FALLBACK_INTENTS = {"nlu_fallback"}
DEFAULT_LOW_CONFIDENCE = 0.6
# Free-text search: at least 3 characters (no probing letter by letter), at most a sentence.
MIN_SEARCH_LENGTH = 3
MAX_SEARCH_LENGTH = 200
FLAGS = ("fell_back", "low_confidence", "opened_request", "thumbs_down", "reviewed", "not_reviewed")
FLAG_LABELS = {
    "fell_back": "viel terug",
    "low_confidence": "lage zekerheid",
    "opened_request": "opende een verzoek",
    "thumbs_down": "👎 feedback",
    "reviewed": "nagekeken",
    "not_reviewed": "niet nagekeken",
}
# Transcript lines about the machinery rather than the conversation: hidden on request.
TECHNICAL_KINDS = ("slot", "form", "action")
RATING_LABELS = {"up": "👍 nuttig", "down": "👎 niet nuttig"}


@dataclass
class Filters:
    date_from: Optional[date] = None
    date_to: Optional[date] = None
    intent: Optional[str] = None
    slot: Optional[str] = None
    action: Optional[str] = None
    text: Optional[str] = None
    text_in_bot: bool = False  # the free text also in the bot's answers (never in its buttons)
    tag: Optional[str] = None
    flag: Optional[str] = None  # one of FLAGS
    threshold: float = DEFAULT_LOW_CONFIDENCE


@dataclass
class Summary:
    sender_id: str
    started: datetime
    last: datetime
    user_messages: int
    first_message: str  # the first message the visitor typed (no /greet, no button)
    first_button: Optional[str] = None  # else the title of the first button they clicked
    fell_back: bool = False
    low_confidence: bool = False
    opened_request: bool = False
    thumbs_down: bool = False
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
            chunk = senders[start : start + 500]
            for review in session.execute(
                select(ConversationReview).where(ConversationReview.sender_id.in_(chunk))
            ).scalars():
                found[review.sender_id] = review
    return found


def _request_senders(store: Store) -> Set[str]:
    with store.session() as session:
        return set(
            session.execute(
                select(RightsRequest.conversation_id).where(RightsRequest.conversation_id.is_not(None))
            ).scalars()
        )


# ---- reading a conversation as staff see it ----------------------------------------------------------
@dataclass
class Said:
    """One visitor message, as the console shows it."""

    event_id: int
    text: str  # as stored: for a click, the button's payload
    button: Optional[str] = None  # the title of the button clicked, which is what the visitor saw
    form_answer: bool = False  # it answered the question an active form asked (a name, an address)

    @property
    def typed(self) -> bool:
        """Typed by the visitor: not a button, not a command such as the widget's /greet."""
        return self.button is None and not self.text.startswith("/")


class Reader:
    """Walks one conversation's stored events (the dicts of Rasa's ``data`` column) in order and
    says, per visitor message, what staff see: a click shows as the button's title (its payload is
    hidden text such as "Welke persoonsgegevens verzamelen jullie?"), and whether it answered a
    form's question: the form was active, had asked for a slot, and then set that slot (an
    invalid answer sets it to None: still an answer, not a misunderstood question)."""

    def __init__(self) -> None:
        self.buttons: Dict[str, str] = {}  # payload -> title of the bot's buttons since the last message
        self.form: Optional[str] = None
        self.requested: Optional[str] = None
        self.waiting: Optional[Tuple[Said, str]] = None  # a message and the slot it may answer

    def feed(self, event_id: int, data: Dict[str, Any]) -> Optional[Said]:
        """The visitor message this event is, or None; a later event may still mark it a form answer."""
        kind = data.get("event")
        if kind == "bot":
            for button in (data.get("data") or {}).get("buttons") or []:
                if isinstance(button, dict) and isinstance(button.get("payload"), str):
                    self.buttons[button["payload"]] = str(button.get("title") or button["payload"])
        elif kind == "user":
            text = data.get("text") or ""
            said = Said(event_id, text, self.buttons.get(text))
            self.buttons = {}
            self.waiting = (said, self.requested) if self.form and self.requested else None
            return said
        elif kind == "active_loop":
            self.form = data.get("name")
            if not self.form:
                self.requested, self.waiting = None, None
        elif kind == "slot":
            if data.get("name") == "requested_slot":
                self.requested = data.get("value")
            elif self.waiting and data.get("name") == self.waiting[1]:
                self.waiting[0].form_answer = True
                self.waiting = None
        return None


def _ordered_events(
    store: Store, senders: Sequence[str], kinds: Sequence[str]
) -> Iterator[Tuple[str, int, Dict[str, Any]]]:
    """(sender, event id, data) of the given event types, per conversation in stored order."""
    table = events_table(store.engine)
    if table is None:
        return
    with store.engine.connect() as conn:
        for start in range(0, len(senders), 500):
            query = (
                select(table.c.sender_id, table.c.id, table.c.data)
                .where(table.c.sender_id.in_(list(senders[start : start + 500])), table.c.type_name.in_(kinds))
                .order_by(table.c.sender_id, table.c.id)
            )
            for row in conn.execute(query):
                yield row.sender_id, row.id, _parse(row)


def _response_key(data: Dict[str, Any]) -> Optional[str]:
    """faq/<topic> of a visitor message answered from the FAQ, else None."""
    parse = data.get("parse_data") or {}
    if ((parse.get("intent") or {}).get("name")) != "faq":
        return None
    key = (((parse.get("response_selector") or {}).get("faq") or {}).get("response") or {}).get("intent_response_key")
    return key if isinstance(key, str) else None


def _senders_with_topic(store: Store, senders: Sequence[str], topic: str) -> List[str]:
    """The conversations among ``senders`` with a message answered from FAQ topic ``topic``
    (faq/<key>: Rasa stores intent "faq" and the topic in the response selector)."""
    table = events_table(store.engine)
    found: Set[str] = set()
    with store.engine.connect() as conn:
        for start in range(0, len(senders), 500):
            # The ranking names other topics too: the LIKE narrows, the parsed response decides.
            query = select(table.c.sender_id, table.c.data).where(
                table.c.sender_id.in_(list(senders[start : start + 500])),
                table.c.type_name == "user",
                table.c.intent_name == "faq",
                table.c.data.contains(f'"{topic}"', autoescape=True),
            )
            for row in conn.execute(query):
                if _response_key(_parse(row)) == topic:
                    found.add(row.sender_id)
    return [s for s in senders if s in found]


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
    topic = filters.intent if filters.intent and filters.intent.startswith("faq/") else None
    if filters.intent and not topic:
        conditions.append(
            events.c.sender_id.in_(select(events.c.sender_id).where(events.c.intent_name == filters.intent))
        )
    if filters.action:
        conditions.append(
            events.c.sender_id.in_(select(events.c.sender_id).where(events.c.action_name == filters.action))
        )
    if filters.slot:  # only a real slot name, matched literally (no LIKE wildcards from the form)
        slot = filters.slot if filters.slot in domain_slots() else "\x00"
        conditions.append(
            events.c.sender_id.in_(
                select(events.c.sender_id).where(
                    events.c.type_name == "slot", events.c.data.contains(f'"name": "{slot}"', autoescape=True)
                )
            )
        )
    if conditions:
        base = base.where(and_(*conditions))
    with store.engine.connect() as conn:
        senders = [row.sender_id for row in conn.execute(base)]
    if topic:
        senders = _senders_with_topic(store, senders, topic)
    if filters.text:
        senders = senders_with_text(store, senders, filters.text, in_bot=filters.text_in_bot)
    summaries = _summaries(store, senders, filters.threshold)
    reviews = _reviews(store, senders)
    rated_down = feedback.senders_with(store, "down")
    for summary in summaries.values():
        summary.thumbs_down = summary.sender_id in rated_down
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
    return Page(matching[(page - 1) * per_page : page * per_page], len(matching), counts, page, pages)


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
    words = [
        w
        for w in needle.split()
        if w.isascii() and w.isprintable() and not set(w) & set('"\\[]') and not any(w in label for label in labels)
    ]
    return max(words, key=len) if words else None


def senders_with_text(store: Store, senders: Sequence[str], text: str, in_bot: bool = False) -> List[str]:
    """The conversations among ``senders`` whose messages contain ``text`` *as staff see them*:
    the visitor's messages after masking (``masking.mask_text`` with the conversation's known
    values), a clicked button by its title, and with ``in_bot`` the bot's answers (their own
    public addresses left readable, as in the transcript). Never a button's payload, the raw
    event JSON, its keys or metadata: so a search cannot confirm a masked e-mail address or name
    one guessed character at a time, and the greeting's buttons and words, which stand in every
    conversation, do not make every conversation match."""
    table = events_table(store.engine)
    needle = " ".join(text.split()).lower()
    if table is None or not senders or not needle:
        return []
    word = _prefilter_word(needle)
    candidates = list(senders)
    if word:  # a word of the needle must stand in one of the conversation's user or bot rows
        narrowed: Set[str] = set()
        with store.engine.connect() as conn:
            for start in range(0, len(senders), 500):
                query = (
                    select(table.c.sender_id)
                    .distinct()
                    .where(
                        table.c.sender_id.in_(list(senders[start : start + 500])),
                        table.c.type_name.in_(("user", "bot")),
                        func.lower(table.c.data).contains(word, autoescape=True),
                    )
                )
                narrowed.update(conn.execute(query).scalars())
        candidates = [s for s in senders if s in narrowed]
    known = known_values_for(store, candidates)
    found: Set[str] = set()
    readers: Dict[str, Reader] = {}
    for sender, event_id, data in _ordered_events(store, candidates, ("user", "bot")):
        if sender in found:
            continue
        reader = readers.setdefault(sender, Reader())
        said = reader.feed(event_id, data)
        if said is not None:
            shown = said.button if said.button is not None else masking.mask_text(said.text, known[sender])
        elif in_bot and data.get("event") == "bot":
            shown = masking.mask_text(data.get("text") or "", known[sender], keep_public=True)
        else:
            continue
        if needle in " ".join(shown.split()).lower():
            found.add(sender)
    return [s for s in senders if s in found]


@lru_cache(maxsize=1)
def domain_slots() -> frozenset:
    """The slot names of domain.yml, read once: the list page asks on every request."""
    import yaml

    from bot.core import paths

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
                table.c.sender_id.in_(senders[start : start + 500]), table.c.type_name == "slot"
            )
            for row in conn.execute(query):
                found[row.sender_id].append(_parse(row))
    return {sender: masking.known_values(events) for sender, events in found.items()}


def masked_preview(text: str, known: Dict[str, str], limit: int = 120) -> str:
    """Mask first, then cut: a cut half address would slip past the patterns."""
    masked = masking.mask_text(text, known)
    return masked if len(masked) <= limit else masked[:limit].rstrip() + "…"


def valid_sender(sender_id: str) -> bool:
    """Visitors choose their own sender id; one that could act as a path is refused."""
    return (
        bool(sender_id) and len(sender_id) <= 255 and not any(c in sender_id for c in "/?#\\") and ".." not in sender_id
    )


def next_unreviewed(store: Store, sender_id: str) -> Optional[str]:
    """The conversation to review after ``sender_id``: the next one not yet reviewed in the list's
    order (latest activity first), starting again at the top after the last; None when every
    other conversation is reviewed."""
    table = events_table(store.engine)
    if table is None:
        return None
    with store.engine.connect() as conn:
        ordered = [
            row.sender_id
            for row in conn.execute(
                select(table.c.sender_id, func.max(table.c.timestamp).label("last"))
                .group_by(table.c.sender_id)
                .order_by(func.max(table.c.timestamp).desc(), table.c.sender_id.desc())
            )
        ]
    with store.session() as session:
        reviewed = set(
            session.execute(
                select(ConversationReview.sender_id).where(ConversationReview.reviewed_at.is_not(None))
            ).scalars()
        )
    start = ordered.index(sender_id) + 1 if sender_id in ordered else 0
    for candidate in ordered[start:] + ordered[:start]:
        if candidate != sender_id and candidate not in reviewed and valid_sender(candidate):
            return candidate
    return None


def _has(summary: Summary, flag: str) -> bool:
    return not summary.reviewed if flag == "not_reviewed" else bool(getattr(summary, flag))


def _summaries(store: Store, senders: Sequence[str], threshold: float) -> Dict[str, Summary]:
    """Per conversation: first and last activity, the number of visitor messages, the first typed
    one, and the flags. A message answering a form's question (a name, an e-mail address) has no
    intent the model could know: it never counts as "lage zekerheid"."""
    events = events_table(store.engine)
    requests = _request_senders(store)
    result: Dict[str, Summary] = {}
    with store.engine.connect() as conn:
        for start in range(0, len(senders), 500):
            chunk = list(senders[start : start + 500])
            query = (
                select(
                    events.c.id,
                    events.c.sender_id,
                    events.c.type_name,
                    events.c.timestamp,
                    events.c.action_name,
                    events.c.data,
                )
                .where(
                    events.c.sender_id.in_(chunk),
                    or_(
                        events.c.type_name.in_(("user", "bot", "slot", "active_loop", "session_started")),
                        events.c.action_name.in_(FALLBACK_ACTIONS),
                    ),
                )
                .order_by(events.c.sender_id, events.c.id)
            )
            readers: Dict[str, Reader] = {}
            unsure: Dict[str, List[Said]] = {}
            for row in conn.execute(query):
                summary = result.get(row.sender_id)
                moment = _aware(row.timestamp)
                if summary is None:
                    summary = result[row.sender_id] = Summary(
                        row.sender_id, moment, moment, 0, "", opened_request=row.sender_id in requests
                    )
                    readers[row.sender_id], unsure[row.sender_id] = Reader(), []
                summary.started = min(summary.started, moment)
                summary.last = max(summary.last, moment)
                if row.action_name in FALLBACK_ACTIONS:
                    summary.fell_back = True
                data = _parse(row)
                said = readers[row.sender_id].feed(row.id, data)
                if said is None:
                    continue
                summary.user_messages += 1
                if said.typed and not summary.first_message:
                    summary.first_message = said.text  # masked, then cut, by the caller
                elif said.button is not None and summary.first_button is None:
                    summary.first_button = said.button
                intent = (data.get("parse_data") or {}).get("intent") or {}
                if intent.get("name") in FALLBACK_INTENTS:
                    summary.fell_back = True
                confidence = intent.get("confidence")
                if confidence is not None and float(confidence) < threshold and not said.text.startswith("/"):
                    unsure[row.sender_id].append(said)
            for sender, messages in unsure.items():  # form answers are known once the form has run
                if any(not said.form_answer for said in messages):
                    result[sender].low_confidence = True
            # the latest activity may be a bot reply: take it from all events
            last = (
                select(events.c.sender_id, func.max(events.c.timestamp))
                .where(events.c.sender_id.in_(chunk))
                .group_by(events.c.sender_id)
            )
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
    form_answer: bool = False  # a visitor's answer to a form's question: its intent says little
    rating: Optional[str] = None  # the visitor's 👍/👎 on the answer to this message (RATING_LABELS)
    reason: Optional[str] = None  # the label of the reason given with a 👎 (feedback.REASONS)

    @property
    def technical(self) -> bool:
        """Slot, form and action lines: what staff may hide to read the conversation itself."""
        return self.kind in TECHNICAL_KINDS

    @property
    def predicted(self) -> Optional[str]:
        """The label the model gave a visitor message, as annotations name it (faq/<topic>)."""
        return self.response_key or self.intent


def transcript(store: Store, sender_id: str, reveal: bool = False) -> List[Line]:
    """The conversation as staff read it; personal data masked unless ``reveal`` (the bot's
    messages keep the company's public addresses), with the visitor's ratings of the answers."""
    from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, Event, SlotSet, UserUttered

    table = events_table(store.engine)
    if table is None:
        return []
    with store.engine.connect() as conn:
        rows = list(
            conn.execute(select(table.c.id, table.c.data).where(table.c.sender_id == sender_id).order_by(table.c.id))
        )
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

    def hide(text: str, bot: bool = False) -> str:
        return text if reveal else masking.mask_text(text, known, keep_public=bot)

    annotations = annotated_messages(store, sender_id)
    ratings = feedback.for_conversation(store, sender_id)
    reader = Reader()
    said_of: Dict[int, Said] = {}
    lines: List[Line] = []
    for event_id, event, data in parsed:
        said = reader.feed(event_id, data)
        when = brussels(_aware(event.timestamp))
        if isinstance(event, UserUttered):
            intent = (event.parse_data or {}).get("intent") or {}
            rated = ratings.get(event.message_id or "")
            line = Line(
                event_id,
                when,
                "user",
                hide(event.text or ""),
                intent.get("name"),
                round(float(intent.get("confidence") or 0), 3),
                _response_key(data),
                button=said.button if said else None,
                annotated=annotations.get(event_id),
                rating=rated.rating if rated else None,
                reason=feedback.REASONS.get(rated.reason or "") if rated else None,
            )
            if said is not None:
                said_of[event_id] = said
            lines.append(line)
        elif isinstance(event, BotUttered):
            buttons = (event.data or {}).get("buttons") or []
            lines.append(
                Line(
                    event_id,
                    when,
                    "bot",
                    hide(event.text or "", bot=True),
                    buttons=[str(b.get("title")) for b in buttons if isinstance(b, dict)],
                )
            )
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
    for line in lines:  # known only once the form has run after the message
        if line.event_id in said_of:
            line.form_answer = said_of[line.event_id].form_answer
    return lines


def annotated_messages(store: Store, sender_id: str) -> Dict[int, str]:
    with store.session() as session:
        return {
            a.event_id: a.correct_intent
            for a in session.execute(select(Annotation).where(Annotation.sender_id == sender_id)).scalars()
        }


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
        row = conn.execute(
            select(table.c.data).where(
                table.c.id == event_id, table.c.sender_id == sender_id, table.c.type_name == "user"
            )
        ).first()
    if row is None:
        return None
    data = _parse(row)
    intent = _response_key(data) or ((data.get("parse_data") or {}).get("intent") or {}).get("name")
    return {"text": data.get("text") or "", "intent": intent}

"""Conversations as support staff see them: listed and filtered from Rasa's SQL tracker store,
and one transcript at a time, masked unless a reveal was allowed.

Rasa's events table is read through bot.store.events (the one module that knows its rows and
their JSON); Rasa's own event classes (``Event.from_parameters``) read each event of a transcript.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any, Dict, Iterable, List, Optional, Sequence, Set, Tuple

from sqlalchemy import select

from bot.core import clock
from bot.privacy import masking
from bot.staff import feedback
from bot.store import events
from bot.store.db import Store
from bot.store.events import Reader, Said
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
# What the list reads of each conversation (and the runs of FALLBACK_ACTIONS).
SUMMARY_TYPES = ("user", "bot", "slot", "active_loop", "session_started")
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
    return clock.show_time(moment, seconds=True)


def _epoch(day: date, end: bool = False) -> float:
    return clock.start_of_day(day + timedelta(days=1) if end else day).timestamp()


def _aware(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, tz=timezone.utc)


def _reviews(store: Store, senders: Iterable[str]) -> Dict[str, ConversationReview]:
    senders = list(senders)
    found: Dict[str, ConversationReview] = {}
    with store.session() as session:
        for chunk in events.batches(senders):
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
# Said and Reader (bot.store.events) say per visitor message what staff see: a click as its button's
# title, and whether the message answered a form's question.
def _response_key(data: Dict[str, Any]) -> Optional[str]:
    """faq/<topic> of a stored visitor message answered from the FAQ, else None."""
    return events.response_key(events.parse_data(data))


def _senders_with_topic(store: Store, senders: Sequence[str], topic: str) -> List[str]:
    """The conversations among ``senders`` with a message answered from FAQ topic ``topic``
    (faq/<key>: Rasa stores intent "faq" and the topic in the response selector)."""
    found: Set[str] = set()
    # The ranking names other topics too: the LIKE narrows, the parsed response decides.
    for event in events.read(store.engine, senders, types=("user",), intent=events.FAQ_INTENT, contains=f'"{topic}"'):
        if _response_key(event.data) == topic:
            found.add(event.sender_id)
    return [s for s in senders if s in found]


def list_conversations(store: Store, filters: Filters, page: int = 1, per_page: int = 25) -> Page:
    """Newest first; the counts say how many of the conversations matching the other filters
    carry each flag (so staff see at a glance how many fell back, are unreviewed, ...)."""
    topic = filters.intent if filters.intent and filters.intent.startswith("faq/") else None
    senders = events.conversations_where(
        store.engine,
        active_from=_epoch(filters.date_from) if filters.date_from else None,
        started_before=_epoch(filters.date_to, end=True) if filters.date_to else None,
        intent=None if topic else filters.intent,
        action=filters.action,
        # only a real slot name, matched literally (no LIKE wildcards from the form)
        slot=(filters.slot if filters.slot in domain_slots() else "\x00") if filters.slot else None,
    )
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
    needle = " ".join(text.split()).lower()
    if not senders or not needle:
        return []
    word = _prefilter_word(needle)
    candidates = list(senders)
    if word:  # a word of the needle must stand in one of the conversation's user or bot rows
        narrowed = events.senders_with(store.engine, senders, types=("user", "bot"), contains=word, ignore_case=True)
        candidates = [s for s in senders if s in narrowed]
    known = known_values_for(store, candidates)
    found: Set[str] = set()
    readers: Dict[str, Reader] = {}
    for event in events.read(store.engine, candidates, types=("user", "bot")):
        sender, data = event.sender_id, event.data
        if sender in found:
            continue
        reader = readers.setdefault(sender, Reader())
        said = reader.feed(event.id, data)
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
    senders = list(senders)
    found: Dict[str, List[Dict[str, Any]]] = {s: [] for s in senders}
    for event in events.read(store.engine, senders, types=("slot",)):
        found[event.sender_id].append(event.data)
    return {sender: masking.known_values(slots) for sender, slots in found.items()}


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
    ordered = events.latest_first(store.engine)
    if not ordered:
        return None
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
    requests = _request_senders(store)
    result: Dict[str, Summary] = {}
    for chunk in events.batches(senders):
        readers: Dict[str, Reader] = {}
        unsure: Dict[str, List[Said]] = {}
        for event in events.read(store.engine, chunk, types=SUMMARY_TYPES, actions=sorted(FALLBACK_ACTIONS)):
            summary = result.get(event.sender_id)
            moment = _aware(event.timestamp)
            if summary is None:
                summary = result[event.sender_id] = Summary(
                    event.sender_id, moment, moment, 0, "", opened_request=event.sender_id in requests
                )
                readers[event.sender_id], unsure[event.sender_id] = Reader(), []
            summary.started = min(summary.started, moment)
            summary.last = max(summary.last, moment)
            if event.action_name in FALLBACK_ACTIONS:
                summary.fell_back = True
            said = readers[event.sender_id].feed(event.id, event.data)
            if said is None:
                continue
            summary.user_messages += 1
            if said.typed and not summary.first_message:
                summary.first_message = said.text  # masked, then cut, by the caller
            elif said.button is not None and summary.first_button is None:
                summary.first_button = said.button
            intent = events.intent_of(events.parse_data(event.data))
            if intent.get("name") in FALLBACK_INTENTS:
                summary.fell_back = True
            confidence = intent.get("confidence")
            if confidence is not None and float(confidence) < threshold and not said.text.startswith("/"):
                unsure[event.sender_id].append(said)
        for sender, messages in unsure.items():  # form answers are known once the form has run
            if any(not said.form_answer for said in messages):
                result[sender].low_confidence = True
        # the latest activity may be a bot reply: take it from all events
        for sender, latest in events.latest_activity(store.engine, chunk).items():
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

    parsed: List[Tuple[int, Any, Dict[str, Any]]] = []
    for stored in events.read(store.engine, [sender_id]):
        try:
            event = Event.from_parameters(stored.data)
        except Exception:  # an event type this Rasa does not know: skip it, keep the rest
            event = None
        if event is not None:
            parsed.append((stored.id, event, stored.data))
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
            intent = events.intent_of(events.parse_data(data))
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
    return events.exists(store.engine, sender_id)


def user_message(store: Store, sender_id: str, event_id: int) -> Optional[Dict[str, Any]]:
    """The stored user message (text and predicted intent) behind an annotation."""
    for event in events.read(store.engine, [sender_id], types=("user",), event_id=event_id):
        return {"text": events.user_text(event.data), "intent": events.label(events.parse_data(event.data))}
    return None

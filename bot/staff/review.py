"""Staff's work on conversations: reviewed or not, tags, a note, and the annotation queue of
misunderstood messages that developers export as Rasa NLU YAML for retraining."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import yaml
from sqlalchemy import select

from bot.core import paths
from bot.core.clock import now_utc
from bot.privacy import masking
from bot.staff import conversations
from bot.store import events
from bot.store.db import Store
from bot.store.models import Annotation, ConversationReview

MAX_NOTE_CHARS = 2000
MAX_TAGS = 10
INTENTS_DOC = paths.ROOT / "docs" / "intents.md"
OTHER_GROUP = "Overige"


class ReviewError(ValueError):
    """A Dutch message for the staff member."""


@lru_cache(maxsize=1)
def intent_choices() -> List[str]:
    """Every label the model knows: plain intents and the FAQ topics as faq/<key>."""
    domain = yaml.safe_load(paths.DOMAIN.read_text(encoding="utf-8"))
    plain = [i for i in domain["intents"] if i != events.FAQ_INTENT]
    topics = sorted(name.removeprefix("utter_") for name in domain["responses"] if name.startswith("utter_faq/"))
    return sorted(plain) + topics


@dataclass(frozen=True)
class IntentChoice:
    """One label staff can annotate with, and what it means (from docs/intents.md)."""

    label: str
    description: str

    @property
    def option_text(self) -> str:
        """What the dropdown shows: the label and the start of its meaning."""
        if not self.description:
            return self.label
        short = self.description if len(self.description) <= 90 else self.description[:89].rstrip() + "…"
        return f"{self.label} — {short}"


_HEADING = re.compile(r"^(#{2,3})\s+(.+?)\s*$")
_TABLE_ROW = re.compile(r"^\|\s*`?([\w/]+)`?\s*\|\s*(.+?)\s*\|\s*$")
_LIST_ITEM = re.compile(r"^-\s+`([\w/]+)`:\s*(.+?)\s*$")


def _plain(markdown: str) -> str:
    """A heading or description without its Markdown: no backticks, no "(`data/nlu/x.yml`)"."""
    text = re.sub(r"\s*\(`[^`]*\.yml`(?:,\s*`[^`]*\.yml`)*\)", "", markdown)
    return re.sub(r"\*+|`", "", text).strip()


@lru_cache(maxsize=1)
def intent_catalogue() -> Tuple[Tuple[str, Tuple[IntentChoice, ...]], ...]:
    """Every label of ``intent_choices``, grouped and described as docs/intents.md (the developers'
    list of what each intent and FAQ topic means) does, so a reviewer picks "faq/retention — how
    long do you keep my data" rather than a bare name out of eighty. Labels the document does
    not describe come last, under OTHER_GROUP; groups the document has but the model lacks are left out."""
    choices = set(intent_choices())
    try:
        lines = INTENTS_DOC.read_text(encoding="utf-8").splitlines()
    except OSError:  # no docs on this machine: the bare labels still work
        lines = []
    groups: Dict[str, List[IntentChoice]] = {}
    seen: set = set()
    section, group = "", ""
    for line in lines:
        heading = _HEADING.match(line)
        if heading:
            title = _plain(heading.group(2))
            if heading.group(1) == "##":
                section, group = title, title
            else:  # a subsection: "faq: Company and statement"
                group = f"{section.split(':')[0]}: {title}" if section else title
            continue
        found = _TABLE_ROW.match(line) or _LIST_ITEM.match(line)
        if found and found.group(1) in choices and found.group(1) not in seen:
            seen.add(found.group(1))
            groups.setdefault(group or OTHER_GROUP, []).append(IntentChoice(found.group(1), _plain(found.group(2))))
    rest = [IntentChoice(label, "") for label in intent_choices() if label not in seen]
    if rest:
        groups.setdefault(OTHER_GROUP, []).extend(rest)
    return tuple((name, tuple(items)) for name, items in groups.items())


def clean_tags(raw: str) -> str:
    tags = []
    for tag in re.split(r"[,;]", raw or ""):
        tag = re.sub(r"[^\w -]", "", tag).strip().lower()[:40]
        if tag and tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise ReviewError(f"Hoogstens {MAX_TAGS} tags per gesprek.")
    return ",".join(tags)


def get_review(store: Store, sender_id: str) -> Optional[ConversationReview]:
    with store.session() as session:
        return session.get(ConversationReview, sender_id)


def save_review(
    store: Store, sender_id: str, username: str, reviewed: bool, tags: str, note: str, now: Optional[datetime] = None
) -> ConversationReview:
    if not conversations.exists(store, sender_id):
        raise ReviewError("Dit gesprek bestaat niet (meer).")
    if len(note or "") > MAX_NOTE_CHARS:
        raise ReviewError(f"Een notitie is hoogstens {MAX_NOTE_CHARS} tekens.")
    at = now or now_utc()
    with store.session() as session:
        review = session.get(ConversationReview, sender_id, with_for_update=True)
        if review is None:
            review = ConversationReview(sender_id=sender_id, tags="", updated_at=at)
            session.add(review)
        if reviewed and review.reviewed_at is None:
            review.reviewed_at, review.reviewed_by = at, username
        elif not reviewed:
            review.reviewed_at, review.reviewed_by = None, None
        review.tags = clean_tags(tags)
        review.note = (note or "").strip() or None
        review.updated_at = at
    return review


def annotate(
    store: Store, sender_id: str, event_id: int, correct_intent: str, username: str, now: Optional[datetime] = None
) -> Annotation:
    """Queue a misunderstood user message with the intent it should have had."""
    if correct_intent not in intent_choices():
        raise ReviewError("Kies een intent uit de lijst.")
    message = conversations.user_message(store, sender_id, event_id)
    if message is None:
        raise ReviewError("Dit bericht bestaat niet (meer).")
    with store.session() as session:
        existing = session.execute(
            select(Annotation).where(Annotation.sender_id == sender_id, Annotation.event_id == event_id)
        ).scalar_one_or_none()
        annotation = existing or Annotation(sender_id=sender_id, event_id=event_id)
        annotation.text = message["text"]
        annotation.predicted_intent = message["intent"]
        annotation.correct_intent = correct_intent
        annotation.created_by = username
        annotation.created_at = now or now_utc()
        annotation.exported_at = None
        if existing is None:
            session.add(annotation)
    return annotation


def remove_annotation(store: Store, sender_id: str, event_id: int) -> bool:
    """Take a message out of the annotation queue again (a wrong click, a change of mind);
    False when it was not annotated. Already exported YAML is not changed by this."""
    with store.session() as session:
        existing = session.execute(
            select(Annotation).where(Annotation.sender_id == sender_id, Annotation.event_id == event_id)
        ).scalar_one_or_none()
        if existing is None:
            return False
        session.delete(existing)
    return True


def queue(store: Store, include_exported: bool = False) -> List[Annotation]:
    query = select(Annotation).order_by(Annotation.created_at.desc(), Annotation.id.desc())
    if not include_exported:
        query = query.where(Annotation.exported_at.is_(None))
    with store.session() as session:
        return list(session.execute(query).scalars())


def export_yaml(store: Store, mark_exported: bool = True, now: Optional[datetime] = None) -> str:
    """Rasa NLU YAML (version 3.1) of the queue, personal data masked: the input of retraining.
    Retrieval topics keep their faq/<key> label, as in data/nlu/."""
    items = queue(store)
    known = conversations.known_values_for(store, {item.sender_id for item in items})
    by_intent: Dict[str, List[str]] = {}
    for item in items:
        text = " ".join(masking.mask_text(item.text, known[item.sender_id]).split())
        if text and text not in by_intent.setdefault(item.correct_intent, []):
            by_intent[item.correct_intent].append(text)
    if mark_exported and items:
        at = now or now_utc()
        with store.session() as session:
            for item in items:
                session.get(Annotation, item.id).exported_at = at
    return nlu_yaml(by_intent)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def nlu_yaml(
    examples: Mapping[str, Sequence[str]],
    comments: Optional[Mapping[str, Sequence[str]]] = None,
    header: Sequence[str] = (),
) -> str:
    """Rasa NLU YAML (version 3.1), the one writer of it: the annotation export above and the
    retraining inbox (bot/nlu/inbox.py) both hand developers a file to check and move into
    data/nlu/, so both must write it the same way.

    ``examples`` maps each label (an intent, or faq/<topic> as in data/nlu/) to its examples, one
    block per label in sorted order. ``comments`` are written as ``#`` lines *above* a label's
    block and ``header`` ones under the version: inside an ``examples: |`` block a ``#`` line is
    not a comment but one more training example. Every example and comment is put on one line
    (a line break would end the block or start a YAML key), and no label at all is ``nlu: []``."""
    comments = comments or {}
    lines = ['version: "3.1"', *(f"# {_one_line(line)}" for line in header)]
    labels = sorted(label for label, texts in examples.items() if texts)
    if not labels:
        return "\n".join([*lines, "nlu: []"]) + "\n"
    lines.append("nlu:")
    for label in labels:
        lines += [f"# {_one_line(line)}" for line in comments.get(label, ())]
        lines += [f"- intent: {label}", "  examples: |"]
        lines += [f"    - {_one_line(text)}" for text in examples[label]]
    return "\n".join(lines) + "\n"

"""The retraining inbox: real visitor messages the model was unsure about, the ones visitors
rated 👎 (bot/staff/feedback.py; however sure the model was, so confident mistakes surface too) and
the ones staff corrected in the console, as Rasa NLU YAML for a developer to check and move
into data/nlu/.

Personal data is masked, duplicates (also of existing training examples) are dropped, and a
staff correction wins over the model's guess for the same text, a 👎 over mere doubt. A 👎-rated
message keeps the model's label (the developer decides whether it was the wrong intent or a
poor answer) and is named in a comment above its block.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Dict, Iterable, List, Optional

import yaml

from bot.core import clock, paths
from bot.dialogue import answer_choice
from bot.privacy import masking
from bot.staff import conversations, feedback, review
from bot.store import events
from bot.store.db import Store

DEFAULT_BELOW = 0.6


@dataclass
class Candidate:
    text: str
    intent: str
    # "annotatie" (a staff correction), "onzeker 0.42" (the model's guess) or
    # "afgekeurd 0.97, Klopt niet" (a visitor's 👎, with the model's confidence and the reason)
    source: str
    sender_id: str = ""


def normalise(text: str) -> str:
    return re.sub(r"[^\w]+", " ", text.lower()).strip()


def training_texts(folder=paths.DATA / "nlu") -> set:
    """Every example already in the training data, normalised."""
    seen = set()
    for path in sorted(folder.glob("*.yml")):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
            for line in (block.get("examples") or "").splitlines():
                if line.strip().startswith("- "):
                    seen.add(normalise(line.strip()[2:]))
    return seen


def _confidence(parse: Dict) -> float:
    """How sure the model was. For a privacy question the doubt is in the topic choice, not in
    the intent ``faq`` (nearly always 1.0), so it is the top topic's confidence."""
    intent = events.intent_of(parse)
    confidence = float(intent.get("confidence") or 0)
    if intent.get("name") == events.FAQ_INTENT:
        ranked = answer_choice.ranking(parse)
        if ranked:
            confidence = min(confidence, ranked[0][1])
    return confidence


def unsure_messages(store: Store, below: float = DEFAULT_BELOW, since: Optional[date] = None) -> List[Candidate]:
    """Visitor messages the model was unsure of. A form answer (a typed name or address that the
    form took) is left out, as in the console's "lage zekerheid": it answers our question and its
    intent says nothing about how well the bot understands questions (bot.store.events.Reader)."""
    start = clock.start_of_day(since).timestamp() if since else None
    said: List[tuple] = []  # (order, Said, data, sender) of the user events, in stored order
    readers: Dict[str, events.Reader] = {}
    for event in events.read(store.engine, types=("user", "bot", "active_loop", "slot")):
        message = readers.setdefault(event.sender_id, events.Reader()).feed(event.id, event.data)
        if message is not None and (start is None or (event.timestamp or 0) >= start):
            said.append((event.id, message, event.data, event.sender_id))
    found = []
    for _, message, data, sender in sorted(said, key=lambda item: item[0]):
        text = (data.get("text") or "").strip()
        parse = events.parse_data(data)
        confidence = _confidence(parse)
        label = events.label(parse)
        if text and not text.startswith("/") and label and confidence < below and not message.form_answer:
            found.append(Candidate(text, label, f"onzeker {confidence:.2f}", sender))
    return found


DOWN_SOURCE = "afgekeurd"


def rated_down_messages(store: Store, since: Optional[date] = None) -> List[Candidate]:
    """The visitor messages whose answer was rated 👎, whatever the model's confidence, in the
    order they were rated; ``since`` counts from the message's own time, as for unsure ones."""
    ratings = feedback.rated(store, "down")
    if not ratings:
        return []
    wanted = {(r.sender_id, r.message_id): r for r in ratings}
    found: Dict[tuple, Candidate] = {}
    since_epoch = clock.start_of_day(since).timestamp() if since else None
    senders = sorted({r.sender_id for r in ratings})
    for event in events.read(store.engine, senders, types=("user",), since=since_epoch):
        rating = wanted.get((event.sender_id, event.data.get("message_id")))
        text = (event.data.get("text") or "").strip()
        parse = events.parse_data(event.data)
        label = events.label(parse)
        if rating is None or not text or text.startswith("/") or not label:
            continue
        source = f"{DOWN_SOURCE} {_confidence(parse):.2f}"
        if rating.reason:
            source += f", {feedback.REASONS[rating.reason]}"
        found[(event.sender_id, rating.message_id)] = Candidate(text, label, source, event.sender_id)
    return [found[key] for key in wanted if key in found]


def corrected_messages(store: Store, since: Optional[date] = None) -> List[Candidate]:
    found = []
    for item in review.queue(store, include_exported=True):
        if since and clock.in_brussels(item.created_at).date() < since:
            continue
        found.append(Candidate(item.text, item.correct_intent, "annotatie", item.sender_id))
    return found


def collect(
    store: Store, below: float = DEFAULT_BELOW, since: Optional[date] = None, known: Optional[set] = None
) -> List[Candidate]:
    """Masked, de-duplicated candidates; corrections first so that they win, then 👎-rated ones."""
    known = training_texts() if known is None else known
    chosen: Dict[str, Candidate] = {}
    candidates = [
        *corrected_messages(store, since),
        *rated_down_messages(store, since),
        *unsure_messages(store, below, since),
    ]
    personal = conversations.known_values_for(store, {c.sender_id for c in candidates})
    for candidate in candidates:
        text = " ".join(masking.mask_text(candidate.text, personal.get(candidate.sender_id)).split())
        key = normalise(text)
        if not key or key in known or key in chosen:
            continue
        chosen[key] = Candidate(text, candidate.intent, candidate.source)
    return list(chosen.values())


def to_yaml(candidates: Iterable[Candidate]) -> str:
    """Rasa NLU YAML (review.nlu_yaml), one block per intent; where each example came from is in
    a comment above its block, the 👎 ones each by name (a comment inside the block would be
    training data)."""
    by_intent: Dict[str, List[Candidate]] = {}
    for candidate in candidates:
        by_intent.setdefault(candidate.intent, []).append(candidate)
    comments: Dict[str, List[str]] = {}
    for intent, items in by_intent.items():
        sources = ", ".join(sorted({c.source.split()[0] for c in items}))
        comments[intent] = [f"{len(items)} voorbeeld(en); bron: {sources}"] + [
            f"👎 door de bezoeker afgekeurd ({c.source.split(' ', 1)[1]}): {c.text}"
            for c in items
            if c.source.startswith(DOWN_SOURCE + " ")
        ]
    return review.nlu_yaml(
        {intent: [c.text for c in items] for intent, items in by_intent.items()},
        comments,
        header=["Inbox: nakijken, het juiste intent kiezen en verplaatsen naar data/nlu/."],
    )

"""👍/👎 on the bot's answers: what a visitor thought of one turn, without personal data.

A row holds the conversation's sender id, the Rasa ``message_id`` of the visitor's message the
answer replied to, the rating ("up"/"down"), an optional reason code from the fixed list
``REASONS`` (no free text, so nothing personal can be typed into it) and when (UTC). Never the
text: the message itself stays in Rasa's events table, where retention and erasure find it, and
the feedback rows go with it (bot/privacy/retention.py).

Who calls this: the chat channel's ``POST /webhooks/rest/feedback`` (bot/plugins/chat_channel.py), the
console's transcript and conversation filter (``for_conversation``, ``senders_with``) and the
retraining inbox (bot/nlu/inbox.py, ``rated``), which puts 👎-rated messages in front of a
developer even when the model was confident, so confident mistakes surface.

A second rating of the same message replaces the first (one row per sender and message): the
widget lets a visitor change their mind and then add a reason to a 👎.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Dict, List, Optional, Set

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bot.core import clock
from bot.store import events
from bot.store.db import Store
from bot.store.models import AnswerFeedback

RATINGS = ("up", "down")
REASONS = {"not_answered": "Geen antwoord op mijn vraag", "wrong": "Klopt niet", "unclear": "Onduidelijk"}
# The chat channel gives every visitor message a uuid4 hex id (Rasa's own default format).
MESSAGE_ID_PATTERN = re.compile(r"[0-9a-f]{32}")
MAX_SENDER_LENGTH = 255  # the column; the chat channel's own pattern is stricter

UNREADABLE = "Deze feedback kon ik niet lezen. Herlaad de pagina en probeer het opnieuw."
UNKNOWN_RATING = "Geef een duimpje omhoog of omlaag."
UNKNOWN_REASON = "Kies een van de voorgestelde redenen."
REASON_ONLY_DOWN = "Een reden kan je alleen bij een duimpje omlaag geven."
UNKNOWN_MESSAGE = "Dit bericht vind ik niet terug in je gesprek. Herlaad de pagina en probeer het opnieuw."


class FeedbackError(ValueError):
    """Feedback that is refused; the message is Dutch and safe to show the visitor."""


class UnknownMessageError(FeedbackError):
    """The message id is not a visitor's message of that conversation (HTTP: 404)."""


@dataclass(frozen=True)
class Feedback:
    sender_id: str
    message_id: str
    rating: str
    reason: Optional[str]
    created_at: datetime


def _from_row(row: AnswerFeedback) -> Feedback:
    return Feedback(row.sender_id, row.message_id, row.rating, row.reason, row.created_at)


def check(sender_id: str, message_id: str, rating: str, reason: Optional[str] = None) -> None:
    """Raise FeedbackError unless the four values are well-formed (does not touch the store)."""
    if (
        not isinstance(sender_id, str)
        or not sender_id
        or len(sender_id) > MAX_SENDER_LENGTH
        or not isinstance(message_id, str)
        or not MESSAGE_ID_PATTERN.fullmatch(message_id)
    ):
        raise FeedbackError(UNREADABLE)
    if rating not in RATINGS:
        raise FeedbackError(UNKNOWN_RATING)
    if reason is not None:
        if not isinstance(reason, str) or reason not in REASONS:
            raise FeedbackError(UNKNOWN_REASON)
        if rating != "down":
            raise FeedbackError(REASON_ONLY_DOWN)


def is_user_message(store: Store, sender_id: str, message_id: str) -> bool:
    """Whether ``message_id`` is a visitor's message of this conversation in Rasa's events."""
    # The id is 32 hex characters: JSON stores it as typed, so a substring test narrows the rows
    # (only this conversation's user events); the parsed event decides.
    found = events.read(store.engine, [sender_id], types=("user",), contains=message_id)
    return any(event.data.get("message_id") == message_id for event in found)


def record(
    store: Store,
    sender_id: str,
    message_id: str,
    rating: str,
    reason: Optional[str] = None,
    now: Optional[datetime] = None,
) -> Feedback:
    """Store a rating of the answer to the visitor's message ``message_id``, replacing an earlier
    rating of the same message. FeedbackError (Dutch) when a value is invalid or the message is
    not a visitor's message of that conversation (a guessed or someone else's id)."""
    check(sender_id, message_id, rating, reason)
    now = now or clock.now_utc()
    if now.tzinfo is None:
        raise ValueError("naive datetime: use an aware (UTC) moment")
    if not is_user_message(store, sender_id, message_id):
        raise UnknownMessageError(UNKNOWN_MESSAGE)
    for attempt in (1, 2):  # two clicks at once both insert: the loser updates the winner's row
        try:
            with store.session() as session:
                row = session.execute(
                    sa.select(AnswerFeedback).where(
                        AnswerFeedback.sender_id == sender_id, AnswerFeedback.message_id == message_id
                    )
                ).scalar_one_or_none()
                if row is None:
                    row = AnswerFeedback(sender_id=sender_id, message_id=message_id)
                    session.add(row)
                row.rating, row.reason, row.created_at = rating, reason, now
                session.flush()
                return _from_row(row)
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def for_conversation(store: Store, sender_id: str) -> Dict[str, Feedback]:
    """The ratings in one conversation, keyed by the rated visitor message's message_id."""
    with store.session() as session:
        rows = session.execute(sa.select(AnswerFeedback).where(AnswerFeedback.sender_id == sender_id)).scalars()
        return {row.message_id: _from_row(row) for row in rows}


def senders_with(store: Store, rating: str = "down") -> Set[str]:
    """The conversations with at least one rating ``rating`` (the console's "👎 feedback" filter)."""
    if rating not in RATINGS:
        raise FeedbackError(UNKNOWN_RATING)
    with store.session() as session:
        return set(
            session.execute(
                sa.select(AnswerFeedback.sender_id).where(AnswerFeedback.rating == rating).distinct()
            ).scalars()
        )


def counts(store: Store) -> Dict[str, int]:
    """How many answers were rated each way: {"up": n, "down": m}."""
    found = {rating: 0 for rating in RATINGS}
    with store.session() as session:
        for rating, number in session.execute(
            sa.select(AnswerFeedback.rating, sa.func.count()).group_by(AnswerFeedback.rating)
        ):
            if rating in found:
                found[rating] = int(number)
    return found


def rated(store: Store, rating: str = "down", since: Optional[datetime] = None) -> List[Feedback]:
    """Every rating ``rating`` (since ``since``), oldest first: what the retraining inbox reads."""
    if rating not in RATINGS:
        raise FeedbackError(UNKNOWN_RATING)
    query = sa.select(AnswerFeedback).where(AnswerFeedback.rating == rating).order_by(AnswerFeedback.id)
    if since is not None:
        query = query.where(AnswerFeedback.created_at >= since)
    with store.session() as session:
        return [_from_row(row) for row in session.execute(query).scalars()]

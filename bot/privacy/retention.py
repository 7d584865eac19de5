"""Chat retention: conversations are kept PRIVACYBOT_CHAT_RETENTION_MONTHS (default 6) after
their last message, then deleted whole: Rasa's events, the staff review, the annotations and
the visitors' 👍/👎 on its answers (bot/staff/feedback.py; deleted but not counted in the reports: a
rating holds ids and a code, nothing anyone needs a number of).

Never touched: rights requests, their audit trail (request_events), opt-outs and the outbox.
The law requires keeping those; a request's ``conversation_id`` simply stays as a reference
to a conversation that no longer exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Dict, List, Optional, Sequence

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta
from sqlalchemy.engine import Connection

from bot.core import clock, settings
from bot.store import events as tracker_events
from bot.store.db import Store
from bot.store.models import Annotation, AnswerFeedback, ConversationReview

REVIEWS = ConversationReview.__table__
ANNOTATIONS = Annotation.__table__
FEEDBACK = AnswerFeedback.__table__


@dataclass
class PurgeReport:
    conversations: int
    events: int
    reviews: int
    annotations: int
    cutoff: datetime
    dry_run: bool = False

    def counts(self) -> Dict[str, int]:
        return {
            "conversations": self.conversations,
            "events": self.events,
            "reviews": self.reviews,
            "annotations": self.annotations,
        }


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def describe_counts(conversations: int, events: int, reviews: int, annotations: int) -> str:
    """'12 gesprekken, 340 events, 1 review, 0 annotaties'."""
    return ", ".join(
        [
            _plural(conversations, "gesprek", "gesprekken"),
            _plural(events, "event", "events"),
            _plural(reviews, "review", "reviews"),
            _plural(annotations, "annotatie", "annotaties"),
        ]
    )


def cutoff_for(months: int, now: Optional[datetime] = None) -> datetime:
    now = now or clock.now_utc()
    if now.tzinfo is None:
        raise ValueError("naive datetime: use an aware (UTC) moment")
    return now.astimezone(timezone.utc) - relativedelta(months=months)


def _months(months: Optional[int]) -> int:
    months = settings.chat_retention_months() if months is None else months
    if int(months) < 1:
        raise ValueError(f"De bewaartermijn moet minstens 1 maand zijn (niet {months}).")
    return int(months)


def purge(
    store: Store, months: Optional[int] = None, dry_run: bool = False, now: Optional[datetime] = None
) -> PurgeReport:
    """Delete every conversation whose latest event is older than ``months`` before ``now``.
    ``dry_run`` counts what would be deleted and deletes nothing."""
    cutoff = cutoff_for(_months(months), now)
    report = PurgeReport(0, 0, 0, 0, cutoff, dry_run)
    table = tracker_events.events_table(store.engine)
    if table is None:  # Rasa has not created its table yet: no conversations at all
        return report
    epoch = cutoff.timestamp()
    with store.engine.connect() as conn:
        stale: List[str] = list(conn.execute(tracker_events.inactive_since(table, epoch)).scalars())
    if dry_run:
        with store.engine.connect() as conn:
            report.conversations = len(stale)
            report.events = tracker_events.count_rows(conn, table, stale)
            report.reviews = tracker_events.count_rows(conn, REVIEWS, stale)
            report.annotations = tracker_events.count_rows(conn, ANNOTATIONS, stale)
        return report
    for chunk in tracker_events.batches(stale):
        with store.engine.begin() as conn:  # one transaction per batch
            # Still stale now? A visitor may have come back since the list was made.
            confirmed = list(conn.execute(tracker_events.inactive_since(table, epoch, among=chunk)).scalars())
            if not confirmed:
                continue
            counts = _delete(conn, table, confirmed, guard=epoch)
        report.conversations += len(confirmed)
        report.events += counts["events"]
        report.reviews += counts["reviews"]
        report.annotations += counts["annotations"]
    return report


def _delete(
    conn: Connection, table: sa.Table, sender_ids: Sequence[str], guard: Optional[float] = None
) -> Dict[str, int]:
    """Delete the events, review, annotations and feedback of these conversations (at most one
    batch; feedback is not counted). With ``guard``, a conversation with an event at or after
    that epoch is left alone."""
    counts = {"events": 0, "reviews": 0, "annotations": 0}
    for key, target in (("events", table), ("reviews", REVIEWS), ("annotations", ANNOTATIONS), ("feedback", FEEDBACK)):
        if target is None:
            continue
        statement = sa.delete(target).where(target.c.sender_id.in_(list(sender_ids)))
        if guard is not None and table is not None:
            statement = statement.where(tracker_events.no_activity_since(table, target.c.sender_id, guard))
        deleted = conn.execute(statement).rowcount
        if key in counts:
            counts[key] = deleted
    return counts


def count_conversations(store: Store, sender_ids: Sequence[str]) -> Dict[str, int]:
    """What ``delete_conversations`` would delete, without deleting."""
    sender_ids = tracker_events.unique(sender_ids)
    table = tracker_events.events_table(store.engine)
    with store.engine.connect() as conn:
        return {
            "conversations": len(tracker_events.existing(conn, table, sender_ids)) if table is not None else 0,
            "events": tracker_events.count_rows(conn, table, sender_ids) if table is not None else 0,
            "reviews": tracker_events.count_rows(conn, REVIEWS, sender_ids),
            "annotations": tracker_events.count_rows(conn, ANNOTATIONS, sender_ids),
        }


def delete_conversations(store: Store, sender_ids: Sequence[str]) -> Dict[str, int]:
    """Delete these conversations whole, whatever their age (erasure requests), with their
    feedback; requests, opt-outs and the outbox stay. Returns counts: conversations, events,
    reviews, annotations."""
    sender_ids = tracker_events.unique(sender_ids)
    table = tracker_events.events_table(store.engine)
    totals = {"conversations": 0, "events": 0, "reviews": 0, "annotations": 0}
    for chunk in tracker_events.batches(sender_ids):
        with store.engine.begin() as conn:
            if table is not None:
                totals["conversations"] += len(tracker_events.existing(conn, table, chunk))
            counts = _delete(conn, table, chunk)
        for key, value in counts.items():
            totals[key] += value
    return totals

"""Rasa's ``events`` table: the one module that knows how Rasa's SQLTrackerStore stores a
conversation, so retention, subject requests and the console read it the same way.

Rasa 3.6 (``SQLTrackerStore.SQLEvent``) keeps one row per event::

    events(id, sender_id, type_name, timestamp FLOAT epoch seconds, intent_name, action_name,
           data TEXT = json.dumps(event.as_dict()))

Rasa creates the table itself when its tracker store starts, not through our migrations, so
on a fresh database it may not exist yet: ``events_table`` then returns None and every caller
behaves as if there were no conversations. Things to keep in mind:

* only ``sender_id`` is indexed; queries on ``timestamp`` are scans;
* ``timestamp`` is nullable in Rasa's schema (Rasa always fills it, but a conversation whose
  events all lack one has no "last activity" and is never considered old);
* ``data`` is written with ``json.dumps`` defaults, so non-ASCII text is stored as ``\\uXXXX``
  escapes: a LIKE on it is only a reliable pre-filter for ASCII needles;
* Rasa counts the stored events since the latest ``session_started`` to know which events of a
  tracker are new; deleting part of a conversation would confuse that, so conversations are
  only ever deleted whole.
"""

from __future__ import annotations

import json
import threading
import weakref
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import NoSuchTableError

TABLE_NAME = "events"
BATCH = 500  # sender ids per statement: well under any database's bind-parameter limit

_cache: "weakref.WeakKeyDictionary[Engine, sa.Table]" = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def events_table(engine: Engine) -> Optional[sa.Table]:
    """Rasa's events table, reflected once per engine; None while Rasa has not created it."""
    table = _cache.get(engine)
    if table is not None:
        return table
    with _lock:
        table = _cache.get(engine)
        if table is not None:
            return table
        if not sa.inspect(engine).has_table(TABLE_NAME):
            return None  # not cached: Rasa may create it later
        try:
            table = sa.Table(TABLE_NAME, sa.MetaData(), autoload_with=engine)
        except NoSuchTableError:
            return None
        _cache[engine] = table
        return table


def batches(items: Sequence[str], size: Optional[int] = None) -> Iterator[List[str]]:
    items, size = list(items), size or BATCH
    for start in range(0, len(items), size):
        yield items[start : start + size]


def unique(sender_ids: Iterable[str]) -> List[str]:
    """Sender ids without duplicates or blanks, in their first order."""
    return list(dict.fromkeys(s for s in sender_ids if s))


def last_activity(table: sa.Table):
    """SELECT sender_id, max(timestamp) AS last_at ... GROUP BY sender_id."""
    return sa.select(table.c.sender_id, sa.func.max(table.c.timestamp).label("last_at")).group_by(table.c.sender_id)


def inactive_since(table: sa.Table, cutoff: float, among: Optional[Sequence[str]] = None):
    """Sender ids whose latest event is older than the epoch ``cutoff``."""
    query = sa.select(table.c.sender_id).group_by(table.c.sender_id).having(sa.func.max(table.c.timestamp) < cutoff)
    if among is not None:
        query = query.where(table.c.sender_id.in_(list(among)))
    return query


def no_activity_since(table: sa.Table, sender_column, cutoff: float):
    """A condition for a DELETE on any table with a sender id column: that conversation has no
    event at or after ``cutoff``. Re-checked inside the DELETE itself, so a visitor who comes
    back between selecting and deleting keeps their conversation."""
    newer = table.alias("newer_events")
    return ~sa.exists().where(newer.c.sender_id == sender_column, newer.c.timestamp >= cutoff)


def count_events(conn: Connection, table: sa.Table, sender_ids: Sequence[str]) -> int:
    total = 0
    for chunk in batches(sender_ids):
        total += conn.execute(
            sa.select(sa.func.count()).select_from(table).where(table.c.sender_id.in_(chunk))
        ).scalar_one()
    return total


def existing(conn: Connection, table: sa.Table, sender_ids: Sequence[str]) -> List[str]:
    """Those of ``sender_ids`` that have at least one event, in the given order."""
    found = set()
    for chunk in batches(sender_ids):
        found.update(
            conn.execute(sa.select(table.c.sender_id).where(table.c.sender_id.in_(chunk)).distinct()).scalars()
        )
    return [s for s in sender_ids if s in found]


def parse(data: Optional[str]) -> Dict[str, Any]:
    """The Rasa event dict of a row's ``data``; {} when it is missing or not JSON."""
    if not data:
        return {}
    try:
        value = json.loads(data)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def user_text(event: Dict[str, Any]) -> str:
    text = event.get("text")
    if text is None:
        text = (event.get("parse_data") or {}).get("text")
    return text if isinstance(text, str) else ""


def strings_in(value: Any) -> Iterator[str]:
    """Every string (and number, as text) inside a slot value, however nested."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, (int, float)):
        yield str(value)
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from strings_in(item)


def last_seen(conn: Connection, table: sa.Table, sender_ids: Sequence[str]) -> Dict[str, Optional[float]]:
    """The epoch of each conversation's latest event (None if it has no timestamp)."""
    result: Dict[str, Optional[float]] = {}
    for chunk in batches(sender_ids):
        query = last_activity(table).where(table.c.sender_id.in_(chunk))
        result.update({sender_id: last_at for sender_id, last_at in conn.execute(query)})
    return result

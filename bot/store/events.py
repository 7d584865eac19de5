"""Rasa's ``events`` table: the one module that knows how Rasa's SQLTrackerStore stores a
conversation and what its event JSON holds, so retention, subject requests, the console, the
👍/👎 feedback and the retraining inbox read it the same way.

Rasa 3.6 (``SQLTrackerStore.SQLEvent``) keeps one row per event::

    events(id, sender_id, type_name, timestamp FLOAT epoch seconds, intent_name, action_name,
           data TEXT = json.dumps(event.as_dict()))

Rasa creates the table itself when its tracker store starts, not through our migrations, so
on a fresh database it may not exist yet: ``events_table`` then returns None and every reader
here behaves as if there were no conversations. Things to keep in mind:

* only ``sender_id`` is indexed; queries on ``timestamp`` are scans;
* ``timestamp`` is nullable in Rasa's schema (Rasa always fills it, but a conversation whose
  events all lack one has no "last activity" and is never considered old);
* ``data`` is written with ``json.dumps`` defaults, so non-ASCII text is stored as ``\\uXXXX``
  escapes: a LIKE on it is only a reliable pre-filter for ASCII needles, and the parsed event
  always decides;
* Rasa counts the stored events since the latest ``session_started`` to know which events of a
  tracker are new; deleting part of a conversation would confuse that, so conversations are
  only ever deleted whole.

The second half reads the event dicts: a user event's NLU result (``parse_data``: the intent and,
for the retrieval intent ``faq``, the topic the ResponseSelector chose) and ``Reader``, which says
per visitor message what the visitor saw (a clicked button's title) and whether it answered a form.
The same NLU result is what Rasa hands the actions as ``tracker.latest_message``, so the dialogue
reads the response key here too.
"""

from __future__ import annotations

import json
import threading
import weakref
from dataclasses import dataclass
from typing import Any, Dict, Iterable, Iterator, List, Mapping, NamedTuple, Optional, Sequence, Set, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import NoSuchTableError

TABLE_NAME = "events"
BATCH = 500  # sender ids per statement: well under any database's bind-parameter limit
FAQ_INTENT = "faq"  # Rasa's retrieval intent: the topic is in the response selector, faq/<topic>

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


# ---- statements for retention and erasure (inside their own transactions) ---------------------------
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


def count_rows(conn: Connection, table: sa.Table, sender_ids: Sequence[str]) -> int:
    """The rows of these conversations in ``table``: the events table or any of ours with a
    ``sender_id`` column (reviews, annotations), counted in batches."""
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


def last_seen(conn: Connection, table: sa.Table, sender_ids: Sequence[str]) -> Dict[str, Optional[float]]:
    """The epoch of each conversation's latest event (None if it has no timestamp)."""
    result: Dict[str, Optional[float]] = {}
    for chunk in batches(sender_ids):
        query = last_activity(table).where(table.c.sender_id.in_(chunk))
        result.update({sender_id: last_at for sender_id, last_at in conn.execute(query)})
    return result


# ---- reading conversations --------------------------------------------------------------------------
class StoredEvent(NamedTuple):
    """One row of the events table, its ``data`` parsed ({} when it is missing or not JSON)."""

    id: int
    sender_id: str
    type_name: str
    timestamp: Optional[float]
    intent_name: Optional[str]
    action_name: Optional[str]
    data: Dict[str, Any]

    @property
    def when(self) -> Optional[float]:
        """The event's epoch: the column, else the one inside the event's JSON."""
        if self.timestamp is not None:
            return self.timestamp
        value = self.data.get("timestamp")
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def read(
    engine: Engine,
    senders: Optional[Iterable[str]] = None,
    *,
    types: Optional[Sequence[str]] = None,
    actions: Sequence[str] = (),
    intent: Optional[str] = None,
    contains: Optional[str] = None,
    ignore_case: bool = False,
    since: Optional[float] = None,
    event_id: Optional[int] = None,
    by_conversation: bool = True,
    stream: bool = False,
) -> Iterator[StoredEvent]:
    """The stored events of ``senders`` (None: of every conversation), in batches of sender ids.

    ``types`` keeps these event types, ``actions`` also the rows of these actions whatever their
    type; ``intent`` the rows whose intent column is that; ``since`` those at or after an epoch.
    ``contains`` keeps the rows whose raw JSON holds that text, matched literally (no LIKE
    wildcards); with ``ignore_case`` the JSON is lower-cased, so give the text in lower case
    (without it, SQLite ignores ASCII case and PostgreSQL does not). A pre-filter only, see the
    module docstring. Per conversation in stored
    order (``by_conversation``) or in stored order overall; ``stream`` for a read of every
    conversation that should not be held in memory at once."""
    table = events_table(engine)
    if table is None:
        return
    chunks: Iterable[Optional[List[str]]] = [None] if senders is None else batches(unique(senders))
    columns = (
        table.c.id,
        table.c.sender_id,
        table.c.type_name,
        table.c.timestamp,
        table.c.intent_name,
        table.c.action_name,
        table.c.data,
    )
    order = (table.c.sender_id, table.c.id) if by_conversation else (table.c.id,)
    with engine.connect() as conn:
        if stream:
            conn = conn.execution_options(stream_results=True, yield_per=1000)
        for chunk in chunks:
            query = sa.select(*columns).order_by(*order)
            if chunk is not None:
                query = query.where(table.c.sender_id.in_(chunk))
            kinds = []
            if types is not None:
                kinds.append(table.c.type_name.in_(list(types)))
            if actions:
                kinds.append(table.c.action_name.in_(list(actions)))
            if kinds:
                query = query.where(sa.or_(*kinds))
            if intent is not None:
                query = query.where(table.c.intent_name == intent)
            if contains:
                query = query.where(_json(table, ignore_case).contains(contains, autoescape=True))
            if since is not None:
                query = query.where(table.c.timestamp >= since)
            if event_id is not None:
                query = query.where(table.c.id == event_id)
            for row in conn.execute(query):
                yield StoredEvent(
                    row.id,
                    row.sender_id,
                    row.type_name,
                    row.timestamp,
                    row.intent_name,
                    row.action_name,
                    parse(row.data),
                )


def _json(table: sa.Table, ignore_case: bool):
    return sa.func.lower(table.c.data, type_=sa.Text) if ignore_case else table.c.data


def exists(engine: Engine, sender_id: str) -> bool:
    """Whether this conversation has at least one stored event."""
    table = events_table(engine)
    if table is None or not sender_id:
        return False
    with engine.connect() as conn:
        return bool(existing(conn, table, [sender_id]))


def senders_with(
    engine: Engine, senders: Sequence[str], *, types: Sequence[str], contains: str, ignore_case: bool = False
) -> Set[str]:
    """The conversations among ``senders`` with an event of ``types`` whose raw JSON holds
    ``contains``: a pre-filter (distinct sender ids only) before the events themselves are read."""
    table = events_table(engine)
    found: Set[str] = set()
    if table is None:
        return found
    with engine.connect() as conn:
        for chunk in batches(unique(senders)):
            query = (
                sa.select(table.c.sender_id)
                .distinct()
                .where(
                    table.c.sender_id.in_(chunk),
                    table.c.type_name.in_(list(types)),
                    _json(table, ignore_case).contains(contains, autoescape=True),
                )
            )
            found.update(conn.execute(query).scalars())
    return found


def conversations_where(
    engine: Engine,
    *,
    active_from: Optional[float] = None,
    started_before: Optional[float] = None,
    intent: Optional[str] = None,
    action: Optional[str] = None,
    slot: Optional[str] = None,
) -> List[str]:
    """The sender ids of the conversations with activity at or after ``active_from`` and a first
    event before ``started_before`` (epochs), with a user message of ``intent``, a run of
    ``action`` and a set of ``slot``, each when given; in no particular order."""
    table = events_table(engine)
    if table is None:
        return []
    query = sa.select(table.c.sender_id).group_by(table.c.sender_id)
    having = []
    if active_from is not None:
        having.append(sa.func.max(table.c.timestamp) >= active_from)
    if started_before is not None:
        having.append(sa.func.min(table.c.timestamp) < started_before)
    if having:
        query = query.having(sa.and_(*having))
    conditions = []
    if intent:
        conditions.append(table.c.sender_id.in_(sa.select(table.c.sender_id).where(table.c.intent_name == intent)))
    if action:
        conditions.append(table.c.sender_id.in_(sa.select(table.c.sender_id).where(table.c.action_name == action)))
    if slot:  # json.dumps writes a slot event's name as "name": "<slot>"; matched literally
        named = table.c.data.contains(json.dumps({"name": slot})[1:-1], autoescape=True)
        conditions.append(table.c.sender_id.in_(sa.select(table.c.sender_id).where(table.c.type_name == "slot", named)))
    if conditions:
        query = query.where(sa.and_(*conditions))
    with engine.connect() as conn:
        return list(conn.execute(query).scalars())


def latest_first(engine: Engine) -> List[str]:
    """Every conversation's sender id, the latest activity first (ties: the larger id first)."""
    table = events_table(engine)
    if table is None:
        return []
    last = sa.func.max(table.c.timestamp)
    query = sa.select(table.c.sender_id).group_by(table.c.sender_id).order_by(last.desc(), table.c.sender_id.desc())
    with engine.connect() as conn:
        return list(conn.execute(query).scalars())


def latest_activity(engine: Engine, sender_ids: Sequence[str]) -> Dict[str, Optional[float]]:
    """``last_seen`` with its own connection: each conversation's latest event, any type."""
    table = events_table(engine)
    if table is None:
        return {}
    with engine.connect() as conn:
        return last_seen(conn, table, unique(sender_ids))


# ---- the event JSON -----------------------------------------------------------------------------
def parse(data: Optional[str]) -> Dict[str, Any]:
    """The Rasa event dict of a row's ``data``; {} when it is missing or not JSON."""
    if not data:
        return {}
    try:
        value = json.loads(data)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _dict(value: Any) -> Dict[str, Any]:
    return value if isinstance(value, dict) else {}


def parse_data(event: Mapping[str, Any]) -> Dict[str, Any]:
    """The NLU result stored with a user event ({} for any other event)."""
    return _dict(event.get("parse_data"))


def intent_of(parse: Mapping[str, Any]) -> Dict[str, Any]:
    """The intent of an NLU result ({"name": ..., "confidence": ...}; {} when there is none)."""
    return _dict(parse.get("intent"))


def response_key(parse: Mapping[str, Any]) -> Optional[str]:
    """The full response key (``faq/retention``) the ResponseSelector chose for a message whose
    intent is ``faq``; None for any other intent or when the selector chose nothing. ``parse`` is
    Rasa's NLU result: a stored user event's ``parse_data`` or an action's ``latest_message``."""
    if intent_of(parse).get("name") != FAQ_INTENT:
        return None
    chosen = _dict(_dict(_dict(parse.get("response_selector")).get(FAQ_INTENT)).get("response"))
    key = chosen.get("intent_response_key")
    return key if isinstance(key, str) and key else None


def label(parse: Mapping[str, Any]) -> Optional[str]:
    """The label the model gave a message as annotations and training data name it: the
    response key for the FAQ (``faq/retention``), else the intent's name."""
    name = intent_of(parse).get("name")
    return response_key(parse) or (name if isinstance(name, str) and name else None)


def user_text(event: Mapping[str, Any]) -> str:
    """What a user event says: its text, else the text of its NLU result; "" when neither."""
    text = event.get("text")
    if text is None:
        text = parse_data(event).get("text")
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


@dataclass
class Said:
    """One visitor message, as people are shown it."""

    event_id: int
    text: str  # as stored: for a click, the button's payload
    button: Optional[str] = None  # the title of the button clicked, which is what the visitor saw
    form_answer: bool = False  # it answered the question an active form asked (a name, an address)

    @property
    def typed(self) -> bool:
        """Typed by the visitor: not a button, not a command such as the widget's /greet."""
        return self.button is None and not self.text.startswith("/")


class Reader:
    """Walks one conversation's event dicts in stored order and says, per visitor message, what
    the visitor saw and did: a click shows as the button's title (its payload is hidden text such
    as "Welke persoonsgegevens verzamelen jullie?"), and whether it answered a form's question:
    the form was active, had asked for a slot, and then set that slot (an invalid answer sets it
    to None: still an answer, not a misunderstood question)."""

    def __init__(self) -> None:
        self.buttons: Dict[str, str] = {}  # payload -> title of the bot's buttons since the last message
        self.form: Optional[str] = None
        self.requested: Optional[str] = None
        self.waiting: Optional[Tuple[Said, str]] = None  # a message and the slot it may answer

    def feed(self, event_id: int, data: Mapping[str, Any]) -> Optional[Said]:
        """The visitor message this event is, or None; a later event may still mark it a form answer."""
        kind = data.get("event")
        if kind == "bot":
            for button in _dict(data.get("data")).get("buttons") or []:
                if isinstance(button, dict) and isinstance(button.get("payload"), str):
                    self.buttons[button["payload"]] = str(button.get("title") or button["payload"])
        elif kind == "user":
            text = user_text(data)
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

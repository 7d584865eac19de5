"""Rasa's SQL tracker store, minus the one thing we must not keep: the client key.

The chat channel gives every message the keyed hash of the visitor's address in its metadata
(``client``), because the request and lookup actions count per address. Rasa stored that
metadata with every message for the whole retention period, which made all conversations
from one address linkable (and an IPv4 address can be found again from the hash by anyone
with the key: issue 15, finding 12). The actions read the key from the tracker Rasa hands them
during the turn, before it is saved; so the store can leave it out of what it writes, and the
README's "the address is never stored" is true of the hash as well.

endpoints.yml: ``tracker_store: {type: bot.plugins.tracker_store.PrivateSQLTrackerStore, ...}``
(bot.core.settings.tracker_store_settings writes it), same settings as Rasa's ``type: SQL``.
"""

from __future__ import annotations

import copy
from typing import Any, Iterator

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.constants import SESSION_START_METADATA_SLOT
from rasa.shared.core.events import SlotSet, UserUttered

NOT_STORED = ("client",)  # metadata keys the chat's front doors add for the actions only


def _has_key(mapping: Any) -> bool:
    return isinstance(mapping, dict) and any(k in mapping for k in NOT_STORED)


def _without(mapping: dict) -> dict:
    return {k: v for k, v in mapping.items() if k not in NOT_STORED}


def without_client(event: Any) -> Any:
    """The event as it may be stored: a user message without the client key, and Rasa's
    ``session_started_metadata`` slot (a copy of the first message's metadata) likewise;
    other events as they are. The tracker in memory keeps the key for the rest of the turn."""
    parse_metadata = getattr(event, "parse_data", {}).get("metadata") if isinstance(event, UserUttered) else None
    if isinstance(event, UserUttered) and (_has_key(event.metadata) or _has_key(parse_metadata)):
        stored = copy.copy(event)  # Rasa keeps the metadata twice: on the event and in parse_data
        stored.metadata = _without(event.metadata or {})
        stored.parse_data = {**event.parse_data, "metadata": _without(parse_metadata or {})}
        return stored
    if isinstance(event, SlotSet) and event.key == SESSION_START_METADATA_SLOT and _has_key(event.value):
        stored = copy.copy(event)
        stored.value = _without(event.value)
        return stored
    return event


class PrivateSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore whose ``save`` writes user messages without their client key."""

    def _additional_events(self, session: Any, tracker: Any) -> Iterator:
        return (without_client(event) for event in super()._additional_events(session, tracker))

"""The visitor's address is not stored, not even as its keyed hash (issue 15, finding 12).

The attacker found the chat channel's ``client`` key (HMAC of the address) in the metadata of
every stored message: all conversations from one address were linkable for the whole retention
period, and an IPv4 address could be recovered from it by anyone holding the key. Here the
running stack's events table is read after a conversation; the per-address limits, which need
the key during the turn, are proved to still hold by test_running_stack.py's request-queue test.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered

from bot.core import limits
from bot.plugins.tracker_store import without_client
from tests.security.test_running_stack import say


def test_stored_messages_carry_no_client_key(stack):
    for text in ("hallo", "hoe lang bewaren jullie mijn gegevens?", "bedankt"):
        assert say(stack, "sec-no-client", text)[0] == 200
    key = limits.client_key("127.0.0.1")
    engine = sa.create_engine(stack.database, future=True)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("select data from events where sender_id = 'sec-no-client' and type_name = 'user'")
        ).all()
        everything = " ".join(r.data for r in conn.execute(sa.text("select data from events")).all())
    engine.dispose()
    assert len(rows) == 3
    for row in rows:
        assert "client" not in (json.loads(row.data).get("metadata") or {})
    assert key not in everything  # no conversation of the suite kept it


def test_only_the_stored_copy_loses_the_key():
    event = UserUttered("hallo", metadata={"client": "abc123", "kanaal": "widget"})
    stored = without_client(event)
    assert stored.metadata == {"kanaal": "widget"} and stored.text == "hallo"
    assert "abc123" not in str(stored.as_dict()) and "abc123" in str(event.as_dict())
    assert event.metadata == {"client": "abc123", "kanaal": "widget"}  # the turn still has it
    slot = SlotSet("session_started_metadata", {"client": "abc123", "kanaal": "widget"})
    assert without_client(slot).value == {"kanaal": "widget"} and slot.value["client"] == "abc123"
    other = ActionExecuted("action_listen")
    assert without_client(other) is other

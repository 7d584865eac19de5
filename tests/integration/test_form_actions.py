"""The form actions themselves (actions/forms.py), run as the action server runs them, on a
real store: a request is confirmed only once committed, and an unreachable database gets
an honest answer instead of a reference."""

from __future__ import annotations

import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions import forms
from bot.dialogue import forms as chat_forms
from bot.privacy import rights
from bot.store.db import Store, migrate
from bot.store.models import OutboxMessage, RightsRequest

UNREACHABLE = "postgresql://postgres@127.0.0.1:1/privacybot"  # nothing listens on port 1

SLOTS = {
    "request_type": "rectification",
    "requester_name": "Jan Peeters",
    "requester_email": "jan@example.be",
    "customer_number": "geen",
    "request_details": "mijn straatnaam is fout gespeld",
    "request_confirmed": True,
}


def tracker(
    slots: dict,
    text: str = "ja",
    intent: str = "affirm",
    confidence: float = 0.99,
    requested_slot: str | None = None,
    loop: str | None = None,
) -> Tracker:
    return Tracker(
        "visitor-1",
        {**slots, "requested_slot": requested_slot},
        {
            "text": text,
            "intent": {"name": intent, "confidence": confidence},
            "metadata": {"client": "test-client"},
        },  # as every front door of ours sends it
        [],
        False,
        None,
        {"name": loop} if loop else {},
        "action_listen",
    )


def run(action, track: Tracker) -> tuple[list, list]:
    dispatcher = CollectingDispatcher()
    result = action.run(dispatcher, track, {})
    if asyncio.iscoroutine(result):
        result = asyncio.run(result)
    return [m.get("text") or m.get("response") for m in dispatcher.messages], result


@pytest.fixture
def store(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'actions.db'}"
    migrate(url)
    real = Store(url)
    monkeypatch.setattr(forms, "_store", real)
    monkeypatch.setenv("PRIVACYBOT_SECRET_KEY", "test-key-" + "x" * 40)
    yield real
    real.dispose()


def test_a_confirmed_request_is_stored_before_the_reference_is_given(store):
    texts, events = run(forms.SubmitRightsRequest(), tracker(SLOTS))
    with store.session() as session:
        stored = session.execute(select(RightsRequest)).scalar_one()
        kinds = sorted(m.kind for m in session.execute(select(OutboxMessage)).scalars())
    assert stored.reference in texts[0] and stored.status == rights.UNVERIFIED
    assert stored.details == SLOTS["request_details"] and stored.customer_number is None
    assert stored.conversation_id == "visitor-1"
    assert kinds == ["confirmation", "notification"]
    assert stored.deadline.strftime("%d/%m/%Y") in texts[0]
    assert SlotSet("requester_email", None) in events  # the form forgets what it collected


def test_an_unreachable_database_is_admitted_and_nothing_is_confirmed(monkeypatch):
    monkeypatch.setattr(forms, "_store", Store(UNREACHABLE))
    texts, events = run(forms.SubmitRightsRequest(), tracker(SLOTS))
    assert "technisch probleem" in texts[0] and "privacy@kmo-verzekeringen.be" in texts[0]
    assert "PRV-" not in texts[0] and "geregistreerd met" not in texts[0]


def test_an_unreachable_database_for_unsubscribing_and_lookups(monkeypatch):
    monkeypatch.setattr(forms, "_store", Store(UNREACHABLE))
    texts, _ = run(
        forms.SubmitUnsubscribe(), tracker({"unsubscribe_channel": "email", "unsubscribe_email": "an@example.be"})
    )
    assert "technisch probleem" in texts[0] and "Klaar" not in texts[0]
    texts, events = run(
        forms.LookUpStatus(),
        tracker({"lookup_reference": "PRV-0000000000", "lookup_email": "an@example.be", "lookup_failures": 0.0}),
    )
    assert "technisch probleem" in texts[0]
    assert SlotSet("lookup_failures", 0.0) in events  # an outage is not the visitor's wrong guess


def test_a_request_without_confirmation_is_not_sent(store):
    texts, _ = run(forms.SubmitRightsRequest(), tracker({**SLOTS, "request_confirmed": None}))
    assert texts == [chat_forms.NOT_SENT]
    with store.session() as session:
        assert session.execute(select(RightsRequest)).first() is None


def test_an_invalid_email_is_refused_in_dutch_and_asked_again(store):
    action = forms.ValidateRightsRequestForm()
    track = tracker(
        {"request_type": "access", "requester_name": "Jan Peeters"},
        text="jan.peeters@",
        intent="inform",
        requested_slot="requester_email",
        loop="rights_request_form",
    )
    texts, events = run(action, track)
    assert texts == ["Dat lijkt geen geldig e-mailadres. Probeer het opnieuw, bv. naam@example.be."]
    assert SlotSet("requester_email", None) in events
    assert SlotSet("requested_slot", "requester_email") in events


def test_cancel_forgets_every_form_slot():
    texts, events = run(
        forms.CancelForm(), tracker(SLOTS, text="laat maar", intent="cancel", loop="rights_request_form")
    )
    assert texts == ["utter_request_cancelled"]
    assert {e["name"] for e in events if e.get("event") == "slot"} >= set(chat_forms.RIGHTS_SLOTS)
    assert any(e.get("event") == "active_loop" and e.get("name") is None for e in events)


@pytest.mark.parametrize(
    "text, intent", [("ik heb er geen, ik mailde gewoon", "deny"), ("weet ik niet", "nlu_fallback")]
)
def test_no_reference_completes_the_status_form_with_nothing_to_look_up(text, intent):
    """Run with the real domain: rasa_sdk drops a slot that required_slots no longer lists,
    so "no reference" fills both slots instead of shrinking the form."""
    track = tracker(
        {"lookup_failures": 1.0},
        text=text,
        intent=intent,
        confidence=0.8,
        requested_slot="lookup_reference",
        loop="status_lookup_form",
    )
    _, events = run(forms.ValidateStatusLookupForm(), track)
    assert SlotSet("lookup_reference", chat_forms.NO_REFERENCE) in events
    assert SlotSet("lookup_email", chat_forms.NO_REFERENCE) in events
    texts, events = run(
        forms.LookUpStatus(),
        tracker(
            {
                "lookup_reference": chat_forms.NO_REFERENCE,
                "lookup_email": chat_forms.NO_REFERENCE,
                "lookup_failures": 1.0,
            }
        ),
    )
    assert texts == [chat_forms.NO_REFERENCE_TEXT] and SlotSet("lookup_failures", 1.0) in events
    assert SlotSet("lookup_reference", None) in events

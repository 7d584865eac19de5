"""bot.store.events, the one reader of Rasa's events table: on a real SQLite database whose rows
Rasa's own SQLTrackerStore wrote, and the reading of a user event's NLU result (the FAQ's
response key) that the console, the inbox, the forms and `privacybot converse` share."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Dict, List, Optional

import pytest
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, SessionStarted, SlotSet, UserUttered

from bot.dialogue.form_input import Message
from bot.store import events
from bot.store.db import Store
from tests.integration.test_retention import rasa_store, save

NOW = datetime.now(timezone.utc).replace(microsecond=0)
EARLIER = NOW - timedelta(days=3)


def faq(topic: str, confidence: float = 0.91) -> Dict:
    """An NLU result as Rasa's ResponseSelector leaves it for a privacy question."""
    key = f"faq/{topic}"
    return {
        "intent": {"name": "faq", "confidence": 1.0},
        "response_selector": {
            "faq": {
                "response": {"intent_response_key": key, "confidence": confidence},
                "ranking": [{"intent_response_key": key, "confidence": confidence}],
            }
        },
    }


def said(text: str, t: float, parse: Optional[Dict] = None, intent: str = "faq") -> UserUttered:
    parse = dict(parse or {"intent": {"name": intent, "confidence": 0.8}}, text=text)
    return UserUttered(text, intent=parse["intent"], parse_data=parse, timestamp=t)


def opened(start: datetime) -> List:
    t = start.timestamp()
    return [ActionExecuted("action_session_start", timestamp=t), SessionStarted(timestamp=t)]


CONVERSATIONS = {
    # a question answered from the FAQ, then a click on one of the bot's buttons
    "vraag": opened(EARLIER)
    + [
        ActionExecuted("action_listen", timestamp=EARLIER.timestamp() + 1),
        said("Hoe lang bewaren jullie mijn gegevens?", EARLIER.timestamp() + 2, faq("retention")),
        BotUttered(
            "Tien jaar. Nog iets?",
            data={"buttons": [{"title": "Welke gegevens?", "payload": "Welke persoonsgegevens verzamelen jullie?"}]},
            timestamp=EARLIER.timestamp() + 3,
        ),
        said("Welke persoonsgegevens verzamelen jullie?", EARLIER.timestamp() + 4, faq("data_categories")),
        ActionExecuted("action_fallback", timestamp=EARLIER.timestamp() + 5),
    ],
    # a form asks for a name and the answer fills it; the visitor comes back today
    "formulier": opened(EARLIER)
    + [
        said("ik wil mijn gegevens laten wissen", EARLIER.timestamp() + 1, intent="request_erasure"),
        ActiveLoop("erasure_form", timestamp=EARLIER.timestamp() + 2),
        SlotSet("requested_slot", "requester_name", timestamp=EARLIER.timestamp() + 3),
        said("An Peeters", EARLIER.timestamp() + 4, intent="inform"),
        SlotSet("requester_name", "An Peeters", timestamp=EARLIER.timestamp() + 5),
        ActiveLoop(None, timestamp=EARLIER.timestamp() + 6),
        said("Dankjewel, en wat met Jan.Peeters@Example.be?", NOW.timestamp(), intent="thank"),
    ],
}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('events') / 'events.db'}"
    tracker_store = rasa_store(url)
    try:
        save(tracker_store, CONVERSATIONS)
    finally:
        tracker_store.engine.dispose()
    opened_store = Store(url)
    yield opened_store
    opened_store.dispose()


def texts(found) -> List[str]:
    return [e.data.get("text") for e in found if e.type_name == "user"]


def test_read_gives_each_conversation_in_stored_order_with_the_json_parsed(store):
    read = list(events.read(store.engine, types=("user",)))
    assert [e.sender_id for e in read] == ["formulier"] * 3 + ["vraag"] * 2  # per conversation
    assert texts(read[3:]) == ["Hoe lang bewaren jullie mijn gegevens?", "Welke persoonsgegevens verzamelen jullie?"]
    first = read[3]
    assert first.type_name == "user" and first.intent_name == "faq"
    assert first.when == first.timestamp == pytest.approx(EARLIER.timestamp() + 2)
    assert events.response_key(events.parse_data(first.data)) == "faq/retention"
    overall = list(events.read(store.engine, types=("user",), by_conversation=False))
    assert [e.id for e in overall] == sorted(e.id for e in read)


def test_read_narrows_by_type_action_intent_text_time_and_id(store):
    assert [e.action_name for e in events.read(store.engine, ["vraag"], types=(), actions=["action_fallback"])] == [
        "action_fallback"
    ]
    with_fallback = list(events.read(store.engine, ["vraag"], types=("bot",), actions=["action_fallback"]))
    assert [e.type_name for e in with_fallback] == ["bot", "action"]
    assert len(list(events.read(store.engine, types=("user",), intent="faq"))) == 2
    # the raw JSON is searched as stored; ignore_case lower-cases it (SQLite's LIKE does anyway)
    assert list(events.read(store.engine, types=("user",), contains="piet.peeters@example.be")) == []
    [mail] = events.read(store.engine, types=("user",), contains="jan.peeters@example.be", ignore_case=True)
    assert mail.sender_id == "formulier"
    assert texts(events.read(store.engine, types=("user",), since=NOW.timestamp())) == [mail.data["text"]]
    [one] = events.read(store.engine, ["formulier"], event_id=mail.id)
    assert one == mail
    assert list(events.read(store.engine, ["vraag"], event_id=mail.id)) == []  # another conversation's event


def test_read_batches_the_sender_ids(store, monkeypatch):
    monkeypatch.setattr(events, "BATCH", 1)
    read = list(events.read(store.engine, ["vraag", "formulier", "vraag", "", "onbekend"], types=("user",)))
    assert [e.sender_id for e in read] == ["vraag"] * 2 + ["formulier"] * 3  # each once, in the given order


def test_which_conversations(store):
    assert events.exists(store.engine, "vraag") and not events.exists(store.engine, "onbekend")
    assert events.latest_first(store.engine) == ["formulier", "vraag"]
    latest = events.latest_activity(store.engine, ["vraag", "formulier"])
    assert latest["formulier"] == pytest.approx(NOW.timestamp())
    assert latest["vraag"] == pytest.approx(EARLIER.timestamp() + 5)  # an action counts too
    assert sorted(events.conversations_where(store.engine)) == ["formulier", "vraag"]
    assert events.conversations_where(store.engine, slot="requester_name") == ["formulier"]
    assert events.conversations_where(store.engine, slot="requester") == []  # the whole name only
    assert events.conversations_where(store.engine, slot='requester_name", "x') == []
    assert events.conversations_where(store.engine, intent="faq") == ["vraag"]
    assert events.conversations_where(store.engine, action="action_fallback") == ["vraag"]
    assert events.conversations_where(store.engine, active_from=NOW.timestamp() - 60) == ["formulier"]
    assert events.conversations_where(store.engine, started_before=EARLIER.timestamp() - 60) == []
    found = events.senders_with(store.engine, ["vraag", "formulier"], types=("bot",), contains="tien", ignore_case=True)
    assert found == {"vraag"}


def test_reader_shows_a_click_by_its_title_and_marks_form_answers(store):
    reader = events.Reader()
    seen = [s for e in events.read(store.engine, ["vraag"]) if (s := reader.feed(e.id, e.data)) is not None]
    assert [(s.text, s.button, s.typed) for s in seen] == [
        ("Hoe lang bewaren jullie mijn gegevens?", None, True),
        ("Welke persoonsgegevens verzamelen jullie?", "Welke gegevens?", False),
    ]
    reader = events.Reader()
    seen = [s for e in events.read(store.engine, ["formulier"]) if (s := reader.feed(e.id, e.data)) is not None]
    assert [s.form_answer for s in seen] == [False, True, False]  # only "An Peeters" answered the form


def test_a_database_without_rasas_table_has_no_conversations(tmp_path):
    empty = Store(f"sqlite:///{tmp_path / 'leeg.db'}")
    try:
        assert events.events_table(empty.engine) is None
        assert list(events.read(empty.engine)) == []
        assert list(events.read(empty.engine, ["vraag"], types=("user",))) == []
        assert not events.exists(empty.engine, "vraag")
        assert events.conversations_where(empty.engine, slot="requester_name") == []
        assert events.latest_first(empty.engine) == [] and events.latest_activity(empty.engine, ["vraag"]) == {}
        assert events.senders_with(empty.engine, ["vraag"], types=("user",), contains="x") == set()
    finally:
        empty.dispose()


def test_unreadable_json_is_an_empty_event():
    assert events.parse(None) == {} and events.parse("") == {} and events.parse("{kapot") == {}
    assert events.parse("[1, 2]") == {}
    assert events.parse('{"event": "user", "text": "hallo"}') == {"event": "user", "text": "hallo"}


# ---- the response key ---------------------------------------------------------------------------
def test_response_key_is_the_topic_the_response_selector_chose_for_faq():
    assert events.response_key(faq("retention")) == "faq/retention"
    assert events.label(faq("retention")) == "faq/retention"


@pytest.mark.parametrize(
    "parse",
    [
        {},
        {"intent": {"name": "greet", "confidence": 0.9}},
        # another intent won, even though the selector still ran
        {**faq("retention"), "intent": {"name": "cancel", "confidence": 0.7}},
        {"intent": {"name": "faq"}},
        {"intent": {"name": "faq"}, "response_selector": {"faq": {"response": {"intent_response_key": None}}}},
        {"intent": {"name": "faq"}, "response_selector": {"faq": {"response": {"intent_response_key": ""}}}},
        {"intent": {"name": "faq"}, "response_selector": {"faq": {"response": {"intent_response_key": 3}}}},
        {"intent": "faq", "response_selector": "faq/retention"},
        {"intent": {"name": "faq"}, "response_selector": {"faq": None}},
    ],
)
def test_no_response_key_without_a_faq_answer(parse):
    assert events.response_key(parse) is None


def test_label_is_the_intent_when_there_is_no_response_key():
    assert events.label({"intent": {"name": "greet", "confidence": 0.9}}) == "greet"
    assert events.label({"intent": {"name": "faq"}}) == "faq"
    assert events.label({}) is None and events.label({"intent": {"name": ""}}) is None


def test_the_forms_read_the_same_response_key_as_the_console():
    message = Message.from_parse({**faq("right_erasure"), "text": " hoe wis ik? "})
    assert (message.intent, message.response_key, message.text) == ("faq", "right_erasure", "hoe wis ik?")
    cancel = Message.from_parse({**faq("retention"), "intent": {"name": "cancel", "confidence": 0.8}})
    assert cancel.response_key is None

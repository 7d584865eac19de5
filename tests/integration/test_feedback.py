"""👍/👎 on answers (issue 16): the domain module on SQLite and PostgreSQL, what retention, erasure
and the retraining inbox do with it, and the chat channel's rule for the marker. The marker and
the feedback route on a running assistant: tests/system/test_feedback_channel.py."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import List, Optional, Tuple

import pytest
import sqlalchemy as sa
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, SessionStarted, UserUttered

from bot.nlu import inbox
from bot.plugins import chat_channel
from bot.privacy import masking, retention
from bot.staff import feedback, subjects
from bot.store import events as tracker_events
from bot.store.db import Store, migrate
from bot.store.models import Annotation, AnswerFeedback
from tests.conftest import DATABASES
from tests.integration.test_retention import rasa_store, save

NOW = datetime.now(timezone.utc).replace(microsecond=0)
OLD = NOW - timedelta(days=250)  # beyond the default 6 months of retention


def mid() -> str:
    return uuid.uuid4().hex


def exchange(
    start: datetime,
    text: str,
    message_id: str,
    intent: str = "faq",
    confidence: float = 0.99,
    topic: Optional[str] = None,
    reply: str = "Zo zit het.",
) -> List:
    """One turn as Rasa records it, the visitor's message with its message_id. For a privacy
    question the doubt is in the topic (``confidence``); the intent faq itself is sure."""
    t = start.timestamp()
    parse = {"intent": {"name": intent, "confidence": 1.0 if topic else confidence}, "text": text}
    if topic:
        key = f"faq/{topic}"
        parse["response_selector"] = {
            "faq": {
                "response": {"intent_response_key": key, "confidence": confidence},
                "ranking": [{"intent_response_key": key, "confidence": confidence}],
            }
        }
    return [
        ActionExecuted("action_listen", timestamp=t),
        UserUttered(text, intent=parse["intent"], parse_data=parse, message_id=message_id, timestamp=t + 1),
        ActionExecuted("utter_reply", timestamp=t + 2),
        BotUttered(reply, timestamp=t + 3),
    ]


def start(moment: datetime) -> List:
    t = moment.timestamp() - 10
    return [ActionExecuted("action_session_start", timestamp=t), SessionStarted(timestamp=t)]


IDS = {name: mid() for name in ("retention", "sharing", "old", "other", "mail")}
CONVERSATIONS = {
    "fb-een": start(NOW)
    + exchange(NOW, "Hoe lang bewaren jullie mijn gegevens?", IDS["retention"], topic="retention")
    + exchange(NOW + timedelta(seconds=10), "Met wie delen jullie dat?", IDS["sharing"], topic="sharing"),
    "fb-oud": start(OLD) + exchange(OLD, "Waarvoor gebruiken jullie mijn gegevens?", IDS["old"], topic="purposes"),
    "fb-ander": start(NOW) + exchange(NOW, "Welke rechten heb ik?", IDS["other"], topic="rights"),
    "fb-mail": start(NOW)
    + exchange(
        NOW,
        "Mijn adres jan.peeters@example.be: mag ik bezwaar maken tegen reclame?",
        IDS["mail"],
        topic="marketing",
        confidence=0.98,
    ),
}


@pytest.fixture(params=DATABASES)
def store(request, tmp_path):
    url = (
        f"sqlite:///{tmp_path / 'feedback.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    tracker_store = rasa_store(url)
    try:
        save(tracker_store, CONVERSATIONS)
    finally:
        tracker_store.engine.dispose()
    migrate(url)
    opened = Store(url)
    yield opened
    opened.dispose()


def rows(store: Store) -> List[Tuple]:
    with store.session() as session:
        return [
            (r.sender_id, r.message_id, r.rating, r.reason)
            for r in session.execute(sa.select(AnswerFeedback).order_by(AnswerFeedback.id)).scalars()
        ]


# ---------------------------------------------------------------------------- the domain


def test_a_rating_is_stored_without_text_and_a_second_one_replaces_it(store):
    first = feedback.record(store, "fb-een", IDS["retention"], "up", now=NOW)
    assert first == feedback.Feedback("fb-een", IDS["retention"], "up", None, NOW)
    later = NOW + timedelta(minutes=1)
    second = feedback.record(store, "fb-een", IDS["retention"], "down", "not_answered", now=later)
    assert (second.rating, second.reason, second.created_at) == ("down", "not_answered", later)
    assert rows(store) == [("fb-een", IDS["retention"], "down", "not_answered")]
    stored = feedback.for_conversation(store, "fb-een")
    assert list(stored) == [IDS["retention"]] and stored[IDS["retention"]].created_at.tzinfo is not None
    assert stored[IDS["retention"]].created_at.utcoffset() == timedelta(0)
    # Only ids, a rating, a code and a time: no column could hold the message or the answer.
    columns = {c["name"] for c in sa.inspect(store.engine).get_columns("answer_feedback")}
    assert columns == {"id", "sender_id", "message_id", "rating", "reason", "created_at"}


def test_counts_and_the_conversations_with_a_thumbs_down(store):
    feedback.record(store, "fb-een", IDS["retention"], "down")
    feedback.record(store, "fb-een", IDS["sharing"], "up")
    feedback.record(store, "fb-ander", IDS["other"], "up")
    assert feedback.counts(store) == {"up": 2, "down": 1}
    assert feedback.senders_with(store) == {"fb-een"}
    assert feedback.senders_with(store, "up") == {"fb-een", "fb-ander"}
    assert feedback.for_conversation(store, "fb-oud") == {}
    with pytest.raises(feedback.FeedbackError):
        feedback.senders_with(store, "meh")


def test_an_empty_store_counts_zero(store):
    assert feedback.counts(store) == {"up": 0, "down": 0} and feedback.senders_with(store) == set()


@pytest.mark.parametrize(
    "sender, message_id",
    [
        ("fb-ander", IDS["retention"]),  # a message of another conversation
        ("fb-een", "0" * 32),  # well-formed, but no such message
        ("fb-niemand", IDS["retention"]),  # no such conversation
    ],
)
def test_a_foreign_or_unknown_message_is_refused_in_dutch(store, sender, message_id):
    with pytest.raises(feedback.UnknownMessageError, match="vind ik niet terug in je gesprek"):
        feedback.record(store, sender, message_id, "down")
    assert rows(store) == []


@pytest.mark.parametrize(
    "message_id, rating, reason, message",
    [
        ("not-an-id", "up", None, "kon ik niet lezen"),
        (IDS["retention"].upper(), "up", None, "kon ik niet lezen"),
        (IDS["retention"], "meh", None, "duimpje omhoog of omlaag"),
        (IDS["retention"], "down", "too_long", "voorgestelde redenen"),
        (IDS["retention"], "down", "Klopt niet", "voorgestelde redenen"),  # the label is not a code
        (IDS["retention"], "up", "wrong", "alleen bij een duimpje omlaag"),
    ],
)
def test_bad_values_are_refused_in_dutch(store, message_id, rating, reason, message):
    with pytest.raises(feedback.FeedbackError, match=message):
        feedback.record(store, "fb-een", message_id, rating, reason)
    assert rows(store) == []


def test_a_bot_message_cannot_be_rated_as_if_it_were_the_visitors(store):
    """The id must be on a user event: other events' data cannot be used to smuggle one in."""
    bot_id = mid()
    tracker_store = rasa_store(store.url)
    save(
        tracker_store,
        {"fb-bot": start(NOW) + [BotUttered(f"id {bot_id}", data={"message_id": bot_id}, timestamp=NOW.timestamp())]},
    )
    tracker_store.engine.dispose()
    with pytest.raises(feedback.UnknownMessageError):
        feedback.record(store, "fb-bot", bot_id, "up")


def test_retention_and_erasure_delete_the_feedback_with_the_conversation(store):
    for sender, name in (("fb-een", "retention"), ("fb-oud", "old"), ("fb-ander", "other"), ("fb-mail", "mail")):
        feedback.record(store, sender, IDS[name], "down", "wrong")
    report = retention.purge(store, now=NOW)
    assert report.conversations == 1  # fb-oud
    assert {r[0] for r in rows(store)} == {"fb-een", "fb-ander", "fb-mail"}
    subjects.erase_conversations(store, subjects.find_conversations(store, email="jan.peeters@example.be"))
    assert {r[0] for r in rows(store)} == {"fb-een", "fb-ander"}
    retention.delete_conversations(store, ["fb-ander"])
    assert {r[0] for r in rows(store)} == {"fb-een"}
    assert feedback.counts(store) == {"up": 0, "down": 1}


def test_the_purge_keeps_the_feedback_of_a_visitor_who_came_back(store):
    """The DELETE's own re-check covers the feedback rows as it covers the events."""
    feedback.record(store, "fb-een", IDS["retention"], "up")
    table = tracker_events.events_table(store.engine)
    with store.engine.begin() as conn:
        retention._delete(conn, table, ["fb-een"], guard=(NOW - timedelta(days=1)).timestamp())
    assert len(rows(store)) == 1


# ---------------------------------------------------------------------------- the retraining inbox


def test_the_inbox_shows_thumbs_down_messages_even_when_the_model_was_sure(store):
    feedback.record(store, "fb-mail", IDS["mail"], "down", "wrong")  # 0.98 sure, an address in it
    feedback.record(store, "fb-een", IDS["sharing"], "down")  # 0.99 sure, no reason
    feedback.record(store, "fb-ander", IDS["other"], "up")  # a 👍 is no candidate
    candidates = inbox.collect(store, known=set())
    by_text = {c.text: c for c in candidates}
    masked = masking.mask_text(CONVERSATIONS["fb-mail"][3].text, {})
    assert "jan.peeters@example.be" not in masked  # the inbox masks like the console does
    assert set(by_text) == {masked, "Met wie delen jullie dat?"}
    assert by_text[masked].intent == "faq/marketing" and by_text[masked].source == "afgekeurd 0.98, Klopt niet"
    assert by_text["Met wie delen jullie dat?"].source == "afgekeurd 0.99"
    exported = inbox.to_yaml(candidates)
    assert "jan.peeters@example.be" not in exported
    assert f"# 👎 door de bezoeker afgekeurd (0.98, Klopt niet): {masked}" in exported
    assert "# 👎 door de bezoeker afgekeurd (0.99): Met wie delen jullie dat?" in exported
    assert "Welke rechten heb ik?" not in exported
    import yaml

    blocks = {b["intent"]: b["examples"] for b in yaml.safe_load(exported)["nlu"]}
    assert blocks["faq/sharing"] == "- Met wie delen jullie dat?\n"  # the comment is not an example


def test_a_correction_wins_over_a_thumbs_down_and_a_thumbs_down_over_doubt(store):
    unsure_id = mid()
    tracker_store = rasa_store(store.url)
    save(
        tracker_store,
        {
            "fb-twijfel": start(NOW)
            + exchange(NOW, "Wat doen jullie met mijn info?", unsure_id, confidence=0.3, topic="purposes")
        },
    )
    tracker_store.engine.dispose()
    assert [c.source for c in inbox.collect(store, known=set())] == ["onzeker 0.30"]
    feedback.record(store, "fb-twijfel", unsure_id, "down", "unclear")
    assert [(c.intent, c.source) for c in inbox.collect(store, known=set())] == [
        ("faq/purposes", "afgekeurd 0.30, Onduidelijk")
    ]
    with store.session() as session:
        session.add(
            Annotation(
                sender_id="fb-twijfel",
                event_id=1,
                text="Wat doen jullie met mijn info?",
                predicted_intent="faq/purposes",
                correct_intent="faq/sharing",
                created_by="an",
                created_at=NOW,
            )
        )
    assert [(c.intent, c.source) for c in inbox.collect(store, known=set())] == [("faq/sharing", "annotatie")]


# ---------------------------------------------------------------------------- the rule for the marker


def user(message_id: str, intent: str = "faq") -> UserUttered:
    return UserUttered("x", intent={"name": intent, "confidence": 1.0}, message_id=message_id)


TEXT = [{"recipient_id": "s", "text": "Zo zit het."}]


def test_the_rateable_rule():
    one = mid()
    assert chat_channel.rateable([user(one), BotUttered("Zo zit het.")], one, TEXT)
    assert not chat_channel.rateable([user(one)], one, [{"recipient_id": "s", "custom": {"x": 1}}])  # no text
    assert not chat_channel.rateable([user(mid())], one, TEXT)  # not this turn's message
    assert not chat_channel.rateable([ActiveLoop("rights_request_form"), user(one)], one, TEXT)  # a form answer
    assert not chat_channel.rateable([user(one), ActiveLoop("rights_request_form")], one, TEXT)  # starts a form
    assert not chat_channel.rateable([ActiveLoop("unsubscribe_form"), user(one), ActiveLoop(None)], one, TEXT)
    assert chat_channel.rateable([ActiveLoop("unsubscribe_form"), ActiveLoop(None), user(one)], one, TEXT)
    assert chat_channel.rateable([ActiveLoop("unsubscribe_form"), SessionStarted(), user(one)], one, TEXT)
    assert not chat_channel.rateable([user(one, "greet")], one, TEXT)
    # Rated later, from the stored conversation: a form started after the answer's turn does not count.
    later = [user(one), BotUttered("Zo zit het."), user(mid()), ActiveLoop("rights_request_form")]
    assert chat_channel.message_rateable(later, one) is True
    assert chat_channel.message_rateable([ActiveLoop("rights_request_form"), user(one), user(mid())], one) is False
    assert chat_channel.message_rateable(later, mid()) is None  # not in this conversation


def test_a_form_answer_is_no_unsure_question_for_the_inbox(store):
    """Review of issue 16: the console's "lage zekerheid" left form answers out, the retraining
    inbox still took a typed name (intent inform, unsure) as an example to label."""
    from rasa.shared.core.events import SlotSet

    name_id, question_id = mid(), mid()
    t = NOW + timedelta(minutes=5)
    events = (
        start(t)
        + [
            ActiveLoop("rights_request_form", timestamp=t.timestamp()),
            SlotSet("requested_slot", "requester_name", timestamp=t.timestamp()),
        ]
        + exchange(t, "Lotte Maes", name_id, intent="inform", confidence=0.4)
        + [
            SlotSet("requester_name", "Lotte Maes", timestamp=t.timestamp() + 4),
            ActiveLoop(None, timestamp=t.timestamp() + 5),
        ]
        + exchange(
            t + timedelta(seconds=10), "En wat doen jullie daar dan mee?", question_id, confidence=0.3, topic="purposes"
        )
    )
    tracker_store = rasa_store(store.url)
    save(tracker_store, {"fb-formulier": events})
    tracker_store.engine.dispose()
    unsure = [c for c in inbox.unsure_messages(store) if c.sender_id == "fb-formulier"]
    assert [(c.text, c.source) for c in unsure] == [("En wat doen jullie daar dan mee?", "onzeker 0.30")]

"""The plain-Python rules behind the actions: guard, fallback counting, follow-ups."""

from __future__ import annotations

from bot.dialogue import fallback, message_guard, topics


def test_guard_recognises_messages_that_are_not_questions():
    assert message_guard.check("") == message_guard.EMPTY
    assert message_guard.check("   \n\t") == message_guard.EMPTY
    assert message_guard.check(None) == message_guard.EMPTY
    assert message_guard.check("😀🎉👍") == message_guard.NO_WORDS
    assert message_guard.check("?!...") == message_guard.NO_WORDS
    assert message_guard.check("x" * (message_guard.MAX_MESSAGE_CHARS + 1)) == message_guard.TOO_LONG
    assert message_guard.check("x" * message_guard.MAX_MESSAGE_CHARS) is None
    assert message_guard.check("hoe lang bewaren jullie mijn gegevens? 🤔") is None
    assert message_guard.check("ça va") is None


def miss(intent="nlu_fallback"):
    return {"intent": {"name": intent}}


def test_fallback_offers_topics_first_and_the_mailbox_after_two_misses():
    faq = {"intent": {"name": "faq"}}
    assert fallback.fallback_response(miss(), [faq, miss()]) == fallback.FIRST_MISS
    assert fallback.fallback_response(miss("out_of_scope"), [miss("out_of_scope")]) == fallback.UNRELATED
    assert fallback.fallback_response(miss(), [miss("out_of_scope"), miss()]) == fallback.SECOND_MISS
    # an understood message in between resets the count
    assert fallback.fallback_response(miss(), [miss(), faq, miss()]) == fallback.FIRST_MISS


def test_guarded_messages_get_their_own_reply_and_are_no_miss():
    empty = {"intent": {"name": "nlu_fallback"}, "guard": message_guard.EMPTY}
    long = {"intent": {"name": "nlu_fallback"}, "guard": message_guard.TOO_LONG}
    assert fallback.fallback_response(empty, [miss(), empty]) == "utter_empty_message"
    assert fallback.fallback_response(long, [long]) == "utter_message_too_long"
    assert fallback.consecutive_misses([miss(), empty]) == 0


def test_followups_depend_on_the_topic():
    how, duration = "ask_followup_how", "ask_followup_duration"
    assert topics.followup_response(duration, "call_recording") == "utter_faq/retention_recordings"
    assert topics.followup_response(duration, "identification_data") == "utter_faq/retention"
    assert topics.followup_response(duration, None) == "utter_faq/retention"
    assert topics.followup_response(how, "right_erasure") == "utter_request_erasure"
    assert topics.followup_response(how, "right_complaint") == "utter_how_complaint"
    assert topics.followup_response(how, None) == "utter_faq/exercise_rights"
    assert topics.followup_topic(duration, "call_recording") == "retention_recordings"
    assert topics.followup_topic(how, "right_erasure") == "right_erasure"

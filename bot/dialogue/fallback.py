"""How the assistant says it did not understand: once with topic buttons, and after two
misses in a row with the privacy mailbox. Misses are counted from the tracker's events, so
nothing extra needs to be stored."""

from __future__ import annotations

from typing import Iterable, Optional

from bot.dialogue import message_guard

MISS_INTENTS = {"nlu_fallback", "out_of_scope"}

GUARD_RESPONSES = {
    message_guard.EMPTY: "utter_empty_message",
    message_guard.NO_WORDS: "utter_no_words",
    message_guard.TOO_LONG: "utter_message_too_long",
}

FIRST_MISS = "utter_default"
UNRELATED = "utter_out_of_scope"
INSURANCE = "utter_insurance_question"
SECOND_MISS = "utter_fallback_twice"
RESPONSES = {*GUARD_RESPONSES.values(), FIRST_MISS, UNRELATED, SECOND_MISS, INSURANCE}


def _is_miss(parse_data: dict) -> bool:
    intent = (parse_data.get("intent") or {}).get("name")
    return intent in MISS_INTENTS and not parse_data.get("guard")


def consecutive_misses(user_parse_data: Iterable[dict]) -> int:
    """How many of the latest user messages in a row were not understood (newest last)."""
    count = 0
    for parse_data in reversed(list(user_parse_data)):
        if not _is_miss(parse_data):
            break
        count += 1
    return count


def fallback_response(latest: dict, user_parse_data: Iterable[dict]) -> str:
    """The response for a message that got no answer of its own."""
    guard: Optional[str] = latest.get("guard")
    if guard in GUARD_RESPONSES:
        return GUARD_RESPONSES[guard]
    intent = (latest.get("intent") or {}).get("name")
    if intent == "insurance_question":
        return INSURANCE  # a customer's question with a route of its own, never a "miss"
    if intent == "out_of_scope":
        # Understood as off-topic, so the broker's contact route helps; the privacy mailbox
        # of SECOND_MISS would send a second off-topic question to the wrong desk.
        return UNRELATED
    if consecutive_misses(user_parse_data) >= 2:
        return SECOND_MISS
    return FIRST_MISS

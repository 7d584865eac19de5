"""Which answer a follow-up question gets, given the last privacy topic discussed.

Plain Python so that the Rasa actions, the CLI and the console share one truth.
Topics are the response keys of the retrieval intent ``faq`` (``faq/retention`` -> ``retention``).
"""

from __future__ import annotations

from typing import Optional

from bot.store import events

FAQ_INTENT = events.FAQ_INTENT

# "hoe doe ik dat?" after an answer about a right: how to exercise that very right.
HOW_TO = {
    "right_access": "utter_request_access",
    "right_rectification": "utter_request_rectification",
    "right_erasure": "utter_request_erasure",
    "right_restriction": "utter_request_restriction",
    "right_portability": "utter_request_portability",
    "right_objection": "utter_request_objection",
    "right_marketing_objection": "utter_request_marketing_objection",
    "direct_marketing": "utter_request_marketing_objection",
    "online_ads": "utter_request_marketing_objection",
    "right_consent_withdrawal": "utter_request_consent_withdrawal",
    "right_complaint": "utter_how_complaint",
    "bel_me_niet_meer": "utter_unsubscribe",
    "communication_preferences": "utter_unsubscribe",
    "identification_data": "utter_request_access",
}
HOW_TO_DEFAULT = "utter_faq/exercise_rights"

# "en hoe lang?" after an answer about call recordings: how long recordings are kept.
DURATION = {
    "call_recording": "utter_faq/retention_recordings",
    "retention_recordings": "utter_faq/retention_recordings",
    "service_improvement": "utter_faq/retention_recordings",
}
DURATION_DEFAULT = "utter_faq/retention"

FOLLOWUP_INTENTS = {"ask_followup_how": (HOW_TO, HOW_TO_DEFAULT), "ask_followup_duration": (DURATION, DURATION_DEFAULT)}


def followup_response(intent: str, topic: Optional[str]) -> str:
    """The response that answers a context-dependent follow-up."""
    table, default = FOLLOWUP_INTENTS[intent]
    return table.get(topic or "", default)


def followup_topic(intent: str, topic: Optional[str]) -> Optional[str]:
    """The topic the conversation is about after answering the follow-up."""
    answer = followup_response(intent, topic)
    if answer.startswith("utter_faq/"):
        return answer.removeprefix("utter_faq/")
    return topic


def responses_used_by_actions() -> set:
    """Responses that the follow-up action sends (rules and stories do not name them)."""
    names = {HOW_TO_DEFAULT, DURATION_DEFAULT, *HOW_TO.values(), *DURATION.values()}
    return names

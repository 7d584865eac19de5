"""Rasa custom actions: thin wrappers around the plain-Python logic in ``bot``."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot import fallback, message_guard, topics


class ActionAnswerFaq(Action):
    """Answer a privacy question with the selected section and remember its topic."""

    def name(self) -> Text:
        return "action_answer_faq"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        key = topics.response_key(tracker.latest_message)
        if key is None:
            dispatcher.utter_message(response="utter_default")
            return []
        dispatcher.utter_message(response=f"utter_{key}")
        return [SlotSet("topic", topics.topic_of(key))]


class ActionAnswerFollowup(Action):
    """Answer "hoe doe ik dat?" / "en hoe lang?" about the topic discussed last."""

    def name(self) -> Text:
        return "action_answer_followup"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        intent = tracker.latest_message.get("intent", {}).get("name")
        topic = tracker.get_slot("topic")
        if intent not in topics.FOLLOWUP_INTENTS:
            dispatcher.utter_message(response="utter_default")
            return []
        dispatcher.utter_message(response=topics.followup_response(intent, topic))
        return [SlotSet("topic", topics.followup_topic(intent, topic))]


class ActionFallback(Action):
    """Honest deflection: topic buttons first, the privacy mailbox after two misses."""

    def name(self) -> Text:
        return "action_fallback"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        user_parse_data = [e.get("parse_data") or {} for e in tracker.events if e.get("event") == "user"]
        response = fallback.fallback_response(tracker.latest_message, user_parse_data)
        dispatcher.utter_message(response=response, max_chars=message_guard.MAX_MESSAGE_CHARS)
        return []

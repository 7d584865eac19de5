"""Rasa custom actions: thin wrappers around the plain-Python logic in ``bot``."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.core import settings
from bot.dialogue import answer_choice, answers, fallback, message_guard, topic_catalogue, topics


class ActionAnswerFaq(Action):
    """Answer a privacy question when the topic is clear, or ask which topic is meant
    (``bot.dialogue.answer_choice``); an answer carries its source link and the offer to act."""

    def name(self) -> Text:
        return "action_answer_faq"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        choice = answer_choice.choose(tracker.latest_message)
        if choice is None:
            dispatcher.utter_message(response="utter_default")
            return []
        if choice.kind == answer_choice.CLARIFY:
            reply = answers.clarify(answers.response_text(domain, answers.CLARIFY_RESPONSE) or "", choice.topics)
            dispatcher.utter_message(response=reply.response, buttons=reply.buttons)
            return []
        key = choice.topics[0]
        values = {"months": settings.chat_retention_months()}
        reply = answers.answer(key, answers.response_text(domain, topic_catalogue.response_name(key)) or "", **values)
        dispatcher.utter_message(response=reply.response, text=reply.text, buttons=reply.buttons, **values)
        return [SlotSet("topic", key)]


class ActionAnswerFollowup(Action):
    """Answer "hoe doe ik dat?" / "en hoe lang?" about the topic discussed last."""

    def name(self) -> Text:
        return "action_answer_followup"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
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

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        user_parse_data = [e.get("parse_data") or {} for e in tracker.events if e.get("event") == "user"]
        response = fallback.fallback_response(tracker.latest_message, user_parse_data)
        dispatcher.utter_message(
            response=response, max_chars=message_guard.MAX_MESSAGE_CHARS, contact_url=settings.contact_url()
        )
        return []


class ActionInformNoForm(Action):
    """Personal details typed with no form open: not needed, and said truthfully that the
    message stays in the conversation for the retention period (it is not dropped)."""

    def name(self) -> Text:
        return "action_inform_no_form"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(response=answers.INFORM_NO_FORM, months=settings.chat_retention_months())
        return []

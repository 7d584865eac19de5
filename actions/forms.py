"""Form actions: slot extraction and validation for the three chat forms, the dynamic
questions, and the actions that store what a completed form asked for.

Thin on purpose: reading answers is ``bot.dialogue.form_input``, what to ask and say is
``bot.dialogue.forms``; storing is ``bot.privacy.verification`` and ``bot.privacy.optouts``.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.core import settings
from bot.dialogue import form_input, forms
from bot.dialogue.form_input import SKIP, Message
from bot.dialogue.forms import FIELD_LABELS
from bot.privacy import contact, rights
from bot.store.db import Store

log = logging.getLogger(__name__)

_store: Optional[Store] = None

# Short replies that are clearly not an answer to "what is your name?".
SMALLTALK = {"greet", "thank", "affirm", "deny", "bot_challenge", "help", "out_of_scope"}
SURE_INTENT = 0.8


def store() -> Optional[Store]:
    """One store per action-server process; None when the database cannot be reached now."""
    global _store
    if _store is None:
        try:
            _store = Store()
        except Exception as exc:  # a bad URL or missing driver: answered honestly by the caller
            log.error("store unavailable: %s", type(exc).__name__)
            return None
    return _store


def message(tracker: Tracker) -> Message:
    return Message.from_parse(tracker.latest_message or {})


def requested(tracker: Tracker, slot: str) -> bool:
    return tracker.get_slot("requested_slot") == slot


def activating(tracker: Tracker) -> bool:
    """The form is being activated by this very message (nothing requested yet)."""
    return tracker.get_slot("requested_slot") is None


def form_slots(tracker: Tracker, names: List[str]) -> Dict[str, Any]:
    return {name: tracker.get_slot(name) for name in names}


# ---- rights request ----------------------------------------------------------------------------
class ValidateRightsRequestForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_rights_request_form"

    async def required_slots(
        self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Text]:
        return forms.rights_required_slots(form_slots(tracker, forms.RIGHTS_SLOTS))

    def _switch_or_change(
        self, slot: str, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> Optional[Dict[Text, Any]]:
        """A wish to change an earlier answer (or the kind of request) mid-form."""
        msg = message(tracker)
        current = tracker.get_slot("request_type")
        if (
            msg.intent
            and msg.intent.startswith("request_")
            and msg.confidence >= SURE_INTENT
            and slot != "request_type"
        ):
            new_type = form_input.request_type(msg)
            if new_type and new_type != current:
                dispatcher.utter_message(text=f"Oké, dan wordt het: {forms.type_label(new_type)}.")
                return {"request_type": new_type, "request_confirmed": None, "change_field": None}
        if not msg.is_change() or slot == "change_field":
            return None
        target = form_input.field(msg.text)
        if target in forms.changeable_fields(current):
            dispatcher.utter_message(text=f"Oké, we passen dit aan: {FIELD_LABELS[target].lower()}.")
            return {target: None, "request_confirmed": None, "change_field": None}
        return {"request_confirmed": False, "change_field": None}

    def _extract(self, slot: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> Dict[Text, Any]:
        if not requested(tracker, slot):
            return {}
        msg = message(tracker)
        # The details are the visitor's own description ("de profilering voor reclame"): it reads
        # like a privacy question to the model, so only a real question (a "?") or a stop steps out
        # there, and it never switches the kind of request.
        free_text = slot == "request_details"
        if not free_text:
            changed = self._switch_or_change(slot, dispatcher, tracker)
            if changed is not None:
                return changed
        elif msg.is_change():
            return self._switch_or_change(slot, dispatcher, tracker) or {}
        if msg.is_stop() or (msg.is_question() and (not free_text or "?" in msg.text)):
            return {}
        return {slot: msg.text}

    async def extract_request_type(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        msg = message(tracker)
        if activating(tracker):
            found = form_input.request_type(msg)
            return {"request_type": found} if found else {}
        if not requested(tracker, "request_type"):
            return {}
        if msg.is_stop() or (msg.is_question() and form_input.request_type(msg) is None):
            return {}
        return {"request_type": form_input.request_type(msg) or "?"}

    def validate_request_type(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if value in rights.TYPE_LABELS:
            return {"request_type": value}
        if value is not None:
            dispatcher.utter_message(text="Dat herken ik niet als een van de rechten. Kies een van de knoppen.")
        return {"request_type": None}

    async def extract_requester_name(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        return self._extract("requester_name", dispatcher, tracker)

    def validate_requester_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if value is None:
            return {"requester_name": None}
        msg = message(tracker)
        found = form_input.name(str(value))
        chatty = msg.intent in SMALLTALK and msg.confidence >= SURE_INTENT
        if found and not chatty and not form_input.looks_like_sentence(found):
            return {"requester_name": found}
        dispatcher.utter_message(text="Dat lijkt me geen naam. Geef je voor- en achternaam, bv. Jan Peeters.")
        return {"requester_name": None}

    async def extract_requester_email(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        extracted = self._extract("requester_email", dispatcher, tracker)
        if "requester_email" in extracted and extracted["requester_email"]:
            extracted["requester_email"] = (
                form_input.email_candidate(extracted["requester_email"]) or extracted["requester_email"]
            )
        return extracted

    def validate_requester_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if value is None:
            return {"requester_email": None}
        try:
            return {"requester_email": contact.normalise_email(str(value))}
        except contact.InvalidContact as exc:
            dispatcher.utter_message(text=str(exc))
            return {"requester_email": None}

    async def extract_customer_number(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if requested(tracker, "customer_number") and form_input.is_skip(message(tracker)):
            return {"customer_number": SKIP}
        return self._extract("customer_number", dispatcher, tracker)

    def validate_customer_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if value is None or value == SKIP:
            return {"customer_number": value}
        number = form_input.customer_number(str(value))
        if number:
            return {"customer_number": number}
        dispatcher.utter_message(
            text="Dat lijkt geen klant- of polisnummer (daar staan cijfers in). "
            "Typ het nummer, of 'geen' als je het niet hebt."
        )
        return {"customer_number": None}

    async def extract_request_details(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        return self._extract("request_details", dispatcher, tracker)

    def validate_request_details(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if value is None:
            return {"request_details": None}
        found = form_input.details(str(value))
        if found:
            return {"request_details": found}
        dispatcher.utter_message(text="Vertel het in een paar woorden, zodat we weten waar het om gaat.")
        return {"request_details": None}

    async def extract_change_field(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        msg = message(tracker)
        if requested(tracker, "change_field") and not msg.is_stop() and form_input.field(msg.text):
            return {"change_field": msg.text}  # a field named outright wins over any intent
        return self._extract("change_field", dispatcher, tracker)

    def validate_change_field(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if value is None:
            return {"change_field": None}
        target = form_input.field(str(value))
        if target in forms.changeable_fields(tracker.get_slot("request_type")):
            return {target: None, "change_field": None, "request_confirmed": None}
        if form_input.confirmation(message(tracker)) is True or form_input.is_skip(message(tracker)):
            return {"change_field": None, "request_confirmed": None}  # nothing to change: summary again
        dispatcher.utter_message(text="Kies wat je wil aanpassen met een van de knoppen, of typ 'annuleer'.")
        return {"change_field": None}

    async def extract_request_confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if not requested(tracker, "request_confirmed"):
            return {}
        msg = message(tracker)
        answer = form_input.confirmation(msg)
        if answer is None and msg.steps_out():
            return {}
        if answer is False and msg.is_change():
            changed = self._switch_or_change("request_confirmed", dispatcher, tracker)
            if changed is not None:
                return changed
        return {"request_confirmed": answer if answer is not None else "?"}

    def validate_request_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if value is True or value is False or value is None:
            return {"request_confirmed": value}
        dispatcher.utter_message(
            text="Antwoord met 'ja' om je verzoek te versturen, 'aanpassen' om iets te "
            "wijzigen of 'annuleer' om te stoppen."
        )
        return {"request_confirmed": None}


class AskRequesterName(Action):
    def name(self) -> Text:
        return "action_ask_requester_name"

    def run(self, dispatcher, tracker, domain):
        dispatcher.utter_message(text=forms.name_question(tracker.get_slot("request_type")))
        return []


class AskRequestDetails(Action):
    def name(self) -> Text:
        return "action_ask_request_details"

    def run(self, dispatcher, tracker, domain):
        dispatcher.utter_message(text=forms.details_question(tracker.get_slot("request_type")))
        return []


class AskChangeField(Action):
    def name(self) -> Text:
        return "action_ask_change_field"

    def run(self, dispatcher, tracker, domain):
        fields = forms.changeable_fields(tracker.get_slot("request_type"))
        buttons = [{"title": FIELD_LABELS[f], "payload": f"{FIELD_LABELS[f]} aanpassen"} for f in fields]
        buttons.append({"title": "Annuleren", "payload": "/cancel"})
        dispatcher.utter_message(text="Wat wil je aanpassen?", buttons=buttons)
        return []


class AskRequestConfirmed(Action):
    def name(self) -> Text:
        return "action_ask_request_confirmed"

    def run(self, dispatcher, tracker, domain):
        dispatcher.utter_message(
            text=forms.summary(form_slots(tracker, forms.RIGHTS_SLOTS)),
            buttons=[
                {"title": "Ja, verstuur", "payload": "/affirm"},
                {"title": "Iets aanpassen", "payload": "/change_answer"},
                {"title": "Annuleren", "payload": "/cancel"},
            ],
        )
        return []


def reset(names: List[str]) -> List[EventType]:
    return [SlotSet(name, None) for name in names]


def client_of(tracker: Tracker) -> Optional[str]:
    """The keyed hash of the visitor's address that our chat channel puts in the metadata."""
    client = ((tracker.latest_message or {}).get("metadata") or {}).get("client")
    return client if isinstance(client, str) else None


class SubmitRightsRequest(Action):
    """Commit first, then confirm: the visitor hears a reference only for a stored request."""

    def name(self) -> Text:
        return "action_submit_rights_request"

    def run(self, dispatcher, tracker, domain):
        slots = form_slots(tracker, forms.RIGHTS_SLOTS)
        if slots.get("request_confirmed") is not True:
            dispatcher.utter_message(response=forms.NOT_SENT)
            return reset(forms.RIGHTS_SLOTS)
        outcome = forms.submit_rights_request(store(), slots, tracker.sender_id, client_of(tracker))
        dispatcher.utter_message(text=outcome.text)
        return reset(forms.RIGHTS_SLOTS)


class CancelForm(Action):
    """Stop whichever form is open and forget what it collected."""

    def name(self) -> Text:
        return "action_cancel_form"

    def run(self, dispatcher, tracker, domain):
        loop = (tracker.active_loop or {}).get("name")
        # The reply says what really happens to the typed text: it stays in the conversation.
        dispatcher.utter_message(response=forms.cancel_response(loop), months=settings.chat_retention_months())
        return [ActiveLoop(None), SlotSet("requested_slot", None)] + reset(
            forms.RIGHTS_SLOTS + forms.UNSUBSCRIBE_SLOTS + forms.STATUS_SLOTS
        )


# ---- status lookup ----------------------------------------------------------------------------------
class ValidateStatusLookupForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_status_lookup_form"

    async def required_slots(self, domain_slots, dispatcher, tracker, domain):
        return forms.status_required_slots(tracker.get_slot("lookup_failures") or 0)

    async def extract_lookup_reference(self, dispatcher, tracker, domain):
        msg = message(tracker)
        if activating(tracker):
            found = form_input.reference(msg.text)
            return {"lookup_reference": found} if found else {}
        if not requested(tracker, "lookup_reference"):
            return {}
        found = form_input.reference(msg.text)
        if found:
            return {"lookup_reference": found}
        if form_input.no_reference(msg) and not msg.is_stop():
            return {"lookup_reference": forms.NO_REFERENCE, "lookup_email": forms.NO_REFERENCE}
        if msg.steps_out() or msg.is_change():
            return {}
        return {"lookup_reference": "?"}

    def validate_lookup_reference(self, value, dispatcher, tracker, domain):
        if value is None or value == forms.NO_REFERENCE or str(value).startswith("PRV-"):
            return {"lookup_reference": value}
        dispatcher.utter_message(
            text="Een referentie ziet eruit als PRV- gevolgd door 10 letters en cijfers; "
            "je vindt ze in onze bevestigingsmail."
        )
        return {"lookup_reference": None}

    async def extract_lookup_email(self, dispatcher, tracker, domain):
        msg = message(tracker)
        if activating(tracker):
            found = form_input.email_candidate(msg.text)
            return {"lookup_email": found} if found else {}
        if not requested(tracker, "lookup_email"):
            return {}
        if msg.is_change():
            dispatcher.utter_message(text="Oké, we beginnen opnieuw.")
            return {"lookup_reference": None, "lookup_email": None}
        if msg.steps_out():
            return {}
        return {"lookup_email": form_input.email_candidate(msg.text) or msg.text}

    def validate_lookup_email(self, value, dispatcher, tracker, domain):
        if value is None or value == forms.NO_REFERENCE:
            return {"lookup_email": value}
        try:
            return {"lookup_email": contact.normalise_email(str(value))}
        except contact.InvalidContact as exc:
            dispatcher.utter_message(text=str(exc))
            return {"lookup_email": None}


class LookUpStatus(Action):
    def name(self) -> Text:
        return "action_lookup_status"

    def run(self, dispatcher, tracker, domain):
        failures = float(tracker.get_slot("lookup_failures") or 0)
        outcome = forms.look_up(
            store(),
            tracker.get_slot("lookup_reference"),
            tracker.get_slot("lookup_email"),
            failures,
            client_of(tracker),
        )
        dispatcher.utter_message(text=outcome.text)
        return reset(forms.STATUS_SLOTS) + [SlotSet("lookup_failures", float(outcome.extra["failures"]))]


# ---- unsubscribe --------------------------------------------------------------------------------------
class ValidateUnsubscribeForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_unsubscribe_form"

    async def required_slots(self, domain_slots, dispatcher, tracker, domain):
        return forms.unsubscribe_required_slots(tracker.get_slot("unsubscribe_channel"))

    def _extract(self, slot: str, dispatcher, tracker) -> Dict[Text, Any]:
        if not requested(tracker, slot):
            return {}
        msg = message(tracker)
        if msg.is_change():
            dispatcher.utter_message(text="Oké, we beginnen opnieuw.")
            return {name: None for name in forms.UNSUBSCRIBE_SLOTS}
        optional = forms.optional_for(tracker.get_slot("unsubscribe_channel"))
        if optional and form_input.is_skip(msg):
            return {slot: SKIP}
        if slot == "unsubscribe_email" and form_input.email_candidate(msg.text):
            return {slot: form_input.email_candidate(msg.text)}
        if msg.steps_out():
            return {}
        return {slot: msg.text}

    async def extract_unsubscribe_channel(self, dispatcher, tracker, domain):
        msg = message(tracker)
        if activating(tracker):
            found = form_input.channel(msg.text)
            return {"unsubscribe_channel": found} if found else {}
        if not requested(tracker, "unsubscribe_channel"):
            return {}
        found = form_input.channel(msg.text)
        if found:
            return {"unsubscribe_channel": found}
        if msg.steps_out():
            return {}
        return {"unsubscribe_channel": "?"}

    def validate_unsubscribe_channel(self, value, dispatcher, tracker, domain):
        if value is None or value in forms.CHANNEL_LABELS:
            return {"unsubscribe_channel": value}
        dispatcher.utter_message(
            text="Kies een kanaal met een van de knoppen: e-mail, post, telefoon, sms of alle kanalen."
        )
        return {"unsubscribe_channel": None}

    async def extract_unsubscribe_email(self, dispatcher, tracker, domain):
        msg = message(tracker)
        if activating(tracker) and form_input.email_candidate(msg.text):
            return {"unsubscribe_email": form_input.email_candidate(msg.text)}
        return self._extract("unsubscribe_email", dispatcher, tracker)

    async def extract_unsubscribe_phone(self, dispatcher, tracker, domain):
        return self._extract("unsubscribe_phone", dispatcher, tracker)

    async def extract_unsubscribe_postal(self, dispatcher, tracker, domain):
        return self._extract("unsubscribe_postal", dispatcher, tracker)

    def _validate(self, slot: str, normalise, value, dispatcher, tracker) -> Dict[Text, Any]:
        if value is None or value == SKIP:
            return self._at_least_one(slot, value, dispatcher, tracker)
        try:
            return {slot: normalise(str(value))}
        except contact.InvalidContact as exc:
            dispatcher.utter_message(text=str(exc))
            return {slot: None}

    def _at_least_one(self, slot: str, value, dispatcher, tracker) -> Dict[Text, Any]:
        """With 'alle kanalen' every address may be skipped, but not all of them."""
        if value != SKIP or slot != "unsubscribe_postal":
            return {slot: value}
        if any(tracker.get_slot(s) not in (None, SKIP) for s in ("unsubscribe_email", "unsubscribe_phone")):
            return {slot: value}
        dispatcher.utter_message(
            text="Ik heb minstens één e-mailadres, telefoonnummer of postadres nodig om je "
            "uit te schrijven. We beginnen opnieuw."
        )
        return {"unsubscribe_email": None, "unsubscribe_phone": None, "unsubscribe_postal": None}

    def validate_unsubscribe_email(self, value, dispatcher, tracker, domain):
        return self._validate("unsubscribe_email", contact.normalise_email, value, dispatcher, tracker)

    def validate_unsubscribe_phone(self, value, dispatcher, tracker, domain):
        return self._validate("unsubscribe_phone", contact.normalise_phone, value, dispatcher, tracker)

    def validate_unsubscribe_postal(self, value, dispatcher, tracker, domain):
        return self._validate("unsubscribe_postal", contact.normalise_postal, value, dispatcher, tracker)


class SubmitUnsubscribe(Action):
    def name(self) -> Text:
        return "action_submit_unsubscribe"

    def run(self, dispatcher, tracker, domain):
        outcome = forms.submit_unsubscribe(store(), form_slots(tracker, forms.UNSUBSCRIBE_SLOTS), client_of(tracker))
        dispatcher.utter_message(text=outcome.text)
        return reset(forms.UNSUBSCRIBE_SLOTS)

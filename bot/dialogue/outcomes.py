"""What a bot reply *did*, in one label: answered a topic, opened a form, asked, deflected.

The real-question evaluation compares this label with the expected one; ``privacybot
converse`` prints it with every turn. It is read from what the bot really sent (the response
names Rasa records with each bot message) and the form that is open afterwards, so it cannot
disagree with what the visitor saw.

Kinds:
- ``answer``: a topic answer (label ``faq/<topic>``);
- ``form``: a chat form opened for a known purpose (``request_access`` ... ``unsubscribe``,
  ``request_status``);
- ``deflect``: an honest "not a question for me" (off-topic, insurance business, language);
- ``smalltalk``: greeting, thanks, bot question, handoff, help;
- ``ask``: the bot asks before acting ("Bedoel je ...?", or which right a request is about);
- ``fallback``: "Sorry, dat begreep ik niet".
``answer``, ``form``, ``deflect`` and ``smalltalk`` commit to something: when that is wrong,
the reply was *confidently wrong*. ``ask`` and ``fallback`` are honest uncertainty.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional, Sequence

ANSWER, FORM, DEFLECT, SMALLTALK, ASK, FALLBACK = "answer", "form", "deflect", "smalltalk", "ask", "fallback"
COMMITTED = {ANSWER, FORM, DEFLECT, SMALLTALK}

DEFLECT_RESPONSES = {
    "utter_out_of_scope",
    "utter_insurance_question",
    "utter_other_language",
    "utter_other_organisation",
}
FALLBACK_RESPONSES = {"utter_default", "utter_fallback_twice", "utter_clarify_other"}
ASK_RESPONSES = {"utter_clarify"}
SMALLTALK_RESPONSES = {
    "utter_inform_no_form": "inform",
    "utter_greet": "greet",
    "utter_goodbye": "goodbye",
    "utter_welcome": "thank",
    "utter_iamabot": "bot_challenge",
    "utter_human_handoff": "human_handoff",
    "utter_help": "help",
}
FORM_LABELS = {"unsubscribe_form": "unsubscribe", "status_lookup_form": "request_status"}
RIGHTS_FORM = "rights_request_form"


@dataclass(frozen=True)
class Outcome:
    kind: str
    label: Optional[str] = None

    def as_text(self) -> str:
        return f"{self.kind}:{self.label}" if self.label else self.kind

    @property
    def committed(self) -> bool:
        return self.kind in COMMITTED


def classify(responses: Sequence[str], active_loop: Optional[str], request_type: Optional[str]) -> Outcome:
    """The outcome of one turn from its response names (in order) and the form left open."""
    if active_loop == RIGHTS_FORM:
        return Outcome(FORM, f"request_{request_type}") if request_type else Outcome(ASK, "request_right")
    if active_loop in FORM_LABELS:
        return Outcome(FORM, FORM_LABELS[active_loop])
    for name in responses:
        if name.startswith("utter_faq/"):
            return Outcome(ANSWER, name.removeprefix("utter_"))
        if name in ASK_RESPONSES:
            return Outcome(ASK, "clarify")
        if name in DEFLECT_RESPONSES:
            return Outcome(DEFLECT, "deflect")
        if name in FALLBACK_RESPONSES:
            return Outcome(FALLBACK)
        if name in SMALLTALK_RESPONSES:
            return Outcome(SMALLTALK, SMALLTALK_RESPONSES[name])
    return Outcome(FALLBACK) if not responses else Outcome(SMALLTALK, responses[0].removeprefix("utter_"))


def is_right(outcome: Outcome, expected: Iterable[str]) -> bool:
    return outcome.committed and outcome.label in set(expected)


def is_confidently_wrong(outcome: Outcome, expected: Iterable[str]) -> bool:
    return outcome.committed and outcome.label not in set(expected)

"""What a privacy answer looks like when it is sent: the statement's answer, where to check it,
and what the visitor can do next.

- every answer ends with a link to the part of the privacy statement it comes from
  (``/privacy#<anchor>``), so a visitor can check it;
- an answer about a right offers to register that request here, an answer about marketing
  offers the unsubscribe form (a button that opens the form with the type already set);
- "Bedoel je ...?" lists the likeliest topics as buttons, plus "iets anders".

Plain Python: the Rasa actions and the tests call it with the answer text from domain.yml.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

from bot.core import settings
from bot.dialogue import topic_catalogue
from bot.dialogue.answer_choice import TOPIC_ENTITY

SOURCE_LINE = "Lees het na in het privacystatement: {url}"
SILENT_SOURCE_LINE = "Wat het privacystatement hierover het dichtst zegt: {url}"
OFFER_LINE = {
    "unsubscribe": "Of schrijf je meteen hier in de chat uit.",
}
DEFAULT_OFFER_LINE = "Of registreer je verzoek meteen hier in de chat."

CLARIFY_RESPONSE = "utter_clarify"
INFORM_NO_FORM = "utter_inform_no_form"
CLARIFY_OTHER_TITLE = "Iets anders"
CLARIFY_OTHER_PAYLOAD = "/clarify_other"


@dataclass
class Reply:
    """One bot message: the response it stands for, its text and its buttons."""

    response: str
    text: str
    buttons: List[Dict[str, str]] = field(default_factory=list)


_TOPIC_PREFIX = "/" + topic_catalogue.FAQ_INTENT


def topic_payload(key: str) -> str:
    """The button payload that asks for one topic's answer directly."""
    return _TOPIC_PREFIX + json.dumps({TOPIC_ENTITY: key})


def payload_topic(payload: str) -> Optional[str]:
    """The topic a "Bedoel je ...?" button asks for (``topic_payload`` read back), or None."""
    if not payload.startswith(_TOPIC_PREFIX + "{"):
        return None
    try:
        value = json.loads(payload[len(_TOPIC_PREFIX) :]).get(TOPIC_ENTITY)
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None


def answer(key: str, text: str, **values: object) -> Reply:
    """The answer to ``faq/<key>``: its text (``{name}`` filled from ``values``), the source
    link and, for a right or for marketing, the offer to act here."""
    entry = topic_catalogue.TOPICS[key]
    body = text.format(**values) if values else text
    lines = [body]
    buttons: List[Dict[str, str]] = []
    if entry.offer:
        lines.append(OFFER_LINE.get(entry.offer, DEFAULT_OFFER_LINE))
        buttons.append({"title": topic_catalogue.OFFER_TITLES[entry.offer], "payload": f"/{entry.offer}"})
    source = SILENT_SOURCE_LINE if entry.silent else SOURCE_LINE
    lines.append(source.format(url=settings.privacy_page_url(entry.anchor)))
    return Reply(topic_catalogue.response_name(key), "\n".join(lines), buttons)


def clarify(text: str, options: Sequence[str]) -> Reply:
    """ "Bedoel je ...?" with one button per likely topic and one for something else."""
    buttons = [{"title": topic_catalogue.TOPICS[key].title, "payload": topic_payload(key)} for key in options]
    buttons.append({"title": CLARIFY_OTHER_TITLE, "payload": CLARIFY_OTHER_PAYLOAD})
    return Reply(CLARIFY_RESPONSE, text, buttons)


def response_text(domain: Dict, name: str) -> Optional[str]:
    """The first text variant of a response in the domain (as the action server receives it)."""
    variants = (domain.get("responses") or {}).get(name) or []
    return variants[0].get("text") if variants else None

"""A visitor's text as Rasa may read and store it, from any of our front doors (the chat
channel, ``privacybot converse``, ``privacybot shell``): control and format characters gone,
sensitive data redacted (bot.privacy.redaction), and capped. One function, so the widget and the
measuring tools never prepare a message differently."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Optional

from bot.dialogue import message_guard
from bot.privacy import redaction as sensitive


def clean(text: str) -> str:
    """Drop control and format characters (NUL, bidi overrides, zero-width) that only hide
    what a text says; keep line breaks and tabs as spaces."""
    text = unicodedata.normalize("NFC", text.replace("\r", " ").replace("\n", " ").replace("\t", " "))
    return "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn")).strip()


@dataclass(frozen=True)
class Prepared:
    text: str  # what Rasa may see and store
    warning: Optional[str]  # said before the bot's answer when something was left out


def prepare(text: str) -> Prepared:
    """The text as Rasa gets it from any of our front doors (chat channel, converse, shell):
    control characters gone, sensitive data redacted, and never longer than the message guard
    needs to recognise "too long" (spaCy refuses texts over a million characters)."""
    cleaned = clean(text)[: message_guard.MAX_MESSAGE_CHARS + 1]
    redaction = sensitive.redact(cleaned)
    return Prepared(redaction.text, sensitive.warning(redaction.categories) if redaction.categories else None)

"""What the chat channel checks before a message reaches Rasa: a well-formed request, a
sender id that is an id, a client within its rate limits, and a text short enough to read.
The same checks, with their own body shape and limit, guard the 👍/👎 feedback route.

Each refusal is a `Refusal` with an HTTP status and a Dutch text the widget can show; no
refusal reaches Rasa, so none of it is stored. Plain Python: the channel and the tests call it.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import Iterable, Optional

from bot.core import company, limits
from bot.dialogue.preparation import clean

logger = logging.getLogger(__name__)

MAILBOX = company.privacy_mailbox()  # once, at import: the refusals below are constants

MAX_BODY_BYTES = 16 * 1024  # a 1000-character message in JSON, with room to spare
# ".." is excluded: the console refuses such ids (bot.staff.conversations.valid_sender), so a
# conversation under one could be stored but never reviewed or erased by staff.
SENDER_PATTERN = re.compile(r"(?!.*\.\.)[A-Za-z0-9._:@-]{1,128}")


@dataclass(frozen=True)
class Refusal:
    status: int
    text: str
    retry_after: Optional[int] = None


@dataclass(frozen=True)
class ChatRequest:
    sender: str
    text: str


BAD_REQUEST = Refusal(400, "Dit bericht kon ik niet lezen. Herlaad de pagina en probeer het opnieuw.")
TOO_LARGE = Refusal(413, f"Je bericht is veel te lang voor de chat. Stel je vraag korter, of mail ze naar {MAILBOX}.")


NOT_JSON = Refusal(
    415,
    "Dit bericht kon ik niet lezen: de chat neemt alleen berichten van de chatwidget aan. "
    "Herlaad de pagina en probeer het opnieuw.",
)
WRONG_ORIGIN = Refusal(
    403,
    f"Deze chat is alleen te gebruiken vanaf de website van KMO-verzekeringen. Vragen over je privacy? Mail {MAILBOX}.",
)


def check_browser(content_type: Optional[str], origin: Optional[str], allowed: Iterable[str]) -> None:
    """Refuse what another website could make a visitor's browser send (issue 15, finding 9).

    A cross-site ``text/plain`` or form post needs no CORS preflight: CORS only hides the reply,
    the message itself would still be processed (and stored, and could start a form). So the
    body must be declared JSON (which a cross-site page can only send after a preflight that
    CORS refuses), and a request that names its origin must come from a site that embeds the
    widget. Requests without an Origin header (curl, our own tools, server-to-server) carry no
    visitor's cookies or identity and pass this check."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media != "application/json":
        raise RefusedError(NOT_JSON)
    if origin is not None and origin.rstrip("/") not in {o.rstrip("/") for o in allowed}:
        raise RefusedError(WRONG_ORIGIN)


def parse(body: bytes) -> ChatRequest:
    """The sender and text of a POST body, or a Refusal (raised)."""
    if len(body) > MAX_BODY_BYTES:
        raise RefusedError(TOO_LARGE)
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise RefusedError(BAD_REQUEST) from None
    if not isinstance(payload, dict):
        raise RefusedError(BAD_REQUEST)
    sender, text = payload.get("sender"), payload.get("message", "")
    # Without a sender Rasa would file the message under the shared id "default".
    if not isinstance(sender, str) or not SENDER_PATTERN.fullmatch(sender):
        raise RefusedError(BAD_REQUEST)
    if text is None:
        text = ""
    if not isinstance(text, str):
        raise RefusedError(BAD_REQUEST)
    return ChatRequest(sender, clean(text))


@dataclass(frozen=True)
class FeedbackRequest:
    sender: str
    message_id: str
    rating: str
    reason: Optional[str]


MAX_FEEDBACK_BYTES = 1024  # four short fields
FEEDBACK_FIELDS = frozenset({"sender", "message_id", "rating", "reason"})


def parse_feedback(body: bytes) -> FeedbackRequest:
    """The fields of a 👍/👎 POST body (``POST /webhooks/rest/feedback``), or a Refusal (raised):
    a JSON object with exactly these string fields (``reason`` optional, may be null) and a sender
    id as the chat accepts it. Whether the values are a known rating, reason and message is
    bot.staff.feedback's to say (its Dutch FeedbackError)."""
    if len(body) > MAX_FEEDBACK_BYTES:
        raise RefusedError(BAD_REQUEST)
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise RefusedError(BAD_REQUEST) from None
    if not isinstance(payload, dict) or set(payload) - FEEDBACK_FIELDS:
        raise RefusedError(BAD_REQUEST)
    sender, message_id, rating = payload.get("sender"), payload.get("message_id"), payload.get("rating")
    reason = payload.get("reason")
    if not isinstance(sender, str) or not SENDER_PATTERN.fullmatch(sender):
        raise RefusedError(BAD_REQUEST)
    if not isinstance(message_id, str) or not isinstance(rating, str) or not isinstance(reason, (str, type(None))):
        raise RefusedError(BAD_REQUEST)
    return FeedbackRequest(sender, message_id, rating, reason)


def check_feedback_rate(limiter: limits.Limiter, client: str) -> None:
    """Raise a 429 Refusal when the client clicks 👍/👎 faster than a person does."""
    limit = limits.feedback_per_client()
    if not limiter.allow(limit, client):
        raise RefusedError(
            Refusal(
                429,
                "Je stuurt feedback sneller dan ik ze kan verwerken. Wacht even en probeer het dan opnieuw.",
                retry_after=int(limit.window),
            )
        )


# What a visitor's message may start with "/" for: the payloads of our own buttons, i.e. an
# intent of the domain, optionally with the one entity a button sets (the topic of a
# "Bedoel je ...?" button, bot.dialogue.answers.topic_payload). Rasa's own commands are not for visitors:
# /restart and /session_start reset the conversation (and with it the per-conversation limit
# on status lookups), /back rewinds it.
VISITOR_FORBIDDEN_INTENTS = frozenset({"restart", "session_start", "back"})
_COMMAND = re.compile(r"/(\w{1,64})(\{.{0,200}\})?", re.S)


def neutralise_command(text: str, intents: Iterable[str], button_entities: Iterable[str]) -> str:
    """The text unchanged when it is not a command or is one of our button payloads; otherwise
    the text without its leading slashes, so that Rasa reads it as an ordinary message.

    Rasa treats any message starting with "/" as an intent payload: an unknown one is logged
    verbatim with whatever personal data it holds (issue 15, finding 10), a known one skips
    the NLU, and Rasa's own commands reset the conversation. Neutralised, the message goes
    through the NLU like any other text (and through redaction)."""
    if not text.startswith("/"):
        return text
    match = _COMMAND.fullmatch(text)
    if match and match.group(1) in set(intents) - VISITOR_FORBIDDEN_INTENTS:
        if match.group(2) is None:
            return text
        try:
            entities = json.loads(match.group(2))
        except ValueError:
            entities = None
        allowed = set(button_entities)
        if (
            isinstance(entities, dict)
            and entities
            and set(entities) <= allowed
            and all(isinstance(v, str) and len(v) <= 64 for v in entities.values())
        ):
            return text
    return text.lstrip("/").strip()


class RefusedError(Exception):
    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.status)
        self.refusal = refusal


def check_rate(limiter: limits.Limiter, client: str, sender: str) -> None:
    """Raise a 429 Refusal when the client or the conversation sends too fast."""
    for limit, subject in ((limits.chat_per_client(), client), (limits.chat_per_conversation(), sender)):
        if not limiter.allow(limit, subject):
            raise RefusedError(
                Refusal(
                    429,
                    "Je stuurt berichten sneller dan ik ze kan lezen. Wacht even en probeer het dan opnieuw.",
                    retry_after=int(limit.window),
                )
            )

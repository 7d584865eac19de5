"""What the chat channel checks before a message reaches Rasa: a well-formed request, a
sender id that is an id, a client within its rate limits, and a text short enough to read.
The same checks, with their own body shape and limit, guard the 👍/👎 feedback route.

Each refusal is a `Refusal` with an HTTP status and a Dutch text the widget can show; no
refusal reaches Rasa, so none of it is stored. Plain Python: the channel and the tests call it.
"""
from __future__ import annotations

import ipaddress
import json
import logging
import os
import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable, List, Optional, Set

from bot import limits
from bot.chat_forms import MAILBOX

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 16 * 1024  # a 1000-character message in JSON, with room to spare
# ".." is excluded: the console refuses such ids (bot.conversations.valid_sender), so a
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
TOO_LARGE = Refusal(413, "Je bericht is veel te lang voor de chat. Stel je vraag korter, of mail ze naar "
                         f"{MAILBOX}.")


NOT_JSON = Refusal(415, "Dit bericht kon ik niet lezen: de chat neemt alleen berichten van de chatwidget aan. "
                        "Herlaad de pagina en probeer het opnieuw.")
WRONG_ORIGIN = Refusal(403, "Deze chat is alleen te gebruiken vanaf de website van KMO-verzekeringen. "
                            f"Vragen over je privacy? Mail {MAILBOX}.")


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
    bot.feedback's to say (its Dutch FeedbackError)."""
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
        raise RefusedError(Refusal(429, "Je stuurt feedback sneller dan ik ze kan verwerken. Wacht even en "
                                        "probeer het dan opnieuw.", retry_after=int(limit.window)))


# What a visitor's message may start with "/" for: the payloads of our own buttons, i.e. an
# intent of the domain, optionally with the one entity a button sets (the topic of a
# "Bedoel je ...?" button, bot.answers.topic_payload). Rasa's own commands are not for visitors:
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
        if (isinstance(entities, dict) and entities and set(entities) <= allowed
                and all(isinstance(v, str) and len(v) <= 64 for v in entities.values())):
            return text
    return text.lstrip("/").strip()


def clean(text: str) -> str:
    """Drop control and format characters (NUL, bidi overrides, zero-width) that only hide
    what a text says; keep line breaks and tabs as spaces."""
    text = unicodedata.normalize("NFC", text.replace("\r", " ").replace("\n", " ").replace("\t", " "))
    return "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn")).strip()


class RefusedError(Exception):
    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.status)
        self.refusal = refusal


def trusted_proxies() -> List[ipaddress._BaseNetwork]:
    """PRIVACYBOT_TRUSTED_PROXIES: who may tell us the visitor's address in X-Forwarded-For
    (nginx in front of the instances; 127.0.0.1 by default)."""
    raw = os.environ.get("PRIVACYBOT_TRUSTED_PROXIES", "127.0.0.1/32,::1/128")
    return [ipaddress.ip_network(part.strip(), strict=False) for part in raw.split(",") if part.strip()]


def client_address(peer: str, forwarded_for: Optional[str], proxies: Iterable = ()) -> str:
    """The visitor's address: the peer, unless the peer is a trusted proxy; then the nearest
    address in X-Forwarded-For that is not one of our proxies (a client can prepend anything)."""
    proxies = list(proxies) or trusted_proxies()

    def trusted(address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in net for net in proxies)

    if not forwarded_for:
        return peer
    if not trusted(peer):
        _warn_untrusted_forwarder(peer)
        return peer
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        if not trusted(hop):
            return hop
    return peer


_warned_forwarders: Set[str] = set()
_MAX_WARNED = 64  # a client may send the header itself: bounded, so the log cannot be flooded


def _warn_untrusted_forwarder(peer: str) -> None:
    """Say once per peer that forwarded addresses are being ignored. Behind a proxy that is
    missing from PRIVACYBOT_TRUSTED_PROXIES every visitor counts as that one proxy (one shared
    chat limit, 5 requests a day for the whole site): the operator must hear of it."""
    if peer in _warned_forwarders or len(_warned_forwarders) >= _MAX_WARNED:
        return
    _warned_forwarders.add(peer)
    logger.warning(
        "X-Forwarded-For genegeerd van %s: dat adres staat niet in PRIVACYBOT_TRUSTED_PROXIES. "
        "Staat er een proxy voor deze server, zet dan zijn adres in PRIVACYBOT_TRUSTED_PROXIES, "
        "anders telt elke bezoeker als die ene proxy (limieten per adres).", peer)


def check_rate(limiter: limits.Limiter, client: str, sender: str) -> None:
    """Raise a 429 Refusal when the client or the conversation sends too fast."""
    for limit, subject in ((limits.chat_per_client(), client), (limits.chat_per_conversation(), sender)):
        if not limiter.allow(limit, subject):
            raise RefusedError(Refusal(
                429, "Je stuurt berichten sneller dan ik ze kan lezen. Wacht even en probeer het dan opnieuw.",
                retry_after=int(limit.window)))


@dataclass(frozen=True)
class Prepared:
    text: str                 # what Rasa may see and store
    warning: Optional[str]    # said before the bot's answer when something was left out


def prepare(text: str) -> Prepared:
    """The text as Rasa gets it from any of our front doors (chat channel, converse, shell):
    control characters gone, sensitive data redacted, and never longer than the message guard
    needs to recognise "too long" (spaCy refuses texts over a million characters)."""
    from bot import message_guard, sensitive

    cleaned = clean(text)[: message_guard.MAX_MESSAGE_CHARS + 1]
    redaction = sensitive.redact(cleaned)
    return Prepared(redaction.text, sensitive.warning(redaction.categories) if redaction.categories else None)

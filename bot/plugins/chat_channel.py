"""The widget's chat channel: Rasa's REST channel, with honest answers when a part fails.

Rasa's own RestInput answers ``200 []`` when handling a message fails (tracker store or lock
store unreachable) and logs the visitor's text with the stack trace. Here:

- a failure before the turn is stored (database or Redis down) answers 503 with a Dutch
  message; the widget then keeps the visitor's message and offers to send it again. Rasa's
  agent wraps the tracker store in a FailSafeTrackerStore, which on a database error carries
  on with an empty conversation in memory: the visitor would get answers out of context
  (a "ja" to a summary answered as small talk) and nothing would be stored. This channel
  unwraps it, so the error reaches us and the visitor is told;
- a turn that produced no reply at all (the action server was down: Rasa logs it and drops
  the action's events) answers with a polite Dutch message, so the visitor is never left
  waiting; the conversation itself is stored as Rasa left it and continues normally;
- logs name the failure, never the visitor's text;
- before Rasa sees anything (bot/plugins/chat_guard.py): bodies not declared JSON and posts from
  origins that do not embed the widget (a cross-site form post would otherwise be processed),
  malformed requests, messages starting with "/" that are not one of our button payloads
  (neutralised to plain text: Rasa would log them verbatim, and /restart or /session_start
  would reset the conversation and its lookup limit), sender ids that are not
  ids and clients over their rate limit are refused with a Dutch text; over-long messages get
  the "te lang" answer without being stored; sensitive data (national number, IBAN, card
  number, health or criminal details) is redacted from the text (bot/privacy/redaction.py) and the
  visitor warned, so the raw value is never stored. Rasa receives the client only as a keyed
  hash in the message metadata, for the per-client limits of the request actions.

Feedback (👍/👎, bot/staff/feedback.py). When a turn's answer can be rated, the reply list ends with
``{"recipient_id": <sender>, "custom": {"feedback": {"message_id": <id>}}}``, the Rasa message_id
the channel gave the visitor's message; the widget then shows 👍/👎 under that answer and posts
``{"sender", "message_id", "rating": "up"|"down", "reason"?}`` to ``POST /webhooks/rest/feedback``
(same browser checks as the chat, its own per-client limit ``PRIVACYBOT_FEEDBACK_LIMIT_PER_IP``;
200 ``{"ok": true}`` or 4xx ``{"error": <Dutch>}``). A turn can be rated when all of these hold:

- the bot answered with text (not the channel's own "er loopt iets mis", not a refusal, not the
  "te lang" answer, which never reaches Rasa);
- no form was active when the message came in, and none is active after the turn: a name, an
  address or a "ja" typed into a form is an answer to the bot's question, not a question to be
  answered well or badly (so the turn that starts a form, the form's steps and the one that
  ends it are not rated);
- the message was not small talk (``UNRATED_INTENTS``: the widget's own ``/greet`` on opening,
  a typed hello, thanks or goodbye): there is no answer to judge.

The route checks the same form and small-talk rule on the stored conversation before it stores a
rating, so a rating posted without the widget (on a typed name, say) is refused with 400.

credentials.yml: ``bot.plugins.chat_channel.ChatChannel:`` instead of ``rest:``; the URL stays
``/webhooks/rest/webhook``.
"""

from __future__ import annotations

import asyncio
import logging
from asyncio import CancelledError
from functools import lru_cache
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Optional

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.tracker_store import FailSafeTrackerStore
from rasa.shared.core.events import ActiveLoop, SessionStarted, UserUttered
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.core import clients, company, limits, settings
from bot.dialogue import message_guard, preparation
from bot.dialogue.answer_choice import TOPIC_ENTITY
from bot.plugins import chat_guard
from bot.staff import feedback
from bot.store.db import Store, open_store

logger = logging.getLogger(__name__)

PRIVACY_EMAIL = company.privacy_mailbox()  # once, at import: the replies below are constants
BUTTON_ENTITIES = (TOPIC_ENTITY,)  # the only entity a button payload of ours sets (bot.dialogue.answers)

UNAVAILABLE = (
    "Sorry, ik kan je bericht nu even niet verwerken. Probeer het over een paar "
    f"minuten opnieuw; dringend? Mail {PRIVACY_EMAIL}."
)
NO_REPLY = (
    "Sorry, daar loopt even iets mis aan onze kant, dus ik kan dit nu niet afhandelen. "
    f"Probeer het zo opnieuw of mail {PRIVACY_EMAIL}."
)


def strict_tracker_store(agent: Any) -> None:
    """Let tracker-store errors reach the channel instead of Rasa's in-memory fallback
    (Agent._create_tracker_store always wraps in FailSafeTrackerStore; models loaded later
    take the agent's store, so unwrapping both once is enough)."""
    if agent is None:
        return
    if isinstance(agent.tracker_store, FailSafeTrackerStore):
        agent.tracker_store = agent.tracker_store._tracker_store
    processor = getattr(agent, "processor", None)
    if processor is not None and processor.tracker_store is not agent.tracker_store:
        processor.tracker_store = agent.tracker_store


# Small talk: the reply is a greeting or a goodbye, not an answer to judge (see the docstring).
UNRATED_INTENTS = frozenset({"greet", "goodbye", "thank"})
FEEDBACK_UNAVAILABLE = "Je feedback kon ik nu niet opslaan. Probeer het straks opnieuw."
NOT_RATEABLE = "Dit bericht is een antwoord op een vraag van mij, geen antwoord om te beoordelen."


def rateable(events: Iterable[Any], message_id: str, replies: Iterable[Dict[str, Any]]) -> bool:
    """Whether the turn that answered ``message_id`` may be rated (the rule of the module
    docstring). ``events`` are the conversation's tracker events after the turn."""
    if not any(isinstance(item.get("text"), str) and item["text"].strip() for item in replies):
        return False
    return bool(message_rateable(events, message_id))


def message_rateable(events: Iterable[Any], message_id: str) -> Optional[bool]:
    """The form and small-talk part of the rule, for the turn and for the feedback route (a
    rating posted without the widget, on a typed name, is refused too). None when ``message_id``
    is not a visitor message in ``events``."""
    active: Optional[str] = None
    message: Optional[UserUttered] = None
    active_before: Optional[str] = None
    for event in events:
        if isinstance(event, UserUttered) and message is not None:
            break  # the next message: ``active`` is the state the turn left
        if isinstance(event, SessionStarted):
            active = None
        elif isinstance(event, ActiveLoop):
            active = event.name
        elif isinstance(event, UserUttered) and event.message_id == message_id:
            message, active_before = event, active
    if message is None:
        return None
    if active_before or active:  # a form before the message, or after its turn
        return False
    return (message.intent or {}).get("name") not in UNRATED_INTENTS


def feedback_item(sender_id: str, message_id: str) -> Dict[str, Any]:
    return {"recipient_id": sender_id, "custom": {"feedback": {"message_id": message_id}}}


async def _rateable_turn(agent: Any, sender_id: str, message_id: str, replies: List[Dict[str, Any]]) -> bool:
    """Read the conversation as Rasa stored it after the turn and apply ``rateable``. A failure
    here only costs the 👍/👎 of this answer: the visitor still gets the reply."""
    if not any(isinstance(item.get("text"), str) for item in replies):
        return False  # no need to read the conversation
    try:
        tracker = await agent.tracker_store.retrieve(sender_id)
    except Exception as error:  # noqa: BLE001 - the answer matters more than its rating
        logger.warning("chat.feedback.unknown_turn: %s", type(error).__name__)
        return False
    return tracker is not None and rateable(tracker.events, message_id, replies)


@lru_cache(maxsize=1)
def _store() -> Store:
    """Our tables in the database of Rasa's tracker store (both from PRIVACYBOT_DATABASE_URL)."""
    return open_store()


def _record_feedback(request: chat_guard.FeedbackRequest) -> feedback.Feedback:
    return feedback.record(_store(), request.sender, request.message_id, request.rating, request.reason)


def _reply(sender_id: str, text: str) -> List[Dict[str, Any]]:
    return [{"recipient_id": sender_id, "text": text}]


HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}


def _json(body: Any, status: int = 200, retry_after: Optional[int] = None) -> HTTPResponse:
    headers = dict(HEADERS, **({"Retry-After": str(retry_after)} if retry_after else {}))
    return response.json(body, status=status, headers=headers)


def too_long_text(agent: Any) -> str:
    """domain.yml's utter_message_too_long, so the channel and the NLU guard say the same."""
    try:
        template = agent.domain.responses["utter_message_too_long"][0]["text"]
    except (AttributeError, KeyError, IndexError, TypeError):
        template = "Je bericht is te lang: ik lees berichten van maximaal {max_chars} tekens."
    return template.replace("{max_chars}", str(message_guard.MAX_MESSAGE_CHARS))


async def _plain_root(_request: Request) -> HTTPResponse:
    return response.text("ok", headers=HEADERS)


def hide_rasa_version(app: Any) -> int:
    """Rasa answers ``GET /`` with "Hello from Rasa: 3.6.21": a free hint to anyone looking for
    a known vulnerability of that version (issue 15, finding 15). The route stays (health checks
    use it) but says only "ok". Rasa offers no setting for it, so its handler is swapped before
    the server starts; returns how many routes were changed (1 when Rasa's route is there)."""
    changed = 0
    for route in app.router.routes:
        handler = getattr(route, "handler", None)
        if getattr(handler, "__module__", "") == "rasa.server" and getattr(handler, "__name__", "") == "hello":
            route.handler = _plain_root
            changed += 1
    return changed


def _browser_client(request: Request) -> str:
    """The checks both routes make before reading a body: a JSON post from a site that embeds the
    widget (chat_guard.RefusedError otherwise), and the client's keyed address for its limits."""
    chat_guard.check_browser(
        request.headers.get("content-type"), request.headers.get("origin"), settings.widget_origins()
    )
    return limits.client_key(clients.client_address(request.ip or "", request.headers.get("x-forwarded-for")))


class ChatChannel(RestInput):
    """POST /webhooks/rest/webhook {"sender": ..., "message": ...} -> the bot's replies."""

    @classmethod
    def name(cls) -> str:
        return "rest"  # same URL as Rasa's REST channel: the widget needs no change

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)
        limiter = limits.shared()

        @webhook.listener("before_server_start")
        async def hide_version(app, _loop) -> None:
            hide_rasa_version(app)

        @webhook.listener("after_server_start")
        async def unwrap_at_start(app, _loop) -> None:
            # Rasa loads the agent before the server starts; unwrap once here, and again per
            # message below in case a model reload made a new processor.
            strict_tracker_store(getattr(app.ctx, "agent", None))

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return _json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            agent = getattr(request.app.ctx, "agent", None)
            if agent is None or not agent.is_ready():  # still loading its model
                return _json(_reply("onbekend", UNAVAILABLE), 503)
            strict_tracker_store(agent)
            try:
                client = _browser_client(request)
                chat = chat_guard.parse(request.body or b"")
                chat_guard.check_rate(limiter, client, chat.sender)
            except chat_guard.RefusedError as refused:
                sender = "onbekend"
                return _json(_reply(sender, refused.refusal.text), refused.refusal.status, refused.refusal.retry_after)
            if len(chat.text) > message_guard.MAX_MESSAGE_CHARS:
                return _json(_reply(chat.sender, too_long_text(agent)))  # not stored: never reaches Rasa
            text = chat_guard.neutralise_command(chat.text, agent.domain.intents, BUTTON_ENTITIES)
            prepared = preparation.prepare(text)
            collector = CollectingOutputChannel()
            message = UserMessage(
                prepared.text, collector, chat.sender, input_channel=self.name(), metadata={"client": client}
            )
            try:
                await on_new_message(message)
            except CancelledError:
                logger.warning("chat.turn.cancelled (the client went away or the server stops)")
                raise
            except Exception as error:  # noqa: BLE001 - any failure: tell the visitor, keep the text out of logs
                # Only the kind of failure: messages of database errors can quote the text.
                logger.error("chat.turn.failed: %s", type(error).__name__)
                return _json(_reply(chat.sender, UNAVAILABLE), 503)
            replies = list(collector.messages)
            if not replies:
                logger.warning("chat.turn.no_reply (an action failed; see the Rasa log)")
                replies = _reply(chat.sender, NO_REPLY)
            rate = bool(collector.messages) and await _rateable_turn(agent, chat.sender, message.message_id, replies)
            if prepared.warning:
                replies = _reply(chat.sender, prepared.warning) + replies
                # The widget keeps the conversation in the tab's sessionStorage: it replaces the
                # visitor's bubble with the text as stored, so the raw value is not kept there.
                replies.append({"recipient_id": chat.sender, "custom": {"redacted": prepared.text}})
            if rate:
                replies.append(feedback_item(chat.sender, message.message_id))
            return _json(replies)

        @webhook.route("/feedback", methods=["POST"])
        async def receive_feedback(request: Request) -> HTTPResponse:
            """A 👍/👎 (and maybe a reason) on one answer: see the module docstring."""
            try:
                client = _browser_client(request)
                rating = chat_guard.parse_feedback(request.body or b"")
                chat_guard.check_feedback_rate(limiter, client)
            except chat_guard.RefusedError as refused:
                return _json({"error": refused.refusal.text}, refused.refusal.status, refused.refusal.retry_after)
            agent = getattr(request.app.ctx, "agent", None)
            try:
                tracker = await agent.tracker_store.retrieve(rating.sender) if agent is not None else None
                if tracker is not None and message_rateable(tracker.events, rating.message_id) is False:
                    logger.info("chat.feedback.refused: not a rateable answer")
                    return _json({"error": NOT_RATEABLE}, 400)
                await asyncio.get_running_loop().run_in_executor(None, _record_feedback, rating)
            except feedback.UnknownMessageError as refused:
                logger.info("chat.feedback.refused: unknown message")
                return _json({"error": str(refused)}, 404)
            except feedback.FeedbackError as refused:
                logger.info("chat.feedback.refused: invalid value")
                return _json({"error": str(refused)}, 400)
            except Exception as error:  # noqa: BLE001 - database down: a Dutch answer, no stack trace
                logger.error("chat.feedback.failed: %s", type(error).__name__)
                return _json({"error": FEEDBACK_UNAVAILABLE}, 503)
            logger.info("chat.feedback.stored: %s", rating.rating)
            return _json({"ok": True})

        return webhook

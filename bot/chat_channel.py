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
- logs name the failure, never the visitor's text.

credentials.yml: ``bot.chat_channel.ChatChannel:`` instead of ``rest:``; the URL stays
``/webhooks/rest/webhook``.
"""
from __future__ import annotations

import logging
from asyncio import CancelledError
from typing import Any, Awaitable, Callable, Dict, List

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.tracker_store import FailSafeTrackerStore
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.chat_forms import MAILBOX as PRIVACY_EMAIL

logger = logging.getLogger(__name__)

UNAVAILABLE = ("Sorry, ik kan je bericht nu even niet verwerken. Probeer het over een paar "
               f"minuten opnieuw; dringend? Mail {PRIVACY_EMAIL}.")
NO_REPLY = ("Sorry, daar loopt even iets mis aan onze kant, dus ik kan dit nu niet afhandelen. "
            f"Probeer het zo opnieuw of mail {PRIVACY_EMAIL}.")


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


def _reply(sender_id: str, text: str) -> List[Dict[str, Any]]:
    return [{"recipient_id": sender_id, "text": text}]


class ChatChannel(RestInput):
    """POST /webhooks/rest/webhook {"sender": ..., "message": ...} -> the bot's replies."""

    @classmethod
    def name(cls) -> str:
        return "rest"  # same URL as Rasa's REST channel: the widget needs no change

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            strict_tracker_store(getattr(request.app.ctx, "agent", None))
            sender_id = await self._extract_sender(request)
            collector = CollectingOutputChannel()
            message = UserMessage(self._extract_message(request), collector, sender_id,
                                  input_channel=self.name(), metadata=self.get_metadata(request))
            try:
                await on_new_message(message)
            except CancelledError:
                logger.warning("chat.turn.cancelled (the client went away or the server stops)")
                raise
            except Exception as error:  # noqa: BLE001 - any failure: tell the visitor, keep the text out of logs
                # Only the kind of failure: messages of database errors can quote the text.
                logger.error("chat.turn.failed: %s", type(error).__name__)
                return response.json(_reply(sender_id, UNAVAILABLE), status=503)
            if not collector.messages:
                logger.warning("chat.turn.no_reply (an action failed; see the Rasa log)")
                return response.json(_reply(sender_id, NO_REPLY))
            return response.json(collector.messages)

        return webhook

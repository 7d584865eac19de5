"""The full assistant in one process: trained model, dialogue policies, tracker store, and
the real custom actions served by a real action server on a free local port.

Used by ``privacybot converse`` and ``privacybot shell``; the Rasa server started by
``privacybot run`` runs the same model with the same settings.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

from bot.core import limits, settings
from bot.dialogue import answer_choice, outcomes, topics
from bot.nlu import spacy_model
from bot.ops.processes import ActionServer
from bot.store import events

# Rasa's own default slots are internal bookkeeping, not what the visitor told us.
INTERNAL_SLOTS = {"requested_slot", "session_started_metadata"}


@dataclass
class Turn:
    user: str
    intent: Optional[str]
    confidence: Optional[float]
    response_key: Optional[str]
    bot: List[str] = field(default_factory=list)
    buttons: List[Dict[str, str]] = field(default_factory=list)
    slots: Dict[str, Any] = field(default_factory=dict)
    active_loop: Optional[str] = None
    # What the reply did (bot.dialogue.outcomes) and the topic ranking it was based on.
    outcome: Optional[str] = None
    ranking: List[List[Any]] = field(default_factory=list)

    def as_dict(self) -> Dict[str, Any]:
        return {
            "user": self.user,
            "intent": self.intent,
            "confidence": self.confidence,
            "response_key": self.response_key,
            "bot": self.bot,
            "buttons": self.buttons,
            "slots": self.slots,
            "active_loop": self.active_loop,
            "outcome": self.outcome,
            "ranking": self.ranking,
        }


def _quiet_rasa_logs() -> None:
    """Warnings only: Rasa's debug logs would print visitors' messages."""
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)
    for name in ("rasa", "tensorflow", "absl", "sanic", "apscheduler", "aiohttp", "asyncio"):
        logging.getLogger(name).setLevel(logging.ERROR)


class Assistant:
    """Start with ``async with Assistant() as bot``; then ``await bot.say(sender, text)``."""

    def __init__(self, model_path: Optional[Path] = None, database_url: Optional[str] = None) -> None:
        self.model_path = model_path
        self.database_url = database_url or settings.database_url()
        self.action_server = ActionServer(env={"PRIVACYBOT_DATABASE_URL": self.database_url})
        self.agent = None

    async def __aenter__(self) -> "Assistant":
        await self.start()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        self.stop()

    async def start(self) -> None:
        from rasa.core.agent import load_agent
        from rasa.core.utils import AvailableEndpoints
        from rasa.utils.endpoints import EndpointConfig

        from bot.nlu import training

        _quiet_rasa_logs()
        model = self.model_path or training.latest_model()
        if model is None:
            raise RuntimeError("Geen getraind model in models/: voer eerst 'privacybot train' uit.")
        from bot.store.db import migrate

        loop = asyncio.get_running_loop()
        # The actions write requests and opt-outs: their tables must exist before the first turn.
        await loop.run_in_executor(None, migrate, self.database_url)
        await loop.run_in_executor(None, self.action_server.start)
        endpoints = AvailableEndpoints(
            action=EndpointConfig(**self.action_server.endpoint()),
            tracker_store=EndpointConfig(**settings.tracker_store_settings(self.database_url)),
        )
        self.agent = await load_agent(model_path=str(model), endpoints=endpoints)
        if self.agent is None or not self.agent.is_ready():
            self.stop()
            raise RuntimeError(f"Model {model} kon niet geladen worden.")
        self.model_path = Path(model)

    def stop(self) -> None:
        self.action_server.stop()

    @staticmethod
    def new_sender_id(prefix: str = "privacybot") -> str:
        return f"{prefix}-{uuid.uuid4().hex}"

    async def say(self, sender_id: str, text: str) -> Turn:
        """Send one visitor message through NLU, policies and actions; return the turn."""
        from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

        from bot.dialogue import preparation

        prepared = preparation.prepare(text)  # as the chat channel does: cleaned, redacted, capped
        output = CollectingOutputChannel()
        await self.agent.handle_message(
            UserMessage(prepared.text, output, sender_id, metadata={"client": limits.local_client(sender_id)})
        )
        tracker = await self.agent.tracker_store.retrieve(sender_id)
        parse_data = tracker.latest_message.parse_data if tracker and tracker.latest_message else {}
        intent = parse_data.get("intent") or {}
        turn = Turn(
            user=text,
            intent=intent.get("name"),
            confidence=_rounded(intent.get("confidence")),
            response_key=events.response_key(parse_data),
        )
        if prepared.warning:
            turn.bot.append(prepared.warning)
        for message in output.messages:
            if message.get("text"):
                turn.bot.append(message["text"])
            for button in message.get("buttons") or []:
                turn.buttons.append({"title": button.get("title"), "payload": button.get("payload")})
        if tracker is not None:
            turn.slots = {
                name: value for name, value in tracker.current_slot_values().items() if name not in INTERNAL_SLOTS
            }
            turn.active_loop = tracker.active_loop_name
            outcome = outcomes.classify(
                _responses_of_last_turn(tracker), turn.active_loop, turn.slots.get("request_type")
            )
            turn.outcome = outcome.as_text()
        if intent.get("name") == topics.FAQ_INTENT:
            turn.ranking = [[key, round(conf, 4)] for key, conf in answer_choice.ranking(parse_data)[:5]]
        return turn

    def describe(self) -> str:
        selection = spacy_model.current()
        lines = [
            f"Model: {self.model_path}",
            f"Database: {settings.redacted(self.database_url)}",
            f"Actieserver: {self.action_server.url}",
        ]
        if selection:
            lines.insert(0, selection.describe())
        return "\n".join(lines)


def _responses_of_last_turn(tracker: Any) -> List[str]:
    """The response names of the bot messages sent since the visitor's last message."""
    names: List[str] = []
    for event in reversed(tracker.events):
        if event.type_name == "user":
            break
        if event.type_name == "bot":
            name = (event.metadata or {}).get("utter_action")
            if name:
                names.append(name)
    return list(reversed(names))


def _rounded(value: Optional[float]) -> Optional[float]:
    return None if value is None else round(float(value), 4)

"""Custom Rasa NLU component: the last word on messages that are not questions.

Placed at the end of the pipeline in config.yml, after the FallbackClassifier. For an empty,
word-less or over-long message it replaces the prediction by ``nlu_fallback`` with a reason
(``guard``), which the fallback action turns into a fitting Dutch reply. Every channel
(REST, socket.io, ``privacybot converse``) passes through it.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.dialogue import message_guard

GUARD_KEY = "guard"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class MessageGuard(GraphComponent):
    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "MessageGuard":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            reason = message_guard.check(message.get(TEXT))
            if reason is None:
                continue
            message.set(INTENT, {"name": DEFAULT_NLU_FALLBACK_INTENT_NAME, "confidence": 1.0}, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [], add_to_output=True)
            message.set(GUARD_KEY, reason, add_to_output=True)
        return messages

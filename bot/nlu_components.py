"""Old dotted path of the NLU component, for models trained before the package layout (issue 17).

A trained model stores each component's class path in its graph schema, and Rasa imports that
path when it loads the model (``GraphSchema.from_dict``). Models in ``models/`` trained before
the move name ``bot.nlu_components.MessageGuard``; without this module a rollback to one of them
would fail to load. New models name ``bot.plugins.nlu_components.MessageGuard`` (config.yml).
Tested in tests/unit/plugins/test_dotted_paths.py. Remove once no registered model names it.
"""

from bot.plugins.nlu_components import MessageGuard

__all__ = ["MessageGuard"]

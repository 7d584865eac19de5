"""The classes Rasa loads by dotted path exist where our configuration says (issue 17).

Rasa imports these by name at start-up, not through our imports, so a module move that forgets
one only shows when a server starts. Models keep the NLU component's path in their graph schema:
models trained before the move name ``bot.nlu_components.MessageGuard`` and must still load.
"""

from __future__ import annotations

import yaml
from rasa.engine.graph import GraphSchema
from rasa.shared.utils.common import class_from_module_path

from bot.core import paths
from bot.ops.deployment import lock_store_settings
from bot.plugins.nlu_components import MessageGuard


def _load(path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def dotted_paths():
    config = _load(paths.ROOT / "config.yml")
    custom = [c["name"] for c in config["pipeline"] + config.get("policies", []) if "." in c["name"]]
    channels = [name for name in _load(paths.ROOT / "credentials.yml") if "." in name]
    tracker = _load(paths.ROOT / "endpoints.yml")["tracker_store"]["type"]
    lock = lock_store_settings("redis://127.0.0.1:6379/0", 20)["type"]
    return custom + channels + [tracker, lock]


def test_every_dotted_path_in_the_configuration_is_a_class_under_bot_plugins():
    found = dotted_paths()
    assert len(found) == 5, found  # the NLU component, two channels, the tracker and the lock store
    for path in found:
        assert path.startswith("bot.plugins."), path
        assert isinstance(class_from_module_path(path), type), path


def test_a_model_trained_before_the_move_still_finds_its_component():
    old = "bot.nlu_components.MessageGuard"
    assert class_from_module_path(old) is MessageGuard
    schema = GraphSchema.from_dict(
        {
            "nodes": {
                "guard": {
                    "needs": {},
                    "uses": old,
                    "constructor_name": "create",
                    "fn": "process",
                    "config": {},
                    "eager": False,
                    "is_target": False,
                    "is_input": False,
                    "resource": None,
                }
            }
        }
    )
    assert schema.nodes["guard"].uses is MessageGuard

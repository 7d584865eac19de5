"""The training fingerprint covers the code a model runs (issue 17: after the package move it
hashed two paths that no longer existed, so a change to the NLU component did not retrain)."""

from __future__ import annotations

import importlib
import shutil
import tempfile
from pathlib import Path

from bot.core import paths
from bot.nlu import training


def test_the_fingerprinted_code_is_the_code_rasa_loads():
    assert all(path.is_file() for path in training.MODEL_CODE), training.MODEL_CODE
    loaded = {importlib.import_module(m).__file__ for m in ("bot.plugins.nlu_components", "bot.dialogue.message_guard")}
    assert {str(path) for path in training.MODEL_CODE} == loaded


def test_a_change_to_the_nlu_component_changes_the_fingerprint(monkeypatch):
    before = training.project_fingerprint()
    folder = Path(tempfile.mkdtemp(dir=paths.VAR))  # inside the repository, as the real file is
    copy = folder / "nlu_components.py"
    copy.write_text(training.MODEL_CODE[0].read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    monkeypatch.setattr(training, "MODEL_CODE", (copy, *training.MODEL_CODE[1:]))
    try:
        assert training.project_fingerprint() != before
    finally:
        shutil.rmtree(folder)

"""Where things live. Every command runs relative to the repository root, so that the
relative paths in config.yml and endpoints.yml mean the same thing everywhere. Places a
setting can move (the shared folder, the privacy statement, the outbox) are bot.core.settings'."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # bot/core/paths.py -> the repository
VAR = ROOT / "var"
MODELS = ROOT / "models"
REPORTS = ROOT / "reports"
DATA = ROOT / "data"
DOMAIN = ROOT / "domain.yml"
CONFIG = ROOT / "config.yml"
ENDPOINTS = ROOT / "endpoints.yml"
CREDENTIALS = ROOT / "credentials.yml"
NLU_TEST_DATA = ROOT / "tests" / "nlu"
TEST_STORIES = ROOT / "tests" / "test_stories.yml"


def chdir_root() -> None:
    os.chdir(ROOT)

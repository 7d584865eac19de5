"""Shared fixtures. The model is trained once per test session; Rasa's fingerprint makes
that a few seconds when nothing changed since the last training."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import pytest

from bot import paths
from bot.processes import QUIET_ENV

for key, value in QUIET_ENV.items():
    os.environ.setdefault(key, value)

PRIVACYBOT = [sys.executable, "-m", "bot.cli"]


def run_privacybot(*args: str, env: Dict[str, str] | None = None, input: str | None = None,
                   timeout: float = 900) -> subprocess.CompletedProcess:
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run([*PRIVACYBOT, *args], cwd=paths.ROOT, env=full_env, input=input,
                          capture_output=True, text=True, timeout=timeout)


def converse(conversations: List[dict], tmp: Path, env: Dict[str, str] | None = None,
             extra_lines: List[str] | None = None) -> tuple[Dict[str, dict], subprocess.CompletedProcess]:
    """Run conversations through ``privacybot converse``; return results by id and the process."""
    source = tmp / "in.jsonl"
    target = tmp / "out.jsonl"
    lines = [json.dumps(c, ensure_ascii=False) for c in conversations] + list(extra_lines or [])
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    env = {"PRIVACYBOT_DATABASE_URL": f"sqlite:///{tmp / 'tracker.db'}", **(env or {})}
    proc = run_privacybot("converse", str(source), str(target), env=env)
    results = {}
    if target.exists():
        for line in target.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            results[record["id"]] = record
    return results, proc


@pytest.fixture(scope="session")
def trained_model() -> Path:
    from bot import training

    return training.train(quiet=True)


@pytest.fixture(scope="session")
def nlu_figures(trained_model):
    from bot import evaluation

    return evaluation.test_nlu(trained_model)

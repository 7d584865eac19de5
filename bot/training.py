"""Training through Rasa's own CLI, so that Rasa's fingerprint decides whether anything
needs retraining (an unchanged project reuses the latest model in a few seconds)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import List, Optional

from bot import paths
from bot.processes import quiet_env


def rasa_command(*args: str) -> List[str]:
    return [sys.executable, "-m", "rasa", *args]


def latest_model(models_dir: Path = paths.MODELS) -> Optional[Path]:
    models = sorted(models_dir.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None


def train(force: bool = False, quiet: bool = False, out: Path = paths.MODELS) -> Path:
    """Train (or reuse, when Rasa's fingerprint says nothing changed) and return the model."""
    cmd = rasa_command("train", "--config", str(paths.CONFIG), "--domain", str(paths.DOMAIN),
                       "--data", str(paths.DATA), "--out", str(out))
    if force:
        cmd.append("--force")
    if quiet:  # keep the output for when it fails
        log_path = paths.VAR / "logs" / "train.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(log_path, "w", encoding="utf-8") as log:
            result = subprocess.run(cmd, cwd=paths.ROOT, env=quiet_env(), stdout=log, stderr=log)
        if result.returncode != 0:
            raise RuntimeError(f"rasa train mislukte (exit {result.returncode}), zie {log_path}")
    else:
        subprocess.run(cmd, cwd=paths.ROOT, env=quiet_env(), check=True)
    model = latest_model(out)
    if model is None:
        raise RuntimeError("rasa train gaf geen model")
    return model

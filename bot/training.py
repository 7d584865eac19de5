"""Training through Rasa's own CLI.

Each model gets a sidecar ``<model>.json`` with the fingerprint of what it was trained on;
an unchanged project reuses its latest model at once, and a changed one retrains with
Rasa's component cache (only what changed is trained again)."""
from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import List, Optional

from bot import paths
from bot.processes import quiet_env


KEEP_MODELS = 3


def rasa_command(*args: str) -> List[str]:
    return [sys.executable, "-m", "rasa", *args]


def latest_model(models_dir: Path = paths.MODELS) -> Optional[Path]:
    models = sorted(models_dir.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None


def project_fingerprint() -> str:
    """Hash of everything a trained model depends on: config, domain, training data, the
    custom NLU component and the spaCy pipeline behind var/spacy/nl."""
    digest = hashlib.sha256()
    files = [paths.CONFIG, paths.DOMAIN, paths.ROOT / "bot" / "nlu_components.py",
             paths.ROOT / "bot" / "message_guard.py", paths.VAR / "spacy" / "selected.json",
             *sorted(p for p in paths.DATA.rglob("*") if p.is_file())]
    for path in files:
        digest.update(str(path.relative_to(paths.ROOT)).encode())
        digest.update(path.read_bytes() if path.exists() else b"-")
    return digest.hexdigest()


def sidecar(model: Path) -> Path:
    """Where a model's fingerprint is kept."""
    return model.with_name(model.name.removesuffix(".tar.gz") + ".json")


def current_model(out: Path = paths.MODELS) -> Optional[Path]:
    """The latest model, if it was trained on exactly the project as it is now."""
    model = latest_model(out)
    if model is None or not sidecar(model).exists():
        return None
    meta = json.loads(sidecar(model).read_text(encoding="utf-8"))
    return model if meta.get("fingerprint") == project_fingerprint() else None


def train(force: bool = False, quiet: bool = False, out: Path = paths.MODELS) -> Path:
    """Return a model of the project as it is now: the latest one when nothing changed,
    else a new one (Rasa's component cache makes a partial change quick)."""
    if not force and (model := current_model(out)) is not None:
        if not quiet:
            print(f"Niets veranderd sinds de laatste training: {model.name}")
        return model
    fingerprint = project_fingerprint()
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
    sidecar(model).write_text(json.dumps({"fingerprint": fingerprint}, indent=2), encoding="utf-8")
    prune(out)
    return model


def prune(models_dir: Path = paths.MODELS, keep: int = KEEP_MODELS) -> None:
    """Keep the newest few models; each is tens of MB."""
    models = sorted(models_dir.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    for old in models[:-keep]:
        old.unlink()
        sidecar(old).unlink(missing_ok=True)

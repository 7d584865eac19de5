"""Training through Rasa's own CLI.

Each model gets a sidecar ``<model>.json`` with the fingerprint of what it was trained on;
an unchanged project reuses its latest model at once, and a changed one retrains with
Rasa's component cache (only what changed is trained again)."""

from __future__ import annotations

import hashlib
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from bot.core import paths, private_files
from bot.core.quiet import quiet_env
from bot.core.rasa_cli import rasa_command
from bot.nlu import model_registry

KEEP_MODELS = 3


@dataclass(frozen=True)
class Project:
    """Where the training data, held-out tests and models of a project live: this repository,
    or a copy in which a retraining is tried out (tests do that)."""

    root: Path = field(default=paths.ROOT)

    @property
    def config(self) -> Path:
        return self.root / "config.yml"

    @property
    def domain(self) -> Path:
        return self.root / "domain.yml"

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def nlu_test(self) -> Path:
        return self.root / "tests" / "nlu"

    @property
    def stories_test(self) -> Path:
        return self.root / "tests" / "test_stories.yml"

    @property
    def models(self) -> Path:
        return self.root / "models"


REPO = Project()


def latest_model(models_dir: Path = paths.MODELS) -> Optional[Path]:
    """The model in use (see bot/nlu/model_registry.py)."""
    return model_registry.current(models_dir)


# Our code that a trained model runs: a change to it must retrain. Paths, not imports: the NLU
# component sits in a higher layer (bot.plugins). tests/unit/nlu/test_fingerprint.py checks that
# each file exists, so a move cannot silently turn one into "-".
MODEL_CODE = (
    paths.ROOT / "bot" / "plugins" / "nlu_components.py",
    paths.ROOT / "bot" / "dialogue" / "message_guard.py",
)


def project_fingerprint(project: Project = REPO) -> str:
    """Hash of everything a trained model depends on: config, domain, training data, the
    custom NLU component and the spaCy pipeline behind var/spacy/nl."""
    digest = hashlib.sha256()
    files = [
        (project.root, project.config),
        (project.root, project.domain),
        *((paths.ROOT, path) for path in MODEL_CODE),
        (paths.ROOT, paths.VAR / "spacy" / "selected.json"),
        *((project.root, p) for p in sorted(project.data.rglob("*")) if p.is_file()),
    ]
    for base, path in files:
        digest.update(str(path.relative_to(base)).encode())
        digest.update(path.read_bytes() if path.exists() else b"-")
    return digest.hexdigest()


sidecar = model_registry.sidecar


def current_model(out: Optional[Path] = None, project: Project = REPO) -> Optional[Path]:
    """The model in use, if it was trained on exactly the project as it is now."""
    model = latest_model(out or project.models)
    if model is None:
        return None
    return model if model_registry.read_meta(model).get("fingerprint") == project_fingerprint(project) else None


def train(
    force: bool = False, quiet: bool = False, out: Optional[Path] = None, project: Project = REPO, promote: bool = True
) -> Path:
    """Return a model of the project as it is now: the current one when nothing changed,
    else a new one (Rasa's component cache makes a partial change quick). ``promote=False``
    trains a candidate without putting it in use (``privacybot retrain`` decides)."""
    out = out or project.models
    if not force and promote and (model := current_model(out, project)) is not None:
        if not quiet:
            print(f"Niets veranderd sinds de laatste training: {model.name}")
        return model
    fingerprint = project_fingerprint(project)
    before = set(out.glob("*.tar.gz")) if out.exists() else set()
    cmd = rasa_command(
        "train",
        "--config",
        str(project.config),
        "--domain",
        str(project.domain),
        "--data",
        str(project.data),
        "--out",
        str(out),
    )
    if force:
        cmd.append("--force")
    if quiet:  # keep the output for when it fails
        log_path = paths.VAR / "logs" / "train.log"
        with private_files.open_private(log_path) as log:
            result = subprocess.run(  # nosec B603 # fixed argv (python -m rasa), no shell
                cmd, cwd=project.root, env=quiet_env(), stdout=log, stderr=log
            )
        if result.returncode != 0:
            raise RuntimeError(f"rasa train mislukte (exit {result.returncode}), zie {log_path}")
    else:
        subprocess.run(  # nosec B603 # fixed argv (python -m rasa), no shell
            cmd, cwd=project.root, env=quiet_env(), check=True
        )
    new = sorted(set(out.glob("*.tar.gz")) - before, key=lambda p: p.stat().st_mtime)
    if not new:
        raise RuntimeError("rasa train gaf geen model")
    model = new[-1]
    model_registry.write_meta(model, fingerprint=fingerprint)
    if promote:
        model_registry.promote(model, out)
        prune(out)
    return model


def prune(models_dir: Path = paths.MODELS, keep: int = KEEP_MODELS) -> None:
    """Keep the newest few models (each is tens of MB), and always the current one and the
    ones a rollback could go back to."""
    keep_names = model_registry.protected(models_dir)
    models = model_registry.all_models(models_dir)
    for old in models[:-keep]:
        if old.name in keep_names:
            continue
        old.unlink()
        sidecar(old).unlink(missing_ok=True)

"""Which Dutch spaCy pipeline Rasa's SpacyNLP loads, and how it gets there.

config.yml points SpacyNLP at the fixed path ``var/spacy/nl``. This module makes that path
point at the best pipeline this machine can have:

1. ``nl_core_news_sm`` 3.4.x, installed from a wheel, sdist or package folder in
   ``../shared/models/`` when one lies there, or already installed in the venv;
2. otherwise a *fallback* built here: spaCy's Dutch language class (tokenizer) plus the Dutch
   lookup lemmatizer from ``spacy-lookups-data``. It has no tagger, parser or vectors; it is
   not nl_core_news_sm and every report says so.

The choice is written to ``var/spacy/selected.json``. When it changes, trained models are
moved aside so that the next run trains again with the new pipeline (Rasa's fingerprint
only sees the path, not what is behind it).
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Optional

from bot.core import paths, settings

REAL_MODEL = "nl_core_news_sm"
FALLBACK_NAME = "nl_privacybot_fallback"
SPACY_DIR = paths.VAR / "spacy"
LINK = SPACY_DIR / "nl"
FALLBACK_DIR = SPACY_DIR / FALLBACK_NAME
SELECTED = SPACY_DIR / "selected.json"


@dataclass
class Selection:
    kind: str  # "nl_core_news_sm" or "fallback"
    name: str
    version: str
    path: str
    source: str

    @property
    def is_real(self) -> bool:
        return self.kind == REAL_MODEL

    def describe(self) -> str:
        if self.is_real:
            return f"spaCy-model: {self.name} {self.version} ({self.source})"
        return (
            f"spaCy-model: FALLBACK {self.name} {self.version} — Nederlandse tokenizer + "
            f"lookup-lemma's uit spacy-lookups-data, NIET nl_core_news_sm ({self.source})"
        )


def find_shared_candidate(models_dir: Path) -> Optional[Path]:
    """A wheel, sdist or package folder of nl_core_news_sm 3.4.x in the shared folder."""
    if not models_dir.is_dir():
        return None
    pattern = re.compile(r"^nl[_-]core[_-]news[_-]sm-3\.4\.\d+")
    found = []
    for entry in sorted(models_dir.iterdir()):
        if not pattern.match(entry.name):
            continue
        if entry.is_file() and entry.name.endswith((".whl", ".tar.gz", ".zip")):
            found.append(entry)
        elif entry.is_dir() and any((entry / f).exists() for f in ("setup.py", "pyproject.toml", "meta.json")):
            found.append(entry)
    # Prefer wheels, then the newest patch release.
    found.sort(key=lambda p: (p.suffix == ".whl", p.name))
    return found[-1] if found else None


def installed_real_model() -> Optional[Path]:
    """Path of the data folder of an installed nl_core_news_sm 3.4.x package, if any."""
    spec = importlib.util.find_spec(REAL_MODEL)
    if spec is None or not spec.submodule_search_locations:
        return None
    pkg = Path(list(spec.submodule_search_locations)[0])
    for meta in sorted(pkg.glob(f"{REAL_MODEL}-3.4.*/meta.json")):
        return meta.parent
    return None


def _pip_install(target: Path) -> None:
    print(f"==> {REAL_MODEL} installeren uit {target}", flush=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",  # nosec B603 # fixed argv, no shell
            "--disable-pip-version-check",
            str(target),
        ],
        check=True,
    )
    importlib.invalidate_caches()


def build_fallback(target: Path = FALLBACK_DIR) -> Path:
    """Save spaCy's Dutch tokenizer plus the lookup lemmatizer as a loadable model folder."""
    import spacy

    nlp = spacy.blank("nl")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()  # loads the Dutch lemma table from spacy-lookups-data
    nlp.meta.update(
        {
            "name": FALLBACK_NAME.removeprefix("nl_"),
            "version": "1.0.0",
            "description": "Privacybot fallback: spaCy Dutch tokenizer + spacy-lookups-data lemma "
            "lookup table. Not nl_core_news_sm (no tagger, parser or vectors).",
        }
    )
    if target.exists():
        shutil.rmtree(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(target)
    return target


def _read_meta(model_dir: Path) -> dict:
    return json.loads((model_dir / "meta.json").read_text(encoding="utf-8"))


def _point_link_at(target: Path) -> None:
    SPACY_DIR.mkdir(parents=True, exist_ok=True)
    if LINK.is_symlink() or LINK.is_file():
        LINK.unlink()
    elif LINK.is_dir():
        shutil.rmtree(LINK)
    LINK.symlink_to(target.resolve(), target_is_directory=True)


def current() -> Optional[Selection]:
    """The selection recorded by the last ``ensure``."""
    if not SELECTED.exists():
        return None
    return Selection(**json.loads(SELECTED.read_text(encoding="utf-8")))


def ensure(shared_models: Optional[Path] = None) -> Selection:
    """Install or build the best available pipeline and point ``var/spacy/nl`` at it."""
    shared_models = shared_models or settings.shared_dir() / "models"
    candidate = find_shared_candidate(shared_models)
    real = installed_real_model()
    if candidate is not None and real is None:
        _pip_install(candidate)
        real = installed_real_model()
    if real is not None:
        meta = _read_meta(real)
        source = f"uit {candidate}" if candidate else "geïnstalleerd pakket"
        selection = Selection(REAL_MODEL, f"{meta['lang']}_{meta['name']}", meta["version"], str(real), source)
    else:
        if not (FALLBACK_DIR / "meta.json").exists():
            print("==> geen nl_core_news_sm beschikbaar: fallback-pipeline bouwen", flush=True)
            build_fallback()
        meta = _read_meta(FALLBACK_DIR)
        selection = Selection(
            "fallback",
            f"{meta['lang']}_{meta['name']}",
            meta["version"],
            str(FALLBACK_DIR),
            "gebouwd uit spaCy nl + spacy-lookups-data",
        )

    previous = current()
    if previous is None or previous.path != selection.path or not LINK.exists():
        _point_link_at(Path(selection.path))
    if previous is not None and (previous.kind, previous.version) != (selection.kind, selection.version):
        _retire_models(f"spaCy-pipeline gewijzigd: {previous.name} -> {selection.name}")
    SELECTED.write_text(json.dumps(asdict(selection), indent=2), encoding="utf-8")
    return selection


def _retire_models(reason: str) -> None:
    """Move trained models aside: they were trained on another spaCy pipeline."""
    from bot.nlu import training  # imported here: training needs no spaCy, spaCy set-up needs no training

    models = sorted(paths.MODELS.glob("*.tar.gz"))
    if not models:
        return
    stale = paths.MODELS / "stale"
    stale.mkdir(parents=True, exist_ok=True)
    for model in models:
        model.rename(stale / model.name)
        fingerprint = training.sidecar(model)
        if fingerprint.exists():
            fingerprint.rename(stale / fingerprint.name)
    print(f"==> {reason}: {len(models)} model(len) verplaatst naar {stale}", flush=True)

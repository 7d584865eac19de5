"""Which trained model is in use, and which came before it.

``models/registry.json`` names the current model and the promotion history; every model has
a sidecar ``<model>.json`` with the data fingerprint it was trained on and, once evaluated,
its held-out figures. ``privacybot models list`` shows them, ``rollback`` goes back one step.
Without a registry (an older checkout) the newest model counts as current.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional

from bot.core import clock, paths

REGISTRY = "registry.json"


class RegistryError(ValueError):
    """A Dutch message for the developer."""


def _read(models_dir: Path) -> Dict[str, Any]:
    path = models_dir / REGISTRY
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    return {"current": None, "history": []}


def _write(models_dir: Path, registry: Dict[str, Any]) -> None:
    models_dir.mkdir(parents=True, exist_ok=True)
    tmp = models_dir / (REGISTRY + ".tmp")
    tmp.write_text(json.dumps(registry, indent=2), encoding="utf-8")
    tmp.replace(models_dir / REGISTRY)  # atomic: a running server never reads half a file


def sidecar(model: Path) -> Path:
    return model.with_name(model.name.removesuffix(".tar.gz") + ".json")


def read_meta(model: Path) -> Dict[str, Any]:
    path = sidecar(model)
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def write_meta(model: Path, **values: Any) -> None:
    meta = read_meta(model)
    meta.update(values)
    sidecar(model).write_text(json.dumps(meta, indent=2, ensure_ascii=False), encoding="utf-8")


def all_models(models_dir: Path = paths.MODELS) -> List[Path]:
    return sorted(models_dir.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)


def current(models_dir: Path = paths.MODELS) -> Optional[Path]:
    """The model in use: the registry's choice, else the newest one."""
    name = _read(models_dir).get("current")
    if name and (models_dir / name).exists():
        return models_dir / name
    models = all_models(models_dir)
    return models[-1] if models else None


def promote(model: Path, models_dir: Path = paths.MODELS) -> Path:
    """Make ``model`` (already in models_dir) the current one."""
    if model.parent.resolve() != models_dir.resolve() or not model.exists():
        raise RegistryError(f"{model} staat niet in {models_dir}")
    registry = _read(models_dir)
    before = current(models_dir)  # without a registry yet: the newest model was in use
    if before is not None and before.name != model.name:
        registry["history"] = [*registry.get("history", []), before.name][-20:]
    if registry.get("current") != model.name:
        registry["current"] = model.name
        _write(models_dir, registry)
    write_meta(model, promoted_at=clock.now_utc().isoformat(timespec="seconds"))
    return model


def rollback(models_dir: Path = paths.MODELS) -> Path:
    """Back to the model that was current before this one."""
    registry = _read(models_dir)
    history = [name for name in registry.get("history", []) if (models_dir / name).exists()]
    if not history:
        raise RegistryError("Er is geen vorig model om naar terug te gaan.")
    previous = history.pop()
    registry["current"], registry["history"] = previous, history
    _write(models_dir, registry)
    return models_dir / previous


def protected(models_dir: Path = paths.MODELS) -> set:
    """Models pruning must keep: the current one and the last few it could roll back to."""
    registry = _read(models_dir)
    return {n for n in [registry.get("current"), *registry.get("history", [])[-2:]] if n}


@dataclass
class Row:
    name: str
    current: bool
    trained_at: str
    fingerprint: str
    accuracy: Optional[float]
    f1: Optional[float]


def listing(models_dir: Path = paths.MODELS) -> List[Row]:
    now = current(models_dir)
    rows = []
    for model in reversed(all_models(models_dir)):
        meta = read_meta(model)
        figures = meta.get("figures") or {}
        rows.append(
            Row(
                model.name,
                now is not None and model.name == now.name,
                clock.from_epoch(model.stat().st_mtime).astimezone().strftime(clock.MINUTES),  # this machine's clock
                (meta.get("fingerprint") or "")[:10],
                figures.get("intent_accuracy"),
                figures.get("intent_f1"),
            )
        )
    return rows

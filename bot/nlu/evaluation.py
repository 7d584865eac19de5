"""``privacybot evaluate``: the held-out NLU test set and the test stories, with Rasa's own
``rasa test``; prints the figures that matter and checks them against the floors."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

from bot.core import paths, rasa_cli
from bot.core.quiet import quiet_env
from bot.nlu import training

# The suite fails below these (weighted F1 on the held-out set). Raise them as data grows.
INTENT_F1_FLOOR = 0.90
RESPONSE_F1_FLOOR = 0.90


@dataclass
class NluFigures:
    intent_accuracy: float
    intent_f1: float
    response_accuracy: float
    response_f1: float
    per_intent_f1: Dict[str, float]
    per_response_f1: Dict[str, float]
    examples: int
    per_intent_support: Dict[str, int] = field(default_factory=dict)

    def below_floor(self) -> List[str]:
        problems = []
        if self.intent_f1 < INTENT_F1_FLOOR:
            problems.append(f"intent-F1 {self.intent_f1:.3f} < {INTENT_F1_FLOOR}")
        if self.response_f1 < RESPONSE_F1_FLOOR:
            problems.append(f"response-selectie-F1 {self.response_f1:.3f} < {RESPONSE_F1_FLOOR}")
        return problems

    def summary(self) -> str:
        worst_intents = sorted(self.per_intent_f1.items(), key=lambda kv: kv[1])[:5]
        worst_responses = sorted(self.per_response_f1.items(), key=lambda kv: kv[1])[:5]
        lines = [
            f"Held-out NLU-test ({self.examples} voorbeelden)",
            f"  intent:            accuracy {self.intent_accuracy:.3f}  gewogen F1 {self.intent_f1:.3f}"
            f"  (vloer {INTENT_F1_FLOOR})",
            f"  response selector: accuracy {self.response_accuracy:.3f}  gewogen F1 {self.response_f1:.3f}"
            f"  (vloer {RESPONSE_F1_FLOOR})",
            "  zwakste intents:   " + ", ".join(f"{k} {v:.2f}" for k, v in worst_intents),
            "  zwakste antwoorden: " + ", ".join(f"{k} {v:.2f}" for k, v in worst_responses),
        ]
        return "\n".join(lines)


def _per_label_f1(report: dict) -> Dict[str, float]:
    skip = {"accuracy", "macro avg", "weighted avg", "micro avg"}
    return {
        label: values["f1-score"] for label, values in report.items() if label not in skip and isinstance(values, dict)
    }


def read_nlu_reports(out_dir: Path) -> NluFigures:
    intents = json.loads((out_dir / "intent_report.json").read_text(encoding="utf-8"))
    responses = json.loads((out_dir / "response_selection_report.json").read_text(encoding="utf-8"))
    return NluFigures(
        intent_accuracy=intents["accuracy"],
        intent_f1=intents["weighted avg"]["f1-score"],
        response_accuracy=responses["accuracy"],
        response_f1=responses["weighted avg"]["f1-score"],
        per_intent_f1=_per_label_f1(intents),
        per_response_f1=_per_label_f1(responses),
        examples=int(intents["weighted avg"]["support"]),
        per_intent_support={
            label: int(values["support"])
            for label, values in intents.items()
            if isinstance(values, dict)
            and "support" in values
            and label not in {"macro avg", "weighted avg", "micro avg"}
        },
    )


def test_nlu(
    model: Path,
    out_dir: Path = paths.REPORTS / "nlu",
    quiet: bool = True,
    test_data: Path = paths.NLU_TEST_DATA,
    plots: bool = False,
    cwd: Path = paths.ROOT,
) -> NluFigures:
    out_dir.mkdir(parents=True, exist_ok=True)
    cmd = rasa_cli.rasa_command(
        "test",
        "nlu",
        "--model",
        str(model),
        "--nlu",
        str(test_data),
        "--out",
        str(out_dir),
        *([] if plots else ["--no-plot"]),
    )
    subprocess.run(  # nosec B603 # fixed argv (python -m rasa), no shell
        cmd,
        cwd=cwd,
        env=quiet_env(),
        check=True,
        stdout=subprocess.DEVNULL if quiet else None,
        stderr=subprocess.DEVNULL if quiet else None,
    )
    return read_nlu_reports(out_dir)


def confused_pairs(out_dir: Path, top: int = 5) -> List[tuple]:
    """The most frequent (true -> predicted) mistakes, from Rasa's intent report."""
    report = json.loads((out_dir / "intent_report.json").read_text(encoding="utf-8"))
    pairs = [
        (label, other, count)
        for label, values in report.items()
        if isinstance(values, dict)
        for other, count in (values.get("confused_with") or {}).items()
    ]
    return sorted(pairs, key=lambda p: -p[2])[:top]


def cross_validate(
    folds: int, out_dir: Path = paths.REPORTS / "cv", quiet: bool = True, project: training.Project = training.REPO
) -> Dict[str, float]:
    """k-fold cross-validation on the training data (``rasa test nlu --cross-validation``)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    cmd = rasa_cli.rasa_command(
        "test",
        "nlu",
        "--nlu",
        str(project.data / "nlu"),
        "--config",
        str(project.config),
        "--cross-validation",
        "--folds",
        str(folds),
        "--out",
        str(out_dir),
        "--no-plot",
    )
    subprocess.run(  # nosec B603 # fixed argv (python -m rasa), no shell
        cmd,
        cwd=project.root,
        env=quiet_env(),
        check=True,
        stdout=subprocess.DEVNULL if quiet else None,
        stderr=subprocess.DEVNULL if quiet else None,
    )
    report = json.loads((out_dir / "intent_report.json").read_text(encoding="utf-8"))
    return {"accuracy": report["accuracy"], "f1": report["weighted avg"]["f1-score"]}


def test_stories(
    model: Path, out_dir: Path = paths.REPORTS / "core", stories: Path = paths.TEST_STORIES
) -> subprocess.CompletedProcess:
    """``rasa test core`` with --fail-on-prediction-errors: a wrong story exits non-zero."""
    out_dir.mkdir(parents=True, exist_ok=True)
    cmd = rasa_cli.rasa_command(
        "test",
        "core",
        "--model",
        str(model),
        "--stories",
        str(stories),
        "--out",
        str(out_dir),
        "--fail-on-prediction-errors",
        "--no-plot",
    )
    return subprocess.run(  # nosec B603 # fixed argv (python -m rasa), no shell
        cmd, cwd=paths.ROOT, env=quiet_env(), capture_output=True, text=True
    )


def failed_stories(out_dir: Path = paths.REPORTS / "core") -> str:
    path = out_dir / "failed_test_stories.yml"
    return path.read_text(encoding="utf-8") if path.exists() else ""


def main(with_stories: bool = True, model: Optional[Path] = None, folds: int = 0) -> int:
    model = model or training.latest_model()
    if model is None:
        print("Geen model in models/: voer eerst 'privacybot train' uit.")
        return 1
    print(f"Model: {model}")
    out = paths.REPORTS / "nlu"
    print("Held-out NLU-test (rasa test nlu, met grafieken)...", flush=True)
    figures = test_nlu(model, out, plots=True)
    print(figures.summary())
    print("  meest verward:     " + ", ".join(f"{a} -> {b} ({n}x)" for a, b, n in confused_pairs(out)))
    print(f"  grafieken:         {out / 'intent_confusion_matrix.png'}, {out / 'intent_histogram.png'}")
    if folds:
        print(f"{folds}-voudige kruisvalidatie op de trainingsdata (traint {folds} keer, duurt even)...", flush=True)
        cv = cross_validate(folds)
        print(
            f"  kruisvalidatie:    accuracy {cv['accuracy']:.3f}  gewogen F1 {cv['f1']:.3f}  ({paths.REPORTS / 'cv'})"
        )
    status = 0
    problems = figures.below_floor()
    if problems:
        print("ONDER DE VLOER: " + "; ".join(problems))
        status = 1
    if with_stories:
        result = test_stories(model)
        if result.returncode == 0:
            print("Teststories: alle verhalen correct voorspeld.")
        else:
            print("Teststories: FOUTEN, zie reports/core/failed_test_stories.yml")
            status = 1
    print(f"Rapporten: {paths.REPORTS}")
    return status

"""``privacybot retrain``: validate, train a candidate, evaluate it and the current model on
the same held-out set, and promote the candidate only when it is no worse.

The gate: overall intent accuracy may not drop, and no intent's F1 may drop by more than a
margin (PRIVACYBOT_GATE_MARGIN, default 0.05). A refused candidate is kept aside under
models/rejected/ for inspection; the current model stays in use.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional

from bot.core import paths, settings
from bot.nlu import evaluation, model_registry, training, validation
from bot.nlu.evaluation import NluFigures

# A held-out set has a dozen or two examples per intent, so one example more or less moves
# an intent's F1 by 0.05-0.1: a drop counts only when it is worth more than this many examples.
NOISE_EXAMPLES = 2


def margin() -> float:
    """The gate's margin: PRIVACYBOT_GATE_MARGIN (bot.core.settings.gate_margin)."""
    return settings.gate_margin()


@dataclass
class Verdict:
    passed: bool
    reasons: List[str] = field(default_factory=list)
    drops: Dict[str, float] = field(default_factory=dict)


def gate(candidate: NluFigures, current: NluFigures, allowed_drop: float) -> Verdict:
    """Compare per-intent F1 and overall accuracy on the same held-out set."""
    verdict = Verdict(passed=True)
    if candidate.intent_accuracy < current.intent_accuracy:
        verdict.passed = False
        verdict.reasons.append(
            f"intent-accuracy daalt van {current.intent_accuracy:.3f} naar {candidate.intent_accuracy:.3f}"
        )
    for label, before in sorted(current.per_intent_f1.items()):
        after = candidate.per_intent_f1.get(label, 0.0)
        support = current.per_intent_support.get(label) or 0
        tolerance = max(allowed_drop, NOISE_EXAMPLES / support) if support else allowed_drop
        if before - after > tolerance:
            verdict.passed = False
            verdict.drops[label] = round(before - after, 3)
            verdict.reasons.append(f"F1 van {label} daalt van {before:.3f} naar {after:.3f} (meer dan {tolerance:.2f})")
    return verdict


def figures_dict(figures: NluFigures) -> Dict[str, object]:
    return {
        "intent_accuracy": round(figures.intent_accuracy, 4),
        "intent_f1": round(figures.intent_f1, 4),
        "response_accuracy": round(figures.response_accuracy, 4),
        "response_f1": round(figures.response_f1, 4),
        "examples": figures.examples,
        "per_intent_f1": {k: round(v, 4) for k, v in figures.per_intent_f1.items()},
        "per_intent_support": figures.per_intent_support,
    }


def figures_from(meta: Dict[str, object]) -> NluFigures:
    f = meta["figures"]
    return NluFigures(
        f["intent_accuracy"],
        f["intent_f1"],
        f["response_accuracy"],
        f.get("response_f1", 0.0),
        f["per_intent_f1"],
        {},
        f["examples"],
        f.get("per_intent_support", {}),
    )


def heldout_fingerprint(project: training.Project) -> str:
    import hashlib

    digest = hashlib.sha256()
    for path in sorted(project.nlu_test.rglob("*.yml")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


@dataclass
class Outcome:
    promoted: bool
    candidate: Path
    verdict: Optional[Verdict]
    candidate_figures: Optional[NluFigures]
    current_figures: Optional[NluFigures]
    message: str


def retrain(
    project: training.Project = training.REPO,
    allowed_drop: Optional[float] = None,
    say: Callable[[str], None] = print,
    quiet_training: bool = False,
) -> Outcome:
    allowed_drop = margin() if allowed_drop is None else allowed_drop
    say("1/4 Data valideren (rasa data validate)...")
    checked = validation.validate(project)
    if not checked.ok:
        raise RuntimeError("De data zijn niet geldig: " + "; ".join(checked.problems[:5]))
    current = model_registry.current(project.models)
    candidates = project.models / "candidates"
    say("2/4 Kandidaatmodel trainen" + (" (log in var/logs/train.log)..." if quiet_training else "..."))
    candidate = training.train(force=False, quiet=quiet_training, out=candidates, project=project, promote=False)
    reports = paths.REPORTS if project == training.REPO else project.root / "reports"
    say("3/4 Kandidaat evalueren op de held-out set...")
    heldout = heldout_fingerprint(project)
    candidate_figures = evaluation.test_nlu(
        candidate, reports / "retrain" / "candidate", test_data=project.nlu_test, cwd=project.root
    )
    model_registry.write_meta(candidate, figures=figures_dict(candidate_figures), heldout=heldout)
    current_figures = None
    verdict = None
    if current is not None:
        meta = model_registry.read_meta(current)
        if meta.get("heldout") == heldout and meta.get("figures"):  # already measured on this very set
            say(f"4/4 Huidig model ({current.name}): cijfers op dezelfde set uit zijn meta-gegevens.")
            current_figures = figures_from(meta)
        else:
            say(f"4/4 Huidig model ({current.name}) evalueren op dezelfde set...")
            current_figures = evaluation.test_nlu(
                current, reports / "retrain" / "current", test_data=project.nlu_test, cwd=project.root
            )
            model_registry.write_meta(current, figures=figures_dict(current_figures), heldout=heldout)
        verdict = gate(candidate_figures, current_figures, allowed_drop)
    if verdict is not None and not verdict.passed:
        rejected = project.models / "rejected"
        rejected.mkdir(parents=True, exist_ok=True)
        for path in (candidate, model_registry.sidecar(candidate)):
            shutil.move(str(path), rejected / path.name)
        message = (
            "GEWEIGERD: het huidige model blijft in gebruik.\n  "
            + "\n  ".join(verdict.reasons)
            + f"\n  De kandidaat staat in {rejected}."
        )
        say(message)
        return Outcome(False, rejected / candidate.name, verdict, candidate_figures, current_figures, message)
    promoted = project.models / candidate.name
    for path in (candidate, model_registry.sidecar(candidate)):
        shutil.move(str(path), project.models / path.name)
    model_registry.promote(promoted, project.models)
    training.prune(project.models)
    message = (
        f"GEPROMOVEERD: {promoted.name} is nu in gebruik (accuracy {candidate_figures.intent_accuracy:.3f}"
        + (f", was {current_figures.intent_accuracy:.3f}" if current_figures else "")
        + ")."
    )
    say(message)
    return Outcome(True, promoted, verdict, candidate_figures, current_figures, message)

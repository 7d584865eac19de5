"""The real-question development set: questions people asked in public Dutch and Flemish
privacy Q&A, each with the first reply that would be right. ``privacybot evaluate --real``.

Measuring only: no training example may equal or nearly equal one of these questions
(``tests/unit/nlu/test_real_questions.py``). Each question is sent as the first message of a fresh
conversation through the whole assistant (``bot.ops.real_questions_run``), and the reply's outcome
(``bot.dialogue.outcomes``) is compared with the expected one:

- *right*: the reply commits to an expected outcome (answer, form, deflection);
- *confidently wrong*: it commits to anything else;
- *asked*: it asks ("Bedoel je ...?") or says it did not understand; *asked well* when the
  buttons include an expected topic.

Because the choice between answering and asking depends only on the topic ranking, the same
run also shows what other thresholds would have done (``tradeoffs``), and a calibration plot
shows how often the top topic is right per confidence band: that is how
``bot.dialogue.answer_choice``'s thresholds were set.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple
from urllib.parse import urlsplit

from bot.core import paths
from bot.dialogue import answer_choice, outcomes

QUESTIONS = paths.ROOT / "tests" / "real_questions" / "questions.json"


@dataclass
class Question:
    text: str
    expect: List[str]
    source: str
    url: str


@dataclass
class Result:
    question: Question
    outcome: str
    intent: Optional[str]
    ranking: List[Tuple[str, float]]
    options: List[str] = field(default_factory=list)

    @property
    def parsed(self) -> outcomes.Outcome:
        kind, _, label = self.outcome.partition(":")
        return outcomes.Outcome(kind, label or None)

    @property
    def right(self) -> bool:
        return outcomes.is_right(self.parsed, self.question.expect)

    @property
    def confidently_wrong(self) -> bool:
        return outcomes.is_confidently_wrong(self.parsed, self.question.expect)

    @property
    def asked_well(self) -> bool:
        return self.parsed.kind == outcomes.ASK and any(f"faq/{o}" in self.question.expect for o in self.options)


def source_sites(questions: Sequence[Question]) -> Counter:
    """How many questions come from each website (the host of their address)."""
    return Counter(urlsplit(q.url).netloc.removeprefix("www.") for q in questions)


def load(path: Path = QUESTIONS) -> List[Question]:
    items = json.loads(path.read_text(encoding="utf-8"))
    return [Question(text=i["text"], expect=list(i["expect"]), source=i["source"], url=i["url"]) for i in items]


@dataclass
class Figures:
    total: int
    right: int
    confidently_wrong: int
    asked: int
    asked_well: int

    @property
    def right_share(self) -> float:
        return self.right / self.total if self.total else 0.0

    @property
    def wrong_share(self) -> float:
        return self.confidently_wrong / self.total if self.total else 0.0


def figures(results: Sequence[Result]) -> Figures:
    return Figures(
        total=len(results),
        right=sum(r.right for r in results),
        confidently_wrong=sum(r.confidently_wrong for r in results),
        asked=sum(not r.parsed.committed for r in results),
        asked_well=sum(r.asked_well for r in results),
    )


def _simulated(result: Result, confidence: float, margin: float) -> Tuple[bool, bool]:
    """(right, confidently wrong) had the thresholds been ``confidence`` and ``margin``."""
    if result.intent != "faq" or not result.ranking or result.parsed.kind not in {outcomes.ANSWER, outcomes.ASK}:
        return result.right, result.confidently_wrong
    choice = answer_choice.decide(result.ranking, confidence, margin)
    if choice is None or choice.kind == answer_choice.CLARIFY:
        return False, False
    label = f"faq/{choice.topics[0]}"
    return label in result.question.expect, label not in result.question.expect


def tradeoffs(
    results: Sequence[Result],
    confidences: Iterable[float] = (0.0, 0.2, 0.3, 0.4, 0.45, 0.5, 0.6, 0.7),
    margins: Iterable[float] = (0.0, 0.05, 0.1, 0.15, 0.2, 0.3),
) -> List[Dict[str, float]]:
    """Right and confidently-wrong shares for each pair of thresholds, on this run's rankings."""
    rows = []
    total = max(len(results), 1)
    for confidence in confidences:
        for margin in margins:
            outcomes_ = [_simulated(r, confidence, margin) for r in results]
            rows.append(
                {
                    "confidence": confidence,
                    "margin": margin,
                    "right": sum(a for a, _ in outcomes_) / total,
                    "wrong": sum(b for _, b in outcomes_) / total,
                }
            )
    return rows


def calibration(results: Sequence[Result], bins: int = 10) -> List[Dict[str, float]]:
    """Per band of top-topic confidence: how many FAQ questions, and how often the top topic is right."""
    table = []
    faq = [r for r in results if r.ranking and any(e.startswith("faq/") for e in r.question.expect)]
    for band in range(bins):
        low, high = band / bins, (band + 1) / bins
        inside = [r for r in faq if low <= r.ranking[0][1] < high or (band == bins - 1 and r.ranking[0][1] == 1.0)]
        hits = sum(f"faq/{r.ranking[0][0]}" in r.question.expect for r in inside)
        table.append(
            {"low": low, "high": high, "count": len(inside), "accuracy": hits / len(inside) if inside else float("nan")}
        )
    return table


def plot(results: Sequence[Result], path: Path) -> Path:
    """Calibration plot (PNG): how often the top topic is right against its confidence."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    table = calibration(results)
    centres = [(row["low"] + row["high"]) / 2 for row in table if row["count"]]
    accuracy = [row["accuracy"] for row in table if row["count"]]
    counts = [row["count"] for row in table if row["count"]]
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(6.4, 6.4), sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    top.plot([0, 1], [0, 1], linestyle="--", color="#999999", label="perfect gekalibreerd")
    top.plot(centres, accuracy, marker="o", color="#1f5fa8", label="echte vragen")
    top.axvline(
        answer_choice.ANSWER_CONFIDENCE,
        color="#c0392b",
        linestyle=":",
        label=f"antwoorddrempel {answer_choice.ANSWER_CONFIDENCE}",
    )
    top.set_ylabel("aandeel juist (bovenste onderwerp)")
    top.set_ylim(0, 1.02)
    top.legend(loc="upper left", fontsize=8)
    top.set_title("Kalibratie van de onderwerpkeuze op echte vragen")
    bottom.bar(centres, counts, width=0.08, color="#7f8c8d")
    bottom.set_xlabel("confidence van het bovenste onderwerp (ResponseSelector)")
    bottom.set_ylabel("vragen")
    bottom.set_xlim(0, 1)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def report(results: Sequence[Result], out_dir: Path) -> Dict[str, Any]:
    """Write the per-question results, the figures and the plot; return the figures."""
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = figures(results)
    data = {
        "figures": asdict(summary) | {"right_share": summary.right_share, "wrong_share": summary.wrong_share},
        "thresholds": {"confidence": answer_choice.ANSWER_CONFIDENCE, "margin": answer_choice.ANSWER_MARGIN},
        "by_outcome": dict(Counter(r.parsed.kind for r in results)),
        "tradeoffs": tradeoffs(results),
        "calibration": calibration(results),
        "questions": [
            {
                "text": r.question.text,
                "expect": r.question.expect,
                "outcome": r.outcome,
                "options": r.options,
                "ranking": r.ranking[:3],
                "right": r.right,
                "confidently_wrong": r.confidently_wrong,
            }
            for r in results
        ],
    }
    (out_dir / "real_questions.json").write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    plot(results, out_dir / "calibration.png")
    return data


def summary_lines(results: Sequence[Result], sources: int) -> List[str]:
    f = figures(results)
    lines = [
        f"Echte vragen ({f.total} vragen van {sources} websites)",
        f"  juist eerste antwoord:  {f.right}/{f.total} = {f.right_share:.1%}",
        f"  zeker maar fout:        {f.confidently_wrong}/{f.total} = {f.wrong_share:.1%}",
        f"  gevraagd/niet begrepen: {f.asked} (waarvan {f.asked_well} met het juiste onderwerp als knop)",
    ]
    wrong = [r for r in results if r.confidently_wrong][:15]
    if wrong:
        lines.append("  zeker maar fout, bv.:")
        lines += [
            f"    {r.question.text[:70]!r} -> {r.outcome} (verwacht {'|'.join(r.question.expect)})" for r in wrong
        ]
    return lines

"""The real-question development set: well-formed, sourced, labelled with outcomes that exist,
and kept out of the training data (measuring only), plus the figures it is judged on."""

from __future__ import annotations

import re
from collections import Counter

import pytest
import yaml

from bot.core import paths
from bot.dialogue import topic_catalogue
from bot.nlu import real_questions
from tests.unit.nlu.test_nlu_data import TEST, TRAIN

QUESTIONS = real_questions.load()
DOMAIN = yaml.safe_load(paths.DOMAIN.read_text(encoding="utf-8"))
FORM_LABELS = {
    f"request_{t}"
    for t in (
        "access",
        "rectification",
        "erasure",
        "restriction",
        "portability",
        "objection",
        "marketing_objection",
        "consent_withdrawal",
    )
}
OUTCOME_LABELS = (
    {f"faq/{key}" for key in topic_catalogue.TOPICS}
    | FORM_LABELS
    | {
        "request_right",
        "unsubscribe",
        "request_status",
        "deflect",
        "greet",
        "goodbye",
        "thank",
        "bot_challenge",
        "human_handoff",
        "help",
    }
)


def tokens(text: str) -> set:
    return set(re.findall(r"\w+", text.lower()))


def near(a: set, b: set) -> bool:
    """Nearly the same question: at least 80 % of the words shared (Jaccard), for 4+ words."""
    if len(a) < 4 or len(b) < 4:
        return a == b
    return len(a & b) / len(a | b) >= 0.8


def test_the_set_is_large_and_every_question_has_a_source_and_outcomes():
    assert len(QUESTIONS) >= 200
    for q in QUESTIONS:
        assert q.text.strip() and q.source.strip(), q
        assert q.url.startswith(("http://", "https://")), q
        assert q.expect and set(q.expect) <= OUTCOME_LABELS, q


def test_questions_are_not_repeated():
    counts = Counter(" ".join(sorted(tokens(q.text))) for q in QUESTIONS)
    assert [t for t, n in counts.items() if n > 1] == []


def test_the_set_covers_answers_silent_topics_forms_and_deflections():
    labels = Counter(label for q in QUESTIONS for label in q.expect)
    silent = {f"faq/{k}" for k, t in topic_catalogue.TOPICS.items() if t.silent}
    assert sum(labels[s] for s in silent) >= 20
    assert labels["faq/escalation"] >= 5
    assert sum(labels[f] for f in FORM_LABELS | {"unsubscribe", "request_status", "request_right"}) >= 10
    assert labels["deflect"] >= 15
    assert len({q.source for q in QUESTIONS}) >= 10


@pytest.mark.parametrize("folder", ["training", "held-out"])
def test_no_training_or_held_out_example_equals_or_nearly_equals_a_real_question(folder):
    examples = [e for items in (TRAIN if folder == "training" else TEST).values() for e in items]
    example_tokens = [tokens(e) for e in examples]
    clashes = []
    for q in QUESTIONS:
        mine = tokens(q.text)
        clashes += [(q.text, e) for e, other in zip(examples, example_tokens, strict=True) if near(mine, other)]
    assert clashes == []


def test_the_near_duplicate_check_would_catch_a_copy():
    question = tokens("Hoe lang mogen jullie mijn gegevens bewaren na het einde van mijn contract?")
    assert near(question, tokens("hoe lang mogen jullie mijn gegevens bewaren na het einde van mijn contract"))
    assert near(question, tokens("Hoe lang mogen jullie mijn gegevens bewaren na het einde van het contract?"))
    assert not near(question, tokens("hoe lang bewaren jullie opnames van gesprekken"))


def test_simulated_thresholds_match_the_live_decision():
    """The trade-off table replays bot.dialogue.answer_choice on the recorded rankings."""
    q = real_questions.Question("x", ["faq/retention"], "s", "https://example.be")
    sure = real_questions.Result(q, "answer:faq/retention", "faq", [("retention", 0.9), ("fraud", 0.05)])
    unsure = real_questions.Result(q, "ask:clarify", "faq", [("retention", 0.3), ("fraud", 0.28)])
    wrong = real_questions.Result(q, "answer:faq/fraud", "faq", [("fraud", 0.5), ("retention", 0.45)])
    rows = {(r["confidence"], r["margin"]): r for r in real_questions.tradeoffs([sure, unsure, wrong])}
    assert rows[(0.0, 0.0)]["right"] == pytest.approx(2 / 3) and rows[(0.0, 0.0)]["wrong"] == pytest.approx(1 / 3)
    assert rows[(0.6, 0.1)]["right"] == pytest.approx(1 / 3) and rows[(0.6, 0.1)]["wrong"] == 0
    figures = real_questions.figures([sure, unsure, wrong])
    assert (figures.right, figures.confidently_wrong, figures.asked) == (1, 1, 1)

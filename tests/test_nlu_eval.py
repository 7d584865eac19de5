"""The held-out NLU test set (tests/nlu/), with floors the suite enforces."""
from __future__ import annotations

from bot import evaluation, paths


def test_intent_classification_on_held_out_set(nlu_figures):
    assert nlu_figures.examples >= 500
    assert nlu_figures.intent_f1 >= evaluation.INTENT_F1_FLOOR, nlu_figures.summary()


def test_response_selection_on_held_out_set(nlu_figures):
    assert nlu_figures.response_f1 >= evaluation.RESPONSE_F1_FLOOR, nlu_figures.summary()


def test_no_intent_collapses(nlu_figures):
    """A good average must not hide an intent the model never gets right."""
    weak = {k: v for k, v in {**nlu_figures.per_intent_f1, **nlu_figures.per_response_f1}.items()
            if v < 0.6}
    assert weak == {}, nlu_figures.summary()


def test_evaluate_writes_plots_and_names_confused_pairs(trained_model, capsys):
    from bot import evaluation

    assert evaluation.main(with_stories=False, model=trained_model, folds=0) == 0
    printed = capsys.readouterr().out
    assert "meest verward:" in printed and "->" in printed
    for name in ("intent_confusion_matrix.png", "intent_histogram.png"):
        assert (paths.REPORTS / "nlu" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

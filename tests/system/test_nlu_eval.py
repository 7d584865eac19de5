"""The held-out NLU test set (tests/nlu/), with floors the suite enforces."""

from __future__ import annotations

import pytest

from bot.core import paths
from bot.nlu import evaluation


def test_intent_classification_on_held_out_set(nlu_figures):
    assert nlu_figures.examples >= 500
    assert nlu_figures.intent_f1 >= evaluation.INTENT_F1_FLOOR, nlu_figures.summary()


def test_response_selection_on_held_out_set(nlu_figures):
    assert nlu_figures.response_f1 >= evaluation.RESPONSE_F1_FLOOR, nlu_figures.summary()


def test_no_intent_collapses(nlu_figures):
    """A good average must not hide an intent the model never gets right."""
    weak = {k: v for k, v in {**nlu_figures.per_intent_f1, **nlu_figures.per_response_f1}.items() if v < 0.6}
    assert weak == {}, nlu_figures.summary()


def test_evaluate_writes_plots_and_names_confused_pairs(nlu_evaluation):
    """`privacybot evaluate` on the session's model (the same run the floors above read)."""
    code, printed, _ = nlu_evaluation
    assert code == 0
    assert "meest verward:" in printed and "->" in printed
    for name in ("intent_confusion_matrix.png", "intent_histogram.png"):
        assert (paths.REPORTS / "nlu" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.training
@pytest.mark.slow
def test_cross_validation_runs_on_a_project_and_reports_every_intent(tmp_path):
    """The k-fold path of `privacybot evaluate --folds`, on a small copy (the small-talk intents
    only, few epochs): k trainings on the full data would take the suite ten minutes."""
    import shutil

    import yaml

    from bot.nlu import training
    from tests.system.test_retrain import quick_config

    (tmp_path / "data" / "nlu").mkdir(parents=True)
    shutil.copy(paths.DATA / "nlu" / "smalltalk.yml", tmp_path / "data" / "nlu")
    (tmp_path / "config.yml").write_text(quick_config(paths.CONFIG.read_text(encoding="utf-8")), encoding="utf-8")
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "spacy").symlink_to(paths.VAR / "spacy")
    project = training.Project(tmp_path)
    figures = evaluation.cross_validate(2, out_dir=tmp_path / "cv", project=project)
    report = yaml.safe_load((tmp_path / "cv" / "intent_report.json").read_text(encoding="utf-8"))
    intents = {i["intent"] for i in yaml.safe_load((paths.DATA / "nlu" / "smalltalk.yml").read_text())["nlu"]}
    assert intents <= set(report)  # every example was tested in one of the folds
    assert sum(report[i]["support"] for i in intents) == sum(
        len([line for line in i["examples"].splitlines() if line.strip()])
        for i in yaml.safe_load((paths.DATA / "nlu" / "smalltalk.yml").read_text())["nlu"]
    )
    assert 0.5 < figures["accuracy"] <= 1 and 0 < figures["f1"] <= 1

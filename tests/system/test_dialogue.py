"""Dialogue: `rasa data validate` and the test stories, with Rasa's own tools."""

from __future__ import annotations

import pytest

from bot.nlu import evaluation, validation


@pytest.mark.slow  # `rasa data validate`: half a minute
def test_rasa_data_validate_has_no_warnings_that_matter():
    result = validation.validate()
    assert result.returncode == 0
    assert result.problems == []


def test_validation_would_flag_a_real_problem():
    output = (
        "UserWarning: The utterance 'utter_forgotten' is not used in any story or rule.\n"
        "UserWarning: The utterance 'utter_faq' is not used in any story or rule.\n"
    )
    result = validation.classify(output, 0)
    assert result.problems == ["The utterance 'utter_forgotten' is not used in any story or rule."]
    assert len(result.harmless) == 1


def test_every_test_story_is_predicted_correctly(trained_model, tmp_path):
    result = evaluation.test_stories(trained_model, out_dir=tmp_path / "core")
    assert result.returncode == 0, evaluation.failed_stories(tmp_path / "core")


def test_a_wrong_story_fails_the_run(trained_model, tmp_path):
    """Proves the gate: without --fail-on-prediction-errors this would exit 0."""
    wrong = tmp_path / "wrong.yml"
    wrong.write_text(
        'version: "3.1"\nstories:\n  - story: wrong\n    steps:\n'
        "      - intent: greet\n      - action: utter_goodbye\n",
        encoding="utf-8",
    )
    result = evaluation.test_stories(trained_model, out_dir=tmp_path / "core", stories=wrong)
    assert result.returncode != 0

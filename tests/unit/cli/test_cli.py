from __future__ import annotations

from tests.conftest import run_privacybot


def test_help_lists_the_subcommands():
    result = run_privacybot("--help")
    assert result.returncode == 0
    for command in ("run", "shell", "converse", "train", "evaluate", "validate", "spacy-model"):
        assert command in result.stdout


def test_converse_help_explains_the_format():
    result = run_privacybot("converse", "--help")
    assert result.returncode == 0
    assert "messages" in result.stdout and "PRIVACYBOT_DATABASE_URL" in result.stdout


def test_spacy_model_show_names_the_pipeline():
    result = run_privacybot("spacy-model", "show")
    assert result.returncode == 0
    assert "spaCy-model:" in result.stdout


def test_missing_input_file_is_a_clear_error(tmp_path):
    result = run_privacybot("converse", str(tmp_path / "bestaat-niet.jsonl"), str(tmp_path / "uit.jsonl"))
    assert result.returncode == 2
    assert "Fout:" in result.stderr and "Traceback" not in result.stderr

"""`privacybot shell` on the trained model: a chat in the terminal, buttons chosen by number."""

from __future__ import annotations

from tests.conftest import run_privacybot


def test_shell_chats_and_buttons_can_be_chosen_by_number(trained_model, tmp_path):
    result = run_privacybot(
        "shell", input="hallo\n4\n/stop\n", env={"PRIVACYBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'shell.db'}"}
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "bot> Hallo 👋" in result.stdout
    assert "[4] Hoe lang bewaard?" in result.stdout
    assert "10 jaar" in result.stdout  # button 4 sends its payload, the retention question
    assert "Tot ziens!" in result.stdout

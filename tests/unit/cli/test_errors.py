"""The CLI's one error convention (bot/cli/errors.py): every command group's failure becomes one
Dutch line on stderr and the documented exit code, through the one handler in main()."""

from __future__ import annotations

import errno
import importlib
import re
from pathlib import Path

import pytest
from sqlalchemy import exc as sa_exc

from bot.cli import errors
from bot.cli.main import main
from bot.core import paths
from tests.conftest import run_privacybot

# Nothing listens on port 1: the connection is refused at once. The password must never show.
DOWN = "postgresql://beheer:geheim-wachtwoord@127.0.0.1:1/privacybot"


@pytest.fixture
def cli(monkeypatch, capsys):
    """``privacybot ARGS`` in-process through main(); returns (exit code, stdout, stderr)."""
    monkeypatch.chdir(paths.ROOT)  # main() goes to the project root; this puts the test back

    def run(*argv: str):
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def assert_one_dutch_line(err: str, start: str) -> None:
    assert err.count("\n") == 1 and err.endswith("\n"), err
    assert err.startswith(errors.PREFIX + start), err
    assert "Traceback" not in err


def test_requests_list_with_the_database_down_is_one_line_not_a_traceback(tmp_path):
    """The issue's example, through the real entry point (python -m bot.cli)."""
    result = run_privacybot("requests", "list", env={"PRIVACYBOT_DATABASE_URL": DOWN})
    assert result.returncode == 1
    assert result.stdout == ""
    assert_one_dutch_line(result.stderr, "de database is niet bereikbaar")
    assert "Controleer PRIVACYBOT_DATABASE_URL" in result.stderr
    assert "127.0.0.1:1" in result.stderr  # where it looked ...
    assert "geheim-wachtwoord" not in result.stderr  # ... but never the password


@pytest.mark.parametrize(
    "argv",
    [
        ("requests", "list", "--json"),
        ("requests", "show", "PRV-0000000000"),
        ("requests", "update", "PRV-0000000000", "--status", "open", "--note", "telefonisch"),
        ("optouts", "list"),
        ("users", "list"),
        ("users", "disable", "anja"),
        ("purge", "--dry-run"),
        ("subjects", "find", "--email", "jan.peeters@example.be"),
        ("inbox", "export"),
        ("db", "upgrade"),
    ],
    ids=lambda argv: " ".join(argv[:2]),
)
def test_every_command_group_reports_the_database_down_the_same_way(cli, monkeypatch, argv):
    monkeypatch.setenv("PRIVACYBOT_DATABASE_URL", DOWN)
    code, out, err = cli(*argv)
    assert code == errors.FAILED and out == ""
    assert_one_dutch_line(err, "de database is niet bereikbaar")
    assert "geheim-wachtwoord" not in err


def test_optouts_check_that_cannot_check_does_not_say_not_opted_out(cli, monkeypatch):
    """Its 1 means "not opted out: you may contact": a database that is down must not read so."""
    monkeypatch.setenv("PRIVACYBOT_DATABASE_URL", DOWN)
    code, out, err = cli("optouts", "check", "an@example.be")
    assert code == errors.NOT_CHECKED == 3 and out == ""
    assert_one_dutch_line(err, "de database is niet bereikbaar")


@pytest.fixture
def db(tmp_path, monkeypatch):
    monkeypatch.setenv("PRIVACYBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")


def test_domain_errors_keep_their_dutch_message(cli, db):
    from bot.privacy import rights
    from bot.store.db import open_store

    store = open_store()
    request = rights.open_request(
        store, rights.NewRequest(request_type="access", name="An Janssens", email="an@example.be")
    )
    store.dispose()
    code, out, err = cli("requests", "update", request.reference, "--status", "done", "--note", "x")
    assert code == 1 and out == ""
    assert_one_dutch_line(err, "")  # rights.RequestError's own sentence
    code, out, err = cli("requests", "show", "PRV-0000000000")
    assert (code, out, err) == (1, "", "Fout: Geen verzoek met referentie PRV-0000000000.\n")
    code, out, err = cli("subjects", "find", "--phone", "12")
    assert code == 1 and out == ""
    assert_one_dutch_line(err, "Dat lijkt geen geldig telefoonnummer")
    code, out, err = cli("users", "enable", "niemand")
    assert (code, out, err) == (1, "", "Fout: Geen account met gebruikersnaam niemand.\n")


def test_failures_of_the_developer_commands_go_through_the_same_handler(cli, monkeypatch):
    from bot.nlu import model_registry, training

    def no_previous():
        raise model_registry.RegistryError("Er is geen vorig model om naar terug te gaan.")

    def broken_training(force=False):
        raise RuntimeError("rasa train mislukte (exit 1), zie var/logs/train.log")

    monkeypatch.setattr(model_registry, "rollback", no_previous)
    monkeypatch.setattr(training, "train", broken_training)
    code, _, err = cli("models", "rollback")
    assert (code, err) == (1, "Fout: Er is geen vorig model om naar terug te gaan.\n")
    code, _, err = cli("train")
    assert (code, err) == (1, "Fout: rasa train mislukte (exit 1), zie var/logs/train.log\n")


def test_usage_and_configuration_errors_exit_2(cli, tmp_path, monkeypatch, capsys):
    code, _, err = cli("converse", str(tmp_path / "bestaat-niet.jsonl"), "-")
    assert code == errors.USAGE
    assert_one_dutch_line(err, "invoerbestand")
    with pytest.raises(SystemExit) as exited:  # argparse's own usage errors
        cli("inbox", "export", "--since", "31/12/2026")
    assert exited.value.code == errors.USAGE
    assert "geen datum (JJJJ-MM-DD)" in capsys.readouterr().err
    # A URL SQLAlchemy cannot read: its own message would print the whole URL, password included.
    monkeypatch.setenv("PRIVACYBOT_DATABASE_URL", "postgresql//beheer:geheim-wachtwoord@db/privacybot")
    code, _, err = cli("optouts", "list")
    assert code == errors.USAGE
    assert_one_dutch_line(err, "PRIVACYBOT_DATABASE_URL is geen bruikbare database-URL")
    assert "geheim-wachtwoord" not in err
    # A setting that is no number (bot.core.settings.SettingError names it).
    monkeypatch.setenv("PRIVACYBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("PRIVACYBOT_CHAT_RETENTION_MONTHS", "zes")
    code, _, err = cli("purge", "--dry-run")
    assert code == errors.USAGE
    assert_one_dutch_line(err, "")
    assert "PRIVACYBOT_CHAT_RETENTION_MONTHS" in err


def test_unexpected_errors_are_one_line_unless_debugging(cli, monkeypatch):
    from bot.nlu import model_registry

    def bug():
        return {}["figures"]

    monkeypatch.setattr(model_registry, "rollback", bug)
    code, out, err = cli("models", "rollback")
    assert code == 1 and out == ""
    assert_one_dutch_line(err, "onverwachte fout (KeyError)")
    assert "--debug" in err
    with pytest.raises(KeyError):
        cli("--debug", "models", "rollback")


def test_ctrl_c_stops_with_130(cli, monkeypatch):
    from bot.nlu import model_registry

    def interrupted():
        raise KeyboardInterrupt

    monkeypatch.setattr(model_registry, "rollback", interrupted)
    code, _, err = cli("models", "rollback")
    assert (code, err) == (errors.INTERRUPTED, "\nGestopt.\n")


@pytest.mark.parametrize(
    "error, line, code",
    [
        (errors.CliError("Zelf gemeld."), "Zelf gemeld.", 1),
        (errors.UsageError("Verkeerd gebruikt."), "Verkeerd gebruikt.", 2),
        (
            FileNotFoundError(errno.ENOENT, "No such file or directory", "/tmp/x.json"),
            "bestand of map bestaat niet: /tmp/x.json",
            1,
        ),
        (PermissionError(errno.EACCES, "Permission denied", "/etc/x"), "geen toegang: /etc/x", 1),
        (
            sa_exc.IntegrityError("INSERT INTO staff_users VALUES (?)", ("$argon2id$geheim",), Exception("UNIQUE")),
            "de database weigerde de opdracht (IntegrityError).",
            1,
        ),
    ],
    ids=["CliError", "UsageError", "missing file", "no access", "refused SQL"],
)
def test_describe(error, line, code):
    assert errors.describe(error) == (line, code)


def test_a_deployment_error_is_a_usage_error():
    from bot.ops.deployment import DeploymentError

    assert errors.describe(DeploymentError("Meerdere instanties vragen PostgreSQL.")) == (
        "Meerdere instanties vragen PostgreSQL.",
        errors.USAGE,
    )


@pytest.mark.parametrize(
    "dotted",
    [
        "bot.privacy.rights.RequestError",
        "bot.privacy.status_mail.StatusMailError",
        "bot.privacy.contact.InvalidContact",
        "bot.privacy.tokens.TokenError",
        "bot.staff.accounts.StaffError",
        "bot.staff.subjects.SubjectRequestError",
        "bot.staff.review.ReviewError",
        "bot.staff.conversations.SearchError",
        "bot.staff.feedback.FeedbackError",
        "bot.nlu.model_registry.RegistryError",
        "bot.ops.converse.LineError",
    ],
)
def test_domain_errors_are_value_errors_so_the_handler_shows_their_message(dotted):
    module, name = dotted.rsplit(".", 1)
    kind = getattr(importlib.import_module(module), name)
    message = "Een zin voor het personeel."
    assert issubclass(kind, ValueError)
    assert errors.describe(kind(message)) == (message, errors.FAILED)


def test_commands_raise_and_do_not_print_their_own_errors():
    """One place prints failures: a command module that prints "Fout" or returns its own error
    code after catching has slipped back into a convention of its own."""
    for source in sorted(Path(paths.ROOT, "bot", "cli").glob("*.py")):
        if source.name == "errors.py":
            continue
        text = source.read_text(encoding="utf-8")
        assert "Fout" not in text, source.name
        assert not re.search(r"os\.environ(\.get)?\W+[\"']PRIVACYBOT_", text), f"{source.name}: use bot.core.settings"

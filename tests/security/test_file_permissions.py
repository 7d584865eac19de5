"""Finding 13 of issue 15: files that hold personal data were world-readable (umask 022).

Everything below runs under umask 022, as the services do, and checks that the store, its
SQLite side files, the outbox, the logs, the exports and the secret key are 0600 in 0700
folders, also when a folder or file already existed with wider permissions."""

from __future__ import annotations

import os
import stat
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.core import keys, paths, private_files, settings
from bot.ops.deployment import Deployment, nginx_main_config
from bot.ops.processes import LocalServer
from bot.privacy import mail
from bot.store.db import make_engine, open_store


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture(autouse=True)
def umask_022():
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.fixture
def var(tmp_path, monkeypatch):
    """A fresh var/ folder for the code that writes under paths.VAR."""
    folder = tmp_path / "var"
    monkeypatch.setattr(paths, "VAR", folder)
    return folder


def test_store_database_is_0600_in_a_0700_folder(var):
    store = open_store(f"sqlite:///{var / 'privacybot.db'}")
    try:
        with store.session() as session:
            session.execute(text("SELECT 1"))
    finally:
        store.dispose()
    assert mode(var / "privacybot.db") == 0o600
    assert mode(var) == 0o700


def test_existing_wide_var_folder_and_database_are_tightened(var):
    var.mkdir(mode=0o755)
    os.chmod(var, 0o755)
    database = var / "privacybot.db"
    database.touch()
    os.chmod(database, 0o644)
    for suffix in ("-journal", "-wal", "-shm"):
        side = var / f"privacybot.db{suffix}"
        side.touch()
        os.chmod(side, 0o644)
    make_engine(f"sqlite:///{database}").dispose()
    assert mode(var) == 0o700
    for path in (database, *(var / f"privacybot.db{s}" for s in ("-journal", "-wal", "-shm"))):
        assert mode(path) == 0o600, path.name


def test_sqlite_side_files_that_sqlite_creates_are_0600(tmp_path):
    database = tmp_path / "data" / "store.db"
    engine = make_engine(f"sqlite:///{database}")
    try:
        with engine.connect() as connection:
            connection.execute(text("PRAGMA journal_mode=WAL"))
            connection.execute(text("CREATE TABLE t (x TEXT)"))
            connection.execute(text("INSERT INTO t VALUES ('jan@example.be')"))
            connection.commit()
            sides = [database.with_name(database.name + s) for s in ("-wal", "-shm")]
            assert all(side.exists() for side in sides)
            for side in sides:
                assert mode(side) == 0o600, side.name
    finally:
        engine.dispose()
    assert mode(database) == 0o600
    assert mode(database.parent) == 0o700  # created by us


def test_an_operators_existing_folder_is_not_changed_but_the_file_is_private(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o755)
    make_engine(f"sqlite:///{shared / 'store.db'}").dispose()
    assert mode(shared / "store.db") == 0o600
    assert mode(shared) == 0o755


def test_tracker_store_file_exists_0600_before_rasa_opens_it(var):
    database = var / "tracker.db"
    result = settings.tracker_store_settings(f"sqlite:///{database}")
    assert result["db"] == str(database)
    assert mode(database) == 0o600
    assert mode(var) == 0o700


def test_outbox_eml_files_are_0600_in_a_0700_folder(var, tmp_path):
    outbox = var / "outbox"
    email = EmailMessage()
    email["To"] = "jan.peeters@example.be"
    email["Message-ID"] = "<outbox1@kmo-verzekeringen.be>"
    email.set_content("Beste Jan Peeters")
    mail.EmlTransport().send(email)
    files = list(outbox.glob("*.eml"))
    assert len(files) == 1
    assert mode(files[0]) == 0o600
    assert mode(outbox) == 0o700


def test_existing_wide_outbox_folder_is_tightened(tmp_path):
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    os.chmod(outbox, 0o755)
    email = EmailMessage()
    email["Message-ID"] = "<outbox2@kmo-verzekeringen.be>"
    email.set_content("x")
    mail.EmlTransport(outbox).send(email)
    assert mode(outbox) == 0o700
    assert [mode(f) for f in outbox.glob("*.eml")] == [0o600]


def test_mail_delivery_through_the_store_writes_private_files(var, monkeypatch):
    monkeypatch.setenv("PRIVACYBOT_OUTBOX_DIR", str(var / "outbox"))
    store = open_store(f"sqlite:///{var / 'privacybot.db'}")
    try:
        with store.session() as session:
            mail.queue(session, kind="verify", recipient="an@example.be", subject="Bevestig", body="Dag An")
        assert mail.deliver_pending(store).sent == 1
    finally:
        store.dispose()
    assert [mode(f) for f in (var / "outbox").glob("*.eml")] == [0o600]
    assert mode(var / "outbox") == 0o700
    assert mode(var / "privacybot.db") == 0o600


def test_secret_key_file_is_0600(var, monkeypatch):
    monkeypatch.delenv("PRIVACYBOT_SECRET_KEY", raising=False)
    monkeypatch.setattr(keys, "KEY_FILE", var / "secret_key")
    key = keys.secret_key()
    assert key and keys.secret_key() == key
    assert mode(var / "secret_key") == 0o600
    assert mode(var) == 0o700


def test_server_logs_are_0600_and_an_existing_wide_log_is_tightened(var):
    logs = var / "logs"
    logs.mkdir(parents=True)
    os.chmod(logs, 0o755)
    old = logs / "actions.log"
    old.write_text("oud\n")
    os.chmod(old, 0o644)
    with private_files.open_private(old, "ab") as handle:  # what LocalServer.launch does
        handle.write(b"nieuw\n")
    assert old.read_text() == "oud\nnieuw\n"
    assert mode(old) == 0o600
    assert mode(logs) == 0o700

    class Echo(LocalServer):
        name = "echo"

        def command(self):
            return ["true"]

    server = Echo(port=1).launch()
    server.process.wait()
    assert mode(var / "logs" / "echo.log") == 0o600


def test_nginx_error_log_and_endpoints_file_are_0600(var):
    prefix = var / "nginx" / "8080"
    nginx_main_config(prefix, "127.0.0.1:8080", ["127.0.0.1:5005"])
    assert mode(prefix / "error.log") == 0o600
    assert mode(prefix) == 0o700
    endpoints = Deployment(f"sqlite:///{var / 'privacybot.db'}", None).write_endpoints(
        var / "endpoints-serve-5005.yml", "http://127.0.0.1:5055/webhook"
    )
    assert mode(endpoints) == 0o600


def test_subject_export_overwriting_a_wide_file_is_0600(tmp_path):
    out = tmp_path / "export.json"
    out.write_text("{}")
    os.chmod(out, 0o644)
    private_files.write_private(out, '{"conversations": []}')
    assert mode(out) == 0o600
    assert out.read_text() == '{"conversations": []}'

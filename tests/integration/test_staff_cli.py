"""`privacybot requests …` and `privacybot optouts …` on a real database."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from bot.privacy import optouts, rights
from bot.store.db import Store, migrate
from tests.conftest import run_privacybot


@pytest.fixture
def db(tmp_path):
    url = f"sqlite:///{tmp_path / 'staff.db'}"
    migrate(url)
    store = Store(url)
    yield store, {"PRIVACYBOT_DATABASE_URL": url}
    store.dispose()


def make(store, when, request_type="erasure"):
    return rights.open_request(
        store, rights.NewRequest(request_type=request_type, name="An Janssens", email="an@example.be"), now=when
    )


def test_list_marks_overdue_and_filters(db):
    store, env = db
    old = make(store, datetime.now(timezone.utc) - timedelta(days=40))
    new = make(store, datetime.now(timezone.utc), "access")
    result = run_privacybot("requests", "list", env=env)
    assert result.returncode == 0
    line_old = next(line for line in result.stdout.splitlines() if old.reference in line)
    line_new = next(line for line in result.stdout.splitlines() if new.reference in line)
    assert "TE LAAT" in line_old and "TE LAAT" not in line_new
    overdue = json.loads(run_privacybot("requests", "list", "--status", "overdue", "--json", env=env).stdout)
    assert [item["reference"] for item in overdue] == [old.reference]
    access = json.loads(run_privacybot("requests", "list", "--type", "access", "--json", env=env).stdout)
    assert [item["reference"] for item in access] == [new.reference]


def test_update_and_show_with_audit_in_brussels_time(db):
    store, env = db
    request = make(store, datetime(2026, 7, 1, 10, 0, tzinfo=timezone.utc))
    done = run_privacybot(
        "requests",
        "update",
        request.reference,
        "--status",
        "open",
        "--note",
        "identiteit gecontroleerd",
        "--actor",
        "an",
        env=env,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    refused = run_privacybot("requests", "update", request.reference, "--status", "open", "--note", "x", env=env)
    assert refused.returncode == 1 and "kan niet" in refused.stderr  # errors on stderr, as in every command
    shown = run_privacybot("requests", "show", request.reference.lower(), env=env)
    assert "01/07/2026 12:00" in shown.stdout  # 10:00 UTC is 12:00 in Brussels in summer
    assert "staff:an" in shown.stdout and "identiteit gecontroleerd" in shown.stdout
    assert run_privacybot("requests", "show", "PRV-0000000000", env=env).returncode == 1


def test_optouts_check_exit_codes_for_scripts(db):
    store, env = db
    optouts.opt_out(store, "phone", "0470 12 34 56")
    assert run_privacybot("optouts", "check", "+32470123456", env=env).returncode == 0
    assert run_privacybot("optouts", "check", "0470/99.99.99", env=env).returncode == 1
    listed = json.loads(run_privacybot("optouts", "list", "--json", env=env).stdout)
    assert listed[0]["channel"] == "phone" and listed[0]["address"] == "+32470123456"


def test_a_status_change_from_the_cli_mails_the_requester_like_the_console(db):
    """One status-change service for console and CLI (bot.privacy.status_mail): the CLI used to change
    the status without telling the requester."""
    from sqlalchemy import select

    from bot.privacy import status_mail
    from bot.store.models import OutboxMessage

    store, env = db
    request = make(store, datetime.now(timezone.utc))
    opened = run_privacybot(
        "requests", "update", request.reference, "--status", "open", "--note", "identiteit gecontroleerd", env=env
    )
    assert opened.returncode == 0 and "outbox" in opened.stdout, opened.stdout + opened.stderr
    without_reason = run_privacybot(
        "requests", "update", request.reference, "--status", "rejected", "--note", "geen klant", env=env
    )
    assert without_reason.returncode == 1 and "reden" in without_reason.stderr  # a mailed rejection says why
    rejected = run_privacybot(
        "requests",
        "update",
        request.reference,
        "--status",
        "rejected",
        "--note",
        "geen klant",
        "--message",
        "We vinden geen gegevens van je terug.",
        env=env,
    )
    assert rejected.returncode == 0, rejected.stdout + rejected.stderr
    with store.session() as session:
        mails = (
            session.execute(
                select(OutboxMessage).where(OutboxMessage.kind == status_mail.KIND).order_by(OutboxMessage.id)
            )
            .scalars()
            .all()
        )
        assert [m.recipient for m in mails] == ["an@example.be", "an@example.be"]
        assert request.reference in mails[1].body and "We vinden geen gegevens van je terug." in mails[1].body

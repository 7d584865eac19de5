"""Console accounts (bot/staff/accounts.py) and ``privacybot users …`` (bot/cli/users.py), on
SQLite and on the real PostgreSQL server."""

from __future__ import annotations

import argparse
import io
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from bot.cli import errors
from bot.cli.users import register
from bot.staff import accounts
from bot.staff import audit as staff_audit
from bot.staff.accounts import LOGIN_FAILED, LoginThrottle, StaffError, can
from bot.store.db import Store, migrate
from tests.conftest import DATABASES

PASSWORD = "correct paard batterij"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
PRODUCTION_HASHER = accounts.HASHER  # before the fixture below swaps it


@pytest.fixture(autouse=True)
def cheap_hasher(counting_hasher):
    return counting_hasher


def _url(request, tmp_path) -> str:
    return f"sqlite:///{tmp_path / 't.db'}" if request.param == "sqlite" else request.getfixturevalue("postgres_url")


@pytest.fixture(params=DATABASES)
def store(request, tmp_path):
    url = _url(request, tmp_path)
    migrate(url)
    store = Store(url)
    yield store
    store.dispose()


def audit(store, action=None):
    return [(a.username, a.action, a.target) for a in reversed(staff_audit.recent(store, action=action))]


def stored_user(store, username):
    return accounts.find_user(store, username)


# ---------------------------------------------------------------------------- accounts


def test_the_password_is_stored_as_an_argon2_hash(store):
    user = accounts.add_user(store, "An.Janssens", PASSWORD, "agent", now=T0)
    assert user.username == "an.janssens" and user.role == "agent" and user.active
    assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
    assert user.failed_logins == 0 and user.session_version == 1 and user.created_at == T0
    with store.session() as session:
        dump = " ".join(str(v) for row in session.execute(sa.text("select * from staff_users")) for v in row)
        dump += " ".join(str(v) for row in session.execute(sa.text("select * from staff_audit")) for v in row)
    assert PASSWORD not in dump


def test_production_uses_argon2_defaults(hasher_factory):
    defaults = PasswordHasher()
    assert isinstance(PRODUCTION_HASHER, PasswordHasher) and not isinstance(PRODUCTION_HASHER, hasher_factory)
    assert (PRODUCTION_HASHER.time_cost, PRODUCTION_HASHER.memory_cost, PRODUCTION_HASHER.parallelism) == (
        defaults.time_cost,
        defaults.memory_cost,
        defaults.parallelism,
    )


def test_usernames_are_unique_whatever_the_case(store):
    accounts.add_user(store, "anja", PASSWORD, "agent")
    with pytest.raises(StaffError, match="bestaat al"):
        accounts.add_user(store, " ANJA ", PASSWORD + "x", "admin")
    assert [u.username for u in accounts.list_users(store)] == ["anja"]


@pytest.mark.parametrize(
    "username, password, role, message",
    [
        ("anja", "kort", "agent", "minstens 12 tekens"),
        ("anja", "", "agent", "minstens 12 tekens"),
        ("anja", "x" * 1025, "agent", "hoogstens"),
        ("jan.peeters.12", "Jan.Peeters.12", "agent", "mag niet gelijk zijn aan de gebruikersnaam"),
        ("anja", PASSWORD, "superuser", "Onbekende rol"),
        ("anja", PASSWORD, "Admin", "Onbekende rol"),
        ("a", PASSWORD, "agent", "3 tot 80 tekens"),
        ("an janssens", PASSWORD, "agent", "3 tot 80 tekens"),
        ("аn", PASSWORD, "agent", "3 tot 80 tekens"),  # Cyrillic а
        ("x" * 81, PASSWORD, "agent", "3 tot 80 tekens"),
        ("anja;drop", PASSWORD, "agent", "3 tot 80 tekens"),
    ],
)
def test_invalid_accounts_are_refused_in_dutch(tmp_path, username, password, role, message):
    url = f"sqlite:///{tmp_path / 't.db'}"
    migrate(url)
    store = Store(url)
    with pytest.raises(StaffError, match=message):
        accounts.add_user(store, username, password, role)
    assert accounts.list_users(store) == []
    store.dispose()


def test_the_longest_allowed_username_and_all_roles(store):
    for role in accounts.ROLES:
        accounts.add_user(store, f"{role}_{'x' * (79 - len(role))}", PASSWORD, role)
    assert sorted(u.role for u in accounts.list_users(store)) == sorted(accounts.ROLES)


def test_get_user_by_id(store):
    user = accounts.add_user(store, "anja", PASSWORD, "admin")
    assert accounts.get_user(store, user.id).username == "anja"
    assert accounts.get_user(store, user.id + 1000) is None


# ---------------------------------------------------------------------------- login


def test_a_correct_login_resets_the_count_and_is_audited(store):
    accounts.add_user(store, "anja", PASSWORD, "agent")
    with pytest.raises(StaffError):
        accounts.authenticate(store, "anja", "fout wachtwoord!", now=T0)
    assert stored_user(store, "anja").failed_logins == 1
    user = accounts.authenticate(store, " ANJA ", PASSWORD, now=T0 + timedelta(minutes=1), client="192.0.2.7")
    assert user.username == "anja" and user.failed_logins == 0
    assert user.last_login_at == T0 + timedelta(minutes=1)
    assert stored_user(store, "anja").last_login_at == T0 + timedelta(minutes=1)
    assert audit(store) == [("anoniem", "login_failed", "anja"), ("anja", "login", "anja")]
    assert staff_audit.recent(store, action="login")[0].detail == "192.0.2.7"


def test_unknown_user_and_wrong_password_look_the_same(store, cheap_hasher):
    accounts.add_user(store, "anja", PASSWORD, "agent")
    cheap_hasher.verifications = 0
    with pytest.raises(StaffError) as wrong:
        accounts.authenticate(store, "anja", "niet het wachtwoord")
    with pytest.raises(StaffError) as unknown:
        accounts.authenticate(store, "bestaat.niet", PASSWORD)
    assert str(wrong.value) == str(unknown.value) == LOGIN_FAILED
    assert LOGIN_FAILED.startswith("Gebruikersnaam of wachtwoord is onjuist")
    assert cheap_hasher.verifications == 2  # the unknown user costs a verification too
    long_name = "Z" * 300
    with pytest.raises(StaffError, match="onjuist"):
        accounts.authenticate(store, long_name, PASSWORD)
    assert audit(store, "login_failed") == [
        ("anoniem", "login_failed", "anja"),
        ("anoniem", "login_failed", "bestaat.niet"),
        ("anoniem", "login_failed", "Z" * 80),
    ]


def test_five_wrong_passwords_lock_the_account_for_fifteen_minutes(store):
    accounts.add_user(store, "anja", PASSWORD, "privacy_officer")
    for i in range(accounts.MAX_FAILED_LOGINS):
        with pytest.raises(StaffError) as error:
            accounts.authenticate(store, "anja", f"fout wachtwoord {i}", now=T0 + timedelta(seconds=i))
        assert str(error.value) == LOGIN_FAILED and error.value.reason == "wrong"
    locked_at = T0 + timedelta(seconds=accounts.MAX_FAILED_LOGINS - 1)
    assert stored_user(store, "anja").locked_until == locked_at + timedelta(minutes=15)
    assert audit(store, "locked") == [("anoniem", "locked", "anja")]

    # Even the right password is refused while locked, and trying does not extend the lock.
    for minutes in (0, 5, 14):
        with pytest.raises(StaffError) as error:
            accounts.authenticate(store, "anja", PASSWORD, now=locked_at + timedelta(minutes=minutes))
        # The same words as a wrong password: a lock would otherwise tell that "anja" exists.
        assert str(error.value) == LOGIN_FAILED and error.value.reason == "locked"
    with pytest.raises(StaffError) as error:
        accounts.authenticate(store, "anja", "nog een fout wachtwoord", now=locked_at + timedelta(minutes=14))
    assert error.value.reason == "locked"
    assert stored_user(store, "anja").locked_until == locked_at + timedelta(minutes=15)

    user = accounts.authenticate(store, "anja", PASSWORD, now=locked_at + timedelta(minutes=15))
    assert user.failed_logins == 0 and user.locked_until is None
    assert len(audit(store, "locked")) == 1


def test_after_a_lock_expires_there_are_five_new_attempts(store):
    accounts.add_user(store, "anja", PASSWORD, "agent")
    for _ in range(5):
        with pytest.raises(StaffError):
            accounts.authenticate(store, "anja", "fout wachtwoord!", now=T0)
    later = T0 + timedelta(minutes=16)
    for i in range(4):
        with pytest.raises(StaffError, match="onjuist"):
            accounts.authenticate(store, "anja", "fout wachtwoord!", now=later)
        assert stored_user(store, "anja").failed_logins == i + 1
    with pytest.raises(StaffError, match="onjuist"):
        accounts.authenticate(store, "anja", "fout wachtwoord!", now=later)
    with pytest.raises(StaffError) as error:
        accounts.authenticate(store, "anja", PASSWORD, now=later)
    assert error.value.reason == "locked"
    assert len(audit(store, "locked")) == 2


def test_only_failures_in_a_row_count(store):
    accounts.add_user(store, "anja", PASSWORD, "agent")
    for _ in range(2):
        for _ in range(4):
            with pytest.raises(StaffError, match="onjuist"):
                accounts.authenticate(store, "anja", "fout wachtwoord!", now=T0)
        accounts.authenticate(store, "anja", PASSWORD, now=T0)
    assert stored_user(store, "anja").locked_until is None


def test_the_fifth_attempt_may_still_be_the_right_one(store):
    accounts.add_user(store, "anja", PASSWORD, "agent")
    for _ in range(4):
        with pytest.raises(StaffError):
            accounts.authenticate(store, "anja", "fout wachtwoord!", now=T0)
    user = accounts.authenticate(store, "anja", PASSWORD, now=T0)
    assert user.locked_until is None and user.failed_logins == 0
    assert audit(store, "locked") == []


def test_parallel_guesses_get_no_more_than_five_password_checks(store, cheap_hasher):
    accounts.add_user(store, "anja", PASSWORD, "agent")
    cheap_hasher.verifications = 0

    def guess(i):
        try:
            accounts.authenticate(store, "anja", f"gok nummer {i}", now=T0)
        except StaffError as exc:
            assert str(exc) == LOGIN_FAILED
            return exc.reason

    with ThreadPoolExecutor(max_workers=8) as pool:
        messages = list(pool.map(guess, range(30)))
    assert messages.count("wrong") == accounts.MAX_FAILED_LOGINS
    assert messages.count("locked") == 30 - accounts.MAX_FAILED_LOGINS
    # Only five checks of the account's own hash; the locked attempts check a dummy hash, so
    # that they cost the same time as any other refusal (issue 15, finding 7).
    real_hash = stored_user(store, "anja").password_hash
    assert cheap_hasher.checked.count(real_hash) == accounts.MAX_FAILED_LOGINS
    assert cheap_hasher.verifications == 30
    assert len(audit(store, "locked")) == 1
    assert stored_user(store, "anja").locked_until == T0 + timedelta(minutes=15)


def test_an_inactive_account_cannot_log_in(store, cheap_hasher):
    accounts.add_user(store, "anja", PASSWORD, "admin")
    before = accounts.set_active(store, "anja", False)
    assert not before.active and before.session_version == 2  # disabling ends the sessions
    cheap_hasher.verifications = 0
    with pytest.raises(StaffError) as error:
        accounts.authenticate(store, "anja", PASSWORD)
    assert str(error.value) == LOGIN_FAILED
    assert cheap_hasher.verifications == 1  # as slow as any other refusal
    assert stored_user(store, "anja").failed_logins == 0
    accounts.set_active(store, "anja", True)
    assert accounts.authenticate(store, "anja", PASSWORD).username == "anja"


def test_unlock_lifts_the_lock(store):
    accounts.add_user(store, "anja", PASSWORD, "agent")
    for _ in range(5):
        with pytest.raises(StaffError):
            accounts.authenticate(store, "anja", "fout wachtwoord!", now=T0)
    user = accounts.unlock(store, "anja", actor="cli:beheer")
    assert user.locked_until is None and user.failed_logins == 0
    assert accounts.authenticate(store, "anja", PASSWORD, now=T0).username == "anja"
    assert ("cli:beheer", "user_unlocked", "anja") in audit(store)


def test_end_sessions_and_a_new_password_bump_the_session_version(store):
    accounts.add_user(store, "anja", PASSWORD, "agent")
    assert accounts.end_sessions(store, "anja").session_version == 2
    new_password = "een heel ander wachtwoord"
    user = accounts.set_password(store, "ANJA", new_password, actor="cli:beheer")
    assert user.session_version == 3
    with pytest.raises(StaffError, match="onjuist"):
        accounts.authenticate(store, "anja", PASSWORD)
    assert accounts.authenticate(store, "anja", new_password).session_version == 3
    with pytest.raises(StaffError, match="minstens 12"):
        accounts.set_password(store, "anja", "kort")
    with pytest.raises(StaffError, match="minstens 12"):
        accounts.set_password(store, "anja", "ANJA")
    accounts.add_user(store, "jan.peeters.12", PASSWORD, "agent")
    with pytest.raises(StaffError, match="gebruikersnaam"):
        accounts.set_password(store, "jan.peeters.12", "Jan.Peeters.12")
    for change in (accounts.end_sessions, accounts.unlock):
        with pytest.raises(StaffError, match="Geen account"):
            change(store, "niemand")
    assert ("cli:beheer", "password_changed", "anja") in audit(store)


def test_a_login_rehashes_when_the_parameters_changed(store, monkeypatch, hasher_factory):
    accounts.add_user(store, "anja", PASSWORD, "agent")
    old_hash = stored_user(store, "anja").password_hash
    monkeypatch.setattr(accounts, "HASHER", hasher_factory(time_cost=2))
    accounts.authenticate(store, "anja", PASSWORD)
    new_hash = stored_user(store, "anja").password_hash
    assert new_hash != old_hash and "t=2" in new_hash and "t=1" in old_hash
    accounts.authenticate(store, "anja", PASSWORD)
    assert stored_user(store, "anja").password_hash == new_hash  # unchanged when nothing changed


def test_a_damaged_hash_refuses_the_login_instead_of_crashing(store):
    accounts.add_user(store, "anja", PASSWORD, "agent")
    with store.session() as session:
        session.execute(sa.text("update staff_users set password_hash = 'kapot'"))
    with pytest.raises(StaffError, match="onjuist"):
        accounts.authenticate(store, "anja", PASSWORD)


# ---------------------------------------------------------------------------- permissions


def test_permissions_by_role():
    everyday = ("view_conversations", "review", "annotate", "view_requests")
    sensitive = ("handle_requests", "reveal", "export_subject", "erase_subject", "export_annotations")
    for permission in everyday:
        assert all(can(role, permission) for role in accounts.ROLES)
    for permission in sensitive:
        assert not can("agent", permission)
        assert can("privacy_officer", permission) and can("admin", permission)
    assert not can("agent", "purge") and not can("privacy_officer", "purge") and can("admin", "purge")
    assert all(can("admin", permission) for permission in accounts.PERMISSIONS)
    assert not can("admin", "bestaat_niet") and not can("root", "review") and not can("", "review")
    assert set().union(*accounts.PERMISSIONS.values()) == set(accounts.ROLES)


# ---------------------------------------------------------------------------- throttle


def test_throttle_counts_failures_per_key_within_the_window():
    throttle = LoginThrottle(limit=3, window=60)
    seen = []
    for t in (0, 1, 2, 3, 30):
        seen.append(throttle.blocked("192.0.2.1", now=t))
        if not seen[-1]:
            throttle.fail("192.0.2.1", now=t)
    assert seen == [False, False, False, True, True]  # refused attempts are not counted
    assert not throttle.blocked("192.0.2.2", now=30)  # another client is not affected
    assert throttle.blocked("192.0.2.1", now=59.9)
    assert not throttle.blocked("192.0.2.1", now=60.5)  # the failure at 0 aged out
    throttle.fail("192.0.2.1", now=60.5)
    assert throttle.blocked("192.0.2.1", now=60.6)
    assert not throttle.blocked("192.0.2.1", now=61.5)


def test_throttle_only_looks_when_asked():
    """``blocked`` records nothing: a thousand successful logins never use up the limit."""
    throttle = LoginThrottle(limit=2, window=60)
    assert not any(throttle.blocked("198.51.100.7", now=t / 100) for t in range(1000))
    assert len(throttle) == 0


def test_throttle_defaults_and_bounded_memory():
    throttle = LoginThrottle()
    assert (throttle.limit, throttle.window) == (10, 300)
    for _ in range(15):
        throttle.fail("198.51.100.1", now=0)
    assert throttle.blocked("198.51.100.1", now=0)
    for i in range(1000):
        throttle.fail(f"10.0.{i // 256}.{i % 256}", now=1)
    assert len(throttle) == 1001
    throttle.fail("10.9.9.9", now=302)  # everyone else has been quiet for a whole window
    assert len(throttle) == 1

    small = LoginThrottle(limit=2, window=60, max_clients=50)
    for i in range(500):
        small.fail(f"10.1.{i // 256}.{i % 256}", now=i / 100)
    assert len(small) == 50
    with pytest.raises(ValueError):
        LoginThrottle(limit=0)


def test_throttle_is_thread_safe():
    throttle = LoginThrottle(limit=50, window=300)

    def hammer():
        for _ in range(100):
            throttle.fail("203.0.113.5")

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert throttle.blocked("203.0.113.5") and len(throttle) == 1
    assert len(throttle._attempts["203.0.113.5"]) == 50  # never more than the limit kept


# ---------------------------------------------------------------------------- CLI


@pytest.fixture(params=DATABASES)
def cli(request, tmp_path, monkeypatch):
    """Run ``privacybot users …`` in-process against a fresh database; returns (exit, out, err)."""
    url = _url(request, tmp_path)
    monkeypatch.setenv("PRIVACYBOT_DATABASE_URL", url)
    monkeypatch.setenv("USER", "beheerder")
    capsys = request.getfixturevalue("capsys")
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())

    def run(*argv, stdin=None):
        if stdin is not None:
            monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        args = parser.parse_args(list(argv))
        code = errors.run(args.func, args)  # as main() runs it: the one error convention
        out, err = capsys.readouterr()
        return code, out, err

    run.store = lambda: Store(url)
    return run


def test_cli_add_list_and_the_account_works(cli):
    code, out, err = cli(
        "users", "add", "An.Janssens", "--role", "privacy_officer", "--password-stdin", stdin=PASSWORD + "\n"
    )
    assert (code, out, err) == (0, "Account an.janssens (privacy_officer) aangemaakt.\n", "")
    store = cli.store()
    assert accounts.authenticate(store, "an.janssens", PASSWORD).role == "privacy_officer"
    assert ("cli:beheerder", "user_added", "an.janssens") in audit(store)

    code, out, _ = cli("users", "list")
    assert code == 0 and "an.janssens" in out and "privacy_officer" in out and "ja" in out
    assert "argon2" not in out
    code, out, _ = cli("users", "list", "--json")
    [item] = json.loads(out)
    assert item["username"] == "an.janssens" and item["active"] is True and item["locked_until"] is None
    assert item["last_login"].endswith(("+01:00", "+02:00"))  # Brussels time
    assert "argon2" not in out and "hash" not in out
    store.dispose()


def test_cli_add_with_getpass(cli, monkeypatch):
    typed = iter([PASSWORD, PASSWORD])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(typed))
    assert cli("users", "add", "jan", "--role", "agent")[:2] == (0, "Account jan (agent) aangemaakt.\n")

    typed = iter([PASSWORD, PASSWORD + "!"])
    code, out, err = cli("users", "add", "piet", "--role", "agent")
    assert code == 1 and out == "" and err == "Fout: De wachtwoorden komen niet overeen.\n"


@pytest.mark.parametrize(
    "argv, stdin, message",
    [
        (("users", "add", "anja", "--role", "agent", "--password-stdin"), "kort\n", "minstens 12 tekens"),
        (("users", "add", "anja", "--role", "agent", "--password-stdin"), "", "Geen wachtwoord"),
        (("users", "add", "a b", "--role", "agent", "--password-stdin"), PASSWORD, "3 tot 80 tekens"),
        (("users", "disable", "niemand"), None, "Geen account met gebruikersnaam niemand."),
        (("users", "password", "niemand", "--password-stdin"), PASSWORD, "Geen account"),
    ],
)
def test_cli_errors_are_dutch_with_exit_1(cli, argv, stdin, message):
    code, out, err = cli(*argv, stdin=stdin)
    assert code == 1 and out == ""
    assert err.startswith("Fout: ") and message in err and "Traceback" not in err


def test_cli_duplicate_disable_enable_unlock_and_password(cli):
    assert cli("users", "add", "anja", "--role", "admin", "--password-stdin", stdin=PASSWORD)[0] == 0
    code, _, err = cli("users", "add", "ANJA", "--role", "agent", "--password-stdin", stdin=PASSWORD)
    assert code == 1 and "Er bestaat al een account anja." in err

    store = cli.store()
    assert cli("users", "disable", "anja")[:2] == (0, "Account anja uitgeschakeld; lopende sessies zijn beëindigd.\n")
    with pytest.raises(StaffError, match="onjuist"):
        accounts.authenticate(store, "anja", PASSWORD)
    assert "nee" in cli("users", "list")[1]
    assert cli("users", "enable", "anja")[:2] == (0, "Account anja ingeschakeld.\n")

    now = datetime.now(timezone.utc)
    for _ in range(5):
        with pytest.raises(StaffError):
            accounts.authenticate(store, "anja", "fout wachtwoord!", now=now)
    listed = json.loads(cli("users", "list", "--json")[1])[0]
    assert listed["locked_until"] is not None
    assert datetime.fromisoformat(listed["locked_until"]) == now.replace(microsecond=0) + timedelta(minutes=15)
    assert cli("users", "unlock", "anja")[:2] == (0, "Account anja ontgrendeld.\n")
    assert json.loads(cli("users", "list", "--json")[1])[0]["locked_until"] is None

    new_password = "een ander lang wachtwoord"
    code, out, _ = cli("users", "password", "anja", "--password-stdin", stdin=new_password + "\r\n")
    assert (code, out) == (0, "Wachtwoord van anja gewijzigd; lopende sessies zijn beëindigd.\n")
    user = accounts.authenticate(store, "anja", new_password)
    assert user.session_version == 3  # disable and the new password each ended the sessions
    actions = [a for _, a, _ in audit(store) if not a.startswith("login")]
    assert actions == ["user_added", "user_disabled", "user_enabled", "locked", "user_unlocked", "password_changed"]
    store.dispose()


def test_cli_help_is_dutch(capsys):
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    with pytest.raises(SystemExit):
        parser.parse_args(["users", "--help"])
    out = capsys.readouterr().out
    for action in ("add", "list", "disable", "enable", "unlock", "password"):
        assert action in out
    assert "vergrendeling" in out and "PRIVACYBOT_DATABASE_URL" in out

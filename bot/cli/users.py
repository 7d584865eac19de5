"""``privacybot users …``: console accounts from the command line. This is how the first
admin gets in, and how an admin who is locked out of the console gets back in. Thin: the
rules live in bot.staff.accounts; a refused change (StaffError) and an unreachable database are
reported by bot.cli.errors."""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from bot.cli.output import Column, listing
from bot.core import clock
from bot.staff import accounts
from bot.staff.accounts import ROLES, StaffError
from bot.store.db import open_store

USER_COLUMNS = (
    Column("username", "gebruikersnaam"),
    Column("role", "rol"),
    Column("active", "actief"),
    Column("locked_until", "vergrendeld tot"),
    Column("last_login", "laatste login"),
)


def _actor() -> str:
    """Who the audit log names for account changes made here."""
    return f"cli:{os.environ.get('USER') or 'support'}"


def _read_password(args: argparse.Namespace) -> str:
    """From stdin (one line, for scripts) or typed twice without echo."""
    if args.password_stdin:
        line = sys.stdin.readline()
        if not line:
            raise StaffError("Geen wachtwoord op stdin gekregen.")
        return line.rstrip("\r\n")
    try:
        first = getpass.getpass("Wachtwoord: ")
        second = getpass.getpass("Wachtwoord (nogmaals): ")
    except EOFError:
        raise StaffError("Geen wachtwoord ingegeven.") from None
    if first != second:
        raise StaffError("De wachtwoorden komen niet overeen.")
    return first


def _cmd_add(args: argparse.Namespace) -> int:
    password = _read_password(args)
    user = accounts.add_user(open_store(), args.username, password, args.role, actor=_actor())
    print(f"Account {user.username} ({user.role}) aangemaakt.")
    return 0


def _cmd_list(args: argparse.Namespace) -> int:
    now = clock.now_utc()
    users = accounts.list_users(open_store())
    items = [
        {
            "username": u.username,
            "role": u.role,
            "active": u.active,
            "locked_until": u.locked_until if accounts.is_locked(u, now) else None,
            "failed_logins": u.failed_logins,
            "last_login": u.last_login_at,
            "created": u.created_at,
        }
        for u in users
    ]
    # Times: Brussels time in the table, ISO 8601 in Brussels time in the JSON (bot.cli.output).
    empty = "Nog geen accounts. Maak er een met: privacybot users add NAAM --role admin"
    return listing(items, USER_COLUMNS, args.json, empty=empty)


def _cmd_disable(args: argparse.Namespace) -> int:
    user = accounts.set_active(open_store(), args.username, False, actor=_actor())
    print(f"Account {user.username} uitgeschakeld; lopende sessies zijn beëindigd.")
    return 0


def _cmd_enable(args: argparse.Namespace) -> int:
    user = accounts.set_active(open_store(), args.username, True, actor=_actor())
    print(f"Account {user.username} ingeschakeld.")
    return 0


def _cmd_unlock(args: argparse.Namespace) -> int:
    user = accounts.unlock(open_store(), args.username, actor=_actor())
    print(f"Account {user.username} ontgrendeld.")
    return 0


def _cmd_password(args: argparse.Namespace) -> int:
    store = open_store()
    if accounts.find_user(store, args.username) is None:  # before asking for a password
        raise StaffError(f"Geen account met gebruikersnaam {accounts.normalise_username(args.username)}.")
    user = accounts.set_password(store, args.username, _read_password(args), actor=_actor())
    print(f"Wachtwoord van {user.username} gewijzigd; lopende sessies zijn beëindigd.")
    return 0


def register(sub) -> None:
    """Add ``users`` and its subcommands to the CLI's subparsers."""
    users = sub.add_parser(
        "users",
        help="accounts voor de supportconsole beheren",
        description="Accounts voor de supportconsole. Rollen: agent (gesprekken en verzoeken inzien, "
        "reviewen, annoteren), privacy_officer (ook verzoeken behandelen, gemaskeerde "
        "gegevens tonen, exporteren en wissen), admin (ook opschonen). "
        "Gebruikt PRIVACYBOT_DATABASE_URL (standaard SQLite in var/).",
    )
    users_sub = users.add_subparsers(dest="action", required=True, metavar="ACTIE")

    stdin_help = "wachtwoord als één regel van stdin lezen (voor scripts) in plaats van het twee keer te vragen"

    add = users_sub.add_parser("add", help="nieuw account (vraagt het wachtwoord twee keer)")
    add.add_argument(
        "username",
        metavar="GEBRUIKERSNAAM",
        help="3 tot 80 tekens: letters, cijfers, punt, liggend streepje, koppelteken",
    )
    add.add_argument("--role", required=True, choices=ROLES, help="rol van het account")
    add.add_argument("--password-stdin", action="store_true", help=stdin_help)
    add.set_defaults(func=_cmd_add)

    lst = users_sub.add_parser("list", help="alle accounts met rol, status en laatste login (nooit wachtwoorden)")
    lst.add_argument("--json", action="store_true", help="als JSON")
    lst.set_defaults(func=_cmd_list)

    disable = users_sub.add_parser("disable", help="account uitschakelen en zijn sessies beëindigen")
    disable.add_argument("username", metavar="GEBRUIKERSNAAM")
    disable.set_defaults(func=_cmd_disable)

    enable = users_sub.add_parser("enable", help="uitgeschakeld account weer inschakelen")
    enable.add_argument("username", metavar="GEBRUIKERSNAAM")
    enable.set_defaults(func=_cmd_enable)

    unlock = users_sub.add_parser("unlock", help="vergrendeling na mislukte logins opheffen")
    unlock.add_argument("username", metavar="GEBRUIKERSNAAM")
    unlock.set_defaults(func=_cmd_unlock)

    password = users_sub.add_parser("password", help="nieuw wachtwoord instellen (beëindigt alle sessies)")
    password.add_argument("username", metavar="GEBRUIKERSNAAM")
    password.add_argument("--password-stdin", action="store_true", help=stdin_help)
    password.set_defaults(func=_cmd_password)

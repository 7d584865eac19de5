"""``privacybot users …``: console accounts from the command line. This is how the first
admin gets in, and how an admin who is locked out of the console gets back in. Thin: the
rules live in bot.staff.accounts."""

from __future__ import annotations

import argparse
import functools
import getpass
import json
import os
import sys
from datetime import datetime
from typing import Callable, Optional
from zoneinfo import ZoneInfo

from sqlalchemy.exc import SQLAlchemyError

from bot.staff import accounts
from bot.staff.accounts import ROLES, StaffError
from bot.store.db import open_store

BRUSSELS = ZoneInfo("Europe/Brussels")


def _actor() -> str:
    """Who the audit log names for account changes made here."""
    return f"cli:{os.environ.get('USER') or 'support'}"


def _local(moment: Optional[datetime]) -> str:
    """A time as staff read it: Europe/Brussels (same format as ``privacybot requests``)."""
    return moment.astimezone(BRUSSELS).strftime("%d/%m/%Y %H:%M") if moment else "-"


def _iso_local(moment: Optional[datetime]) -> Optional[str]:
    return moment.astimezone(BRUSSELS).isoformat(timespec="seconds") if moment else None


def _command(func: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Expected failures become a Dutch message on stderr and an exit code, never a traceback:
    1 for a refused operation, 2 for a database that cannot be reached."""

    @functools.wraps(func)
    def run(args: argparse.Namespace) -> int:
        try:
            return func(args)
        except StaffError as exc:
            print(f"Fout: {exc}", file=sys.stderr)
            return 1
        except SQLAlchemyError as exc:
            # The exception's own text can contain the SQL and parameters (a password hash):
            # name only its kind.
            print(
                f"Fout: de database is niet bereikbaar of weigert de bewerking ({type(exc).__name__}).", file=sys.stderr
            )
            return 2

    return run


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


@_command
def _cmd_add(args: argparse.Namespace) -> int:
    password = _read_password(args)
    user = accounts.add_user(open_store(), args.username, password, args.role, actor=_actor())
    print(f"Account {user.username} ({user.role}) aangemaakt.")
    return 0


@_command
def _cmd_list(args: argparse.Namespace) -> int:
    now = accounts.now_utc()
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
    if args.json:
        for item in items:
            for key in ("locked_until", "last_login", "created"):
                item[key] = _iso_local(item[key])
        print(json.dumps(items, ensure_ascii=False, indent=2))
        return 0
    if not items:
        print("Nog geen accounts. Maak er een met: privacybot users add NAAM --role admin")
        return 0
    print(f"{'gebruikersnaam':24} {'rol':16} {'actief':7} {'vergrendeld tot':17} {'laatste login':17}")
    for item in items:
        print(
            f"{item['username']:24} {item['role']:16} {'ja' if item['active'] else 'nee':7} "
            f"{_local(item['locked_until']):17} {_local(item['last_login']):17}"
        )
    return 0


@_command
def _cmd_disable(args: argparse.Namespace) -> int:
    user = accounts.set_active(open_store(), args.username, False, actor=_actor())
    print(f"Account {user.username} uitgeschakeld; lopende sessies zijn beëindigd.")
    return 0


@_command
def _cmd_enable(args: argparse.Namespace) -> int:
    user = accounts.set_active(open_store(), args.username, True, actor=_actor())
    print(f"Account {user.username} ingeschakeld.")
    return 0


@_command
def _cmd_unlock(args: argparse.Namespace) -> int:
    user = accounts.unlock(open_store(), args.username, actor=_actor())
    print(f"Account {user.username} ontgrendeld.")
    return 0


@_command
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

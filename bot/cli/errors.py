"""The CLI's one error convention: every failure is one Dutch line on stderr and an exit code.

Commands raise; they never print their own errors. ``run()``, called once by ``main()``, turns
what they raise into the line and the code, so `privacybot requests list` with the database
down says so in one line, like every other command, instead of ending in a traceback.

Exit codes (besides a command's own result codes, such as `optouts check`'s 1 for "not opted out"):
  0    done
  1    the command ran and failed or was refused: ``CliError``, a domain error (the domain
       packages' errors are ValueErrors with a Dutch message, e.g. a request that cannot change
       status), an unreachable database, a file that cannot be written
  2    the command was called or configured wrongly and did nothing: argparse's usage errors,
       ``UsageError``, a setting that cannot be used (``SettingError``, ``DeploymentError``,
       an unusable PRIVACYBOT_DATABASE_URL)
  3    `optouts check` could not check (its 1 means "not opted out", so a failure must not look
       like it): a command whose 1 is an answer sets ``failure_code`` in its parser defaults
  130  stopped with Ctrl-C
The line starts with ``Fout: `` (``PREFIX``). Tracebacks only with ``privacybot --debug``.
"""

from __future__ import annotations

import argparse
import errno
import re
import subprocess
import sys
from typing import Callable, Dict, Optional, Tuple

from sqlalchemy import exc as sa_exc

PREFIX = "Fout: "
OK = 0
FAILED = 1
USAGE = 2
NOT_CHECKED = 3
INTERRUPTED = 130


class CliError(Exception):
    """A failure a command reports itself, in Dutch: ``raise CliError("Geen verzoek met …")``."""

    def __init__(self, message: str, code: int = FAILED) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class UsageError(CliError):
    """The arguments make no sense together or name something that is not there (exit 2)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code=USAGE)


# Settings that keep a command from starting: a usage error, as in `privacybot run`.
CONFIGURATION_ERRORS: Dict[str, Tuple[str, ...]] = {
    "bot.core.settings": ("SettingError",),
    "bot.ops.deployment": ("DeploymentError",),
}

# Dutch for the file errors people meet; the rest keep the system's text.
_FILE_PROBLEMS = {
    errno.ENOENT: "bestand of map bestaat niet",
    errno.EACCES: "geen toegang",
    errno.EPERM: "niet toegestaan",
    errno.EISDIR: "dat is een map",
    errno.ENOTDIR: "een deel van het pad is geen map",
    errno.EEXIST: "bestaat al",
    errno.ENOSPC: "schijf vol",
    errno.EROFS: "alleen-lezen bestandssysteem",
}

_URL_PASSWORD = re.compile(r"(://[^:/@\s]*:)[^@\s]+@")


def _is_one_of(error: BaseException, table: Dict[str, Tuple[str, ...]]) -> bool:
    for module_name, names in table.items():
        # Looked up, not imported: an error can only come from a module that was imported,
        # and importing bot.ops here would slow down every command.
        module = sys.modules.get(module_name)
        kinds = tuple(kind for kind in (getattr(module, name, None) for name in names) if isinstance(kind, type))
        if kinds and isinstance(error, kinds):
            return True
    return False


def _database_location() -> str:
    """PRIVACYBOT_DATABASE_URL without its password, or nothing when it cannot be parsed."""
    from bot.core import settings

    try:
        return f" ({settings.redacted(settings.database_url())})"
    except sa_exc.ArgumentError:
        return ""


def _database_problem(error: sa_exc.SQLAlchemyError) -> Tuple[str, int]:
    """The database's side, never the SQL or its parameters (a password hash, an address) nor
    the URL's password: SQLAlchemy's own text carries the statement and, for a URL it cannot
    parse, the whole URL."""
    if isinstance(error, sa_exc.ArgumentError):  # includes NoSuchModuleError: unknown driver
        return "PRIVACYBOT_DATABASE_URL is geen bruikbare database-URL (bv. sqlite:///var/privacybot.db).", USAGE
    if isinstance(error, (sa_exc.OperationalError, sa_exc.InterfaceError)):
        cause = str(getattr(error, "orig", "") or "").strip().splitlines()
        reason = _URL_PASSWORD.sub(r"\1***@", cause[0]).rstrip(".") if cause else type(error).__name__
        return (
            f"de database is niet bereikbaar{_database_location()}: {reason}. Controleer PRIVACYBOT_DATABASE_URL.",
            FAILED,
        )
    return f"de database weigerde de opdracht ({type(error).__name__}).", FAILED


def _file_problem(error: OSError) -> str:
    text = _FILE_PROBLEMS.get(error.errno) or error.strerror or str(error) or type(error).__name__
    return f"{text}: {error.filename}" if error.filename else text


def describe(error: BaseException) -> Optional[Tuple[str, int]]:
    """The Dutch line (without ``PREFIX``) and the exit code for an expected failure; None for
    a bug, which ``run()`` reports by its kind only."""
    if isinstance(error, CliError):
        return error.message, error.code
    if _is_one_of(error, CONFIGURATION_ERRORS):
        return str(error), USAGE
    if isinstance(error, ValueError):
        # The domain packages' errors (rights.RequestError, accounts.StaffError,
        # contact.InvalidContact, model_registry.RegistryError, …) are ValueErrors whose
        # message is written for staff, in Dutch: shown as it is.
        return str(error) or type(error).__name__, FAILED
    if isinstance(error, sa_exc.SQLAlchemyError):
        return _database_problem(error)
    if isinstance(error, subprocess.CalledProcessError):
        program = error.cmd[0] if isinstance(error.cmd, (list, tuple)) and error.cmd else error.cmd
        return f"{program} stopte met exit {error.returncode}.", FAILED
    if isinstance(error, OSError):  # files; also TimeoutError and refused connections
        return _file_problem(error), FAILED
    if isinstance(error, RuntimeError):  # ours are Dutch: "rasa train mislukte …", "Geen getraind model …"
        return str(error) or type(error).__name__, FAILED
    return None


def report(message: str) -> None:
    """The one way a failure reaches the person at the terminal."""
    print(f"{PREFIX}{message}", file=sys.stderr)


def run(command: Callable[[argparse.Namespace], int], args: argparse.Namespace, debug: bool = False) -> int:
    """Run one command's handler under the convention above; with ``debug``, failures other
    than ``CliError`` keep their traceback (for developers)."""
    try:
        return command(args)
    except KeyboardInterrupt:
        print("\nGestopt.", file=sys.stderr)
        return INTERRUPTED
    except Exception as error:  # noqa: BLE001 - the promise is one line, never a traceback
        if debug and not isinstance(error, CliError):
            raise
        known = describe(error)
        if known is None:
            known = (
                f"onverwachte fout ({type(error).__name__}). Met 'privacybot --debug …' zie je de volledige melding.",
                FAILED,
            )
        message, code = known
        report(message)
        return getattr(args, "failure_code", FAILED) if code == FAILED else code

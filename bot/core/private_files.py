"""Files and folders that hold personal data: readable by their owner only.

The processes run under the usual umask 022, which makes every new file world-readable
(0644) and every new folder world-listable (0755). The SQLite store, the outbox's .eml files,
the logs (Rasa logs a message's text when something goes wrong), exports and secrets must
not be readable by the other users and containers on the machine, so everything that writes
them goes through this module: files 0600, folders 0700 (issue 15, finding 13).

An existing file or folder with wider permissions is tightened, not trusted. The one
exception is a folder the operator chose for the SQLite file outside ``var/`` (it may be a
shared folder): it is created 0700 when missing and otherwise left as it is; the file itself
is always 0600."""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Optional, Union

from bot.core import paths

FILE_MODE = 0o600
DIR_MODE = 0o700
SQLITE_SIDE_FILES = ("-journal", "-wal", "-shm")  # SQLite gives them the database file's mode

PathLike = Union[str, "os.PathLike[str]"]


def private_dir(folder: PathLike, tighten: bool = True) -> Path:
    """Make `folder` (and missing parents) 0700; an existing folder is tightened unless told not to."""
    folder = Path(folder)
    missing = []
    probe = folder
    while not probe.exists():
        missing.append(probe)
        probe = probe.parent
    for new in reversed(missing):
        try:
            new.mkdir(mode=DIR_MODE)
        except FileExistsError:  # made meanwhile by another process
            pass
        os.chmod(new, DIR_MODE)  # mkdir's mode is reduced by the umask
    if tighten and not missing:
        os.chmod(folder, DIR_MODE)
    return folder


def _tighten_file(path: Path) -> None:
    if path.exists() and (path.stat().st_mode & 0o777) != FILE_MODE:
        os.chmod(path, FILE_MODE)


def open_private(path: PathLike, mode: str = "w", encoding: Optional[str] = "utf-8") -> IO:
    """Open `path` for writing ("w", "a", "x" and their "b" forms), created 0600 or tightened
    to 0600 first; "x" fails with FileExistsError when the file is already there."""
    path = Path(path)
    private_dir(path.parent, tighten=_inside_var(path.parent))
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if "a" in mode else os.O_EXCL if "x" in mode else os.O_TRUNC)
    descriptor = os.open(path, flags, FILE_MODE)
    os.fchmod(descriptor, FILE_MODE)  # an existing file keeps its old mode in os.open
    return os.fdopen(descriptor, mode.replace("x", "w"), encoding=None if "b" in mode else encoding)


def write_private(path: PathLike, data: Union[str, bytes]) -> Path:
    """Write `data` to `path`, readable by its owner only."""
    with open_private(path, "wb") as handle:
        handle.write(data.encode("utf-8") if isinstance(data, str) else data)
    return Path(path)


def _inside_var(folder: Path) -> bool:
    try:
        Path(folder).resolve().relative_to(paths.VAR.resolve())
    except ValueError:
        return False
    return True


def private_sqlite(database: Optional[str]) -> None:
    """Before SQLite (ours or Rasa's tracker store) opens `database`: its folder 0700, the
    file created empty 0600 (an empty file is a valid database), side files tightened.
    SQLite creates -journal/-wal/-shm with the mode of the database file, so they follow."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)  # relative: to the working folder, as SQLite reads it
    private_dir(path.parent, tighten=_inside_var(path.parent))
    descriptor = os.open(path, os.O_RDONLY | os.O_CREAT, FILE_MODE)
    try:
        os.fchmod(descriptor, FILE_MODE)
    finally:
        os.close(descriptor)
    for suffix in SQLITE_SIDE_FILES:
        _tighten_file(path.with_name(path.name + suffix))

"""Engine, sessions and migrations for PRIVACYBOT_DATABASE_URL."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from bot.core import private_files, settings

MIGRATIONS = Path(__file__).with_name("migrations")


def _private_if_sqlite(url: str) -> None:
    if make_url(url).get_backend_name() == "sqlite":  # personal data: 0600 in a 0700 folder
        private_files.private_sqlite(make_url(url).database)


def make_engine(url: Optional[str] = None) -> Engine:
    url = url or settings.database_url()
    _private_if_sqlite(url)
    engine = create_engine(url, future=True, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # foreign keys, and wait instead of "locked"
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=10000")
            cursor.close()

    return engine


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(url: Optional[str] = None) -> None:
    """Bring the schema to the newest migration (idempotent)."""
    url = url or settings.database_url()
    _private_if_sqlite(url)  # alembic opens the file with its own engine
    command.upgrade(alembic_config(url), "head")


class Store:
    """One engine and its session factory."""

    def __init__(self, url: Optional[str] = None) -> None:
        self.url = url or settings.database_url()
        self.engine = make_engine(self.url)
        self._sessions = sessionmaker(self.engine, future=True, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: committed when the block ends, rolled back on any error."""
        with self._sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


def open_store(url: Optional[str] = None) -> Store:
    """A store on an up-to-date schema: what every entry point (CLI, link pages) starts with."""
    migrate(url)
    return Store(url)

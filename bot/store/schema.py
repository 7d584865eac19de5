"""Create every table once, before any server starts: Rasa's tracker store and ours.

Rasa 3.6's SQL tracker store creates its ``events`` table when a server starts. Two servers
starting at once on an empty PostgreSQL database both try, and one fails on a unique
violation in ``pg_type`` (then retries after 5 s, logging an error). Our own Alembic
migrations would race the same way. ``prepare()`` runs both under one PostgreSQL advisory
lock, so any number of launchers, containers or CI jobs may call it at the same moment;
afterwards the servers find the tables there and create nothing.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.core import settings
from bot.store.db import make_engine, migrate

# Any fixed 64-bit number, the same for every launcher: "privacyb" in ASCII.
LOCK_ID = int.from_bytes(b"privacyb", "big") & 0x7FFF_FFFF_FFFF_FFFF


@contextmanager
def _exclusive(engine: Engine) -> Iterator[None]:
    """Hold PostgreSQL's session advisory lock while the block runs (SQLite: nothing to do;
    one launcher owns the file)."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as conn:
        conn.execute(sa.text("select pg_advisory_lock(:id)"), {"id": LOCK_ID})
        try:
            yield
        finally:
            conn.execute(sa.text("select pg_advisory_unlock(:id)"), {"id": LOCK_ID})


def rasa_tables(engine: Engine) -> None:
    """Rasa's tracker-store tables, from Rasa's own model (so they match what it expects)."""
    from rasa.core.tracker_store import SQLTrackerStore

    SQLTrackerStore.Base.metadata.create_all(engine)


def prepare(url: Optional[str] = None) -> None:
    """Our migrations and Rasa's tables, once, whoever else is trying at the same moment."""
    url = url or settings.database_url()
    engine = make_engine(url)
    try:
        with _exclusive(engine):
            migrate(url)
            rasa_tables(engine)
    finally:
        engine.dispose()

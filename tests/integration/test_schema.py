"""The schema is created once, before the servers start, whoever else is trying at the same
moment (several launchers, containers or CI jobs on one fresh PostgreSQL database)."""

from __future__ import annotations

import multiprocessing
import threading
import time

import sqlalchemy as sa

from bot.store import schema


def _prepare(url: str, barrier) -> str:
    barrier.wait()
    try:
        schema.prepare(url)
        return "ok"
    except Exception as error:  # noqa: BLE001 - reported to the test
        return f"{type(error).__name__}: {error}"


def test_four_launchers_prepare_one_empty_database_at_the_same_moment(postgres_url):
    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager, ctx.Pool(4) as pool:
        barrier = manager.Barrier(4)
        outcomes = [pool.apply_async(_prepare, (postgres_url, barrier)) for _ in range(4)]
        results = [o.get(timeout=180) for o in outcomes]
    assert results == ["ok"] * 4
    engine = sa.create_engine(postgres_url, future=True)
    tables = set(sa.inspect(engine).get_table_names())
    assert {"events", "rights_requests", "optouts", "outbox", "staff_users", "alembic_version"} <= tables
    with engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from alembic_version")).scalar() == 1
    engine.dispose()


def _waiting_for_schema_lock(engine) -> bool:
    with engine.connect() as conn:
        return bool(
            conn.execute(sa.text("select count(*) from pg_locks where locktype = 'advisory' and not granted")).scalar()
        )


def test_prepare_waits_while_another_launcher_holds_the_schema_lock(postgres_url):
    """The lock is real: with it taken elsewhere, prepare() waits on it and touches nothing."""
    engine = sa.create_engine(postgres_url, future=True)
    outcome = []
    with engine.connect() as holder:
        holder.execute(sa.text("select pg_advisory_lock(:id)"), {"id": schema.LOCK_ID})
        other = threading.Thread(target=lambda: outcome.append(_prepare(postgres_url, threading.Barrier(1))))
        other.start()  # its own connection: it queues on the lock
        deadline = time.monotonic() + 60
        while not _waiting_for_schema_lock(engine):
            assert time.monotonic() < deadline and other.is_alive(), "prepare() never waited"
            time.sleep(0.2)
        assert "events" not in sa.inspect(engine).get_table_names() and not outcome
        holder.execute(sa.text("select pg_advisory_unlock(:id)"), {"id": schema.LOCK_ID})
        other.join(timeout=120)
    assert outcome == ["ok"] and "events" in sa.inspect(engine).get_table_names()
    engine.dispose()


def test_sqlite_is_prepared_too(tmp_path):
    url = f"sqlite:///{tmp_path / 'one.db'}"
    schema.prepare(url)
    schema.prepare(url)  # idempotent
    engine = sa.create_engine(url, future=True)
    assert {"events", "rights_requests"} <= set(sa.inspect(engine).get_table_names())
    engine.dispose()

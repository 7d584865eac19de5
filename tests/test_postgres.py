"""`privacybot converse` on PostgreSQL: PRIVACYBOT_DATABASE_URL is honoured and the
conversation lands in Rasa's tracker store there.

Uses the server at 127.0.0.1:5432 (override with PRIVACYBOT_TEST_POSTGRES_URL); a fresh
database is created for the test and dropped afterwards.
"""
from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy as sa

from tests.conftest import converse

ADMIN_URL = os.environ.get("PRIVACYBOT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


@pytest.fixture
def fresh_database():
    try:
        admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT", future=True)
        with admin.connect() as conn:
            conn.execute(sa.text("select 1"))
    except sa.exc.OperationalError as exc:
        pytest.skip(f"geen PostgreSQL-server bereikbaar op {ADMIN_URL}: {exc.orig}")
    name = f"privacybot_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'create database "{name}"'))
    url = sa.engine.make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'drop database if exists "{name}" with (force)'))
        admin.dispose()


def test_converse_stores_the_conversation_in_postgres(trained_model, tmp_path, fresh_database):
    results, proc = converse([{"id": "pg", "messages": ["hallo", "verkopen jullie mijn gegevens?"]}],
                             tmp_path, env={"PRIVACYBOT_DATABASE_URL": fresh_database})
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert results["pg"]["turns"][1]["response_key"] == "faq/selling_data"
    engine = sa.create_engine(fresh_database, future=True)
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "select type_name, action_name from events where sender_id like 'converse-%' order by id")).all()
    engine.dispose()
    assert ("user", None) in rows
    assert ("action", "action_answer_faq") in rows
    assert not (tmp_path / "tracker.db").exists()

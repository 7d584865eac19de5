"""`privacybot converse` on PostgreSQL: PRIVACYBOT_DATABASE_URL is honoured and the
conversation lands in Rasa's tracker store there.

Uses the server at 127.0.0.1:5432 (override with PRIVACYBOT_TEST_POSTGRES_URL); a fresh
database is created for the test and dropped afterwards.
"""

from __future__ import annotations

import sqlalchemy as sa

from tests.conftest import converse


def test_converse_stores_the_conversation_in_postgres(trained_model, tmp_path, postgres_url):
    results, proc = converse(
        [
            {"id": "pg", "messages": ["hallo", "verkopen jullie mijn gegevens?"]},
            {
                "id": "pg-request",
                "messages": ["ik wil inzage in mijn gegevens", "Ann Pauwels", "ann.pauwels@example.be", "geen", "ja"],
            },
            {"id": "pg-unsubscribe", "messages": ["stop met die reclamemails", "ann@example.be"]},
        ],
        tmp_path,
        env={"PRIVACYBOT_DATABASE_URL": postgres_url},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert results["pg"]["turns"][1]["response_key"] == "faq/selling_data"
    engine = sa.create_engine(postgres_url, future=True)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("select type_name, action_name from events where sender_id like 'converse-%' order by id")
        ).all()
        requests = conn.execute(sa.text("select reference, request_type, status from rights_requests")).all()
        optouts = conn.execute(sa.text("select channel, address from optouts")).all()
    engine.dispose()
    [(reference, request_type, status)] = requests  # the form wrote to PostgreSQL too
    assert (request_type, status) == ("access", "unverified")
    assert reference in " ".join(results["pg-request"]["turns"][-1]["bot"])
    assert optouts == [("email", "ann@example.be")]
    assert ("user", None) in rows
    assert ("action", "action_answer_faq") in rows
    assert not (tmp_path / "tracker.db").exists()

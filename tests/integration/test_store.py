"""The request and opt-out store, on SQLite and on the real PostgreSQL server."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa

from bot.privacy import optouts, rights
from bot.privacy.contact import InvalidContact
from bot.privacy.rights import NewRequest, RequestError
from bot.store.db import Store, migrate
from tests.conftest import DATABASES


@pytest.fixture(params=DATABASES)
def store(request, tmp_path):
    url = f"sqlite:///{tmp_path / 'store.db'}" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    migrate(url)
    migrate(url)  # applying twice is harmless
    store = Store(url)
    yield store
    store.dispose()


def new(**overrides) -> NewRequest:
    values = dict(request_type="erasure", name="Jan Peeters", email="Jan.Peeters@Example.be", conversation_id="conv-1")
    values.update(overrides)
    return NewRequest(**values)


def test_schema_comes_from_the_migrations(store):
    tables = set(sa.inspect(store.engine).get_table_names())
    assert {"rights_requests", "request_events", "optouts", "alembic_version"} <= tables


def test_a_new_request_is_unverified_with_a_reference_deadline_and_audit(store):
    received = datetime(2026, 1, 31, 12, 0, tzinfo=timezone.utc)
    request = rights.open_request(store, new(), now=received)
    assert request.reference.startswith("PRV-") and len(request.reference) == 14
    assert request.status == rights.UNVERIFIED
    assert request.email == "jan.peeters@example.be"
    assert request.deadline == date(2026, 2, 28)  # one month, clamped to the month's end
    stored = rights.get(store, request.reference)
    assert [(e.actor, e.from_status, e.to_status) for e in stored.events] == [("chat", None, "unverified")]
    assert stored.received_at == received  # read back as an aware UTC moment on every database


def test_references_are_random_not_sequential(store):
    references = [rights.open_request(store, new()).reference for _ in range(20)]
    assert len(set(references)) == 20
    assert references != sorted(references)


def test_invalid_input_is_refused_in_dutch(store):
    with pytest.raises(InvalidContact, match="geen geldig e-mailadres"):
        rights.open_request(store, new(email="jan@@example"))
    with pytest.raises(RequestError, match="naam"):
        rights.open_request(store, new(name="  "))
    with pytest.raises(RequestError, match="Onbekend"):
        rights.open_request(store, new(request_type="everything"))


def test_status_changes_are_audited_and_impossible_ones_refused(store):
    request = rights.open_request(store, new())
    rights.change_status(store, request.reference, rights.OPEN, "staff:an", "geverifieerd per telefoon")
    rights.change_status(store, request.reference, rights.DONE, "staff:an", "gegevens gewist")
    with pytest.raises(RequestError, match="kan niet"):
        rights.change_status(store, request.reference, rights.OPEN, "staff:an")
    stored = rights.get(store, request.reference)
    assert stored.status == rights.DONE and stored.verified_at and stored.closed_at
    assert [(e.from_status, e.to_status, e.note) for e in stored.events][1:] == [
        ("unverified", "open", "geverifieerd per telefoon"),
        ("open", "done", "gegevens gewist"),
    ]


def test_status_lookup_needs_the_matching_address_and_reveals_nothing_otherwise(store):
    request = rights.open_request(store, new())
    assert rights.lookup_status(store, request.reference, "JAN.peeters@example.be") == "unverified"
    assert rights.lookup_status(store, request.reference.lower(), "jan.peeters@example.be") == "unverified"
    wrong_address = rights.lookup_status(store, request.reference, "iemand@example.be")
    wrong_reference = rights.lookup_status(store, "PRV-0000000000", "jan.peeters@example.be")
    assert wrong_address is None and wrong_reference is None
    assert rights.lookup_status(store, request.reference, "geen adres") is None


def test_overdue_means_active_and_past_the_deadline(store):
    old = rights.open_request(store, new(), now=datetime(2026, 1, 5, tzinfo=timezone.utc))
    done = rights.open_request(store, new(), now=datetime(2026, 1, 5, tzinfo=timezone.utc))
    rights.change_status(store, done.reference, rights.REJECTED, "staff:an", "geen identiteit")
    fresh = rights.open_request(store, new(request_type="access"), now=datetime(2026, 2, 20, tzinfo=timezone.utc))
    overdue = rights.list_requests(store, status="overdue", today=date(2026, 2, 25))
    assert [r.reference for r in overdue] == [old.reference]
    assert [r.reference for r in rights.list_requests(store, request_type="access")] == [fresh.reference]


def test_parallel_confirmations_lose_nothing_and_never_share_a_reference(store):
    with ThreadPoolExecutor(max_workers=8) as pool:
        made = list(pool.map(lambda i: rights.open_request(store, new(name=f"Bezoeker {i}")), range(40)))
    assert len({r.reference for r in made}) == 40
    with store.session() as session:
        assert session.execute(sa.text("select count(*) from rights_requests")).scalar() == 40
        assert session.execute(sa.text("select count(*) from request_events")).scalar() == 40


def test_opt_out_is_idempotent_and_found_however_it_is_typed(store):
    first = optouts.opt_out(store, "phone", "0470 12 34 56")
    again = optouts.opt_out(store, "phone", "+32 470/12.34.56")
    assert first.created and not again.created and first.address == "+32470123456"
    optouts.opt_out(store, "email", "Marie@Example.BE")
    optouts.opt_out(store, "sms", "0032470123456")
    assert optouts.opted_out_channels(store, "0470123456") == ["phone", "sms"]
    assert optouts.opted_out_channels(store, " marie@example.be ") == ["email"]
    assert optouts.opted_out_channels(store, "nobody@example.be") == []
    assert len(optouts.list_optouts(store)) == 3


def test_parallel_opt_outs_of_one_address_make_one_entry(store):
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda _: optouts.opt_out(store, "email", "piet@example.be"), range(12)))
    assert sum(r.created for r in results) == 1
    assert len(optouts.list_optouts(store)) == 1


def test_bad_contact_details_are_refused(store):
    with pytest.raises(InvalidContact, match="telefoonnummer"):
        optouts.opt_out(store, "phone", "12")
    with pytest.raises(InvalidContact, match="postadres"):
        optouts.opt_out(store, "post", "thuis")

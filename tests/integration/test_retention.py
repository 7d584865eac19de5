"""Chat retention, and access and erasure requests, on conversations written by Rasa's own
SQLTrackerStore, on SQLite and on the real PostgreSQL server."""

from __future__ import annotations

import argparse
import asyncio
import json
import stat
from datetime import datetime, timedelta, timezone
from typing import Dict, List

import pytest
import sqlalchemy as sa
from dateutil.relativedelta import relativedelta
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.cli import errors, privacy
from bot.core import clock, settings
from bot.ops import jobs
from bot.privacy import mail, optouts, retention, rights
from bot.privacy.contact import InvalidContact
from bot.privacy.rights import NewRequest
from bot.staff import audit as staff_audit
from bot.staff import subjects
from bot.store import events as tracker_events
from bot.store.db import Store, migrate
from bot.store.models import (
    Annotation,
    ConversationReview,
    OptOut,
    OutboxMessage,
    RequestEvent,
    RightsRequest,
    StaffAudit,
)
from tests.conftest import DATABASES

NOW = datetime.now(timezone.utc).replace(microsecond=0)
OLD = NOW - timedelta(days=250)  # beyond the default 6 months
RECENT = NOW - timedelta(days=20)  # within it


def rasa_store(url: str) -> SQLTrackerStore:
    """Rasa's tracker store on our database, configured as `privacybot run` configures it."""
    options = settings.tracker_store_settings(url)
    options.pop("type")
    if "url" in options:  # Rasa's endpoint config calls the host `url`
        options["host"] = options.pop("url")
    return SQLTrackerStore(domain=Domain.empty(), **options)


def turn(start: datetime, text: str, intent: str = "inform", reply: str = "Dank je.", **slots) -> List:
    """One exchange as Rasa records it, one second per event from ``start``."""
    t = start.timestamp()
    events = [
        ActionExecuted("action_listen", timestamp=t),
        UserUttered(text, intent={"name": intent, "confidence": 0.93}, timestamp=t + 1),
    ]
    for i, (name, value) in enumerate(slots.items()):
        events.append(SlotSet(name, value, timestamp=t + 2 + i))
    events += [ActionExecuted("utter_reply", timestamp=t + 5), BotUttered(reply, timestamp=t + 6)]
    return events


def session(start: datetime) -> List:
    t = start.timestamp() - 10
    return [ActionExecuted("action_session_start", timestamp=t), SessionStarted(timestamp=t)]


def save(store: SQLTrackerStore, conversations: Dict[str, List]) -> None:
    async def save_all():
        for sender_id, events in conversations.items():
            await store.save(DialogueStateTracker.from_events(sender_id, events))

    asyncio.run(save_all())


CONVERSATIONS = {
    # old, with an e-mail address typed in a message; it has a review, an annotation and a request
    "oud-mail": session(OLD) + turn(OLD, "Mijn adres is Jan.Peeters@Example.be, wis alles aub", "request_erasure"),
    # old, with a phone number typed with spaces
    "oud-tel": session(OLD) + turn(OLD, "bel me op 0470 12 34 56", "inform"),
    # started long ago, but the visitor came back recently: kept
    "terug": session(OLD) + turn(OLD, "Hallo", "greet") + turn(RECENT, "Nog een vraag", "ask_rights"),
    # recent, the same number written differently and as a slot value, the e-mail address as a slot
    "nieuw-tel": session(RECENT)
    + turn(RECENT, "mijn gsm: 0470/12.34.56", "inform", phone="+32470123456", email="jan.peeters@example.be"),
    # recent, someone else
    "ander": session(RECENT) + turn(RECENT, "An Janssens, an.janssens@example.be, 0470 65 43 21", "inform"),
}


@pytest.fixture(params=DATABASES)
def url(request, tmp_path):
    return (
        f"sqlite:///{tmp_path / 'privacybot.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("postgres_url")
    )


def open_world(url: str) -> Store:
    tracker_store = rasa_store(url)
    try:
        save(tracker_store, CONVERSATIONS)
    finally:
        tracker_store.engine.dispose()
    migrate(url)
    store = Store(url)
    with store.session() as s:
        for sender_id in ("oud-mail", "nieuw-tel"):
            s.add(
                ConversationReview(
                    sender_id=sender_id, tags="wissen", updated_at=NOW, reviewed_by="an", reviewed_at=NOW
                )
            )
        s.add(
            Annotation(
                sender_id="oud-mail",
                event_id=4,
                text="wis alles aub",
                predicted_intent="inform",
                correct_intent="request_erasure",
                created_by="an",
                created_at=NOW,
            )
        )
        s.add(
            Annotation(
                sender_id="ander",
                event_id=1,
                text="An Janssens",
                correct_intent="inform",
                created_by="an",
                created_at=NOW,
            )
        )

    def queue_mail(session, request):
        mail.queue(
            session,
            kind="verify",
            recipient=request.email,
            subject="Bevestig",
            body="...",
            request_id=request.id,
            now=OLD,
        )

    rights.open_request(
        store,
        NewRequest(
            request_type="erasure", name="Jan Peeters", email="jan.peeters@example.be", conversation_id="oud-mail"
        ),
        now=OLD,
        on_created=queue_mail,
    )
    optouts.opt_out(store, "email", "jan.peeters@example.be", now=OLD)
    staff_audit.record(store, "an", "login")
    return store


@pytest.fixture
def world(url):
    store = open_world(url)
    yield store
    store.dispose()


def senders(store: Store) -> Dict[str, int]:
    table = tracker_events.events_table(store.engine)
    with store.engine.connect() as conn:
        return dict(conn.execute(sa.select(table.c.sender_id, sa.func.count()).group_by(table.c.sender_id)).all())


def count(store: Store, model) -> int:
    with store.session() as s:
        return s.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


def kept_for_the_law(store: Store) -> Dict[str, int]:
    return {m.__tablename__: count(store, m) for m in (RightsRequest, RequestEvent, OptOut, OutboxMessage)}


def test_rasa_wrote_the_conversations_we_read(world):
    assert set(senders(world)) == set(CONVERSATIONS)
    assert senders(world)["oud-mail"] == len(CONVERSATIONS["oud-mail"])


def test_purge_deletes_only_conversations_whose_last_message_is_old(world):
    before = senders(world)
    law = kept_for_the_law(world)
    expected_events = before["oud-mail"] + before["oud-tel"]

    dry = retention.purge(world, dry_run=True, now=NOW)
    assert (dry.conversations, dry.events, dry.reviews, dry.annotations) == (2, expected_events, 1, 1)
    assert senders(world) == before and count(world, ConversationReview) == 2 and count(world, Annotation) == 2

    report = retention.purge(world, now=NOW)
    assert report.counts() == dry.counts()
    assert report.cutoff == NOW - relativedelta(months=6)
    assert set(senders(world)) == {"terug", "nieuw-tel", "ander"}  # "terug" began long ago: kept
    assert senders(world)["terug"] == before["terug"]
    with world.session() as s:
        assert list(s.execute(sa.select(ConversationReview.sender_id)).scalars()) == ["nieuw-tel"]
        assert list(s.execute(sa.select(Annotation.sender_id)).scalars()) == ["ander"]
        request = s.execute(sa.select(RightsRequest)).scalar_one()
        assert request.conversation_id == "oud-mail"  # a reference to a conversation that is gone
    assert kept_for_the_law(world) == law
    assert count(world, StaffAudit) == 1  # purge() itself audits nothing; the CLI and the scheduler do

    again = retention.purge(world, now=NOW)
    assert again.counts() == {"conversations": 0, "events": 0, "reviews": 0, "annotations": 0}


def test_the_retention_period_follows_the_setting_in_calendar_months(world, monkeypatch):
    assert retention.cutoff_for(6, datetime(2026, 8, 31, 12, tzinfo=timezone.utc)) == datetime(
        2026, 2, 28, 12, tzinfo=timezone.utc
    )  # clamped to the month's end
    monkeypatch.setenv("PRIVACYBOT_CHAT_RETENTION_MONTHS", "12")
    report = retention.purge(world, dry_run=True, now=NOW)
    assert report.cutoff == NOW - relativedelta(months=12)
    assert report.conversations == 0  # 250 days is within 12 months
    assert retention.purge(world, months=1, dry_run=True, now=NOW + timedelta(days=60)).conversations == 5
    with pytest.raises(ValueError, match="minstens 1 maand"):
        retention.purge(world, months=0, now=NOW)
    assert set(senders(world)) == set(CONVERSATIONS)


def test_a_visitor_who_came_back_meanwhile_keeps_the_conversation(world):
    """The DELETE re-checks the last activity itself: a stale list of senders deletes nothing new."""
    table = tracker_events.events_table(world.engine)
    cutoff = (NOW - relativedelta(months=6)).timestamp()
    with world.engine.begin() as conn:
        counts = retention._delete(conn, table, ["terug", "nieuw-tel", "oud-tel"], guard=cutoff)
    assert counts == {"events": len(CONVERSATIONS["oud-tel"]), "reviews": 0, "annotations": 0}
    assert set(senders(world)) == {"oud-mail", "terug", "nieuw-tel", "ander"}


def test_many_conversations_are_deleted_in_batches(world, monkeypatch):
    monkeypatch.setattr(tracker_events, "BATCH", 2)
    total = sum(senders(world).values())
    later = NOW + timedelta(days=60)  # everything is now more than a month old
    assert retention.purge(world, months=1, dry_run=True, now=later).counts() == {
        "conversations": 5,
        "events": total,
        "reviews": 2,
        "annotations": 2,
    }
    assert retention.purge(world, months=1, now=later).events == total
    with world.engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from events")).scalar_one() == 0
    assert kept_for_the_law(world)["rights_requests"] == 1


def test_a_fresh_database_without_rasas_table_has_no_conversations(url):
    migrate(url)
    store = Store(url)
    try:
        assert tracker_events.events_table(store.engine) is None
        report = retention.purge(store, now=NOW)
        assert report.counts() == {"conversations": 0, "events": 0, "reviews": 0, "annotations": 0}
        assert retention.purge(store, dry_run=True, now=NOW).conversations == 0
        assert subjects.find_conversations(store, email="jan.peeters@example.be") == []
        assert subjects.find_conversations(store, phone="0470 12 34 56") == []
        assert subjects.export_conversations(store, ["x"])["conversations"] == []
        assert subjects.erase_conversations(store, ["x"])["events"] == 0
        rasa_store(url).engine.dispose()  # Rasa starts and creates its table: now it is seen
        assert tracker_events.events_table(store.engine) is not None
    finally:
        store.dispose()


def test_find_by_email_ignores_case_and_does_not_match_a_longer_address(world):
    assert subjects.find_conversations(world, email="JAN.PEETERS@example.BE") == ["oud-mail", "nieuw-tel"]
    assert subjects.find_conversations(world, email="peeters@example.be") == []  # only inside a longer address
    assert subjects.find_conversations(world, email="an.janssens@example.be") == ["ander"]
    with pytest.raises(InvalidContact, match="geen geldig e-mailadres"):
        subjects.find_conversations(world, email="jan@@example")


@pytest.mark.parametrize("typed", ["0470 12 34 56", "0470/12.34.56", "+32 470 12 34 56", "0032470123456"])
def test_find_by_phone_however_it_was_typed(world, typed):
    assert subjects.find_conversations(world, phone=typed) == ["oud-tel", "nieuw-tel"]


def test_find_by_phone_does_not_match_another_number(world):
    assert subjects.find_conversations(world, phone="0470 12 34 57") == []
    assert subjects.find_conversations(world, phone="0470 65 43 21") == ["ander"]
    with pytest.raises(InvalidContact, match="geen geldig telefoonnummer"):
        subjects.find_conversations(world, phone="12")
    with pytest.raises(InvalidContact):
        subjects.find_conversations(world)


def test_export_has_the_readable_fields_with_brussels_times(url):
    winter = datetime(2026, 1, 15, 10, 0, tzinfo=timezone.utc)
    summer = datetime(2026, 7, 1, 10, 0, tzinfo=timezone.utc)
    tracker_store = rasa_store(url)
    save(
        tracker_store,
        {
            "inzage": session(winter)
            + turn(
                winter,
                "Welke gegevens hebben jullie?",
                "ask_access",
                reply="Dat zoeken we op.",
                email="jan.peeters@example.be",
            )
            + turn(summer, "Nog iets", "ask_rights")
        },
    )
    tracker_store.engine.dispose()
    migrate(url)
    store = Store(url)
    try:
        export = subjects.export_conversations(store, ["inzage", "bestaat-niet", "inzage"])
    finally:
        store.dispose()
    json.dumps(export)  # JSON-able as it is
    assert datetime.fromisoformat(export["exported_at"]).utcoffset() in (timedelta(hours=1), timedelta(hours=2))
    [conversation] = export["conversations"]
    assert conversation["sender_id"] == "inzage"
    events = conversation["events"]
    assert events[:4] == [
        {
            "time": "2026-01-15T11:00:01+01:00",
            "type": "user",
            "text": "Welke gegevens hebben jullie?",
            "intent": "ask_access",
        },
        {"time": "2026-01-15T11:00:02+01:00", "type": "slot", "slot": "email", "value": "jan.peeters@example.be"},
        {"time": "2026-01-15T11:00:05+01:00", "type": "action", "action": "utter_reply"},
        {"time": "2026-01-15T11:00:06+01:00", "type": "bot", "text": "Dat zoeken we op."},
    ]
    assert events[4] == {
        "time": "2026-07-01T12:00:01+02:00",
        "type": "user",
        "text": "Nog iets",
        "intent": "ask_rights",
    }
    assert {e["type"] for e in events} == {"user", "bot", "slot", "action"}  # no session or listen bookkeeping
    assert not {e.get("action") for e in events} & {"action_listen", "action_session_start"}


def test_erase_removes_only_that_subjects_conversations(world):
    law = kept_for_the_law(world)
    found = subjects.find_conversations(world, phone="0470 12 34 56")
    before = senders(world)
    assert retention.count_conversations(world, found) == {
        "conversations": 2,
        "events": before["oud-tel"] + before["nieuw-tel"],
        "reviews": 1,
        "annotations": 0,
    }
    counts = subjects.erase_conversations(world, found)
    assert counts == {
        "conversations": 2,
        "events": before["oud-tel"] + before["nieuw-tel"],
        "reviews": 1,
        "annotations": 0,
    }
    assert set(senders(world)) == {"oud-mail", "terug", "ander"}
    assert count(world, ConversationReview) == 1 and count(world, Annotation) == 2
    assert kept_for_the_law(world) == law
    assert subjects.find_conversations(world, phone="0470 12 34 56") == []
    assert subjects.erase_conversations(world, found)["events"] == 0  # twice is harmless


def test_scheduler_purges_at_most_once_a_day_and_survives_failures(world, caplog):
    scheduler = jobs.Scheduler(world, every=60)  # not started: its step is called directly
    report = scheduler.purge_if_due(now=NOW)
    assert report is not None and report.conversations == 2
    assert scheduler.last_purge == NOW
    with world.session() as s:
        audit = s.execute(sa.select(StaffAudit).where(StaffAudit.action == "purge")).scalar_one()
    assert (audit.username, audit.target) == ("jobs", "2 gesprekken")
    assert scheduler.purge_if_due(now=NOW + timedelta(hours=23)) is None  # not due yet
    later = scheduler.purge_if_due(now=NOW + timedelta(hours=24, minutes=1))
    assert later is not None and later.conversations == 0

    broken = jobs.Scheduler(Store("postgresql://nobody@127.0.0.1:1/none"), every=60)
    assert broken.purge_if_due(now=NOW) is None  # logged, not raised
    assert broken.last_purge is None  # so it is tried again next interval
    assert "opschonen van oude gesprekken mislukt" in caplog.text


# --- the command line -----------------------------------------------------------------------------


def cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="privacybot")
    sub = parser.add_subparsers(dest="command")
    privacy.register(sub)
    args = parser.parse_args(list(argv))
    return errors.run(args.func, args)  # as main() runs it: the one error convention


@pytest.fixture
def cli_world(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'privacybot.db'}"
    monkeypatch.setenv("PRIVACYBOT_DATABASE_URL", url)
    monkeypatch.delenv("PRIVACYBOT_CHAT_RETENTION_MONTHS", raising=False)
    store = open_world(url)
    yield store
    store.dispose()


def audits(store: Store, action: str) -> List[StaffAudit]:
    with store.session() as s:
        return list(s.execute(sa.select(StaffAudit).where(StaffAudit.action == action)).scalars())


def test_cli_purge_dry_run_then_for_real(cli_world, capsys):
    before = senders(cli_world)
    events = before["oud-mail"] + before["oud-tel"]
    day = retention.cutoff_for(6).astimezone(clock.BRUSSELS).strftime("%d/%m/%Y")  # as staff read it

    assert cli("purge", "--dry-run") == 0
    assert capsys.readouterr().out == (
        f"Gesprekken ouder dan 6 maanden (voor {day}): 2 gesprekken, {events} events, "
        f"1 review, 1 annotatie zouden verwijderd worden.\n"
    )
    assert senders(cli_world) == before and audits(cli_world, "purge") == []

    assert cli("purge") == 0
    assert capsys.readouterr().out == (
        f"Gesprekken ouder dan 6 maanden (voor {day}): 2 gesprekken, {events} events, "
        f"1 review, 1 annotatie verwijderd.\n"
    )
    [audit] = audits(cli_world, "purge")
    assert (audit.username, audit.target) == ("cli", "2 gesprekken")
    assert f"{events} events" in audit.detail

    assert cli("purge", "--months", "1") == 0
    assert "ouder dan 1 maand (voor" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        cli("purge", "--months", "0")


def test_cli_subjects_find_export_and_erase(cli_world, capsys, tmp_path):
    assert cli("subjects", "find", "--phone", "0470/12.34.56", "--json") == 0
    found = json.loads(capsys.readouterr().out)
    assert [f["sender_id"] for f in found] == ["oud-tel", "nieuw-tel"]
    assert datetime.fromisoformat(found[0]["last_activity"]) > OLD
    assert cli("subjects", "find", "--email", "JAN.PEETERS@EXAMPLE.BE") == 0
    assert "2 gesprekken met dat e-mailadres" in capsys.readouterr().out

    out = tmp_path / "inzage.json"
    assert cli("subjects", "export", "--email", "jan.peeters@example.be", "--out", str(out)) == 0
    assert "2 gesprekken" in capsys.readouterr().out
    export = json.loads(out.read_text(encoding="utf-8"))
    assert [c["sender_id"] for c in export["conversations"]] == ["oud-mail", "nieuw-tel"]
    assert stat.S_IMODE(out.stat().st_mode) == 0o600

    before = senders(cli_world)
    assert cli("subjects", "erase", "--phone", "+32 470 12 34 56") == 1  # without --yes: only shows
    shown = capsys.readouterr().out
    assert "Zou wissen: 2 gesprekken" in shown and "oud-tel" in shown and "--yes" in shown
    assert senders(cli_world) == before and audits(cli_world, "erase") == []

    assert cli("subjects", "erase", "--phone", "+32 470 12 34 56", "--yes") == 0
    assert capsys.readouterr().out.startswith("Gewist: 2 gesprekken")
    assert set(senders(cli_world)) == {"oud-mail", "terug", "ander"}
    assert count(cli_world, RightsRequest) == 1

    [export_audit], [erase_audit] = audits(cli_world, "export"), audits(cli_world, "erase")
    assert export_audit.target == "2 gesprekken" and erase_audit.target == "2 gesprekken"
    for row in (export_audit, erase_audit):
        assert row.username == "cli"
        text = f"{row.target} {row.detail}"
        assert "example.be" not in text and "470" not in text  # never the address or number itself


def test_cli_errors_are_dutch_without_traceback(cli_world, capsys, monkeypatch):
    assert cli("subjects", "find", "--phone", "12") == 1
    err = capsys.readouterr().err
    assert err.startswith("Fout: Dat lijkt geen geldig telefoonnummer") and "Traceback" not in err
    assert cli("subjects", "erase", "--email", "geen-adres", "--yes") == 1
    assert "geen geldig e-mailadres" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # argparse: exactly one of --email/--phone
        cli("subjects", "find")
    assert "--email --phone is required" in capsys.readouterr().err

    monkeypatch.setenv("PRIVACYBOT_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    assert cli("purge", "--dry-run") == 1
    err = capsys.readouterr().err
    assert err.startswith("Fout: de database is niet bereikbaar") and "Traceback" not in err

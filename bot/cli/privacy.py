"""``privacybot purge`` and ``privacybot subjects find|export|erase``: the retention period and
access and erasure requests from the command line. bot/cli/main.py calls ``register(sub)``.

Every command returns an exit code; its failures (an invalid address, an unreachable database,
a file that cannot be written) are reported by bot.cli.errors: one Dutch line on stderr, exit 1,
never a traceback. Exports and erasures, and real purges, are written to the staff audit log with the
number of conversations, never the e-mail address or phone number searched for.
"""

from __future__ import annotations

import argparse
import json
from typing import Dict

from bot.cli.output import Column, listing
from bot.core import clock, private_files

AUDIT_USER = "cli"


def _positive_int(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"geen geheel getal: {raw}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("moet minstens 1 zijn")
    return value


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _counts_text(counts: Dict[str, int]) -> str:
    from bot.privacy.retention import describe_counts

    return describe_counts(counts["conversations"], counts["events"], counts["reviews"], counts["annotations"])


def _cmd_purge(args: argparse.Namespace) -> int:
    from bot.core import settings
    from bot.privacy import retention
    from bot.staff import audit
    from bot.store.db import open_store

    months = args.months if args.months is not None else settings.chat_retention_months()
    store = open_store()
    report = retention.purge(store, months=months, dry_run=args.dry_run)
    verb = "zouden verwijderd worden" if args.dry_run else "verwijderd"
    print(
        f"Gesprekken ouder dan {_plural(months, 'maand', 'maanden')} (voor {clock.show_date(report.cutoff)}): "
        f"{_counts_text(report.counts())} {verb}."
    )
    if not args.dry_run:
        audit.record_purge(store, report, AUDIT_USER)
    return 0


def _search(args: argparse.Namespace):
    from bot.staff import subjects
    from bot.store.db import open_store

    store = open_store()
    sender_ids = subjects.find_conversations(store, email=args.email, phone=args.phone)
    return store, sender_ids


FOUND_COLUMNS = (
    Column("sender_id", "gesprek"),
    Column("last_activity", "laatste bericht"),
)


def _kind(args: argparse.Namespace) -> str:
    return "e-mailadres" if args.email else "telefoonnummer"


def _cmd_find(args: argparse.Namespace) -> int:
    from bot.store import events as tracker_events

    store, sender_ids = _search(args)
    table = tracker_events.events_table(store.engine)
    seen = {}
    if table is not None and sender_ids:
        with store.engine.connect() as conn:
            seen = tracker_events.last_seen(conn, table, sender_ids)

    def last(sender_id: str):
        epoch = seen.get(sender_id)
        return clock.from_epoch(epoch) if epoch is not None else None

    rows = [{"sender_id": s, "last_activity": last(s)} for s in sender_ids]
    if rows and not args.json:
        print(f"{_plural(len(rows), 'gesprek', 'gesprekken')} met dat {_kind(args)}:")
    return listing(rows, FOUND_COLUMNS, args.json, empty=f"Geen gesprekken gevonden met dat {_kind(args)}.")


def _cmd_export(args: argparse.Namespace) -> int:
    from bot.staff import audit, subjects

    store, sender_ids = _search(args)
    export = subjects.export_conversations(store, sender_ids)
    text = json.dumps(export, ensure_ascii=False, indent=2) + "\n"
    private_files.write_private(args.out, text)  # personal data: readable by the owner only
    events = sum(len(c["events"]) for c in export["conversations"])
    audit.record(
        store,
        AUDIT_USER,
        "export",
        target=f"{len(export['conversations'])} gesprekken",
        detail=f"zoekterm: {_kind(args)}; {_plural(events, 'event', 'events')}",
    )
    print(
        f"{_plural(len(export['conversations']), 'gesprek', 'gesprekken')} "
        f"({_plural(events, 'event', 'events')}) geëxporteerd naar {args.out}."
    )
    return 0


def _cmd_erase(args: argparse.Namespace) -> int:
    from bot.privacy import retention
    from bot.staff import audit, subjects

    store, sender_ids = _search(args)
    if not sender_ids:
        print(f"Geen gesprekken gevonden met dat {_kind(args)}: niets te wissen.")
        return 0
    if not args.yes:
        counts = retention.count_conversations(store, sender_ids)
        print(f"Zou wissen: {_counts_text(counts)}.")
        for sender_id in sender_ids:
            print(f"  {sender_id}")
        print("Privacyverzoeken, hun audit trail en afmeldingen blijven bewaard. Voeg --yes toe om echt te wissen.")
        return 1
    counts = subjects.erase_conversations(store, sender_ids)
    audit.record(
        store,
        AUDIT_USER,
        "erase",
        target=f"{counts['conversations']} gesprekken",
        detail=f"zoekterm: {_kind(args)}; {_counts_text(counts)}",
    )
    print(f"Gewist: {_counts_text(counts)}. Privacyverzoeken, hun audit trail en afmeldingen blijven bewaard.")
    return 0


def _subject_arguments(parser: argparse.ArgumentParser) -> None:
    who = parser.add_mutually_exclusive_group(required=True)
    who.add_argument("--email", metavar="E", help="e-mailadres van de betrokkene (hoofdletters maken niet uit)")
    who.add_argument("--phone", metavar="P", help="telefoonnummer, in eender welke schrijfwijze (bv. 0470 12 34 56)")


def register(sub) -> None:
    """Add ``purge`` and ``subjects`` to privacybot's subcommands."""
    purge = sub.add_parser(
        "purge",
        help="gesprekken verwijderen die langer dan de bewaartermijn stil liggen",
        description="Verwijdert elk gesprek waarvan het laatste bericht ouder is dan de bewaartermijn "
        "(PRIVACYBOT_CHAT_RETENTION_MONTHS, standaard 6 maanden): de events, de review en de "
        "annotaties. Privacyverzoeken, hun audit trail, afmeldingen en de outbox blijven bewaard.",
    )
    purge.add_argument("--dry-run", action="store_true", help="alleen tellen, niets verwijderen")
    purge.add_argument(
        "--months",
        type=_positive_int,
        metavar="N",
        help="bewaartermijn in maanden (standaard PRIVACYBOT_CHAT_RETENTION_MONTHS)",
    )
    purge.set_defaults(func=_cmd_purge)

    subjects = sub.add_parser(
        "subjects",
        help="inzage- en wisverzoeken: gesprekken van één persoon zoeken, exporteren, wissen",
        description="Zoekt gesprekken waarin de bezoeker een e-mailadres of telefoonnummer typte "
        "(in een bericht of een slot).",
    )
    subjects_sub = subjects.add_subparsers(dest="action", required=True, metavar="ACTIE")
    find = subjects_sub.add_parser("find", help="gesprekken tonen waarin het adres of nummer voorkomt")
    _subject_arguments(find)
    find.add_argument("--json", action="store_true", help="als JSON")
    find.set_defaults(func=_cmd_find)
    export = subjects_sub.add_parser("export", help="die gesprekken als JSON bewaren (voor een inzageverzoek)")
    _subject_arguments(export)
    export.add_argument("--out", required=True, metavar="BESTAND.json", help="uitvoerbestand")
    export.set_defaults(func=_cmd_export)
    erase = subjects_sub.add_parser("erase", help="die gesprekken wissen (voor een wisverzoek)")
    _subject_arguments(erase)
    erase.add_argument("--yes", action="store_true", help="echt wissen; zonder: tonen wat gewist zou worden")
    erase.set_defaults(func=_cmd_erase)

"""CLI for developers who retrain: ``inbox export``, ``retrain``, ``models list|rollback``.
Failures (a rollback with nothing to go back to, invalid data) are reported by bot.cli.errors."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from datetime import date

from bot.cli.output import Column, listing
from bot.core import private_files
from bot.nlu import inbox, model_registry

MODEL_COLUMNS = (
    Column("current", "", show=lambda current: "*" if current else ""),
    Column("name", "model"),
    Column("trained_at", "getraind"),
    Column("fingerprint", "data"),
    Column("accuracy", "accuracy", right=True),
    Column("f1", "F1", right=True),
)


def _date(raw: str) -> date:
    """--since: a wrong date is a usage error, reported by argparse (exit 2)."""
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{raw}' is geen datum (JJJJ-MM-DD)") from None


def cmd_inbox_export(args) -> int:
    from bot.store.db import open_store

    candidates = inbox.collect(open_store(), below=args.below, since=args.since)
    text = inbox.to_yaml(candidates)
    if args.out and args.out != "-":
        private_files.write_private(args.out, text)  # visitors' messages: owner only
    else:
        sys.stdout.write(text)
    print(
        f"{len(candidates)} bericht(en) in de inbox "
        f"(onder {args.below:.2f} zekerheid, met 👎 beoordeeld of geannoteerd).",
        file=sys.stderr,
    )
    return 0


def cmd_models_list(args) -> int:
    rows = [dataclasses.asdict(row) for row in model_registry.listing()]
    return listing(rows, MODEL_COLUMNS, args.json, empty="Nog geen modellen in models/.", footer="* = in gebruik")


def cmd_models_rollback(args) -> int:
    model = model_registry.rollback()
    print(f"Terug naar {model.name}. Een draaiende server laadt het binnen enkele seconden.")
    return 0


def cmd_retrain(args) -> int:
    from bot.nlu import retrain

    outcome = retrain.retrain(allowed_drop=args.margin)
    return 0 if outcome.promoted else 1


def register(sub) -> None:
    box = sub.add_parser(
        "inbox", help="onzekere, met 👎 beoordeelde en geannoteerde echte vragen als NLU-YAML (voor hertraining)"
    )
    box_sub = box.add_subparsers(dest="action", required=True, metavar="ACTIE")
    export = box_sub.add_parser("export", help="YAML naar stdout of --out")
    export.add_argument("--since", type=_date, help="enkel berichten vanaf deze datum (JJJJ-MM-DD)")
    export.add_argument(
        "--below",
        type=float,
        default=inbox.DEFAULT_BELOW,
        help=f"zekerheid waaronder een bericht in de inbox komt ({inbox.DEFAULT_BELOW})",
    )
    export.add_argument("--out", help="bestand (standaard stdout)")
    export.set_defaults(func=cmd_inbox_export)

    retrain = sub.add_parser(
        "retrain", help="valideren, kandidaat trainen en evalueren, promoveren als hij niet slechter is"
    )
    retrain.add_argument(
        "--margin",
        type=float,
        default=None,
        help="hoeveel de F1 van een intent mag dalen (standaard 0.05, of PRIVACYBOT_GATE_MARGIN)",
    )
    retrain.set_defaults(func=cmd_retrain)

    models = sub.add_parser("models", help="getrainde modellen: lijst en terugrollen")
    models_sub = models.add_subparsers(dest="action", required=True, metavar="ACTIE")
    models_list = models_sub.add_parser("list", help="modellen met hun cijfers; * = in gebruik")
    models_list.add_argument("--json", action="store_true", help="als JSON")
    models_list.set_defaults(func=cmd_models_list)
    models_sub.add_parser("rollback", help="terug naar het vorige model").set_defaults(func=cmd_models_rollback)

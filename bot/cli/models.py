"""CLI for developers who retrain: ``inbox export``, ``retrain``, ``models list|rollback``."""

from __future__ import annotations

import sys
from datetime import date
from typing import Optional

from bot.core import private_files
from bot.nlu import inbox, model_registry


def _date(raw: Optional[str]) -> Optional[date]:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise SystemExit(f"Fout: '{raw}' is geen datum (JJJJ-MM-DD).")


def cmd_inbox_export(args) -> int:
    from bot.store.db import open_store

    candidates = inbox.collect(open_store(), below=args.below, since=_date(args.since))
    text = inbox.to_yaml(candidates)
    if args.out and args.out != "-":
        private_files.write_private(args.out, text)  # visitors' messages: owner only
    else:
        sys.stdout.write(text)
    print(
        f"{len(candidates)} bericht(en) in de inbox (onder {args.below:.2f} zekerheid, met 👎 beoordeeld of geannoteerd).",
        file=sys.stderr,
    )
    return 0


def cmd_models_list(args) -> int:
    rows = model_registry.listing()
    if not rows:
        print("Nog geen modellen in models/.")
        return 0
    print(f"   {'model':42} {'getraind':16} {'data':10} {'accuracy':>8} {'F1':>6}")
    for row in rows:
        figures = f"{row.accuracy:8.3f} {row.f1:6.3f}" if row.accuracy is not None else f"{'-':>8} {'-':>6}"
        print(f"{'*' if row.current else ' '}  {row.name:42} {row.trained_at:16} {row.fingerprint:10} {figures}")
    print("* = in gebruik")
    return 0


def cmd_models_rollback(args) -> int:
    try:
        model = model_registry.rollback()
    except model_registry.RegistryError as exc:
        print(f"Fout: {exc}", file=sys.stderr)
        return 1
    print(f"Terug naar {model.name}. Een draaiende server laadt het binnen enkele seconden.")
    return 0


def cmd_retrain(args) -> int:
    from bot.nlu import retrain

    try:
        outcome = retrain.retrain(allowed_drop=args.margin)
    except RuntimeError as exc:
        print(f"Fout: {exc}", file=sys.stderr)
        return 1
    return 0 if outcome.promoted else 1


def register(sub) -> None:
    box = sub.add_parser(
        "inbox", help="onzekere, met 👎 beoordeelde en geannoteerde echte vragen als NLU-YAML (voor hertraining)"
    )
    box_sub = box.add_subparsers(dest="action", required=True, metavar="ACTIE")
    export = box_sub.add_parser("export", help="YAML naar stdout of --out")
    export.add_argument("--since", help="enkel berichten vanaf deze datum (JJJJ-MM-DD)")
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
    models_sub.add_parser("list", help="modellen met hun cijfers; * = in gebruik").set_defaults(func=cmd_models_list)
    models_sub.add_parser("rollback", help="terug naar het vorige model").set_defaults(func=cmd_models_rollback)

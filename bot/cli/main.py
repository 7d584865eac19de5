"""``privacybot``: one command line for visitors' developers and support staff.

This module builds the parser and dispatches. The small developer commands (run, shell,
converse, train, evaluate, validate, db, spacy-model) are the few lines below; each larger group
registers itself from its own module (requests, users, privacy, models, deploy). Failures are
handled once, in ``main()``, by bot.cli.errors; listings print through bot.cli.output."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import List, Optional

from bot.cli import errors
from bot.core import paths
from bot.core.quiet import quiet_library_warnings

DESCRIPTION = """Privacybot, de privacy-assistent van KMO-verzekeringen.

Veelgebruikte commando's:
  privacybot run                       assistent starten (traint eerst als het model verouderd is)
  privacybot shell                     chatten in de terminal
  privacybot converse IN.jsonl OUT.jsonl   een reeks gesprekken in batch
  privacybot train                     model trainen (of hergebruiken als niets veranderde)
  privacybot evaluate                  held-out NLU-test en teststories, met rapport in reports/
  privacybot requests list|show|update privacyverzoeken behandelen (support)
  privacybot optouts list|check        de afmeldlijst voor direct marketing
"""


def _cmd_spacy_model(args: argparse.Namespace) -> int:
    from bot.nlu import spacy_model

    selection = spacy_model.ensure() if args.action == "ensure" else spacy_model.current()
    if selection is None:
        raise errors.CliError("Nog geen spaCy-pipeline gekozen: voer 'privacybot spacy-model ensure' uit.")
    print(selection.describe())
    return 0


def _cmd_train(args: argparse.Namespace) -> int:
    from bot.nlu import training

    model = training.train(force=args.force)
    print(f"Model: {model}")
    return 0


def _cmd_converse(args: argparse.Namespace) -> int:
    from bot.ops import converse

    if args.input != "-" and not Path(args.input).is_file():  # as argparse says of a file it cannot open
        raise errors.UsageError(f"invoerbestand {args.input} bestaat niet.")
    return converse.run_files(args.input, args.output)


def _cmd_shell(args: argparse.Namespace) -> int:
    from bot.cli import shell

    return shell.main()


def _cmd_run(args: argparse.Namespace) -> int:
    from bot.ops import supervisor

    return supervisor.run(
        rasa_port=args.port,
        actions_port=args.actions_port,
        train=not args.no_train,
        site_port=args.site_port,
        console_port=args.console_port,
        instances=args.instances,
    )


def _cmd_evaluate(args: argparse.Namespace) -> int:
    if args.real:
        from bot.ops import real_questions_run

        return real_questions_run.main()
    from bot.nlu import evaluation

    return evaluation.main(with_stories=not args.nlu_only, folds=args.folds)


def _cmd_validate(args: argparse.Namespace) -> int:
    from bot.nlu import validation

    return validation.main()


def _cmd_db(args: argparse.Namespace) -> int:
    from bot.core import settings
    from bot.store import schema

    schema.prepare()  # our migrations and Rasa's tracker tables, under one lock
    print(f"Schema bijgewerkt (onze tabellen en die van Rasa): {settings.redacted(settings.database_url())}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    # requests and opt-outs; accounts; retention and subjects; retraining; servers
    from bot.cli import deploy, models, privacy, requests, users

    parser = argparse.ArgumentParser(
        prog="privacybot", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--debug", action="store_true", help="bij een onverwachte fout de volledige melding (traceback) tonen"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMANDO")

    run = sub.add_parser("run", help="actieserver en Rasa-server starten op localhost")
    run.add_argument("--port", type=int, default=5005, help="poort van de Rasa-server (5005)")
    run.add_argument("--actions-port", type=int, default=5055, help="poort van de actieserver (5055)")
    run.add_argument("--site-port", type=int, default=8000, help="poort van de demopagina met de chatwidget (8000)")
    run.add_argument("--console-port", type=int, default=8001, help="poort van de console voor support (8001)")
    run.add_argument("--no-train", action="store_true", help="niet trainen, het laatste model gebruiken")
    run.add_argument(
        "--instances",
        type=int,
        default=None,
        help="aantal Rasa-instanties achter nginx (PRIVACYBOT_INSTANCES, 1); meer dan 1 vraagt "
        "PostgreSQL (PRIVACYBOT_DATABASE_URL) en Redis (PRIVACYBOT_REDIS_URL)",
    )
    run.set_defaults(func=_cmd_run)

    shell = sub.add_parser("shell", help="chatten met de assistent in de terminal")
    shell.set_defaults(func=_cmd_shell)

    conv = sub.add_parser(
        "converse",
        help="gesprekken in batch door de volledige assistent sturen",
        description='Elke invoerregel {"id": ..., "messages": [...]} is een nieuw gesprek; '
        "elke uitvoerregel geeft per beurt intent, confidence, response_key, "
        "antwoorden, knoppen, slots en active_loop. '-' is stdin/stdout. "
        "Gebruikt PRIVACYBOT_DATABASE_URL (standaard SQLite in var/).",
    )
    conv.add_argument("input", help="invoerbestand (JSON Lines) of -")
    conv.add_argument("output", help="uitvoerbestand (JSON Lines) of -")
    conv.set_defaults(func=_cmd_converse)

    train = sub.add_parser("train", help="model trainen (Rasa hergebruikt het als niets veranderde)")
    train.add_argument("--force", action="store_true", help="altijd opnieuw trainen")
    train.set_defaults(func=_cmd_train)

    evaluate = sub.add_parser("evaluate", help="held-out NLU-test en teststories uitvoeren")
    evaluate.add_argument("--nlu-only", action="store_true", help="alleen de NLU-test")
    evaluate.add_argument(
        "--real",
        action="store_true",
        help="de ontwikkelset met echte vragen: juiste eerste antwoorden, zeker-maar-foute "
        "antwoorden en een kalibratiegrafiek (reports/real/)",
    )
    evaluate.add_argument(
        "--folds",
        type=int,
        default=3,
        help="k voor kruisvalidatie op de trainingsdata (3; 0 = overslaan, traint k keer)",
    )
    evaluate.set_defaults(func=_cmd_evaluate)

    validate = sub.add_parser("validate", help="trainingsdata controleren (rasa data validate)")
    validate.set_defaults(func=_cmd_validate)

    requests.register(sub)

    db = sub.add_parser("db", help="databaseschema bijwerken: onze migraties en Rasa's tabellen, één keer vooraf")
    db.add_argument("action", choices=["upgrade"])
    db.set_defaults(func=_cmd_db)

    spacy = sub.add_parser("spacy-model", help="welke Nederlandse spaCy-pipeline Rasa gebruikt")
    spacy.add_argument(
        "action",
        choices=["ensure", "show"],
        nargs="?",
        default="show",
        help="ensure: installeren of bouwen; show: tonen (standaard)",
    )
    spacy.set_defaults(func=_cmd_spacy_model)

    deploy.register(sub)
    users.register(sub)
    privacy.register(sub)
    models.register(sub)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    quiet_library_warnings()
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    paths.chdir_root()
    return errors.run(args.func, args, debug=args.debug)


if __name__ == "__main__":
    sys.exit(main())

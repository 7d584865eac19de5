"""Staff commands for rights requests and opt-outs: ``privacybot requests …`` and
``privacybot optouts …``. Thin: the rules live in bot.privacy.rights and bot.privacy.optouts.
bot/cli/main.py calls ``register(sub)``."""

from __future__ import annotations

import argparse
import os
from typing import List, Optional

from bot.cli.errors import NOT_CHECKED, CliError
from bot.cli.output import Column, listing
from bot.core import clock
from bot.privacy import optouts, rights, status_mail
from bot.store.db import open_store

STAFF_STATUSES = (rights.IN_PROGRESS, rights.DONE, rights.REJECTED, rights.OPEN)

REQUEST_COLUMNS = (
    Column("reference", "referentie"),
    Column("type", "soort"),
    Column("status", "status"),
    Column("received", "ontvangen"),
    Column("deadline", "termijn"),
    Column("overdue", "", show=lambda overdue: "TE LAAT" if overdue else ""),
)
OPTOUT_COLUMNS = (
    Column("channel", "kanaal"),
    Column("address", "adres"),
    Column("since", "sinds"),
    Column("source", "bron"),
)


def _request_dict(request) -> dict:
    return {
        "reference": request.reference,
        "type": request.request_type,
        "status": request.status,
        "overdue": rights.is_overdue(request),
        "name": request.name,
        "email": request.email,
        "customer_number": request.customer_number,
        "details": request.details,
        "received": clock.show_time(request.received_at),
        "deadline": clock.show_date(request.deadline),
        "conversation_id": request.conversation_id,
    }


def list_requests(status: Optional[str], request_type: Optional[str], as_json: bool) -> int:
    """Newest first; ``TE LAAT`` marks a request past its legal deadline."""
    store = open_store()
    items = [_request_dict(r) for r in rights.list_requests(store, status=status, request_type=request_type)]
    return listing(items, REQUEST_COLUMNS, as_json, empty="Geen verzoeken.")


def show_request(reference: str) -> int:
    request = rights.get(open_store(), reference.strip().upper())
    if request is None:
        raise CliError(f"Geen verzoek met referentie {reference}.")
    item = _request_dict(request)
    for key in (
        "reference",
        "type",
        "status",
        "name",
        "email",
        "customer_number",
        "details",
        "received",
        "deadline",
        "conversation_id",
    ):
        print(f"{key:16} {item[key] if item[key] is not None else '-'}")
    if item["overdue"]:
        print("LET OP: de wettelijke termijn van één maand is verstreken.")
    print("\nAudit:")
    for event in request.events:
        print(
            f"  {clock.show_time(event.at)}  {event.actor:14} {event.from_status or '-':>11} -> {event.to_status:11} "
            f"{event.note or ''}"
        )
    return 0


def update_request(reference: str, status: str, note: str, actor: str, message: Optional[str] = None) -> int:
    """The console's status change (bot.privacy.status_mail): the requester's mail is queued in the same
    transaction, so a change made here tells the requester exactly as one made in the console.
    A refused change (rights.RequestError) reaches the person through bot.cli.errors."""
    change = status_mail.change_status(open_store(), reference.strip().upper(), status, actor, note, message=message)
    mailed = " Mail aan de aanvrager staat in de outbox." if change.mailed else ""
    print(f"{change.request.reference}: status is nu {change.request.status}.{mailed}")
    return 0


def list_optouts(as_json: bool) -> int:
    items = [
        {"channel": o.channel, "address": o.address, "since": clock.show_time(o.created_at), "source": o.source}
        for o in optouts.list_optouts(open_store())
    ]
    return listing(items, OPTOUT_COLUMNS, as_json, empty="Niemand heeft zich afgemeld.")


def check_optout(address: str) -> int:
    """Exit 0 when opted out (on any channel), 1 when not, 3 when it could not be checked
    (bot.cli.errors): for marketing scripts, which must treat anything but 1 as "do not contact"."""
    channels: List[str] = optouts.opted_out_channels(open_store(), address)
    if channels:
        print(f"Afgemeld voor: {', '.join(channels)}")
        return 0
    print("Niet afgemeld.")
    return 1


def _cmd_requests(args: argparse.Namespace) -> int:
    if args.action == "list":
        return list_requests(args.status, args.type, args.json)
    if args.action == "show":
        return show_request(args.reference)
    return update_request(args.reference, args.status, args.note, f"staff:{args.actor}", args.message)


def _cmd_optouts(args: argparse.Namespace) -> int:
    if args.action == "list":
        return list_optouts(args.json)
    return check_optout(args.address)


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``requests`` and ``optouts`` to privacybot's subcommands."""
    requests = sub.add_parser("requests", help="privacyverzoeken bekijken en behandelen (support)")
    req_sub = requests.add_subparsers(dest="action", required=True, metavar="ACTIE")
    req_list = req_sub.add_parser("list", help="verzoeken, nieuwste eerst")
    req_list.add_argument(
        "--status", choices=["unverified", "open", "in_progress", "overdue", "done", "rejected", "expired"]
    )
    req_list.add_argument("--type", choices=list(rights.REQUEST_TYPES))
    req_list.add_argument("--json", action="store_true", help="als JSON")
    req_show = req_sub.add_parser("show", help="één verzoek met zijn audit trail")
    req_show.add_argument("reference")
    req_update = req_sub.add_parser("update", help="status wijzigen (met notitie, komt in de audit trail)")
    req_update.add_argument("reference")
    req_update.add_argument("--status", required=True, choices=["open", "in_progress", "done", "rejected"])
    req_update.add_argument("--note", required=True, help="waarom; bv. hoe de identiteit gecontroleerd werd")
    req_update.add_argument("--message", help="tekst voor de aanvrager in de statusmail (verplicht bij een afwijzing)")
    req_update.add_argument("--actor", default=os.environ.get("USER", "support"), help="wie (standaard $USER)")
    requests.set_defaults(func=_cmd_requests)

    opt = sub.add_parser("optouts", help="de afmeldlijst voor direct marketing")
    opt_sub = opt.add_subparsers(dest="action", required=True, metavar="ACTIE")
    opt_list = opt_sub.add_parser("list", help="alle afmeldingen")
    opt_list.add_argument("--json", action="store_true", help="als JSON")
    opt_check = opt_sub.add_parser(
        "check", help="exit 0 als afgemeld, 1 als niet, 3 als het niet nagegaan kon worden (voor scripts)"
    )
    opt_check.add_argument("address", help="e-mailadres, telefoonnummer of postadres")
    opt_check.set_defaults(failure_code=NOT_CHECKED)  # a database that is down must not read as "not opted out"
    opt.set_defaults(func=_cmd_optouts)

"""Staff commands for rights requests and opt-outs: ``privacybot requests …`` and
``privacybot optouts …``. Thin: the rules live in bot.privacy.rights and bot.privacy.optouts."""

from __future__ import annotations

import json
from datetime import datetime
from typing import List, Optional

from bot.privacy import optouts, rights, status_mail
from bot.store.db import open_store

STAFF_STATUSES = (rights.IN_PROGRESS, rights.DONE, rights.REJECTED, rights.OPEN)


def local(moment: Optional[datetime]) -> str:
    """A time as staff read it: Europe/Brussels."""
    if moment is None:
        return "-"
    return moment.astimezone(rights.BRUSSELS).strftime("%d/%m/%Y %H:%M")


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
        "received": local(request.received_at),
        "deadline": request.deadline.strftime("%d/%m/%Y"),
        "conversation_id": request.conversation_id,
    }


def list_requests(status: Optional[str], request_type: Optional[str], as_json: bool) -> int:
    store = open_store()
    items = [_request_dict(r) for r in rights.list_requests(store, status=status, request_type=request_type)]
    if as_json:
        print(json.dumps(items, ensure_ascii=False, indent=2))
        return 0
    if not items:
        print("Geen verzoeken.")
        return 0
    print(f"{'referentie':16} {'soort':20} {'status':12} {'ontvangen':17} {'termijn':11}")
    for item in items:
        flag = "  TE LAAT" if item["overdue"] else ""
        print(
            f"{item['reference']:16} {item['type']:20} {item['status']:12} {item['received']:17} "
            f"{item['deadline']:11}{flag}"
        )
    return 0


def show_request(reference: str) -> int:
    request = rights.get(open_store(), reference.strip().upper())
    if request is None:
        print(f"Geen verzoek met referentie {reference}.")
        return 1
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
            f"  {local(event.at)}  {event.actor:14} {event.from_status or '-':>11} -> {event.to_status:11} "
            f"{event.note or ''}"
        )
    return 0


def update_request(reference: str, status: str, note: str, actor: str, message: Optional[str] = None) -> int:
    """The console's status change (bot.privacy.status_mail): the requester's mail is queued in the same
    transaction, so a change made here tells the requester exactly as one made in the console."""
    try:
        change = status_mail.change_status(
            open_store(), reference.strip().upper(), status, actor, note, message=message
        )
    except rights.RequestError as exc:
        print(f"Fout: {exc}")
        return 1
    mailed = " Mail aan de aanvrager staat in de outbox." if change.mailed else ""
    print(f"{change.request.reference}: status is nu {change.request.status}.{mailed}")
    return 0


def list_optouts(as_json: bool) -> int:
    items = [
        {"channel": o.channel, "address": o.address, "since": local(o.created_at), "source": o.source}
        for o in optouts.list_optouts(open_store())
    ]
    if as_json:
        print(json.dumps(items, ensure_ascii=False, indent=2))
    elif not items:
        print("Niemand heeft zich afgemeld.")
    else:
        for item in items:
            print(f"{item['channel']:6} {item['address']:40} {item['since']}  ({item['source']})")
    return 0


def check_optout(address: str) -> int:
    """Exit 0 when opted out (on any channel), 1 when not: for marketing scripts."""
    channels: List[str] = optouts.opted_out_channels(open_store(), address)
    if channels:
        print(f"Afgemeld voor: {', '.join(channels)}")
        return 0
    print("Niet afgemeld.")
    return 1

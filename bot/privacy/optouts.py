"""The opt-out list that direct marketing must check: idempotent, effective at once."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, List, Mapping, Optional

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.core import clock
from bot.privacy import contact
from bot.store.db import Store
from bot.store.models import OptOut

CHANNELS = ("email", "post", "phone", "sms")
_NORMALISERS = {
    "email": contact.normalise_email,
    "post": contact.normalise_postal,
    "phone": contact.normalise_phone,
    "sms": contact.normalise_phone,
}


@dataclass
class OptOutResult:
    channel: str
    address: str
    created: bool  # False: this address had already opted out of this channel


def normalise(channel: str, raw: str) -> str:
    if channel not in _NORMALISERS:
        raise contact.InvalidContact(f"Onbekend kanaal: {channel}")
    return _NORMALISERS[channel](raw)


def opt_out(store: Store, channel: str, raw: str, source: str = "chat", now: Optional[datetime] = None) -> OptOutResult:
    """Record an opt-out; doing it twice is one opt-out."""
    address = normalise(channel, raw)
    try:
        with store.session() as session:
            exists = session.execute(
                select(OptOut.id).where(OptOut.channel == channel, OptOut.address == address)
            ).first()
            if exists:
                return OptOutResult(channel, address, created=False)
            session.add(OptOut(channel=channel, address=address, created_at=now or clock.now_utc(), source=source))
    except IntegrityError:  # a simultaneous opt-out of the same address won the race
        return OptOutResult(channel, address, created=False)
    return OptOutResult(channel, address, created=True)


def _stored_form(raw: str) -> Optional[str]:
    """An e-mail address, phone number or postal address as the list stores it; None when unreadable."""
    try:
        return normalise(contact.kind_of(raw), raw)
    except contact.InvalidContact:
        return None


def opted_out_channels(store: Store, raw: str) -> List[str]:
    """Channels on which this e-mail address, phone number or postal address opted out."""
    address = _stored_form(raw)
    if address is None:
        return []
    with store.session() as session:
        return sorted(session.execute(select(OptOut.channel).where(OptOut.address == address)).scalars())


def list_optouts(store: Store) -> List[OptOut]:
    with store.session() as session:
        return list(session.execute(select(OptOut).order_by(OptOut.created_at.desc(), OptOut.id.desc())).scalars())


def get(store: Store, optout_id: int) -> Optional[OptOut]:
    with store.session() as session:
        return session.get(OptOut, optout_id)


def remove(store: Store, optout_id: int) -> Optional[OptOut]:
    """Take one opt-out off the list (an officer corrects a mistake, with a note in the staff
    audit); returns what was removed, or None when it was not there (anymore)."""
    with store.session() as session:
        item = session.get(OptOut, optout_id, with_for_update=True)
        if item is None:
            return None
        session.delete(item)
    return item


def of_address(store: Store, raw: str) -> List[OptOut]:
    """The opt-outs of one e-mail address, phone number or postal address (normalised the way
    it was stored): what a data-subject export lists."""
    address = _stored_form(raw)
    if address is None:
        return []
    with store.session() as session:
        return list(
            session.execute(
                select(OptOut).where(OptOut.address == address).order_by(OptOut.created_at, OptOut.id)
            ).scalars()
        )


# A spreadsheet runs a cell that starts with one of these as a formula ("CSV injection"); a
# visitor chooses the address text, so such cells get a leading apostrophe (OWASP's advice).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


# A phone number as stored (E.164, "+32470123456") is no formula a spreadsheet can run, and the
# marketing tools match it against their own lists: it stays as it is (review of issue 16).
_PLAIN_NUMBER = re.compile(r"\+\d{6,15}")


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text) else text


def csv_text(items: Iterable[OptOut], channel_labels: Mapping[str, str]) -> str:
    """The list as CSV for the marketing tools (';'-separated, as Excel in Belgium reads it):
    channel in Dutch, address, since (Brussels time), source. Every cell is made safe for
    spreadsheets (a leading apostrophe before = + - @), except a plain E.164 phone number."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["kanaal", "adres", "sinds", "bron"])
    for item in items:
        writer.writerow(
            [
                safe_cell(cell)
                for cell in (
                    channel_labels.get(item.channel, item.channel),
                    item.address,
                    clock.iso_brussels(item.created_at, "seconds"),
                    item.source,
                )
            ]
        )
    return out.getvalue()

"""The opt-out list that direct marketing must check: idempotent, effective at once."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import List, Optional

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot import contact
from bot.rights import now_utc
from bot.store.db import Store
from bot.store.models import OptOut

CHANNELS = ("email", "post", "phone", "sms")
_NORMALISERS = {"email": contact.normalise_email, "post": contact.normalise_postal,
                "phone": contact.normalise_phone, "sms": contact.normalise_phone}


@dataclass
class OptOutResult:
    channel: str
    address: str
    created: bool  # False: this address had already opted out of this channel


def normalise(channel: str, raw: str) -> str:
    if channel not in _NORMALISERS:
        raise contact.InvalidContact(f"Onbekend kanaal: {channel}")
    return _NORMALISERS[channel](raw)


def opt_out(store: Store, channel: str, raw: str, source: str = "chat",
            now: Optional[datetime] = None) -> OptOutResult:
    """Record an opt-out; doing it twice is one opt-out."""
    address = normalise(channel, raw)
    try:
        with store.session() as session:
            exists = session.execute(select(OptOut.id).where(OptOut.channel == channel,
                                                             OptOut.address == address)).first()
            if exists:
                return OptOutResult(channel, address, created=False)
            session.add(OptOut(channel=channel, address=address, created_at=now or now_utc(), source=source))
    except IntegrityError:  # a simultaneous opt-out of the same address won the race
        return OptOutResult(channel, address, created=False)
    return OptOutResult(channel, address, created=True)


def opted_out_channels(store: Store, raw: str) -> List[str]:
    """Channels on which this e-mail address, phone number or postal address opted out."""
    kind = contact.kind_of(raw)
    try:
        address = normalise(kind, raw)
    except contact.InvalidContact:
        return []
    with store.session() as session:
        return sorted(session.execute(select(OptOut.channel).where(OptOut.address == address)).scalars())


def list_optouts(store: Store) -> List[OptOut]:
    with store.session() as session:
        return list(session.execute(select(OptOut).order_by(OptOut.created_at.desc(), OptOut.id.desc())).scalars())

"""Unsubscribe links for marketing e-mails, as the privacy statement promises ("de
uitschrijflink in ontvangen berichten"): signed, expiring, one click per RFC 8058."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Dict, Optional

from bot.core import settings
from bot.privacy import optouts, tokens
from bot.privacy.contact import normalise_email
from bot.store.db import Store

PURPOSE = "unsubscribe"
LINK_TTL = timedelta(days=365)  # a marketing mail's link keeps working for a year
PATH = "/webhooks/privacy/unsubscribe"


def unsubscribe_link(email: str, now: Optional[datetime] = None) -> str:
    token = tokens.sign(PURPOSE, normalise_email(email), LINK_TTL, now=now)
    return f"{settings.public_url()}{PATH}?token={token}"


def list_unsubscribe_headers(email: str, now: Optional[datetime] = None) -> Dict[str, str]:
    """Headers for a marketing e-mail (RFC 2369 and RFC 8058 one-click)."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_link(email, now)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def address_of(token: str, now: Optional[datetime] = None) -> str:
    return tokens.verify(token, PURPOSE, now=now)


def apply(store: Store, token: str, now: Optional[datetime] = None) -> optouts.OptOutResult:
    """Opt the link's address out of e-mail marketing; a bad link changes nothing."""
    return optouts.opt_out(store, "email", address_of(token, now), source="uitschrijflink", now=now)

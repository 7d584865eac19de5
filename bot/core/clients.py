"""Who a request comes from: the visitor's address, read through the proxies we trust.

Shared by the chat channel (rate limits per client) and the console (login throttling per
address); plain strings in and out, so no web framework is needed here."""

from __future__ import annotations

import ipaddress
import logging
from typing import Iterable, Optional, Set

from bot.core import settings

logger = logging.getLogger(__name__)


def client_address(peer: str, forwarded_for: Optional[str], proxies: Iterable = ()) -> str:
    """The visitor's address: the peer, unless the peer is a trusted proxy; then the nearest
    address in X-Forwarded-For that is not one of our proxies (a client can prepend anything)."""
    proxies = list(proxies) or settings.trusted_proxies()

    def trusted(address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in net for net in proxies)

    if not forwarded_for:
        return peer
    if not trusted(peer):
        _warn_untrusted_forwarder(peer)
        return peer
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        if not trusted(hop):
            return hop
    return peer


_warned_forwarders: Set[str] = set()
_MAX_WARNED = 64  # a client may send the header itself: bounded, so the log cannot be flooded


def _warn_untrusted_forwarder(peer: str) -> None:
    """Say once per peer that forwarded addresses are being ignored. Behind a proxy that is
    missing from PRIVACYBOT_TRUSTED_PROXIES every visitor counts as that one proxy (one shared
    chat limit, 5 requests a day for the whole site): the operator must hear of it."""
    if peer in _warned_forwarders or len(_warned_forwarders) >= _MAX_WARNED:
        return
    _warned_forwarders.add(peer)
    logger.warning(
        "X-Forwarded-For genegeerd van %s: dat adres staat niet in PRIVACYBOT_TRUSTED_PROXIES. "
        "Staat er een proxy voor deze server, zet dan zijn adres in PRIVACYBOT_TRUSTED_PROXIES, "
        "anders telt elke bezoeker als die ene proxy (limieten per adres).",
        peer,
    )

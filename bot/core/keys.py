"""One secret per purpose, so that a process holds only the keys its job needs (issue 15,
finding 11).

One secret used to sign the e-mail links, key the console's sessions and CSRF tokens, and hash
visitors' addresses, and it sat in the internet-facing Rasa processes: whoever took over a Rasa
server could forge a console session. Now each purpose has its own setting:

- ``links``   PRIVACYBOT_LINK_KEY: signs and checks verification and unsubscribe links (action
  server, jobs, Rasa's link pages). Unset, it is PRIVACYBOT_SECRET_KEY itself, so the links
  already in people's mailboxes keep working.
- ``address`` PRIVACYBOT_ADDRESS_KEY: the keyed hash of a visitor's address for the per-address
  limits (Rasa's chat channel; the local tools).
- ``console`` PRIVACYBOT_CONSOLE_KEY: the console's session cookies and CSRF tokens; only the
  console process needs it.

Unset, ``address`` and ``console`` are derived from PRIVACYBOT_SECRET_KEY (or the development
key in var/secret_key, secret_key below), which is fine on one machine where every process
shares that secret anyway; a deployment that separates its processes (compose.yaml) sets each
key only where it is used (COMPONENT_KEYS, tested against compose.yaml).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Dict, FrozenSet

from bot.core import paths, private_files, settings

SETTINGS: Dict[str, str] = {
    "links": "PRIVACYBOT_LINK_KEY",
    "address": "PRIVACYBOT_ADDRESS_KEY",
    "console": "PRIVACYBOT_CONSOLE_KEY",
}

# Which keys each server needs (compose.yaml gives each container exactly these).
COMPONENT_KEYS: Dict[str, FrozenSet[str]] = {
    "rasa": frozenset({"links", "address"}),
    "actions": frozenset({"links"}),
    "jobs": frozenset({"links"}),
    "console": frozenset({"console"}),
    "site": frozenset(),
    "models": frozenset(),
    "migrate": frozenset(),
}


KEY_FILE = paths.VAR / "secret_key"


def secret_key() -> str:
    """The master secret: PRIVACYBOT_SECRET_KEY, else one made once and kept in var/secret_key (0600)."""
    key = settings.secret("PRIVACYBOT_SECRET_KEY")
    if key:
        return key
    if not KEY_FILE.exists():
        with private_files.open_private(KEY_FILE, "x") as handle:  # O_EXCL: one key, even when two start at once
            handle.write(secrets.token_urlsafe(48))
    return KEY_FILE.read_text().strip()


def key(purpose: str) -> str:
    """The secret for ``purpose`` (one of SETTINGS)."""
    configured = settings.secret(SETTINGS[purpose])
    if configured:
        return configured
    master = secret_key()
    if purpose == "links":  # unchanged from before, so that mailed links stay valid
        return master
    return hmac.new(master.encode(), f"privacybot:{purpose}".encode(), hashlib.sha256).hexdigest()

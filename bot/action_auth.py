"""The shared secret between the Rasa servers and the action server (issue 15, finding 4).

rasa_sdk's webhook runs any action for anyone who can reach it: any local user, any
container on the compose network could register requests with unchecked fields, attach one to
another visitor's conversation or guess status references without limit. Rasa therefore sends
a secret in a header with every action call (``headers`` of ``action_endpoint`` in the
endpoints file, written by bot.deployment), and our action server (bot.action_server) refuses
calls without it. The secret is PRIVACYBOT_ACTION_TOKEN, only in the Rasa and action-server
processes; local stacks make a random one per start.
"""
from __future__ import annotations

import hmac
import os
import secrets
from typing import Dict, Optional

HEADER = "X-Privacybot-Action-Token"
ENV = "PRIVACYBOT_ACTION_TOKEN"
MIN_LENGTH = 24  # a guessable token would be no lock at all


def configured_token() -> Optional[str]:
    """PRIVACYBOT_ACTION_TOKEN, or None when it is not set."""
    return os.environ.get(ENV) or None


def new_token() -> str:
    return secrets.token_urlsafe(32)


def problem(token: Optional[str]) -> Optional[str]:
    """Why ``token`` cannot protect the action server (Dutch), or None when it can."""
    if not token:
        return (f"{ENV} ontbreekt: zonder dat geheim voert de actieserver acties uit voor iedereen die hem "
                "bereikt. Zet het (bv. de uitvoer van 'openssl rand -hex 32') voor de actieserver en de "
                "Rasa-servers.")
    if len(token) < MIN_LENGTH:
        return f"{ENV} is te kort: gebruik minstens {MIN_LENGTH} tekens (bv. 'openssl rand -hex 32')."
    return None


def accepts(supplied: Optional[str], token: str) -> bool:
    """True when the header carries the token (constant-time comparison)."""
    return bool(supplied) and hmac.compare_digest(supplied.encode(), token.encode())


def endpoint(url: str, token: Optional[str]) -> Dict:
    """endpoints.yml's ``action_endpoint`` for the action server at ``url``."""
    settings: Dict = {"url": url}
    if token:
        settings["headers"] = {HEADER: token}
    return settings

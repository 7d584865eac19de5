"""Shared secrets between the Rasa servers and our internal servers (issue 15, findings 4, 15).

rasa_sdk's webhook runs any action for anyone who can reach it: any local user, any container
on the compose network could register requests with unchecked fields, attach one to another
visitor's conversation or guess status references without limit. And the model server handed
the model, with its training data, to any local client. So Rasa sends a secret in a header with
every call (``headers`` of ``action_endpoint`` and ``models`` in the endpoints file, written by
bot.ops.deployment), and both servers refuse calls without it. Each secret is in the Rasa processes
and its own server only; local stacks make random ones per start.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Dict, Optional

from bot.core import settings

MIN_LENGTH = 24  # a guessable token would be no lock at all


@dataclass(frozen=True)
class Secret:
    env: str  # the setting that holds it
    header: str  # the request header Rasa sends it in
    server: str  # what it protects, in Dutch, for messages

    def configured(self) -> Optional[str]:
        """The setting's value, or None when it is not set."""
        return settings.secret(self.env)

    def problem(self, token: Optional[str]) -> Optional[str]:
        """Why ``token`` cannot protect the server (Dutch), or None when it can."""
        if not token:
            return (
                f"{self.env} ontbreekt: zonder dat geheim antwoordt de {self.server} iedereen die hem "
                "bereikt. Zet het (bv. de uitvoer van 'openssl rand -hex 32') voor die server en de "
                "Rasa-servers."
            )
        if len(token) < MIN_LENGTH:
            return f"{self.env} is te kort: gebruik minstens {MIN_LENGTH} tekens (bv. 'openssl rand -hex 32')."
        return None

    def accepts(self, supplied: Optional[str], token: str) -> bool:
        """True when the header carries the token (constant-time comparison)."""
        return bool(supplied) and hmac.compare_digest(supplied.encode(), token.encode())

    def endpoint(self, url: str, token: Optional[str], **extra) -> Dict:
        """An endpoints.yml entry for the server at ``url`` that sends the token."""
        settings: Dict = {"url": url, **extra}
        if token:
            settings["headers"] = {self.header: token}
        return settings


ACTIONS = Secret("PRIVACYBOT_ACTION_TOKEN", "X-Privacybot-Action-Token", "actieserver")
MODELS = Secret("PRIVACYBOT_MODEL_TOKEN", "X-Privacybot-Model-Token", "modelserver")


def new_token() -> str:
    return secrets.token_urlsafe(32)

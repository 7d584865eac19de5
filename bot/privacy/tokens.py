"""Signed, expiring links (e-mail verification, unsubscribe) as JWTs (PyJWT, HS256).

The key is bot.core.keys.key("links"): PRIVACYBOT_LINK_KEY, else PRIVACYBOT_SECRET_KEY. Without
either, a random key is made once and kept in var/secret_key (mode 0600, bot.core.keys.secret_key),
so that a developer's links keep working across restarts; it is never in the repository.
Production sets the variable (README: rotating secrets)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Optional

import jwt

from bot.core import clock, keys

ALGORITHM = "HS256"


class TokenError(ValueError):
    """A link that was tampered with, has expired, or is meant for something else."""


def sign(
    purpose: str, subject: str, ttl: Optional[timedelta], now: Optional[datetime] = None, key: Optional[str] = None
) -> str:
    issued = now or clock.now_utc()
    claims = {"pur": purpose, "sub": subject, "iat": int(issued.timestamp())}
    if ttl is not None:
        claims["exp"] = int((issued + ttl).timestamp())
    return jwt.encode(claims, key or keys.key("links"), algorithm=ALGORITHM)


def verify(token: str, purpose: str, now: Optional[datetime] = None, key: Optional[str] = None) -> str:
    """The subject of a valid token for this purpose; TokenError otherwise."""
    options = {"require": ["pur", "sub", "iat"]}
    try:
        if now is None:
            claims = jwt.decode(token, key or keys.key("links"), algorithms=[ALGORITHM], options=options)
        else:  # for tests and the expiry job: judge expiry at a given moment
            claims = jwt.decode(
                token, key or keys.key("links"), algorithms=[ALGORITHM], options={**options, "verify_exp": False}
            )
            if "exp" in claims and claims["exp"] < now.timestamp():
                raise jwt.ExpiredSignatureError("expired")
    except jwt.ExpiredSignatureError:
        raise TokenError("Deze link is verlopen.") from None
    except jwt.PyJWTError:
        raise TokenError("Deze link is ongeldig.") from None
    if claims.get("pur") != purpose:
        raise TokenError("Deze link is ongeldig.")
    return claims["sub"]

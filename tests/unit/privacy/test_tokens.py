from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.core import keys
from bot.privacy import tokens

KEY = "test-key-" + "x" * 40
NOW = datetime(2026, 3, 1, 12, tzinfo=timezone.utc)


def test_a_signed_link_verifies_for_its_purpose_only():
    token = tokens.sign("verify", "PRV-ABCDEFGHJK", timedelta(days=7), now=NOW, key=KEY)
    assert tokens.verify(token, "verify", now=NOW + timedelta(days=6), key=KEY) == "PRV-ABCDEFGHJK"
    with pytest.raises(tokens.TokenError, match="ongeldig"):
        tokens.verify(token, "unsubscribe", now=NOW, key=KEY)


def test_expired_tampered_and_foreign_links_are_refused():
    token = tokens.sign("verify", "PRV-ABCDEFGHJK", timedelta(days=7), now=NOW, key=KEY)
    with pytest.raises(tokens.TokenError, match="verlopen"):
        tokens.verify(token, "verify", now=NOW + timedelta(days=7, seconds=1), key=KEY)
    head, body, signature = token.split(".")
    tampered = ".".join([head, body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1], signature])
    with pytest.raises(tokens.TokenError):
        tokens.verify(tampered, "verify", now=NOW, key=KEY)
    with pytest.raises(tokens.TokenError):
        tokens.verify(token, "verify", now=NOW, key="another-key-" + "y" * 40)


def test_development_key_is_made_once_and_private(tmp_path, monkeypatch):
    monkeypatch.delenv("PRIVACYBOT_SECRET_KEY", raising=False)
    monkeypatch.setattr(keys, "KEY_FILE", tmp_path / "secret_key")
    first = keys.secret_key()
    assert first == keys.secret_key() and len(first) >= 40
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    monkeypatch.setenv("PRIVACYBOT_SECRET_KEY", KEY)
    assert keys.secret_key() == KEY

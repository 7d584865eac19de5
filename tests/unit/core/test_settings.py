from __future__ import annotations

import pytest

from bot.core import paths, settings


def test_default_database_is_sqlite_under_var(monkeypatch):
    monkeypatch.delenv("PRIVACYBOT_DATABASE_URL", raising=False)
    store = settings.tracker_store_settings(settings.database_url())
    assert store == {"type": settings.TRACKER_STORE_TYPE, "dialect": "sqlite", "db": str(paths.VAR / "privacybot.db")}


def test_postgres_url_becomes_tracker_store_settings():
    store = settings.tracker_store_settings("postgresql://bot:s3cret@db.example.be:6543/privacy")
    assert store == {
        "type": settings.TRACKER_STORE_TYPE,
        "dialect": "postgresql",
        "url": "db.example.be",
        "port": 6543,
        "db": "privacy",
        "username": "bot",
        "password": "s3cret",
    }
    assert "s3cret" not in settings.redacted("postgresql://bot:s3cret@db.example.be/privacy")


def test_unsupported_database_is_refused_clearly():
    with pytest.raises(ValueError, match="Niet-ondersteunde database"):
        settings.tracker_store_settings("mysql://root@localhost/x")

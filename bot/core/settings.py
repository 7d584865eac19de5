"""Configuration from the environment, in one place.

PRIVACYBOT_DATABASE_URL  SQLAlchemy URL of the database Rasa's tracker store (and, later,
                         our own tables) use. Default: SQLite file var/privacybot.db.
"""

from __future__ import annotations

import os
from typing import Any, Dict, Optional

from sqlalchemy.engine import make_url

from bot.core import paths, private_files

DEFAULT_DATABASE_URL = f"sqlite:///{paths.VAR / 'privacybot.db'}"
DEFAULT_LOCK_LIFETIME = 20.0  # seconds; see lock_lifetime()


def database_url() -> str:
    return os.environ.get("PRIVACYBOT_DATABASE_URL") or DEFAULT_DATABASE_URL


def chat_retention_months() -> int:
    """How long conversations are kept: shown in the widget's notice, enforced by the purge."""
    return int(os.environ.get("PRIVACYBOT_CHAT_RETENTION_MONTHS", "6"))


def site_url() -> str:
    """PRIVACYBOT_SITE_URL: the public website that hosts the widget and the ``/privacy`` page
    (http://127.0.0.1:8000, the demo site of ``privacybot run``). Answers link to the statement there."""
    return (os.environ.get("PRIVACYBOT_SITE_URL") or "http://127.0.0.1:8000").rstrip("/")


def privacy_page_url(anchor: str = "") -> str:
    """The privacy statement on the website, at one of its sections when ``anchor`` is given."""
    return f"{site_url()}/privacy" + (f"#{anchor}" if anchor else "")


def contact_url() -> str:
    """PRIVACYBOT_CONTACT_URL: where a customer reaches the broker for anything but privacy
    (premiums, quotes, claims); the off-topic replies link there. Default: the site's contact section."""
    return os.environ.get("PRIVACYBOT_CONTACT_URL") or f"{site_url()}/#contact"


def console_url() -> str:
    """PRIVACYBOT_CONSOLE_URL: where staff open the console (http://127.0.0.1:8001, the console of
    ``privacybot run``). The staff notification mail links to a request there, so a privacy officer
    reads its details after logging in instead of in the mailbox."""
    return (os.environ.get("PRIVACYBOT_CONSOLE_URL") or "http://127.0.0.1:8001").rstrip("/")


def console_request_url(reference: str) -> str:
    """The console page of one request (the route ``/requests/{reference}`` of bot/web/console.py)."""
    return f"{console_url()}/requests/{reference}"


# Rasa's SQL store, but it does not write the visitor's client key (bot.plugins.tracker_store).
TRACKER_STORE_TYPE = "bot.plugins.tracker_store.PrivateSQLTrackerStore"


def tracker_store_settings(url: str) -> Dict[str, Any]:
    """Rasa SQLTrackerStore settings (the keys of endpoints.yml's tracker_store) for a URL."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    settings: Dict[str, Any] = {"type": TRACKER_STORE_TYPE}
    if backend == "sqlite":
        db = parsed.database or str(paths.VAR / "privacybot.db")
        db_path = os.path.join(str(paths.ROOT), db) if not os.path.isabs(db) else db
        private_files.private_sqlite(db_path)  # before Rasa creates it under the umask
        settings.update(dialect="sqlite", db=db_path)
        return settings
    if backend != "postgresql":
        raise ValueError(f"Niet-ondersteunde database: {backend} (gebruik sqlite of postgresql)")
    # Rasa reads the SQL host from `url` (EndpointConfig), not from `host`.
    settings.update(
        dialect="postgresql",
        url=parsed.host or "127.0.0.1",
        port=parsed.port or 5432,
        db=parsed.database or "privacybot",
    )
    if parsed.username:
        settings["username"] = parsed.username
    if parsed.password:
        settings["password"] = parsed.password
    if parsed.query:
        settings["query"] = dict(parsed.query)
    return settings


def redacted(url: str) -> str:
    """The URL with its password hidden, for start-up messages."""
    return make_url(url).render_as_string(hide_password=True)


def redis_url() -> Optional[str]:
    """PRIVACYBOT_REDIS_URL (redis://[:password@]host:port/db): the lock store that keeps two
    messages of one conversation from being processed at once across Rasa instances."""
    return os.environ.get("PRIVACYBOT_REDIS_URL") or None


def instances() -> int:
    """PRIVACYBOT_INSTANCES: how many Rasa servers `privacybot run` starts (1)."""
    return int(os.environ.get("PRIVACYBOT_INSTANCES", "1"))


def lock_lifetime() -> float:
    """PRIVACYBOT_LOCK_LIFETIME: seconds a conversation lock outlives a server that died
    holding it (20). A live server renews its lock, so slow turns keep it."""
    return float(os.environ.get("PRIVACYBOT_LOCK_LIFETIME", str(DEFAULT_LOCK_LIFETIME)))


def bind_address() -> str:
    """PRIVACYBOT_BIND: the interface our servers listen on (127.0.0.1; 0.0.0.0 in a container)."""
    return os.environ.get("PRIVACYBOT_BIND", "127.0.0.1")


def actions_url() -> str:
    """PRIVACYBOT_ACTIONS_URL: where `privacybot serve rasa` finds the action server's webhook."""
    return os.environ.get("PRIVACYBOT_ACTIONS_URL") or "http://127.0.0.1:5055/webhook"


def models_url() -> Optional[str]:
    """PRIVACYBOT_MODELS_URL: the model server `privacybot serve rasa` pulls models from (unset: the
    newest model in models/, loaded once)."""
    return os.environ.get("PRIVACYBOT_MODELS_URL") or None


def chat_url() -> str:
    """PRIVACYBOT_CHAT_URL: the Rasa server (or nginx in front of several) the demo site's widget talks to."""
    return os.environ.get("PRIVACYBOT_CHAT_URL") or "http://127.0.0.1:5005"


def console_https() -> bool:
    """PRIVACYBOT_CONSOLE_HTTPS=1: the console sits behind TLS, so its cookies are sent over HTTPS only."""
    return os.environ.get("PRIVACYBOT_CONSOLE_HTTPS") == "1"


def widget_origins() -> list:
    """PRIVACYBOT_WIDGET_ORIGINS (comma-separated): sites that embed the widget and may call
    the chat channel from a browser (CORS)."""
    return [o.strip().rstrip("/") for o in os.environ.get("PRIVACYBOT_WIDGET_ORIGINS", "").split(",") if o.strip()]


def instance_base_port() -> Optional[int]:
    """PRIVACYBOT_INSTANCE_BASE_PORT: with several instances, the first one's port (the others
    follow); unset, each takes a free port on 127.0.0.1."""
    value = os.environ.get("PRIVACYBOT_INSTANCE_BASE_PORT")
    return int(value) if value else None


def login_limit() -> int:
    """PRIVACYBOT_LOGIN_LIMIT: failed console logins per client address (and per address and
    account) in 5 minutes before the form refuses without checking (default 10)."""
    return int(os.environ.get("PRIVACYBOT_LOGIN_LIMIT", "10"))

"""Configuration from the environment, in one place: every ``PRIVACYBOT_*`` setting the Python
code reads is read by a function here (same default everywhere, a Dutch message for a value we
cannot use). An empty value counts as unset for the URLs, mailboxes and secrets; a number must be
a number. The shell scripts (scripts/*.sh, scripts/pip_audit_check.py) and compose.yaml have their
own few settings (PRIVACYBOT_PYTHON, PRIVACYBOT_SHARED_DIR, PRIVACYBOT_*PIP_AUDIT*, ...).

Setting                                   Default                         What for
Storage
  PRIVACYBOT_DATABASE_URL                 sqlite:///var/privacybot.db     Rasa's tracker store and our tables
  PRIVACYBOT_REDIS_URL                    none (locks in one process)     lock store and shared rate-limit counts
  PRIVACYBOT_CHAT_RETENTION_MONTHS        6                               conversations kept (widget notice, purge)
  PRIVACYBOT_OUTBOX_DIR                   var/outbox                      .eml files when no SMTP server is set
  PRIVACYBOT_SHARED                       ../shared (beside the repo)     the workplace's shared folder
  PRIVACYBOT_POLICY                       <shared>/policy/privacystatement.txt   the privacy statement
Addresses and mail
  PRIVACYBOT_SITE_URL                     http://127.0.0.1:8000           the public site: links in answers
  PRIVACYBOT_CONTACT_URL                  <site>/#contact                 the broker's contact page (off-topic)
  PRIVACYBOT_PUBLIC_URL                   http://127.0.0.1:5005           Rasa as mailed links reach it
  PRIVACYBOT_CONSOLE_URL                  http://127.0.0.1:8001           the console, linked from staff mails
  PRIVACYBOT_CHAT_URL                     http://127.0.0.1:5005           Rasa as `serve site` points the widget to it
  PRIVACYBOT_ACTIONS_URL                  http://127.0.0.1:5055/webhook   the action server, for `serve rasa`
  PRIVACYBOT_MODELS_URL                   none (model from models/)       the model server, for `serve rasa`
  PRIVACYBOT_PRIVACY_MAILBOX              company.PRIVACY_MAILBOX         visitors' texts, staff notifications
  PRIVACYBOT_MAIL_FROM                    company.PRIVACY_MAILBOX         the From of our mails
  PRIVACYBOT_SMTP_URL                     none (.eml files)               smtp[s]://user:password@host:port
Servers
  PRIVACYBOT_BIND                         127.0.0.1                       interface our servers listen on
  PRIVACYBOT_INSTANCES                    1                               Rasa servers `privacybot run` starts
  PRIVACYBOT_INSTANCE_BASE_PORT           none (free ports)               first instance's port, the others follow
  PRIVACYBOT_LOCK_LIFETIME                20                              seconds a dead server's lock lasts
  PRIVACYBOT_MODEL_PULL_SECONDS           10                              how often Rasa asks for a new model
  PRIVACYBOT_WIDGET_ORIGINS               none                            other sites embedding the widget (CORS)
  PRIVACYBOT_TRUSTED_PROXIES              127.0.0.1/32,::1/128            who may set X-Forwarded-For ("" = nobody)
  PRIVACYBOT_CONSOLE_HTTPS                off ("1": on)                   console cookies over HTTPS only
  PRIVACYBOT_TEASER_DELAY_MS              4000                            the demo site's chat teaser
  PRIVACYBOT_JOB_INTERVAL                 60                              seconds between outbox/reminder passes
  PRIVACYBOT_GATE_MARGIN                  0.05                            F1 an intent may lose in `retrain`
Limits (RATE_LIMITS; 0 switches one off; bot.core.limits)
  PRIVACYBOT_CHAT_LIMIT_PER_IP            60 a minute                     chat messages per client
  PRIVACYBOT_CHAT_LIMIT_PER_CONVERSATION  20 a minute                     chat messages per conversation
  PRIVACYBOT_FEEDBACK_LIMIT_PER_IP        30 a minute                     👍/👎 clicks per client
  PRIVACYBOT_REQUEST_LIMIT_PER_IP         5 a day                         rights requests per client
  PRIVACYBOT_LOOKUP_LIMIT_PER_IP          10 an hour                      status lookups per client
  PRIVACYBOT_OPTOUT_LIMIT_PER_IP          10 an hour                      opt-out forms per client
  PRIVACYBOT_VERIFY_MAIL_LIMIT_PER_ADDRESS  3 a day                       verification mails per recipient
  PRIVACYBOT_CONSOLE_SEARCH_LIMIT         20 a minute                     console free-text searches per account
  PRIVACYBOT_LOGIN_LIMIT                  10 in 5 minutes                 failed console logins per address
Secrets (SECRETS; read with secret(); what each protects: bot.core.keys, bot.core.internal_auth)
  PRIVACYBOT_SECRET_KEY                   random, kept in var/secret_key  the master the keys derive from
  PRIVACYBOT_LINK_KEY, PRIVACYBOT_ADDRESS_KEY, PRIVACYBOT_CONSOLE_KEY    derived from the master
  PRIVACYBOT_ACTION_TOKEN, PRIVACYBOT_MODEL_TOKEN  none (required to serve)  Rasa -> action/model server

``privacybot run`` fills in PRIVACYBOT_PUBLIC_URL and PRIVACYBOT_CONSOLE_URL for itself and its
children when they are unset (``fill_in``), so mailed links point where that run listens.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Optional, Union

from sqlalchemy.engine import make_url

from bot.core import paths, private_files

DEFAULT_DATABASE_URL = f"sqlite:///{paths.VAR / 'privacybot.db'}"
DEFAULT_LOCK_LIFETIME = 20.0  # seconds; see lock_lifetime()
DEFAULT_GATE_MARGIN = 0.05  # see gate_margin()


class SettingError(ValueError):
    """A setting whose value cannot be used; the message is Dutch and names the setting, for the
    operator who set it."""


def _integer(name: str, default: str) -> int:
    raw = os.environ.get(name, default)
    try:
        return int(raw)
    except ValueError:
        raise SettingError(f"{name} moet een geheel getal zijn, niet {raw!r}.") from None


def _number(name: str, default: str) -> float:
    raw = os.environ.get(name, default)
    try:
        return float(raw)
    except ValueError:
        raise SettingError(f"{name} moet een getal zijn (bv. 2.5), niet {raw!r}.") from None


def database_url() -> str:
    return os.environ.get("PRIVACYBOT_DATABASE_URL") or DEFAULT_DATABASE_URL


def chat_retention_months() -> int:
    """How long conversations are kept: shown in the widget's notice, enforced by the purge."""
    return _integer("PRIVACYBOT_CHAT_RETENTION_MONTHS", "6")


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
    """The console page of one request (the route ``/requests/{reference}`` of bot/web/console/routes.py)."""
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
    return _integer("PRIVACYBOT_INSTANCES", "1")


def lock_lifetime() -> float:
    """PRIVACYBOT_LOCK_LIFETIME: seconds a conversation lock outlives a server that died
    holding it (20). A live server renews its lock, so slow turns keep it."""
    return _number("PRIVACYBOT_LOCK_LIFETIME", str(DEFAULT_LOCK_LIFETIME))


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
    if not os.environ.get("PRIVACYBOT_INSTANCE_BASE_PORT"):
        return None
    return _integer("PRIVACYBOT_INSTANCE_BASE_PORT", "")


def login_limit() -> int:
    """PRIVACYBOT_LOGIN_LIMIT: failed console logins per client address (and per address and
    account) in 5 minutes before the form refuses without checking (default 10)."""
    return _integer("PRIVACYBOT_LOGIN_LIMIT", "10")


# ---- mail -------------------------------------------------------------------------------------
def public_url() -> str:
    """PRIVACYBOT_PUBLIC_URL: the Rasa server as a visitor's browser reaches it; the verification
    and unsubscribe links in our mails point there (http://127.0.0.1:5005)."""
    return os.environ.get("PRIVACYBOT_PUBLIC_URL", "http://127.0.0.1:5005").rstrip("/")


def privacy_mailbox() -> Optional[str]:
    """PRIVACYBOT_PRIVACY_MAILBOX, or None when unset: use bot.core.company.privacy_mailbox(),
    which falls back to the company's own mailbox."""
    return os.environ.get("PRIVACYBOT_PRIVACY_MAILBOX") or None


def mail_from() -> Optional[str]:
    """PRIVACYBOT_MAIL_FROM, or None when unset: use bot.core.company.mail_sender()."""
    return os.environ.get("PRIVACYBOT_MAIL_FROM") or None


def smtp_url() -> Optional[str]:
    """PRIVACYBOT_SMTP_URL (smtp:// or smtps://user:password@host:port), or None: mails are then
    written as .eml files to outbox_dir()."""
    return os.environ.get("PRIVACYBOT_SMTP_URL") or None


def outbox_dir() -> Path:
    """PRIVACYBOT_OUTBOX_DIR: where mails go as .eml files without an SMTP server (var/outbox)."""
    return Path(os.environ.get("PRIVACYBOT_OUTBOX_DIR", paths.VAR / "outbox"))


# ---- files beside the repository ------------------------------------------------------------------
def shared_dir() -> Path:
    """PRIVACYBOT_SHARED: the workplace's shared folder (policy text, optional spaCy model),
    beside the repository by default."""
    return Path(os.environ.get("PRIVACYBOT_SHARED", paths.ROOT.parent / "shared"))


def policy_path() -> Path:
    """PRIVACYBOT_POLICY: the privacy statement the answers are checked against."""
    return Path(os.environ.get("PRIVACYBOT_POLICY", shared_dir() / "policy" / "privacystatement.txt"))


# ---- running ----------------------------------------------------------------------------------------
def job_interval() -> float:
    """PRIVACYBOT_JOB_INTERVAL: seconds between two passes of the background jobs (60)."""
    return _number("PRIVACYBOT_JOB_INTERVAL", "60")


def model_pull_seconds() -> int:
    """PRIVACYBOT_MODEL_PULL_SECONDS: how often a Rasa server asks the model server for a newly
    promoted model (10)."""
    return _integer("PRIVACYBOT_MODEL_PULL_SECONDS", "10")


def teaser_delay_ms() -> int:
    """PRIVACYBOT_TEASER_DELAY_MS: milliseconds before the demo site's widget shows its teaser (4000)."""
    return _integer("PRIVACYBOT_TEASER_DELAY_MS", "4000")


def gate_margin() -> float:
    """PRIVACYBOT_GATE_MARGIN: the F1 an intent may lose before `privacybot retrain` refuses the
    candidate (0.05)."""
    return _number("PRIVACYBOT_GATE_MARGIN", str(DEFAULT_GATE_MARGIN))


IPNetwork = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]


def trusted_proxies() -> List[IPNetwork]:
    """PRIVACYBOT_TRUSTED_PROXIES (comma-separated addresses or networks): who may tell us the
    visitor's address in X-Forwarded-For (nginx in front of the instances; 127.0.0.1 by
    default; empty: nobody)."""
    raw = os.environ.get("PRIVACYBOT_TRUSTED_PROXIES", "127.0.0.1/32,::1/128")
    networks: List[IPNetwork] = []
    for part in (p.strip() for p in raw.split(",")):
        if not part:
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise SettingError(
                f"PRIVACYBOT_TRUSTED_PROXIES: {part!r} is geen IP-adres of netwerk (bv. 10.0.0.5 of 10.0.0.0/24)."
            ) from None
    return networks


def fill_in(name: str, value: str, *child_envs: Dict[str, str]) -> None:
    """Give the setting ``name`` the value ``value`` in this process and in ``child_envs`` (the
    environments of processes still to start), unless the operator set it: ``privacybot run``
    makes its mailed links point to the ports it actually listens on."""
    if os.environ.get(name):
        return
    os.environ[name] = value
    for env in child_envs:
        env[name] = value


# ---- rate limits --------------------------------------------------------------------------------
# Each limit's count; its window and meaning are bot.core.limits'. 0 switches a limit off.
RATE_LIMITS: Dict[str, int] = {
    "PRIVACYBOT_CHAT_LIMIT_PER_IP": 60,
    "PRIVACYBOT_CHAT_LIMIT_PER_CONVERSATION": 20,
    "PRIVACYBOT_FEEDBACK_LIMIT_PER_IP": 30,
    "PRIVACYBOT_REQUEST_LIMIT_PER_IP": 5,
    "PRIVACYBOT_LOOKUP_LIMIT_PER_IP": 10,
    "PRIVACYBOT_OPTOUT_LIMIT_PER_IP": 10,
    "PRIVACYBOT_VERIFY_MAIL_LIMIT_PER_ADDRESS": 3,
    "PRIVACYBOT_CONSOLE_SEARCH_LIMIT": 20,
}


def rate_limit(name: str) -> int:
    """The count of the rate limit ``name`` (one of RATE_LIMITS)."""
    return _integer(name, str(RATE_LIMITS[name]))


# ---- secrets ------------------------------------------------------------------------------------
# Which process needs which key: bot.core.keys; the tokens between servers: bot.core.internal_auth.
SECRETS: FrozenSet[str] = frozenset(
    {
        "PRIVACYBOT_SECRET_KEY",
        "PRIVACYBOT_LINK_KEY",
        "PRIVACYBOT_ADDRESS_KEY",
        "PRIVACYBOT_CONSOLE_KEY",
        "PRIVACYBOT_ACTION_TOKEN",
        "PRIVACYBOT_MODEL_TOKEN",
    }
)


def secret(name: str) -> Optional[str]:
    """The secret setting ``name`` (one of SECRETS), or None when it is unset or empty."""
    if name not in SECRETS:
        raise KeyError(name)
    return os.environ.get(name) or None

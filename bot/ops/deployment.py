"""What to run where, from the environment: database, Redis, number of Rasa instances; the
endpoints.yml the Rasa servers get, and the nginx configuration in front of them.

One Rasa server on SQLite is the default (a laptop, the demo). Several instances need a
database they can all reach (PostgreSQL) and a lock store they share (Redis), or two messages
of one conversation could be handled at once by two servers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional

import yaml
from sqlalchemy.engine import make_url

from bot.core import internal_auth, paths, private_files, settings

NGINX_TEMPLATE = paths.ROOT / "deploy" / "nginx" / "privacybot.conf.template"


class DeploymentError(ValueError):
    """A configuration that cannot work, with a Dutch explanation for the operator."""


@dataclass(frozen=True)
class Deployment:
    database_url: str
    redis_url: Optional[str]
    instances: int = 1
    lock_lifetime: float = settings.DEFAULT_LOCK_LIFETIME

    @classmethod
    def from_env(cls, instances: Optional[int] = None) -> "Deployment":
        return cls(
            database_url=settings.database_url(),
            redis_url=settings.redis_url(),
            instances=instances if instances is not None else settings.instances(),
            lock_lifetime=settings.lock_lifetime(),
        )

    def check(self) -> "Deployment":
        if self.instances < 1:
            raise DeploymentError("Het aantal Rasa-instanties moet minstens 1 zijn.")
        if self.instances > 1:
            if make_url(self.database_url).get_backend_name() != "postgresql":
                raise DeploymentError(
                    "Meerdere Rasa-instanties hebben een gedeelde PostgreSQL-database nodig: zet "
                    "PRIVACYBOT_DATABASE_URL=postgresql://... (SQLite is voor één instantie)."
                )
            if not self.redis_url:
                raise DeploymentError(
                    "Meerdere Rasa-instanties hebben een gedeelde lock store (Redis) nodig: zet "
                    "PRIVACYBOT_REDIS_URL=redis://host:6379/1."
                )
        return self

    def endpoints(
        self,
        actions_url: str,
        models_url: Optional[str] = None,
        model_pull_seconds: Optional[int] = None,
        action_token: Optional[str] = None,
        model_token: Optional[str] = None,
    ) -> Dict:
        """The content of endpoints.yml for a Rasa server of this deployment; ``action_token``
        and ``model_token`` are the secrets the action and model servers demand (bot.core.internal_auth)."""
        endpoints: Dict = {
            "action_endpoint": internal_auth.ACTIONS.endpoint(actions_url, action_token),
            "tracker_store": settings.tracker_store_settings(self.database_url),
        }
        if self.redis_url:
            endpoints["lock_store"] = lock_store_settings(self.redis_url, self.lock_lifetime)
        if models_url:  # Rasa polls it and loads a newly promoted model without a restart
            pull = model_pull_seconds or settings.model_pull_seconds()
            endpoints["models"] = internal_auth.MODELS.endpoint(models_url, model_token, wait_time_between_pulls=pull)
        return endpoints

    def write_endpoints(
        self,
        target: Path,
        actions_url: str,
        models_url: Optional[str] = None,
        action_token: Optional[str] = None,
        model_token: Optional[str] = None,
    ) -> Path:
        """Write endpoints.yml readable by its owner only: it holds the action token and may hold
        database and Redis passwords."""
        with private_files.open_private(target) as handle:
            yaml.safe_dump(
                self.endpoints(actions_url, models_url, action_token=action_token, model_token=model_token),
                handle,
                sort_keys=False,
            )
        return target


def lock_store_settings(redis_url: str, lifetime: float) -> Dict:
    """endpoints.yml's lock_store for a redis:// URL: our atomic Redis lock store (bot/plugins/locks.py)."""
    url = make_url(redis_url)
    if url.get_backend_name() not in ("redis", "rediss"):
        raise DeploymentError(f"PRIVACYBOT_REDIS_URL moet met redis:// beginnen, niet {url.get_backend_name()}://")
    lock: Dict = {
        "type": "bot.plugins.locks.AtomicRedisLockStore",
        "url": url.host or "127.0.0.1",
        "port": url.port or 6379,
        "db": int(url.database or 1),
        "key_prefix": "privacybot",
        "lock_lifetime": lifetime,
    }
    if url.username:
        lock["username"] = url.username
    if url.password:
        lock["password"] = url.password
    if url.get_backend_name() == "rediss":
        lock["use_ssl"] = True
    return lock


def nginx_config(listen: str, upstreams: Iterable[str]) -> str:
    """The nginx server block (http context) balancing over `upstreams` ("host:port")."""
    servers = "\n".join(f"    server {u} max_fails=1 fail_timeout=5s;" for u in upstreams)
    if not servers:
        raise DeploymentError("Geef minstens één Rasa-instantie (host:poort) op.")
    return NGINX_TEMPLATE.read_text(encoding="utf-8").replace("@LISTEN@", listen).replace("@SERVERS@", servers)


def nginx_main_config(prefix: Path, listen: str, upstreams: List[str]) -> Path:
    """A complete nginx.conf in `prefix` for running nginx as our own child process."""
    private_files.private_dir(prefix)
    # nginx would create its error log 0644; it holds visitors' addresses, so it exists 0600 first.
    private_files.open_private(prefix / "error.log", "a").close()
    (prefix / "privacybot.conf").write_text(nginx_config(listen, upstreams), encoding="utf-8")
    temp = {name: prefix / "tmp" / name for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for folder in temp.values():
        folder.mkdir(parents=True, exist_ok=True)
    main = prefix / "nginx.conf"
    main.write_text(
        f"""# Written by privacybot run; the server block is deploy/nginx/privacybot.conf.template.
worker_processes 1;
pid {prefix / "nginx.pid"};
error_log {prefix / "error.log"} warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {temp["client_body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
    include {prefix / "privacybot.conf"};
}}
""",
        encoding="utf-8",
    )
    return main

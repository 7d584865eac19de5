"""Starting and stopping the processes the assistant is made of: action server, Rasa servers,
the load balancer and our web servers."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from bot.core import internal_auth, paths, private_files, settings
from bot.core.quiet import quiet_env
from bot.core.rasa_cli import rasa_command


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(url: str, timeout: float, process: Optional[subprocess.Popen] = None) -> None:
    if not url.startswith(("http://", "https://")):  # urlopen would also open file:// and ftp://
        raise ValueError(f"geen http(s)-URL: {url}")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"proces stopte onverwacht (exit {process.returncode}) voor {url}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # nosec B310 # http(s) only, checked above
                if response.status < 500:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"{url} antwoordde niet binnen {timeout:.0f} s")


class LocalServer:
    """A helper server of ours in its own process on a local port, with a log file."""

    name = "server"
    health_path = "/health"

    def __init__(
        self, port: Optional[int] = None, log_file: Optional[Path] = None, env: Optional[Dict[str, str]] = None
    ) -> None:
        self.port = port or free_port()
        self.log_file = log_file or paths.VAR / "logs" / f"{self.name}.log"
        self.env = dict(env or {})  # e.g. the database the actions must write to
        self.process: Optional[subprocess.Popen] = None

    def command(self) -> List[str]:
        raise NotImplementedError

    def launch(self) -> "LocalServer":
        """Start the process without waiting for it (several servers can then load at once)."""
        log = private_files.open_private(self.log_file, "ab")  # Rasa may log a visitor's text
        self.process = subprocess.Popen(  # nosec B603 # argv from our command() methods (python -m …, nginx), no shell
            self.command(), cwd=paths.ROOT, env={**quiet_env(), **self.env}, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        return self

    def wait_ready(self, timeout: float = 60) -> "LocalServer":
        wait_for_http(f"http://127.0.0.1:{self.port}{self.health_path}", timeout, self.process)
        return self

    def start(self, timeout: float = 60) -> "LocalServer":
        return self.launch().wait_ready(timeout)

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)  # reap it: no zombie left behind
        self.process = None

    def __enter__(self) -> "LocalServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _token(env: Dict[str, str], secret: "internal_auth.Secret", new_token: bool) -> Optional[str]:
    """The secret a server demands: from its env, the environment, or new; put in its env."""
    token = env.get(secret.env) or secret.configured()
    if token is None and new_token:
        token = internal_auth.new_token()
    if token:
        env[secret.env] = token
    return token


class ActionServer(LocalServer):
    """The real rasa_sdk action server, serving ``actions/`` on a local port."""

    name = "actions"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/webhook"

    def __init__(self, new_token: bool = True, **kwargs) -> None:
        super().__init__(**kwargs)
        # rasa_sdk listens on SANIC_HOST, 0.0.0.0 unless told.
        self.env.setdefault("SANIC_HOST", settings.bind_address())
        # The secret every action call must carry (bot.core.internal_auth): the configured one, or a
        # new one for this server's lifetime (local stacks); ``new_token=False`` (``serve
        # actions``) leaves it unset so the server refuses to start without the setting.
        self.token = _token(self.env, internal_auth.ACTIONS, new_token)

    def endpoint(self) -> Dict:
        """The ``action_endpoint`` of the endpoints file for a Rasa server that calls this one."""
        return internal_auth.ACTIONS.endpoint(self.url, self.token)

    def command(self) -> List[str]:
        return [
            sys.executable,
            "-m",
            "bot.web.action_server",
            "--actions",
            "actions",
            "--port",
            str(self.port),
            "--quiet",
        ]


class SiteServer(LocalServer):
    """The demo page with the chat widget (bot/web/site.py)."""

    name = "site"

    def __init__(self, rasa_url: str, teaser_delay_ms: int = 4000, **kwargs) -> None:
        super().__init__(**kwargs)
        self.rasa_url = rasa_url
        self.teaser_delay_ms = teaser_delay_ms

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def command(self) -> List[str]:
        return [
            sys.executable,
            "-m",
            "bot.web.site",
            "--port",
            str(self.port),
            "--rasa-url",
            self.rasa_url,
            "--teaser-delay",
            str(self.teaser_delay_ms),
        ]


class ConsoleServer(LocalServer):
    """The support console (bot/web/console/); only its login page answers without a session."""

    name = "console"
    health_path = "/login"

    def __init__(self, secure_cookies: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        self.secure_cookies = secure_cookies

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def command(self) -> List[str]:
        return [
            sys.executable,
            "-m",
            "bot.web.console",
            "--port",
            str(self.port),
            *(["--secure-cookies"] if self.secure_cookies else []),
        ]


class ModelServer(LocalServer):
    """Serves the model in use to the Rasa server (bot/web/model_server.py)."""

    name = "models"

    def __init__(self, new_token: bool = True, **kwargs) -> None:
        super().__init__(**kwargs)
        # It hands out the model, training data included: only to callers with the secret.
        self.token = _token(self.env, internal_auth.MODELS, new_token)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/model"

    def command(self) -> List[str]:
        return [sys.executable, "-m", "bot.web.model_server", "--port", str(self.port)]


class RasaServer(LocalServer):
    """One Rasa server (``rasa run``) with our endpoints and channels."""

    name = "rasa"
    health_path = "/"

    def __init__(
        self, model: Path, endpoints: Path, cors: Sequence[str] = (), interface: str = "127.0.0.1", **kwargs
    ) -> None:
        super().__init__(**kwargs)
        self.model, self.endpoints, self.cors, self.interface = model, endpoints, list(cors), interface
        # The chat channel refuses posts from other origins than the ones CORS lets read the
        # replies (bot.plugins.chat_guard.check_browser): one list for both, through the setting.
        if self.cors:
            self.env.setdefault("PRIVACYBOT_WIDGET_ORIGINS", ",".join(self.cors))
        if kwargs.get("log_file") is None:
            self.log_file = paths.VAR / "logs" / f"rasa-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> List[str]:
        return rasa_command(
            "run",
            "--model",
            str(self.model),
            "--endpoints",
            str(self.endpoints),
            "--credentials",
            str(paths.CREDENTIALS),
            "--interface",
            self.interface,
            "--port",
            str(self.port),
            *(["--cors", *self.cors] if self.cors else []),
        )

    def start(self, timeout: float = 300) -> "LocalServer":
        return super().start(timeout)


def nginx_binary() -> Optional[str]:
    """Debian installs nginx in /usr/sbin, which is not on every user's PATH."""
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)


class NginxServer(LocalServer):
    """nginx as our child process, balancing over the Rasa servers (deploy/nginx/)."""

    name = "nginx"
    health_path = "/webhooks/rest/"

    def __init__(
        self, upstreams: Sequence[str], listen_host: str = "127.0.0.1", prefix: Optional[Path] = None, **kwargs
    ) -> None:
        super().__init__(**kwargs)
        self.upstreams = list(upstreams)
        self.listen_host = listen_host
        self.prefix = prefix or paths.VAR / "nginx" / str(self.port)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> List[str]:
        from bot.ops.deployment import nginx_main_config

        binary = nginx_binary()
        if binary is None:
            raise RuntimeError("nginx ontbreekt: installeer het Debian-pakket nginx")
        config = nginx_main_config(self.prefix, f"{self.listen_host}:{self.port}", self.upstreams)
        return [
            binary,
            "-p",
            str(self.prefix),
            "-e",
            str(self.prefix / "error.log"),
            "-c",
            str(config),
            "-g",
            "daemon off;",
        ]

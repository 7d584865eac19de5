"""The assistant's server processes as one unit: action server, model server, N Rasa servers
and, for more than one, nginx in front of them. `privacybot run`, the production tests and
the load benchmark all start it this way."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from bot.core import paths
from bot.ops.deployment import Deployment
from bot.ops.processes import ActionServer, LocalServer, ModelServer, NginxServer, RasaServer, free_port
from bot.store import schema


class Stack:
    """Start with ``start()``; ``url`` is where the chat channel answers (nginx or the one
    Rasa server); ``stop()`` ends every process."""

    def __init__(
        self,
        deployment: Deployment,
        model: Path,
        port: Optional[int] = None,
        actions_port: Optional[int] = None,
        cors: Sequence[str] = (),
        model_server: bool = True,
        var: Optional[Path] = None,
        instance_ports: Optional[Sequence[int]] = None,
        env: Optional[Dict[str, str]] = None,
    ) -> None:
        self.deployment = deployment.check()
        self.model = model
        self.var = var or paths.VAR
        self.port = port or free_port()
        # `env` adds settings for these processes only (tests set small limits this way
        # without changing the environment of whatever runs next).
        env = {**(env or {}), "PRIVACYBOT_DATABASE_URL": deployment.database_url}
        self.actions = ActionServer(port=actions_port, env=env, log_file=self.var / "logs" / "actions.log")
        self.models = ModelServer(log_file=self.var / "logs" / "models.log") if model_server else None
        balanced = deployment.instances > 1
        ports = list(
            instance_ports or ([free_port() for _ in range(deployment.instances)] if balanced else [self.port])
        )
        self.endpoints = self.var / f"endpoints-{self.port}.yml"
        self.rasa: List[RasaServer] = [
            RasaServer(model, self.endpoints, cors=cors, port=p, env=env, log_file=self.var / "logs" / f"rasa-{p}.log")
            for p in ports
        ]
        self.balancer: Optional[NginxServer] = (
            NginxServer(
                [f"127.0.0.1:{p}" for p in ports],
                port=self.port,
                prefix=self.var / "nginx" / str(self.port),
                log_file=self.var / "logs" / "nginx.log",
            )
            if balanced
            else None
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def processes(self) -> List[LocalServer]:
        return [p for p in (self.actions, self.models, *self.rasa, self.balancer) if p is not None]

    def start(self, timeout: float = 300) -> "Stack":
        """Schema first (once, under a lock), then all servers; the Rasa servers load at once."""
        schema.prepare(self.deployment.database_url)
        try:
            self.actions.start()
            if self.models:
                self.models.start()
            self.deployment.write_endpoints(
                self.endpoints,
                self.actions.url,
                self.models.url if self.models else None,
                action_token=self.actions.token,
                model_token=self.models.token if self.models else None,
            )
            for server in self.rasa:
                server.launch()
            deadline = time.monotonic() + timeout
            for server in self.rasa:
                server.wait_ready(max(1.0, deadline - time.monotonic()))
            if self.balancer:
                self.balancer.start()
        except BaseException:
            self.stop()
            raise
        return self

    def stopped(self) -> List[LocalServer]:
        """Processes that ended by themselves."""
        return [p for p in self.processes() if p.process is not None and p.process.poll() is not None]

    def stop(self) -> None:
        for server in reversed(self.processes()):
            server.stop()

    def __enter__(self) -> "Stack":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

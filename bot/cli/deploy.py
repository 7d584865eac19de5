"""``privacybot serve …`` and ``privacybot nginx-config``: one server process per command,
for containers and service managers (compose.yaml, systemd), where `privacybot run` would
start them all in one place. Settings that keep a server from starting are usage errors (exit 2),
reported by bot.cli.errors."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from typing import Dict, List, NoReturn, Optional

from bot.cli.errors import CliError, UsageError
from bot.core import internal_auth, paths, rasa_cli, settings

COMPONENTS = ("rasa", "actions", "console", "site", "models", "jobs")


def _exec(cmd: List[str], env: Optional[Dict[str, str]] = None) -> NoReturn:
    """Become the server process: signals from the container runtime reach it directly."""
    from bot.core.quiet import quiet_env

    sys.stdout.flush()
    os.execvpe(  # nosec B606 # argv from bot/ops/processes.py command() methods (python -m …), no shell
        cmd[0], cmd, {**quiet_env(), **(env or {})}
    )


def _serve_rasa(args: argparse.Namespace) -> int:
    from bot.nlu import training
    from bot.ops.deployment import Deployment

    # PRIVACYBOT_INSTANCES says how many servers share this database: more than one requires
    # PostgreSQL and Redis, as with `privacybot run --instances` (DeploymentError: exit 2).
    deployment = Deployment.from_env().check()
    model = training.latest_model()
    if model is None:
        raise CliError("Geen model in models/: eerst 'privacybot train'.")
    actions_url = settings.actions_url()
    models_url = settings.models_url()
    # The action server (and the model server, when used) refuse calls without their secret.
    tokens = {
        secret: secret.configured()
        for secret in (internal_auth.ACTIONS, *((internal_auth.MODELS,) if models_url else ()))
    }
    for secret, token in tokens.items():
        trouble = secret.problem(token)
        if trouble:
            raise UsageError(f"De Rasa-server start niet: {trouble}")
    endpoints = deployment.write_endpoints(
        paths.VAR / f"endpoints-serve-{args.port}.yml",
        actions_url,
        models_url,
        action_token=tokens[internal_auth.ACTIONS],
        model_token=tokens.get(internal_auth.MODELS),
    )
    origins = settings.widget_origins()
    return _exec(
        rasa_cli.rasa_command(
            "run",
            "--model",
            str(model),
            "--endpoints",
            str(endpoints),
            "--credentials",
            str(paths.CREDENTIALS),
            "--interface",
            settings.bind_address(),
            "--port",
            str(args.port),
            *(["--cors", *origins] if origins else []),
        )
    )


def _serve_jobs(args: argparse.Namespace) -> int:
    import logging

    from bot.ops import jobs

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    scheduler = jobs.Scheduler()
    scheduler.start()
    print("Taken (outbox, herinneringen, opschonen) draaien; stoppen met Ctrl-C.", flush=True)
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    scheduler.stop()
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    port = args.port
    if args.component == "rasa":
        args.port = port or 5005
        return _serve_rasa(args)
    if args.component == "jobs":
        return _serve_jobs(args)
    from bot.ops.processes import ActionServer, ConsoleServer, ModelServer, SiteServer

    # The same command lines as `privacybot run` uses (bot/ops/processes.py), in the foreground.
    server = {
        "actions": lambda: ActionServer(port=port or 5055, new_token=False),  # PRIVACYBOT_ACTION_TOKEN or no start
        "console": lambda: ConsoleServer(port=port or 8001, secure_cookies=settings.console_https()),
        "site": lambda: SiteServer(rasa_url=settings.chat_url(), port=port or 8000),
        "models": lambda: ModelServer(port=port or 5056, new_token=False),  # PRIVACYBOT_MODEL_TOKEN or no start
    }[args.component]()
    return _exec(server.command(), server.env)


def _cmd_nginx_config(args: argparse.Namespace) -> int:
    from bot.ops.deployment import nginx_config

    print(nginx_config(args.listen, args.upstream), end="")  # a bad --upstream: DeploymentError, exit 2
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    serve = sub.add_parser(
        "serve",
        help="één serverproces op de voorgrond (voor containers en systemd)",
        description="Start één onderdeel op de voorgrond; instellingen uit de omgeving: "
        "PRIVACYBOT_DATABASE_URL, PRIVACYBOT_REDIS_URL, PRIVACYBOT_BIND (127.0.0.1; 0.0.0.0 in "
        "een container), PRIVACYBOT_ACTIONS_URL en PRIVACYBOT_MODELS_URL (rasa), "
        "PRIVACYBOT_CHAT_URL (site). Het schema maak je vooraf met 'privacybot db upgrade'.",
    )
    serve.add_argument(
        "component",
        choices=COMPONENTS,
        help="rasa (5005), actions (5055), console (8001), site (8000), models (5056), jobs",
    )
    serve.add_argument("--port", type=int, help="poort (standaard zie hierboven)")
    serve.set_defaults(func=_cmd_serve)

    nginx = sub.add_parser(
        "nginx-config",
        help="nginx-configuratie voor meerdere Rasa-instanties afdrukken",
        description="Drukt het server-blok (http-context) uit deploy/nginx/privacybot.conf.template af, "
        "bv. privacybot nginx-config --listen 80 --upstream rasa1:5005 --upstream rasa2:5005 "
        "> /etc/nginx/conf.d/privacybot.conf",
    )
    nginx.add_argument("--listen", default="80", help="waar nginx luistert (80; bv. 127.0.0.1:8080)")
    nginx.add_argument(
        "--upstream",
        action="append",
        required=True,
        metavar="HOST:POORT",
        help="een Rasa-instantie; herhaal per instantie",
    )
    nginx.set_defaults(func=_cmd_nginx_config)

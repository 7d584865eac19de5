"""``privacybot run``: the whole assistant on this machine, supervised together: action
server, model server, one Rasa server (or several behind nginx), jobs, demo site and console;
Ctrl-C stops them all."""

from __future__ import annotations

import signal
import time
from typing import Optional

from bot.core import paths, settings
from bot.nlu import spacy_model, training
from bot.ops import jobs
from bot.ops.deployment import Deployment, DeploymentError
from bot.ops.processes import ConsoleServer, SiteServer, nginx_binary
from bot.ops.stack import Stack


def _stop_on_sigterm(signum, frame) -> None:
    raise KeyboardInterrupt


def widget_origins(site_port: int) -> list:
    """Pages allowed to call the REST channel from a browser: the demo page, plus any
    site that embeds the widget (PRIVACYBOT_WIDGET_ORIGINS, comma-separated)."""
    return [f"http://127.0.0.1:{site_port}", f"http://localhost:{site_port}", *settings.widget_origins()]


def run(
    rasa_port: int = 5005,
    actions_port: int = 5055,
    train: bool = True,
    site_port: int = 8000,
    console_port: int = 8001,
    instances: Optional[int] = None,
) -> int:
    """Start everything and supervise it until Ctrl-C (0). What keeps it from starting is raised,
    not printed: ``privacybot run`` reports it like every command (bot/cli/errors.py), a
    DeploymentError as a usage error (2), a missing model or a stopped process as a failure (1)."""
    signal.signal(signal.SIGTERM, _stop_on_sigterm)  # stop every child on `kill` as on Ctrl-C
    deployment = Deployment.from_env(instances).check()
    selection = spacy_model.current()
    print(selection.describe() if selection else "spaCy-pipeline onbekend: voer scripts/setup.sh uit")
    model = training.train() if train else training.latest_model()
    if model is None:
        raise RuntimeError("Geen model gevonden in models/: eerst 'privacybot train'.")
    print(f"Model: {model}")
    if deployment.instances > 1 and nginx_binary() is None:
        raise DeploymentError("Meerdere instanties draaien achter nginx: installeer het Debian-pakket nginx.")
    print(f"Database: {settings.redacted(deployment.database_url)}")
    if deployment.redis_url:
        print(f"Lock store: {settings.redacted(deployment.redis_url)}")

    base = settings.instance_base_port()
    # Before 28/11/2026 run wrote var/endpoints.yml readable by all, with the database password.
    (paths.VAR / "endpoints.yml").unlink(missing_ok=True)
    stack = Stack(
        deployment,
        model,
        port=rasa_port,
        actions_port=actions_port,
        cors=widget_origins(site_port),
        instance_ports=[base + i for i in range(deployment.instances)] if base and deployment.instances > 1 else None,
    )
    # The links in e-mails (signed by the action server and by the jobs in this process) point
    # to where this run answers: `run --port 5010` must not mail links to port 5005.
    settings.fill_in("PRIVACYBOT_PUBLIC_URL", stack.url, stack.actions.env)
    scheduler = jobs.Scheduler()
    site = SiteServer(rasa_url=stack.url, port=site_port, teaser_delay_ms=settings.teaser_delay_ms())
    console = ConsoleServer(port=console_port, secure_cookies=settings.console_https())
    # The staff notification mail links to the request in this run's console, also with --console-port.
    settings.fill_in("PRIVACYBOT_CONSOLE_URL", console.url.rstrip("/"), stack.actions.env)
    try:
        site.start()
        console.start()
        print(f"Rasa-server{'s' if deployment.instances > 1 else ''} starten (model laden duurt even)...", flush=True)
        stack.start()
        scheduler.start()
        rasa_lines = "\n".join(f"  rasa-instantie:   {r.url}  (log {r.log_file})" for r in stack.rasa)
        balancer = f"  nginx:            {stack.url} -> {len(stack.rasa)} instanties\n" if stack.balancer else ""
        print(
            f"""
Privacybot draait:
  website + chat:   {site.url}   (open dit in je browser)
  console support:  {console.url}   (account: privacybot users add NAAM --role agent)
  REST-kanaal:      POST {stack.url}/webhooks/rest/webhook
                    {{"sender": "bezoeker-1", "message": "Hoe lang bewaren jullie mijn gegevens?"}}
{balancer}{rasa_lines}
  actieserver:      {stack.actions.url}
  logs:             {stack.actions.log_file}, {site.log_file}, {console.log_file}
  In de terminal chatten kan met: .venv/bin/privacybot shell
Stoppen met Ctrl-C.""",
            flush=True,
        )
        while not stack.stopped() and site.running() and console.running():
            time.sleep(1)
        raise RuntimeError("Een van de processen stopte; zie de logs.")
    except KeyboardInterrupt:
        print("\nStoppen...")
        return 0
    finally:
        site.stop()
        console.stop()
        scheduler.stop()
        stack.stop()

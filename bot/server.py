"""``privacybot run``: the action server and the Rasa server on localhost, supervised
together; Ctrl-C stops both."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Optional

import yaml

from bot import jobs, paths, settings, spacy_model, training
from bot.processes import ActionServer, ConsoleServer, ModelServer, SiteServer, free_port, quiet_env, wait_for_http
from bot.store.db import migrate


def write_endpoints(actions_url: str, models_url: Optional[str] = None) -> str:
    """endpoints.yml for this run, from the environment (no secret lands in the repo)."""
    endpoints = {
        "action_endpoint": {"url": actions_url},
        "tracker_store": settings.tracker_store_settings(settings.database_url()),
    }
    if models_url:  # Rasa polls it and loads a newly promoted model without a restart
        endpoints["models"] = {"url": models_url,
                               "wait_time_between_pulls": int(os.environ.get("PRIVACYBOT_MODEL_PULL_SECONDS", "10"))}
    target = paths.VAR / "endpoints.yml"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(yaml.safe_dump(endpoints, sort_keys=False), encoding="utf-8")
    return str(target)


def _stop_on_sigterm(signum, frame) -> None:
    raise KeyboardInterrupt


def widget_origins(site_port: int) -> list:
    """Pages allowed to call the REST channel from a browser: the demo page, plus any
    site that embeds the widget (PRIVACYBOT_WIDGET_ORIGINS, comma-separated)."""
    extra = [o.strip().rstrip("/") for o in os.environ.get("PRIVACYBOT_WIDGET_ORIGINS", "").split(",") if o.strip()]
    return [f"http://127.0.0.1:{site_port}", f"http://localhost:{site_port}", *extra]


def run(rasa_port: int = 5005, actions_port: int = 5055, train: bool = True, site_port: int = 8000,
        console_port: int = 8001) -> int:
    signal.signal(signal.SIGTERM, _stop_on_sigterm)  # stop both children on `kill` as on Ctrl-C
    selection = spacy_model.current()
    print(selection.describe() if selection else "spaCy-pipeline onbekend: voer scripts/setup.sh uit")
    model = training.train() if train else training.latest_model()
    if model is None:
        print("Geen model gevonden in models/.", file=sys.stderr)
        return 1
    print(f"Model: {model}")
    migrate()  # our tables (requests, opt-outs, outbox) next to Rasa's tracker store
    print(f"Database: {settings.redacted(settings.database_url())} (schema bijgewerkt)")

    actions = ActionServer(port=actions_port)
    actions.start()
    models = ModelServer(port=free_port())
    models.start()
    scheduler = jobs.Scheduler()
    scheduler.start()
    endpoints = write_endpoints(actions.url, models.url)
    log_path = paths.VAR / "logs" / "rasa.log"
    cmd = training.rasa_command(
        "run", "--model", str(model), "--endpoints", endpoints,
        "--credentials", str(paths.CREDENTIALS), "--interface", "127.0.0.1",
        "--port", str(rasa_port), "--log-file", str(log_path), "--cors", *widget_origins(site_port))
    rasa = subprocess.Popen(cmd, cwd=paths.ROOT, env=quiet_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    site = SiteServer(rasa_url=f"http://127.0.0.1:{rasa_port}", port=site_port,
                      teaser_delay_ms=int(os.environ.get("PRIVACYBOT_TEASER_DELAY_MS", "4000")))
    console = ConsoleServer(port=console_port, secure_cookies=os.environ.get("PRIVACYBOT_CONSOLE_HTTPS") == "1")
    try:
        site.start()
        console.start()
        print("Rasa-server starten (model laden duurt even)...", flush=True)
        wait_for_http(f"http://127.0.0.1:{rasa_port}/", timeout=300, process=rasa)
        print(f"""
Privacybot draait:
  website + chat:   {site.url}   (open dit in je browser)
  console support:  {console.url}   (account: privacybot users add NAAM --role agent)
  REST-kanaal:      POST http://127.0.0.1:{rasa_port}/webhooks/rest/webhook
                    {{"sender": "bezoeker-1", "message": "Hoe lang bewaren jullie mijn gegevens?"}}
  socket.io-kanaal: http://127.0.0.1:{rasa_port}/socket.io
  actieserver:      {actions.url}
  logs:             {log_path}, {actions.log_file}, {site.log_file}, {console.log_file}
  In de terminal chatten kan met: .venv/bin/privacybot shell
Stoppen met Ctrl-C.""", flush=True)
        while rasa.poll() is None and all(p.process and p.process.poll() is None for p in (actions, site, console, models)):
            time.sleep(1)
        print("Een van de processen stopte; zie de logs.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nStoppen...")
        return 0
    finally:
        if rasa.poll() is None:
            rasa.terminate()
            try:
                rasa.wait(timeout=15)
            except subprocess.TimeoutExpired:
                rasa.kill()
        actions.stop()
        models.stop()
        site.stop()
        console.stop()
        scheduler.stop()

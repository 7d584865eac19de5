"""`privacybot run` (what ./run starts): action server and Rasa server answer over REST."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from bot import paths
from bot.processes import free_port, wait_for_http


@pytest.fixture
def running_server(trained_model, tmp_path):
    rasa_port, actions_port = free_port(), free_port()
    env = dict(os.environ, PRIVACYBOT_DATABASE_URL=f"sqlite:///{tmp_path / 'run.db'}")
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "run", "--no-train", "--port", str(rasa_port),
                             "--actions-port", str(actions_port)], cwd=paths.ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for_http(f"http://127.0.0.1:{rasa_port}/", timeout=300, process=proc)
        yield rasa_port, actions_port, proc
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)


def say(port: int, sender: str, text: str) -> list:
    body = json.dumps({"sender": sender, "message": text}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/webhooks/rest/webhook", body,
                                     {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def test_run_serves_the_assistant_and_stops_cleanly(running_server, tmp_path):
    rasa_port, actions_port, proc = running_server
    greeting = say(rasa_port, "visitor-1", "hallo")
    assert greeting[0]["text"].startswith("Hallo 👋") and greeting[0]["buttons"]
    first = say(rasa_port, "visitor-1", "worden mijn telefoongesprekken opgenomen?")
    second = say(rasa_port, "visitor-1", "en hoe lang?")
    assert "6 maanden" in second[0]["text"], (first, second)
    assert (tmp_path / "run.db").exists()  # conversations go to PRIVACYBOT_DATABASE_URL
    proc.send_signal(signal.SIGTERM)
    output, _ = proc.communicate(timeout=60)
    assert "FALLBACK" in output or "nl_core_news_sm" in output  # start-up names the spaCy pipeline
    assert "webhooks/rest/webhook" in output
    time.sleep(1)
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{actions_port}/health", timeout=2)

"""`privacybot run` (what ./run starts): action server and Rasa server answer over REST."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import timedelta

import pytest

from bot import optouts, paths, request_flow, rights, unsubscribe_links
from bot.store.db import Store
from bot.processes import free_port, wait_for_http


SECRET = "server-test-key-" + "k" * 40


@pytest.fixture
def running_server(trained_model, tmp_path):
    rasa_port, actions_port = free_port(), free_port()
    env = dict(os.environ, PRIVACYBOT_DATABASE_URL=f"sqlite:///{tmp_path / 'run.db'}",
               PRIVACYBOT_SECRET_KEY=SECRET, PRIVACYBOT_PUBLIC_URL=f"http://127.0.0.1:{rasa_port}",
               PRIVACYBOT_OUTBOX_DIR=str(tmp_path / "outbox"), PRIVACYBOT_JOB_INTERVAL="1")
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


def fetch(url: str, method: str = "GET", data: bytes | None = None):
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), dict(error.headers)


def test_links_in_our_mails_are_served_by_the_running_server(running_server, tmp_path, monkeypatch):
    rasa_port, _, _ = running_server
    monkeypatch.setenv("PRIVACYBOT_SECRET_KEY", SECRET)
    monkeypatch.setenv("PRIVACYBOT_PUBLIC_URL", f"http://127.0.0.1:{rasa_port}")
    store = Store(f"sqlite:///{tmp_path / 'run.db'}")
    request = request_flow.submit(store, rights.NewRequest("access", "Lisa Maes", "lisa@example.be"))
    link = request_flow.verification_link(request.reference)
    deadline = time.monotonic() + 30  # the server's job delivers the queued mails by itself
    while len(list((tmp_path / "outbox").glob("*.eml"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.5)
    delivered = [p.read_text() for p in (tmp_path / "outbox").glob("*.eml")]
    assert len(delivered) == 2 and any("lisa@example.be" in text for text in delivered)

    status, body, headers = fetch(link)  # a mail scanner opening the link changes nothing
    assert status == 200 and "<form method=\"post\">" in body
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert rights.get(store, request.reference).status == rights.UNVERIFIED
    assert fetch(link[:-4] + "AAAA", "POST", b"")[0] == 400
    status, body, _ = fetch(link, "POST", b"")
    assert status == 200 and request.reference in body
    assert rights.get(store, request.reference).status == rights.OPEN

    unsubscribe = unsubscribe_links.unsubscribe_link("Lisa@Example.be")
    assert fetch(unsubscribe)[0] == 200 and optouts.opted_out_channels(store, "lisa@example.be") == []
    status, body, _ = fetch(unsubscribe, "POST", b"List-Unsubscribe=One-Click")  # RFC 8058
    assert status == 200 and "uitgeschreven" in body
    assert optouts.opted_out_channels(store, "lisa@example.be") == ["email"]
    assert "al uitgeschreven" in fetch(unsubscribe, "POST", b"List-Unsubscribe=One-Click")[1]
    expired = unsubscribe_links.unsubscribe_link("piet@example.be", now=rights.now_utc() - timedelta(days=400))
    assert fetch(expired, "POST", b"")[0] == 400
    assert optouts.opted_out_channels(store, "piet@example.be") == []
    store.dispose()

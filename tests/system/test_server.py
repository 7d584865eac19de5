"""`privacybot run` (what ./run starts): action server and Rasa server answer over REST."""

from __future__ import annotations

import contextlib
import email.policy
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.core import clock, paths
from bot.ops.processes import free_port, wait_for_http
from bot.privacy import optouts, rights, status_mail, unsubscribe_links, verification
from bot.store.db import Store
from bot.store.models import OutboxMessage

SECRET = "server-test-key-" + "k" * 40


@contextlib.contextmanager
def start_server(tmp_path, **extra_env):
    rasa_port, actions_port, site_port, console_port = free_port(), free_port(), free_port(), free_port()
    # No PRIVACYBOT_PUBLIC_URL nor PRIVACYBOT_CONSOLE_URL: `run --port` and `--console-port` themselves
    # must make the mailed links point to this run.
    env = {k: v for k, v in os.environ.items() if k not in {"PRIVACYBOT_PUBLIC_URL", "PRIVACYBOT_CONSOLE_URL"}}
    env.update(
        PRIVACYBOT_DATABASE_URL=f"sqlite:///{tmp_path / 'run.db'}",
        PRIVACYBOT_SECRET_KEY=SECRET,
        PRIVACYBOT_OUTBOX_DIR=str(tmp_path / "outbox"),
        PRIVACYBOT_JOB_INTERVAL="1",
        **extra_env,
    )
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bot.cli",
            "run",
            "--no-train",
            "--port",
            str(rasa_port),
            "--actions-port",
            str(actions_port),
            "--site-port",
            str(site_port),
            "--console-port",
            str(console_port),
        ],
        cwd=paths.ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for_http(f"http://127.0.0.1:{rasa_port}/", timeout=300, process=proc)
        yield rasa_port, actions_port, proc, site_port, console_port
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)


@pytest.fixture
def running_server(trained_model, tmp_path):
    with start_server(tmp_path) as server:
        yield server[:3]


def say(port: int, sender: str, text: str) -> list:
    body = json.dumps({"sender": sender, "message": text}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/webhooks/rest/webhook", body, {"Content-Type": "application/json"}
    )
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
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
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
    request = verification.submit(store, rights.NewRequest("access", "Lisa Maes", "lisa@example.be"))
    link = verification.verification_link(request.reference)
    deadline = time.monotonic() + 30  # the server's job delivers the queued mails by itself
    while len(list((tmp_path / "outbox").glob("*.eml"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.5)
    delivered = [p.read_text() for p in (tmp_path / "outbox").glob("*.eml")]
    assert len(delivered) == 2 and any("lisa@example.be" in text for text in delivered)

    status, body, headers = fetch(link)  # a mail scanner opening the link changes nothing
    assert status == 200 and '<form method="post">' in body
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
    expired = unsubscribe_links.unsubscribe_link("piet@example.be", now=clock.now_utc() - timedelta(days=400))
    assert fetch(expired, "POST", b"")[0] == 400
    assert optouts.opted_out_channels(store, "piet@example.be") == []
    store.dispose()


def wait_for_mails(inbox, count: int, timeout: float = 30) -> list:
    deadline = time.monotonic() + timeout  # the server's job delivers queued mail by itself
    while len(inbox.messages) < count and time.monotonic() < deadline:
        time.sleep(0.5)
    return list(inbox.messages)


def body_of(message) -> str:
    parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    return parsed.get_body(("plain",)).get_content()


def staff(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args], cwd=paths.ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_a_request_from_chat_to_done(trained_model, tmp_path, smtp_server, monkeypatch):
    """A visitor asks for erasure in the chat; the e-mails arrive by SMTP; the link verifies the
    address; staff take the request through to done; the audit trail shows every step."""
    controller, inbox = smtp_server
    smtp = f"smtp://127.0.0.1:{controller.port}"
    database = f"sqlite:///{tmp_path / 'run.db'}"
    with start_server(tmp_path, PRIVACYBOT_SMTP_URL=smtp) as (port, _, _, _, console_port):
        for text in (
            "ik wil dat jullie al mijn gegevens wissen",
            "Jan Peeters",
            "Jan.Peeters@Example.be",
            "klantnummer 884512",
        ):
            say(port, "visitor-e2e", text)
        summary = say(port, "visitor-e2e", "ja")  # the summary came before; this sends it
        reply = " ".join(m.get("text", "") for m in summary)
        reference = re.search(r"PRV-[0-9A-Z]{10}", reply).group(0)

        mails = wait_for_mails(inbox, 2)
        by_recipient = {m["To"]: m for m in mails}
        assert set(by_recipient) == {"jan.peeters@example.be", "privacy@kmo-verzekeringen.be"}
        confirmation = body_of(by_recipient["jan.peeters@example.be"])
        notification = body_of(by_recipient["privacy@kmo-verzekeringen.be"])
        assert reference in confirmation and reference in notification
        assert "Jan Peeters" not in notification and "jan.peeters" not in notification  # no personal data
        # Staff open the request in this run's console (--console-port), not by a CLI command.
        assert f"http://127.0.0.1:{console_port}/requests/{reference}" in notification
        link = re.search(r"http://\S+/webhooks/privacy/verify\?token=\S+", confirmation).group(0)
        assert link.startswith(f"http://127.0.0.1:{port}/")  # where this run answers, not 5005
        status, body, _ = fetch(link, "POST", b"")
        assert status == 200 and reference in body

    env = dict(os.environ, PRIVACYBOT_DATABASE_URL=database)
    store = Store(database)
    assert rights.get(store, reference).status == rights.OPEN
    listed = json.loads(staff("requests", "list", "--status", "open", "--json", env=env).stdout)
    assert [item["reference"] for item in listed] == [reference]
    assert (
        staff("requests", "update", reference, "--status", "in_progress", "--note", "gestart", env=env).returncode == 0
    )
    done = staff("requests", "update", reference, "--status", "done", "--note", "gewist op 25/11", env=env)
    assert done.returncode == 0 and "done" in done.stdout
    request = rights.get(store, reference)
    assert request.status == rights.DONE and request.closed_at is not None
    assert request.request_type == "erasure" and request.customer_number == "884512"
    trail = [(e.from_status, e.to_status, e.actor, e.note) for e in request.events]
    assert [(t[0], t[1]) for t in trail] == [
        (None, "unverified"),
        ("unverified", "open"),
        ("open", "in_progress"),
        ("in_progress", "done"),
    ]
    # The CLI's status changes mail the requester like the console (bot.privacy.status_mail), and the trail says so.
    assert trail[1][2] == "aanvrager (link)" and trail[3][3] == "gewist op 25/11 (mail aan de aanvrager)"
    with store.session() as session:
        status_mails = (
            session.execute(select(OutboxMessage.recipient).where(OutboxMessage.kind == status_mail.KIND))
            .scalars()
            .all()
        )
    assert status_mails == ["jan.peeters@example.be"] * 2  # in_progress and done
    shown = staff("requests", "show", reference, env=env).stdout
    assert "gewist op 25/11" in shown and "aanvrager (link)" in shown
    assert staff("requests", "update", reference, "--status", "open", "--note", "x", env=env).returncode != 0
    store.dispose()


def test_unsubscribing_from_chat_and_by_link(trained_model, tmp_path, monkeypatch):
    database = f"sqlite:///{tmp_path / 'run.db'}"
    env = dict(os.environ, PRIVACYBOT_DATABASE_URL=database)
    with start_server(tmp_path) as (port, _, _, site_port, _):
        status, page, headers = fetch(f"http://127.0.0.1:{site_port}/")  # run also serves the widget's page
        assert status == 200 and "/widget/privacybot.js" in page and f'data-server="http://127.0.0.1:{port}"' in page
        assert "connect-src 'self' http://127.0.0.1:" in headers["Content-Security-Policy"]
        say(port, "visitor-unsub", "ik wil geen reclame meer ontvangen")
        say(port, "visitor-unsub", "per e-mail")
        reply = say(port, "visitor-unsub", "Marie.Claes@Example.be")
        assert "geen reclame (meer)" in reply[0]["text"]  # one reply whether or not already listed
        assert staff("optouts", "check", "marie.claes@example.be", env=env).returncode == 0
        assert staff("optouts", "check", "0470 99 88 77", env=env).returncode == 1

        monkeypatch.setenv("PRIVACYBOT_SECRET_KEY", SECRET)
        monkeypatch.setenv("PRIVACYBOT_PUBLIC_URL", f"http://127.0.0.1:{port}")
        link = unsubscribe_links.unsubscribe_link("Wout.Maes@example.be")
        tampered = link.replace("token=", "token=x")
        assert fetch(tampered, "POST", b"List-Unsubscribe=One-Click")[0] == 400
        assert staff("optouts", "check", "wout.maes@example.be", env=env).returncode == 1
        status, body, _ = fetch(link, "POST", b"List-Unsubscribe=One-Click")
        assert status == 200 and "uitgeschreven" in body
    assert staff("optouts", "check", "WOUT.MAES@example.be", env=env).returncode == 0
    listed = json.loads(staff("optouts", "list", "--json", env=env).stdout)
    assert sorted(item["address"] for item in listed) == ["marie.claes@example.be", "wout.maes@example.be"]


def relabelled_copy(model, model_id: str):
    """The same model under a new name and model_id: a 'newly promoted' model whose answers
    can be told apart in the tracker (Rasa stamps model_id on every event)."""
    import io
    import tarfile

    target = model.with_name(f"reload-test-{model_id}.tar.gz")
    with tarfile.open(model, "r:gz") as source, tarfile.open(target, "w:gz", compresslevel=1) as out:
        for member in source.getmembers():
            data = source.extractfile(member).read() if member.isfile() else None
            if member.name.lstrip("/") == "metadata.json":
                meta = json.loads(data)
                meta["model_id"] = model_id
                data = json.dumps(meta).encode()
                member.size = len(data)
            out.addfile(member, io.BytesIO(data) if data is not None else None)
    return target


def model_ids(database: str, sender: str) -> list:
    store = Store(database)
    from bot.store.events import events_table

    table = events_table(store.engine)
    import sqlalchemy as sa

    with store.engine.connect() as conn:
        rows = conn.execute(
            sa.select(table.c.data).where(table.c.sender_id == sender, table.c.type_name == "user").order_by(table.c.id)
        ).all()
    store.dispose()
    return [json.loads(r.data).get("metadata", {}).get("model_id") for r in rows]


def test_a_promoted_model_is_loaded_without_restart_mid_conversation(trained_model, tmp_path):
    from bot.nlu import model_registry

    before = model_registry.promote(model_registry.current(paths.MODELS), paths.MODELS)  # in the registry
    copy = relabelled_copy(before, "reloadtest0001")
    model_registry.write_meta(copy, **model_registry.read_meta(before))
    try:
        with start_server(tmp_path, PRIVACYBOT_MODEL_PULL_SECONDS="2") as (port, *_):
            say(port, "visitor-reload", "nemen jullie telefoongesprekken op?")
            model_registry.promote(copy, paths.MODELS)
            deadline = time.monotonic() + 90
            answer = []
            while time.monotonic() < deadline:  # Rasa polls the model server every 2 s here
                time.sleep(3)
                say(port, "visitor-probe", "hallo")
                if model_ids(f"sqlite:///{tmp_path / 'run.db'}", "visitor-probe")[-1] == "reloadtest0001":
                    answer = say(port, "visitor-reload", "en hoe lang?")
                    break
            assert answer, "the promoted model was not loaded within 90 s"
            assert "6 maanden" in answer[0]["text"]  # the conversation went on, in context
            ids = model_ids(f"sqlite:///{tmp_path / 'run.db'}", "visitor-reload")
            assert ids[0] != "reloadtest0001" and ids[-1] == "reloadtest0001"
    finally:
        model_registry.rollback(paths.MODELS)
        copy.unlink(missing_ok=True)
        model_registry.sidecar(copy).unlink(missing_ok=True)
    assert model_registry.current(paths.MODELS) == before

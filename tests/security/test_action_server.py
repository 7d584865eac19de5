"""The action server, attacked the way the outside attacker did (issue 15, finding 4).

rasa_sdk's webhook ran any action for anyone who could reach it (any local user, any container
on the compose network): the attacker registered requests with unchecked fields, attached one
to another visitor's conversation and guessed status references without limit. Here the same
calls go to the running stack's action server: without the shared secret nothing runs; with
it (as if the secret leaked), the submit and lookup actions still check what they store.
"""

from __future__ import annotations

import json
import subprocess
import sys

import sqlalchemy as sa

from bot.core import paths
from bot.core.internal_auth import ACTIONS
from bot.core.quiet import quiet_env
from bot.dialogue import forms
from tests.security.test_running_stack import request, say, text_of


def action_call(action: str, sender: str, slots: dict, metadata: dict = None) -> bytes:
    """An action call as Rasa sends it (rasa.core.actions.action.RemoteAction)."""
    user = {
        "event": "user",
        "text": "ja",
        "parse_data": {"intent": {"name": "affirm", "confidence": 1.0}, "entities": [], "text": "ja"},
        "metadata": metadata or {},
    }
    tracker = {
        "sender_id": sender,
        "slots": slots,
        "latest_message": user,
        "events": [user],
        "active_loop": {},
        "latest_action_name": "action_listen",
        "paused": False,
        "followup_action": None,
        "latest_event_time": 1.0,
        "latest_input_channel": "rest",
    }
    return json.dumps(
        {"next_action": action, "sender_id": sender, "tracker": tracker, "domain": {}, "version": "3.6.21"}
    ).encode()


SLOTS = {
    "request_type": "access",
    "requester_name": "Eva Janssens",
    "requester_email": "eva.janssens@example.be",
    "customer_number": "geen",
    "request_details": None,
    "request_confirmed": True,
}


def stored_emails(stack) -> list:
    engine = sa.create_engine(stack.database, future=True)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("select email, name from rights_requests")).all()
    engine.dispose()
    return rows


def test_without_the_secret_no_action_runs(stack):
    body = action_call("action_submit_rights_request", "victim-conversation", SLOTS, {"client": "aanvaller"})
    for headers in (
        {},
        {ACTIONS.header: "geraden"},
        {ACTIONS.header: stack.actions.token[:-1]},
        {"Authorization": f"Bearer {stack.actions.token}"},
    ):
        status, _, raw = request(stack.actions.url, body, headers={"Content-Type": "application/json", **headers})
        assert status == 401, (headers, status, raw[:200])
    status, _, _ = request(stack.actions.url.replace("/webhook", "/actions"))
    assert status == 401  # not even the list of actions
    assert "eva.janssens@example.be" not in [row.email for row in stored_emails(stack)]


def test_the_health_check_stays_open(stack):
    status, _, _ = request(stack.actions.url.replace("/webhook", "/health"))
    assert status == 200


def test_with_a_leaked_secret_unchecked_fields_are_still_refused(stack):
    headers = {"Content-Type": "application/json", ACTIONS.header: stack.actions.token}
    bad = [
        dict(SLOTS, requester_name="<script>alert(1)</script>"),
        dict(SLOTS, requester_name="ik wil eigenlijk inzage"),
        dict(SLOTS, requester_email="geen-adres"),
        dict(SLOTS, request_type="alles_wissen"),
        dict(SLOTS, customer_number="x" * 500),
    ]
    for n, slots in enumerate(bad):
        status, _, raw = request(
            stack.actions.url,
            action_call("action_submit_rights_request", f"leak-{n}", slots, {"client": "aanvaller"}),
            headers=headers,
        )
        assert status == 200
        said = " ".join(r.get("text") or "" for r in json.loads(raw)["responses"])
        assert said == forms.UNCHECKED, (slots, said)
    # Without a client key (the call did not come through the chat channel): nothing either.
    status, _, raw = request(
        stack.actions.url, action_call("action_submit_rights_request", "leak-x", SLOTS), headers=headers
    )
    said = " ".join(r.get("text") or "" for r in json.loads(raw)["responses"])
    assert said == forms.NO_CLIENT
    assert not [row for row in stored_emails(stack) if row.email == "eva.janssens@example.be"]


def test_lookups_without_a_client_key_find_nothing(stack):
    headers = {"Content-Type": "application/json", ACTIONS.header: stack.actions.token}
    slots = {"lookup_reference": "PRV-0000000001", "lookup_email": "iemand@example.be", "lookup_failures": 0}
    status, _, raw = request(
        stack.actions.url, action_call("action_lookup_status", "leak-lookup", slots), headers=headers
    )
    assert status == 200
    said = " ".join(r.get("text") or "" for r in json.loads(raw)["responses"])
    assert said == forms.NOT_FOUND


def test_the_chat_itself_still_reaches_its_actions(stack):
    """The form's validation is an action-server call: the next question only comes when
    Rasa's calls carry the secret."""
    sender = "sec-action-ok"
    say(stack, sender, "ik wil mijn gegevens laten wissen")
    status, replies = say(stack, sender, "Eva Janssens")
    assert status == 200 and "e-mail" in text_of(replies).lower(), text_of(replies)


def test_the_action_server_does_not_start_without_its_secret():
    env = {k: v for k, v in quiet_env().items() if k != ACTIONS.env}
    result = subprocess.run(
        [sys.executable, "-m", "bot.web.action_server", "--actions", "actions", "--port", "0"],
        cwd=paths.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "PRIVACYBOT_ACTION_TOKEN ontbreekt" in result.stderr and "Traceback" not in result.stderr
    result = subprocess.run(
        [sys.executable, "-m", "bot.web.action_server", "--actions", "actions", "--port", "0"],
        cwd=paths.ROOT,
        env={**env, ACTIONS.env: "kort"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "te kort" in result.stderr


def test_every_endpoints_file_carries_the_secret(tmp_path):
    import yaml

    from bot.ops.deployment import Deployment

    target = Deployment(f"sqlite:///{tmp_path / 'x.db'}", None).write_endpoints(
        tmp_path / "endpoints.yml", "http://actions:5055/webhook", action_token="t" * 40
    )
    written = yaml.safe_load(target.read_text())
    assert written["action_endpoint"]["headers"] == {ACTIONS.header: "t" * 40}
    repo = yaml.safe_load((paths.ROOT / "endpoints.yml").read_text())
    assert repo["action_endpoint"]["headers"] == {ACTIONS.header: "${PRIVACYBOT_ACTION_TOKEN}"}
    compose = yaml.safe_load((paths.ROOT / "compose.yaml").read_text())
    for service in ("actions", "rasa1", "rasa2"):
        assert "PRIVACYBOT_ACTION_TOKEN" in compose["services"][service]["environment"], service
    for service in ("console", "site", "jobs", "models"):
        environment = compose["services"][service].get("environment") or {}
        assert "PRIVACYBOT_ACTION_TOKEN" not in environment, service  # only where it is needed

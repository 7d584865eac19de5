"""The model server hands the model only to the Rasa servers (issue 15, finding 15).

The attacker fetched the model, training data included, from the model server as any local
client. Now it demands PRIVACYBOT_MODEL_TOKEN, which only the Rasa servers are given (the
endpoints file's ``models.headers``); the hot reload through it is tested in test_server.py.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
import requests
import yaml

from bot.core import paths
from bot.core.internal_auth import MODELS
from bot.core.quiet import quiet_env
from bot.nlu import model_registry
from bot.ops.processes import ModelServer


@pytest.fixture(scope="module")
def server(trained_model, tmp_path_factory):
    running = ModelServer(log_file=tmp_path_factory.mktemp("models") / "models.log")
    running.start()
    yield running
    running.stop()


def test_no_model_without_the_secret(server):
    tag = model_registry.current(paths.MODELS).name
    for headers in ({}, {MODELS.header: "geraden"}, {MODELS.header: server.token[:-1]}):
        answer = requests.get(server.url, headers=headers, stream=True, timeout=30)
        assert answer.status_code == 401, headers
        answer.close()
    # With the secret (and the tag Rasa already has, so no 100 MB download): the usual 304.
    answer = requests.get(server.url, headers={MODELS.header: server.token, "If-None-Match": tag}, timeout=30)
    assert answer.status_code == 304
    assert requests.get(server.url.replace("/model", "/health"), timeout=30).status_code == 200


def test_it_does_not_start_without_its_secret():
    env = {k: v for k, v in quiet_env().items() if k != MODELS.env}
    result = subprocess.run(
        [sys.executable, "-m", "bot.web.model_server", "--port", "0"],
        cwd=paths.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "PRIVACYBOT_MODEL_TOKEN ontbreekt" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_rasa_servers_are_given_the_secret(tmp_path):
    from bot.ops.deployment import Deployment

    written = yaml.safe_load(
        Deployment(f"sqlite:///{tmp_path / 'x.db'}", None)
        .write_endpoints(tmp_path / "e.yml", "http://a:5055/webhook", "http://m:5056/model", model_token="m" * 40)
        .read_text()
    )
    assert written["models"]["headers"] == {MODELS.header: "m" * 40}
    compose = yaml.safe_load((paths.ROOT / "compose.yaml").read_text(encoding="utf-8"))
    for service, needs in (
        ("models", True),
        ("rasa1", True),
        ("rasa2", True),
        ("actions", False),
        ("console", False),
        ("jobs", False),
    ):
        assert (MODELS.env in (compose["services"][service].get("environment") or {})) is needs, service

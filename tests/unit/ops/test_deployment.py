"""The deployment settings: what the Rasa servers are told, what is refused, and the nginx
configuration (checked by nginx itself)."""

from __future__ import annotations

import os
import stat
import subprocess

import pytest
import yaml

from bot.core import settings
from bot.ops.deployment import Deployment, DeploymentError, lock_store_settings, nginx_config, nginx_main_config
from bot.ops.processes import ActionServer, nginx_binary
from tests.conftest import run_privacybot

PG = "postgresql://bot:s3cret@db.internal:5433/privacybot"


def test_one_instance_on_sqlite_needs_nothing_else(tmp_path):
    deployment = Deployment(f"sqlite:///{tmp_path / 'x.db'}", None).check()
    endpoints = deployment.endpoints("http://127.0.0.1:5055/webhook")
    assert endpoints["tracker_store"]["dialect"] == "sqlite"
    assert "lock_store" not in endpoints and "models" not in endpoints


@pytest.mark.parametrize(
    "database, redis, words",
    [
        ("sqlite:///var/x.db", "redis://127.0.0.1:6379/1", "PostgreSQL"),
        (PG, None, "Redis"),
    ],
)
def test_several_instances_refuse_a_store_they_cannot_share(database, redis, words):
    with pytest.raises(DeploymentError, match=words):
        Deployment(database, redis, instances=2).check()


def test_several_instances_get_the_shared_stores_and_our_lock_store(tmp_path):
    deployment = Deployment(PG, "redis://:r3dis@cache.internal:6380/3", instances=3, lock_lifetime=15).check()
    target = deployment.write_endpoints(
        tmp_path / "endpoints.yml", "http://actions:5055/webhook", "http://models:5056/model"
    )
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600  # it holds passwords
    written = yaml.safe_load(target.read_text())
    assert written["tracker_store"] == {
        "type": settings.TRACKER_STORE_TYPE,
        "dialect": "postgresql",
        "url": "db.internal",
        "port": 5433,
        "db": "privacybot",
        "username": "bot",
        "password": "s3cret",
    }
    assert written["lock_store"] == {
        "type": "bot.plugins.locks.AtomicRedisLockStore",
        "url": "cache.internal",
        "port": 6380,
        "db": 3,
        "key_prefix": "privacybot",
        "lock_lifetime": 15,
        "password": "r3dis",
    }
    assert written["models"]["url"] == "http://models:5056/model"


def test_a_lock_store_url_must_be_redis():
    with pytest.raises(DeploymentError, match="redis://"):
        lock_store_settings("http://127.0.0.1:6379", 20)
    assert lock_store_settings("rediss://h:6379/0", 20)["use_ssl"] is True


def test_from_the_environment(monkeypatch):
    monkeypatch.setenv("PRIVACYBOT_DATABASE_URL", PG)
    monkeypatch.setenv("PRIVACYBOT_REDIS_URL", "redis://127.0.0.1:6379/1")
    monkeypatch.setenv("PRIVACYBOT_INSTANCES", "2")
    monkeypatch.setenv("PRIVACYBOT_LOCK_LIFETIME", "12")
    monkeypatch.setenv("PRIVACYBOT_WIDGET_ORIGINS", "https://www.example.be/, https://shop.example.be")
    deployment = Deployment.from_env()
    assert (deployment.instances, deployment.lock_lifetime) == (2, 12.0)
    assert settings.widget_origins() == ["https://www.example.be", "https://shop.example.be"]


def test_the_action_server_listens_where_we_bind(monkeypatch):
    assert ActionServer().env["SANIC_HOST"] == "127.0.0.1"  # rasa_sdk's own default is 0.0.0.0
    monkeypatch.setenv("PRIVACYBOT_BIND", "0.0.0.0")
    assert ActionServer().env["SANIC_HOST"] == "0.0.0.0"


def test_a_stacks_own_settings_reach_its_processes_and_nothing_else(tmp_path):
    """A fixture that set its limits in os.environ once leaked them into every later stack
    (CI failed on it); a stack's settings now go to its own processes only."""
    from bot.ops.stack import Stack

    stack = Stack(
        Deployment(f"sqlite:///{tmp_path / 'chat.db'}", None),
        tmp_path / "model.tar.gz",
        var=tmp_path,
        model_server=False,
        env={"PRIVACYBOT_REQUEST_LIMIT_PER_IP": "1"},
    )
    for process in (stack.actions, *stack.rasa):
        assert process.env["PRIVACYBOT_REQUEST_LIMIT_PER_IP"] == "1"
        assert process.env["PRIVACYBOT_DATABASE_URL"].endswith("chat.db")
    assert os.environ.get("PRIVACYBOT_REQUEST_LIMIT_PER_IP") != "1"


@pytest.mark.skipif(nginx_binary() is None, reason="nginx ontbreekt (Debian-pakket nginx-light)")
def test_nginx_accepts_the_configuration(tmp_path):
    main = nginx_main_config(tmp_path / "nginx", "127.0.0.1:18080", ["127.0.0.1:15010", "127.0.0.1:15011"])
    check = subprocess.run(
        [nginx_binary(), "-t", "-p", str(tmp_path / "nginx"), "-e", str(tmp_path / "e.log"), "-c", str(main)],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stderr
    conf = (tmp_path / "nginx" / "privacybot.conf").read_text()
    assert conf.count("server 127.0.0.1:15011 max_fails=1") == 1 and "access_log off;" in conf
    assert "@LISTEN@" not in conf and "listen 127.0.0.1:18080;" in conf


def test_nginx_config_command_prints_the_same_text():
    result = run_privacybot("nginx-config", "--listen", "80", "--upstream", "rasa1:5005", "--upstream", "rasa2:5005")
    assert result.returncode == 0
    assert result.stdout == nginx_config("80", ["rasa1:5005", "rasa2:5005"])


def test_compose_uses_the_committed_nginx_configuration():
    from bot.core import paths

    committed = (paths.ROOT / "deploy" / "nginx" / "compose.conf").read_text()
    assert committed == nginx_config("80", ["rasa1:5005", "rasa2:5005"])


def test_serve_rasa_refuses_several_instances_without_redis(tmp_path):
    result = run_privacybot(
        "serve", "rasa", env={"PRIVACYBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "PRIVACYBOT_INSTANCES": "2"}
    )
    assert result.returncode == 2 and "PostgreSQL" in result.stderr and "Traceback" not in result.stderr


def test_run_refuses_several_instances_on_sqlite(tmp_path):
    result = run_privacybot(
        "run", "--no-train", "--instances", "2", env={"PRIVACYBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    )
    assert result.returncode == 2 and "PostgreSQL" in result.stderr and "Traceback" not in result.stderr

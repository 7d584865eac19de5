"""One secret per purpose, only where it is used (issue 15, finding 11).

The attacker's point: the one PRIVACYBOT_SECRET_KEY signed links, keyed the console's sessions
and CSRF and hashed addresses, and it sat in the internet-facing Rasa processes, so a
compromised Rasa server could forge a console session. Here a console process runs with its
own key; a session cookie forged with everything a Rasa process knows is refused, while one
made with the console's own key is accepted (so the forgery itself is done right).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest
import requests
import yaml
from aiohttp_session.cookie_storage import EncryptedCookieStorage

from bot.core import keys, paths
from bot.ops.processes import ConsoleServer
from bot.staff import accounts
from bot.store.db import Store, migrate

MASTER = "gedeeld-geheim-" + "m" * 40  # what the Rasa processes held (and still may hold)
CONSOLE = "console-geheim-" + "c" * 40  # the console's own key


def cookie(key32: bytes, data: dict) -> str:
    """A session cookie as aiohttp-session's EncryptedCookieStorage writes it."""
    storage = EncryptedCookieStorage(key32, cookie_name="privacybot_console")
    payload = json.dumps({"created": int(time.time()), "session": data})
    return storage._fernet.encrypt(payload.encode()).decode()


@pytest.fixture(scope="module")
def console(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("keys")
    url = f"sqlite:///{tmp / 'console.db'}"
    migrate(url)
    store = Store(url)
    user = accounts.add_user(store, "admin1", "een-lang-test-wachtwoord", "admin")
    server = ConsoleServer(
        log_file=tmp / "console.log",
        env={"PRIVACYBOT_DATABASE_URL": url, "PRIVACYBOT_SECRET_KEY": MASTER, "PRIVACYBOT_CONSOLE_KEY": CONSOLE},
    )
    server.start()
    yield server.url.rstrip("/"), {"user_id": user.id, "version": user.session_version}
    server.stop()
    store.dispose()


def opens(url: str, value: str) -> bool:
    answer = requests.get(f"{url}/conversations", cookies={"privacybot_console": value}, allow_redirects=False)
    return answer.status_code == 200


def test_a_session_forged_with_the_rasa_secrets_is_refused(console):
    url, data = console
    old_way = hashlib.sha256(f"session:{MASTER}".encode()).digest()  # the derivation before
    derived = hmac.new(MASTER.encode(), b"privacybot:console", hashlib.sha256).hexdigest()
    for forged_from in (old_way, hashlib.sha256(f"session:{derived}".encode()).digest()):
        assert not opens(url, cookie(forged_from, data))
    own = hashlib.sha256(f"session:{CONSOLE}".encode()).digest()
    assert opens(url, cookie(own, data))  # the same cookie with the console's key works


def test_keys_differ_per_purpose_and_follow_their_settings(monkeypatch):
    monkeypatch.setenv("PRIVACYBOT_SECRET_KEY", MASTER)
    for name in keys.SETTINGS.values():
        monkeypatch.delenv(name, raising=False)
    assert keys.key("links") == MASTER  # links already mailed keep working
    assert len({keys.key(p) for p in keys.SETTINGS}) == 3
    monkeypatch.setenv("PRIVACYBOT_CONSOLE_KEY", CONSOLE)
    assert keys.key("console") == CONSOLE and keys.key("address") != CONSOLE


def _component(service: dict) -> str:
    command = service.get("command") or []
    return command[1] if command[:1] == ["serve"] else "migrate"


def test_compose_gives_each_container_only_the_keys_it_uses():
    compose = yaml.safe_load((paths.ROOT / "compose.yaml").read_text(encoding="utf-8"))
    for name, service in compose["services"].items():
        if service.get("image") != "privacybot:local":
            continue
        environment = service.get("environment") or {}
        given = {p for p, setting in keys.SETTINGS.items() if setting in environment}
        assert given == set(keys.COMPONENT_KEYS[_component(service)]), name
        assert "PRIVACYBOT_SECRET_KEY" not in environment, name  # no master key that derives the others

"""The console login, attacked the way the outside attacker did (issue 15, findings 5 and 7).

Finding 5: behind the documented reverse proxy every login came from the proxy's address, and
the per-address limit counted successful logins too, so ten attempts locked out all staff.
Here a real console process sits behind a "proxy" (requests from 127.0.0.1, a trusted proxy by
default, carrying X-Forwarded-For): an attacker's failures must block the attacker's address,
never a colleague's, and good logins must never use up the limit.

Finding 7: a locked account skipped the argon2 check (6 ms instead of 130 ms), which told a
guesser that the name exists. Every outcome must do the same password work: counted here as
argon2 verifications, which is what the time is made of, so the test does not depend on the
speed of the machine.
"""

from __future__ import annotations

import re

import pytest
import requests

from bot.core import clients
from bot.ops.processes import ConsoleServer
from bot.staff import accounts
from bot.store.db import Store, migrate

PASSWORD = "een-lang-test-wachtwoord"
SECRET = "login-test-key-" + "l" * 40
LIMIT = 3
ATTACKER, COLLEAGUE = "203.0.113.9", "198.51.100.7"


@pytest.fixture(scope="module")
def console(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("console-login")
    url = f"sqlite:///{tmp / 'console.db'}"
    migrate(url)
    store = Store(url)
    for name in ("agent1", "officer1", "officer2"):
        accounts.add_user(store, name, PASSWORD, "privacy_officer" if name.startswith("officer") else "agent")
    server = ConsoleServer(
        log_file=tmp / "console.log",
        env={"PRIVACYBOT_DATABASE_URL": url, "PRIVACYBOT_SECRET_KEY": SECRET, "PRIVACYBOT_LOGIN_LIMIT": str(LIMIT)},
    )
    server.start()
    yield server.url.rstrip("/")
    server.stop()
    store.dispose()


def attempt(url: str, username: str, password: str, forwarded_for: str) -> int:
    """One login through the "proxy": the status code of the answer (302 means logged in)."""
    browser = requests.Session()
    headers = {"X-Forwarded-For": forwarded_for}
    page = browser.get(f"{url}/login", headers=headers)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return browser.post(
        f"{url}/login",
        headers=headers,
        allow_redirects=False,
        data={"username": username, "password": password, "csrf_token": token},
    ).status_code


def test_an_attackers_failures_behind_the_proxy_do_not_lock_out_colleagues(console):
    codes = [attempt(console, "agent1", "geraden", ATTACKER) for _ in range(LIMIT + 2)]
    assert codes == [401] * LIMIT + [429, 429]  # the attacker is refused
    assert attempt(console, "officer1", PASSWORD, COLLEAGUE) == 302  # a colleague behind the same proxy is not
    # The attacker may not spray other accounts from the same address either.
    assert attempt(console, "officer2", "geraden", ATTACKER) == 429


def test_successful_logins_never_use_up_the_limit(console):
    for _ in range(LIMIT * 3):
        assert attempt(console, "officer2", PASSWORD, "192.0.2.44") == 302


def test_one_mistyping_colleague_only_blocks_that_account_from_that_address(console):
    shared = "192.0.2.80"  # several colleagues behind one office NAT
    codes = [attempt(console, "agent1", "tikfout", shared) for _ in range(LIMIT)]
    assert codes == [401] * LIMIT
    assert attempt(console, "agent1", PASSWORD, shared) == 429  # the address is now blocked for a while
    assert attempt(console, "officer1", PASSWORD, COLLEAGUE) == 302


def test_forwarded_headers_from_an_untrusted_peer_are_ignored():
    import ipaddress

    proxies = [ipaddress.ip_network("10.0.0.2/32")]
    assert clients.client_address("10.0.0.2", "203.0.113.9", proxies) == "203.0.113.9"
    assert clients.client_address("203.0.113.50", "198.51.100.7", proxies) == "203.0.113.50"


# ---------------------------------------------------------------------------- finding 7


@pytest.fixture
def counted(counting_hasher, tmp_path):
    """A store with one account, and a hasher that counts argon2 verifications."""
    url = f"sqlite:///{tmp_path / 'staff.db'}"
    migrate(url)
    store = Store(url)
    accounts.add_user(store, "officer1", PASSWORD, "privacy_officer")
    yield store, counting_hasher
    store.dispose()


def _work(store, hasher, username: str, password: str) -> int:
    before = hasher.verifications
    with pytest.raises(accounts.StaffError) as refused:
        accounts.authenticate(store, username, password)
    assert str(refused.value) == accounts.LOGIN_FAILED  # one message for every refusal
    return hasher.verifications - before


def test_a_locked_account_costs_the_same_password_work_as_an_unknown_name(counted):
    store, hasher = counted
    unknown = _work(store, hasher, "bestaat-niet", "geraden")
    wrong = _work(store, hasher, "officer1", "geraden")
    for _ in range(accounts.MAX_FAILED_LOGINS - 1):
        _work(store, hasher, "officer1", "geraden")
    assert accounts.is_locked(accounts.find_user(store, "officer1"))
    locked = _work(store, hasher, "officer1", "geraden")
    locked_right_password = _work(store, hasher, "officer1", PASSWORD)
    assert unknown == wrong == locked == locked_right_password == 1

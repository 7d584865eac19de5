"""Behind a proxy, every visitor must stay a client of its own (issue 15, finding 2).

The attacker found that behind `compose.yaml`'s nginx container every visitor was one client:
PRIVACYBOT_TRUSTED_PROXIES was not set there, so the Rasa instances ignored X-Forwarded-For and
one client could use up the per-address chat limit, the 5 requests a day and the status lookups
of the whole site. These tests read the deployment files as docker compose and nginx read them,
and check the rule that turns a connection into a visitor's address, with its warning.
"""

from __future__ import annotations

import ipaddress
import logging
import re

import pytest
import yaml

from bot.core import clients, paths

COMPOSE = paths.ROOT / "compose.yaml"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def _trusted(env: dict) -> list:
    raw = env.get("PRIVACYBOT_TRUSTED_PROXIES")
    assert raw, "PRIVACYBOT_TRUSTED_PROXIES ontbreekt"
    return [ipaddress.ip_network(part.strip()) for part in raw.split(",")]


def test_every_instance_behind_nginx_trusts_exactly_nginx(compose):
    services = compose["services"]
    nginx_ip = ipaddress.ip_address(services["nginx"]["networks"]["default"]["ipv4_address"])
    subnet = ipaddress.ip_network(compose["networks"]["default"]["ipam"]["config"][0]["subnet"])
    assert nginx_ip in subnet  # docker refuses a fixed address outside its network's subnet
    upstreams = re.findall(r"server\s+(\w+):5005", (paths.ROOT / "deploy/nginx/compose.conf").read_text())
    assert sorted(upstreams) == ["rasa1", "rasa2"]
    for name in upstreams:
        networks = _trusted(services[name]["environment"])
        assert any(nginx_ip in net for net in networks), name
        # Nothing wider than nginx itself: another container on the network must not be able
        # to claim a visitor's address.
        assert all(net.num_addresses == 1 for net in networks), name


def test_nginx_passes_the_visitors_address_on():
    for conf in ("compose.conf", "privacybot.conf.template"):
        text = (paths.ROOT / "deploy" / "nginx" / conf).read_text()
        assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in text, conf


def test_two_visitors_behind_the_compose_proxy_are_two_clients(compose, monkeypatch):
    env = compose["services"]["rasa1"]["environment"]
    monkeypatch.setenv("PRIVACYBOT_TRUSTED_PROXIES", env["PRIVACYBOT_TRUSTED_PROXIES"])
    nginx = compose["services"]["nginx"]["networks"]["default"]["ipv4_address"]
    one = clients.client_address(nginx, "203.0.113.9")
    two = clients.client_address(nginx, "198.51.100.7")
    assert (one, two) == ("203.0.113.9", "198.51.100.7")
    # A visitor who prepends an address of its own choosing still gets its real one.
    assert clients.client_address(nginx, "10.9.9.9, 203.0.113.9") == "203.0.113.9"


def test_forwarded_addresses_from_an_untrusted_peer_are_ignored_and_logged(monkeypatch, caplog):
    monkeypatch.setenv("PRIVACYBOT_TRUSTED_PROXIES", "172.28.5.10/32")
    monkeypatch.setattr(clients, "_warned_forwarders", set())
    with caplog.at_level(logging.WARNING, logger="bot.core.clients"):
        for _ in range(3):
            assert clients.client_address("172.28.5.11", "203.0.113.9") == "172.28.5.11"
        assert clients.client_address("172.28.5.12", "203.0.113.9") == "172.28.5.12"
        assert clients.client_address("172.28.5.13", None) == "172.28.5.13"  # no header: no warning
    warnings = [r.getMessage() for r in caplog.records if "PRIVACYBOT_TRUSTED_PROXIES" in r.getMessage()]
    assert len(warnings) == 2  # once per peer, not once per message
    assert "172.28.5.11" in warnings[0] and "172.28.5.12" in warnings[1]


def test_the_warning_cannot_flood_the_log(monkeypatch, caplog):
    monkeypatch.setenv("PRIVACYBOT_TRUSTED_PROXIES", "172.28.5.10/32")
    monkeypatch.setattr(clients, "_warned_forwarders", set())
    with caplog.at_level(logging.WARNING, logger="bot.core.clients"):
        for i in range(500):
            clients.client_address(f"10.0.{i // 256}.{i % 256}", "203.0.113.9")
    assert len(caplog.records) == clients._MAX_WARNED

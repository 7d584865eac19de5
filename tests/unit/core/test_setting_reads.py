"""Every PRIVACYBOT_* setting is read in bot.core.settings: its default when unset, a Dutch
message that names the setting when its value cannot be used, and no read anywhere else."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path

import pytest

from bot.core import keys, limits, paths, settings

NUMBERS = {
    # setting: (function, default)
    "PRIVACYBOT_CHAT_RETENTION_MONTHS": (settings.chat_retention_months, 6),
    "PRIVACYBOT_INSTANCES": (settings.instances, 1),
    "PRIVACYBOT_LOCK_LIFETIME": (settings.lock_lifetime, 20.0),
    "PRIVACYBOT_LOGIN_LIMIT": (settings.login_limit, 10),
    "PRIVACYBOT_JOB_INTERVAL": (settings.job_interval, 60.0),
    "PRIVACYBOT_MODEL_PULL_SECONDS": (settings.model_pull_seconds, 10),
    "PRIVACYBOT_TEASER_DELAY_MS": (settings.teaser_delay_ms, 4000),
    "PRIVACYBOT_GATE_MARGIN": (settings.gate_margin, 0.05),
}
TEXTS = {
    "PRIVACYBOT_PUBLIC_URL": (settings.public_url, "http://127.0.0.1:5005"),
    "PRIVACYBOT_SITE_URL": (settings.site_url, "http://127.0.0.1:8000"),
    "PRIVACYBOT_CONSOLE_URL": (settings.console_url, "http://127.0.0.1:8001"),
    "PRIVACYBOT_BIND": (settings.bind_address, "127.0.0.1"),
    "PRIVACYBOT_PRIVACY_MAILBOX": (settings.privacy_mailbox, None),
    "PRIVACYBOT_MAIL_FROM": (settings.mail_from, None),
    "PRIVACYBOT_SMTP_URL": (settings.smtp_url, None),
    "PRIVACYBOT_REDIS_URL": (settings.redis_url, None),
}


@pytest.mark.parametrize("name", sorted(NUMBERS))
def test_numbers_default_when_unset(monkeypatch, name):
    monkeypatch.delenv(name, raising=False)
    read, default = NUMBERS[name]
    assert read() == default and type(read()) is type(default)


@pytest.mark.parametrize("name", sorted(NUMBERS))
def test_a_number_that_is_no_number_is_refused_in_dutch_by_name(monkeypatch, name):
    read, _ = NUMBERS[name]
    monkeypatch.setenv(name, "zestig")
    with pytest.raises(settings.SettingError, match=rf"^{name} moet een (geheel )?getal zijn.*'zestig'"):
        read()
    assert issubclass(settings.SettingError, ValueError)  # callers that caught ValueError still do


def test_whole_numbers_refuse_fractions_and_fractions_are_read(monkeypatch):
    monkeypatch.setenv("PRIVACYBOT_INSTANCES", "1.5")
    with pytest.raises(settings.SettingError, match="PRIVACYBOT_INSTANCES moet een geheel getal zijn"):
        settings.instances()
    monkeypatch.setenv("PRIVACYBOT_LOCK_LIFETIME", "2.5")
    assert settings.lock_lifetime() == 2.5


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_texts_default_when_unset(monkeypatch, name):
    monkeypatch.delenv(name, raising=False)
    read, default = TEXTS[name]
    assert read() == default


def test_urls_lose_a_trailing_slash(monkeypatch):
    monkeypatch.setenv("PRIVACYBOT_PUBLIC_URL", "https://chat.example.be/")
    assert settings.public_url() == "https://chat.example.be"


def test_files_beside_the_repository(monkeypatch, tmp_path):
    monkeypatch.delenv("PRIVACYBOT_SHARED", raising=False)
    monkeypatch.delenv("PRIVACYBOT_POLICY", raising=False)
    monkeypatch.delenv("PRIVACYBOT_OUTBOX_DIR", raising=False)
    assert settings.shared_dir() == paths.ROOT.parent / "shared"
    assert settings.policy_path() == paths.ROOT.parent / "shared" / "policy" / "privacystatement.txt"
    assert settings.outbox_dir() == paths.VAR / "outbox"
    monkeypatch.setenv("PRIVACYBOT_SHARED", str(tmp_path))
    assert settings.policy_path() == tmp_path / "policy" / "privacystatement.txt"


def test_trusted_proxies(monkeypatch):
    monkeypatch.delenv("PRIVACYBOT_TRUSTED_PROXIES", raising=False)
    assert settings.trusted_proxies() == [ipaddress.ip_network("127.0.0.1/32"), ipaddress.ip_network("::1/128")]
    monkeypatch.setenv("PRIVACYBOT_TRUSTED_PROXIES", "")
    assert settings.trusted_proxies() == []  # empty: nobody may forward
    monkeypatch.setenv("PRIVACYBOT_TRUSTED_PROXIES", "10.0.0.5, nginx")
    with pytest.raises(settings.SettingError, match="PRIVACYBOT_TRUSTED_PROXIES: 'nginx' is geen IP-adres"):
        settings.trusted_proxies()


def test_rate_limits_have_their_defaults_and_a_dutch_refusal(monkeypatch):
    for name in settings.RATE_LIMITS:
        monkeypatch.delenv(name, raising=False)
    assert limits.requests_per_client().count == 5 and limits.chat_per_client().count == 60
    assert limits.verification_mails_per_address().count == 3
    monkeypatch.setenv("PRIVACYBOT_REQUEST_LIMIT_PER_IP", "0")
    assert limits.requests_per_client().count == 0  # switched off
    monkeypatch.setenv("PRIVACYBOT_REQUEST_LIMIT_PER_IP", "vijf")
    with pytest.raises(settings.SettingError, match="PRIVACYBOT_REQUEST_LIMIT_PER_IP moet een geheel getal zijn"):
        limits.requests_per_client()


def test_secrets_are_read_by_name_and_only_known_ones(monkeypatch):
    monkeypatch.setenv("PRIVACYBOT_LINK_KEY", "")
    assert settings.secret("PRIVACYBOT_LINK_KEY") is None  # empty is unset
    monkeypatch.setenv("PRIVACYBOT_LINK_KEY", "l" * 40)
    assert keys.key("links") == "l" * 40
    assert set(keys.SETTINGS.values()) < settings.SECRETS
    with pytest.raises(KeyError):
        settings.secret("PRIVACYBOT_DATABASE_URL")


def test_privacybot_run_fills_in_only_what_the_operator_left_unset(monkeypatch):
    child: dict = {}
    monkeypatch.delenv("PRIVACYBOT_PUBLIC_URL", raising=False)
    settings.fill_in("PRIVACYBOT_PUBLIC_URL", "http://127.0.0.1:5010", child)
    assert settings.public_url() == "http://127.0.0.1:5010" and child == {
        "PRIVACYBOT_PUBLIC_URL": "http://127.0.0.1:5010"
    }
    monkeypatch.setenv("PRIVACYBOT_CONSOLE_URL", "https://console.example.be")
    settings.fill_in("PRIVACYBOT_CONSOLE_URL", "http://127.0.0.1:8001", child)
    assert settings.console_url() == "https://console.example.be" and "PRIVACYBOT_CONSOLE_URL" not in child


READ = re.compile(r"(?:os\.environ(?:\.get)?|os\.getenv)\s*[\[(]\s*[\"']PRIVACYBOT_")
# Another helper is moving these reads into settings (issue 17); the list may only shrink.
NOT_YET = {"bot/cli/deploy.py"}


def test_no_module_but_settings_reads_a_privacybot_setting():
    readers = set()
    for path in sorted((paths.ROOT / "bot").rglob("*.py")) + sorted((paths.ROOT / "actions").rglob("*.py")):
        if READ.search(path.read_text(encoding="utf-8")):
            readers.add(path.relative_to(paths.ROOT).as_posix())
    assert readers - NOT_YET == {"bot/core/settings.py"}


def test_the_settings_table_lists_every_setting_read_there():
    source = Path(settings.__file__).read_text(encoding="utf-8")
    table, code = source.split('"""', 2)[1], source.split('"""', 2)[2]
    read = set(re.findall(r"\"(PRIVACYBOT_[A-Z_]+)\"", code))
    missing = {name for name in read if name not in table}
    assert not missing

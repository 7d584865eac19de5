"""The company's facts have one home (bot.core.company): the privacy mailbox a deployment
configures reaches what visitors read and where staff notifications go, and the texts Python
cannot fill in (domain.yml, trained into the model) name the same addresses."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

from bot.core import company, paths
from bot.web import branding

OTHER_MAILBOX = "dpo@example.be"
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")

# Run in a fresh interpreter: the chat's refusals are module constants that take the mailbox at
# import, as a deployment's processes do when they start with the setting in their environment.
CONFIGURED_RUN = """
import json, sys
import sqlalchemy as sa
from bot.dialogue import forms
from bot.plugins import chat_guard
from bot.privacy import redaction, rights, status_mail, verification
from bot.store.db import Store, migrate
from bot.store.models import OutboxMessage
from bot.web import branding

url = sys.argv[1]
migrate(url)
store = Store(url)
request = verification.submit(
    store, rights.NewRequest(request_type="access", name="Jan Peeters", email="jan@example.be")
)
with store.session() as session:
    mails = {m.kind: [m.recipient, m.body] for m in session.execute(sa.select(OutboxMessage)).scalars()}
print(json.dumps({
    "mails": mails,
    "visitor": {
        "form": forms.NO_CLIENT,
        "lookup": forms.NOT_FOUND,
        "refusal": chat_guard.TOO_LARGE.text,
        "redaction": redaction.warning("card"),
        "status mail": status_mail.body(request, rights.OPEN),
        "site footer": branding.footer(),
    },
}))
"""


def test_without_the_setting_the_companys_own_mailbox_is_used(monkeypatch):
    monkeypatch.delenv("PRIVACYBOT_PRIVACY_MAILBOX", raising=False)
    monkeypatch.delenv("PRIVACYBOT_MAIL_FROM", raising=False)
    assert company.privacy_mailbox() == company.PRIVACY_MAILBOX == "privacy@kmo-verzekeringen.be"
    assert company.mail_sender() == company.PRIVACY_MAILBOX
    monkeypatch.setenv("PRIVACYBOT_PRIVACY_MAILBOX", "")  # empty is unset, not "no mailbox"
    assert company.privacy_mailbox() == company.PRIVACY_MAILBOX


def test_the_configured_mailbox_reaches_visitors_and_staff_alike(tmp_path):
    env = {
        **os.environ,
        "PRIVACYBOT_PRIVACY_MAILBOX": OTHER_MAILBOX,
        "PRIVACYBOT_SECRET_KEY": "company-test-" + "k" * 40,
    }
    env.pop("PRIVACYBOT_MAIL_FROM", None)
    run = subprocess.run(
        [sys.executable, "-c", CONFIGURED_RUN, f"sqlite:///{tmp_path / 'company.db'}"],
        cwd=paths.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    notification_to, _ = seen["mails"]["notification"]
    assert notification_to == OTHER_MAILBOX  # staff
    _, confirmation = seen["mails"]["confirmation"]
    for where, text in {**seen["visitor"], "confirmation mail": confirmation}.items():
        assert OTHER_MAILBOX in text, where  # visitors
        assert company.PRIVACY_MAILBOX not in text, where


def _addresses(text: str):
    return {found.group(0).lower() for found in EMAIL.finditer(text)}


def test_every_company_address_in_the_trained_texts_is_the_companys():
    """domain.yml's answers are sent from the model's copy of the domain, so the setting cannot
    reach them: they must name exactly the addresses bot.core.company holds (its defaults)."""
    domain = (paths.DOMAIN).read_text(encoding="utf-8")
    responses = yaml.safe_load(domain)["responses"]
    texts = [variant.get("text", "") for variants in responses.values() for variant in variants]
    found = set().union(*(_addresses(text) for text in texts))
    assert found == {company.PRIVACY_MAILBOX, company.GENERAL_MAILBOX}
    data_files = sorted(Path(paths.DATA).rglob("*.yml"))
    assert data_files
    ours = ("@kmo-verzekeringen.be", "@republico.be")
    for path in [paths.DOMAIN, *data_files]:
        for address in _addresses(path.read_text(encoding="utf-8")):
            if address.endswith(ours):
                assert address in (company.PRIVACY_MAILBOX, company.GENERAL_MAILBOX), (path, address)


def test_the_trained_texts_give_the_companys_postal_address_and_number():
    domain = paths.DOMAIN.read_text(encoding="utf-8")
    streets = re.findall(r"Wolvenpad[^,]*, \d{4} \w+", domain)
    assert streets and set(streets) == {f"{company.STREET}, {company.MUNICIPALITY}"}
    assert re.findall(r"ondernemingsnummer ([\d.]+\d)", domain) == [company.ENTERPRISE_NUMBER]


def test_the_site_footer_fills_in_every_company_fact():
    footer = branding.footer("https://www.example.be")
    assert not re.search(r"\{\w+\}", footer)
    for fact in (company.NAME, company.GROUP, company.STREET, company.MUNICIPALITY, company.ENTERPRISE_NUMBER):
        assert fact in footer
    assert f'href="mailto:{company.privacy_mailbox()}"' in footer

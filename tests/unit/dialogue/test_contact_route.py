"""An off-topic question (premiums, claims, the weather) gets the broker's real contact route:
the e-mail address and postal address the privacy statement gives, and a link to the site's
contact section, which holds those same details (issue 16). Nothing vaguer like "via de website"."""

from __future__ import annotations

import re

import yaml

from bot.core import paths, settings
from bot.dialogue import fallback
from bot.web import site

DOMAIN = yaml.safe_load(paths.DOMAIN.read_text(encoding="utf-8"))
POLICY = settings.policy_path().read_text(encoding="utf-8")
OFF_TOPIC = (fallback.UNRELATED, fallback.INSURANCE)
# The statement's own contact details of the company (section "Over KMO-verzekeringen").
GENERAL_MAILBOX = "info@republico.be"
ADDRESS = "Wolvenpad 2, 3300 Tienen"


def text(name: str) -> str:
    [variant] = DOMAIN["responses"][name]
    return variant["text"]


def test_the_contact_details_come_from_the_statement():
    assert GENERAL_MAILBOX in POLICY and "Wolvenpad 2" in POLICY and "3300 Tienen" in POLICY


def test_off_topic_replies_give_the_mailbox_and_link_to_the_contact_section():
    for name in OFF_TOPIC:
        reply = text(name)
        assert GENERAL_MAILBOX in reply, name  # the widget makes it a mailto: link
        # The statement gives that address as the group's (the controller's), not as an insurance desk:
        # the reply says whose it is.
        assert "Groep LB Republico VOF" in reply and "deel van uitmaakt" in reply, name
        assert "{contact_url}" in reply, name  # filled in by action_fallback with settings.contact_url()
        assert "via de website" not in reply.lower(), name


def test_the_insurance_reply_gives_the_postal_address_too():
    assert ADDRESS in text(fallback.INSURANCE)


def test_the_contact_link_lands_on_the_contact_section_with_the_same_details(monkeypatch):
    monkeypatch.delenv("PRIVACYBOT_CONTACT_URL", raising=False)
    monkeypatch.delenv("PRIVACYBOT_SITE_URL", raising=False)
    assert settings.contact_url() == "http://127.0.0.1:8000/#contact"
    page = site.render_index("http://127.0.0.1:5005", 4000)
    section = re.search(r'<section id="contact".*?</section>', page, re.S)
    assert section, "the index page has no contact section"
    body = section.group(0)
    shown = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))
    assert f'href="mailto:{GENERAL_MAILBOX}"' in body and "Wolvenpad 2 3300 Tienen" in shown
    assert 'href="mailto:privacy@kmo-verzekeringen.be"' in body
    assert "Groep LB Republico VOF" in shown and "0630.925.810" in shown


def test_a_second_off_topic_question_still_gets_the_contact_route():
    off_topic = {"intent": {"name": "out_of_scope"}}
    assert fallback.fallback_response(off_topic, [off_topic, off_topic]) == fallback.UNRELATED
    # a message not understood at all after an off-topic one still gets the privacy mailbox
    missed = {"intent": {"name": "nlu_fallback"}}
    assert fallback.fallback_response(missed, [off_topic, missed]) == fallback.SECOND_MISS

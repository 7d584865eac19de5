"""The pages behind the links in our e-mails.

What the verification link page says must be true of the request (issue 15, finding 15): the
attacker noticed that the link of a request staff had already rejected still answered "Je
e-mailadres is bevestigd. We behandelen verzoek …": a false promise from the privacy mailbox.

They look like the site (issue 16): people are wary of pages reached from an e-mail, so each has
the site's header (mark, name, navigation to the real site), its footer with the company's name
and address from the privacy statement, a clear title, what happened and what to do next, and the
privacy mailbox as a link. Their CSP stays strict: no script, and only the one inline <style> by
its hash (no 'unsafe-inline'); a real browser shows the styles apply under that policy.
"""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest

from bot.core import settings
from bot.dialogue import forms
from bot.plugins import links_channel
from bot.plugins.links_channel import verified_page
from bot.privacy import rights
from tests.browser import CHROMIUM, NOT_INSTALLED

POLICY = settings.policy_path().read_text(encoding="utf-8")


def request(status: str) -> SimpleNamespace:
    return SimpleNamespace(
        reference="PRV-ABCDEFGHJK", status=status, deadline=datetime(2027, 1, 7, tzinfo=timezone.utc)
    )


def test_an_open_request_is_confirmed_with_its_deadline():
    title, body = verified_page(request(rights.OPEN))
    assert title == "E-mailadres bevestigd" and "bevestigd" in body and "07/01/2027" in body
    assert "Je hoeft nu niets meer te doen." in body


def test_a_closed_request_is_not_promised_to_be_handled():
    for status in (rights.REJECTED, rights.DONE, rights.EXPIRED):
        title, body = verified_page(request(status))
        assert "behandelen" not in body and "bevestigd." not in body, status
        assert forms.STATUS_TEXT[status] in body and "niets gewijzigd" in body, status


def test_the_reference_is_escaped():
    hostile = SimpleNamespace(reference="<b>x</b>", status=rights.REJECTED, deadline=None)
    assert "<b>" not in verified_page(hostile)[1]


def every_page():
    """(name, title, body) of every page the two links can show."""
    yield "verify", "Bevestig je e-mailadres", links_channel.verify_form("PRV-ABCDEFGHJK")
    for status in (rights.OPEN, rights.REJECTED):
        yield ("verified-" + status, *verified_page(request(status)))
    yield ("broken-verify", *links_channel.broken_link("Deze link is verlopen.", "verify"))
    yield ("broken-unsubscribe", *links_channel.broken_link("Deze link is ongeldig.", "unsubscribe"))
    yield "unsubscribe", "Uitschrijven voor reclamemails", links_channel.unsubscribe_form()
    for created in (True, False):
        yield (f"unsubscribed-{created}", *links_channel.unsubscribed_page(created))


PAGES = list(every_page())


@pytest.mark.parametrize("name,title,body", PAGES, ids=[p[0] for p in PAGES])
def test_each_page_is_branded_and_says_what_happened_and_what_next(name, title, body, monkeypatch):
    monkeypatch.setenv("PRIVACYBOT_SITE_URL", "https://www.example.be/")
    html, _ = links_channel.render(title, body)
    header = re.search(r'<header class="site-header">.*?</header>', html, re.S).group(0)
    assert 'class="brand-mark"' in header and ">KMO-verzekeringen</span>" in header
    assert re.findall(r'href="([^"]+)"', header) == [
        "https://www.example.be/",
        "https://www.example.be/",
        "https://www.example.be/#verzekeringen",
        "https://www.example.be/privacy",
        "https://www.example.be/#contact",
    ]
    footer = re.search(r'<footer class="site-footer">.*?</footer>', html, re.S).group(0)
    for fact in ("Groep LB Republico VOF", "Wolvenpad 2, 3300 Tienen", "0630.925.810"):
        assert fact in footer and fact in POLICY, fact
    assert f"<h1>{title}</h1>" in html and f"<title>{title} – KMO-verzekeringen</title>" in html
    assert f'<a href="mailto:{forms.MAILBOX}">{forms.MAILBOX}</a>' in html
    assert forms.MAILBOX in POLICY
    happened, *rest = re.findall(r"<p>(.*?)</p>", body, re.S)
    assert happened and re.search(r'<p class="next">.+?</p>', body)  # what happened, then what to do next


def test_the_csp_allows_exactly_the_inline_style_and_no_script():
    html, headers = links_channel.render("Titel", "<p>Tekst.</p>")
    [css] = re.findall(r"<style>(.*?)</style>", html, re.S)
    digest = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii")
    policy = headers["Content-Security-Policy"]
    assert f"style-src 'sha256-{digest}';" in policy
    assert "unsafe-inline" not in policy and "script-src" not in policy and "<script" not in html
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy and "form-action 'self'" in policy
    assert headers["X-Content-Type-Options"] == "nosniff" and headers["Cache-Control"] == "no-store"
    assert ".site-header" in css  # the site's own stylesheet, so the pages look like the site


def test_text_in_the_pages_is_escaped():
    title, body = links_channel.broken_link("<img src=x onerror=alert(1)>", "verify")
    html, _ = links_channel.render("<b>titel</b>", body)
    assert "<img" not in html and "<b>titel" not in html and "&lt;img" in html


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason=NOT_INSTALLED)
def test_in_a_browser_the_styles_apply_under_the_pages_own_csp(tmp_path):
    from playwright.sync_api import sync_playwright

    html, headers = links_channel.render("Bevestig je e-mailadres", links_channel.verify_form("PRV-ABCDEFGHJK"))
    url = "http://127.0.0.1:5005/webhooks/privacy/verify?token=t"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
            ],
        )
        try:
            for width in (1366, 360):
                page = browser.new_page(viewport={"width": width, "height": 800})
                refused = []
                page.on(
                    "console",
                    lambda message, refused=refused: refused.append(message.text) if message.type == "error" else None,
                )
                page.route(
                    url,
                    lambda route: route.fulfill(
                        status=200, body=html, headers={**headers, "Content-Type": "text/html; charset=utf-8"}
                    ),
                )
                page.goto(url)
                assert refused == []  # no CSP violation: the inline style is allowed by its hash
                assert page.evaluate("getComputedStyle(document.body).fontFamily").startswith("system-ui")
                button = page.locator("button.action")
                assert button.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(11, 83, 148)"
                assert button.bounding_box()["height"] >= 44
                assert page.locator(".site-header .brand-name").is_visible()
                assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scrolling
                page.screenshot(path=str(tmp_path / f"verify-{width}.png"), full_page=True)
                page.close()
        finally:
            browser.close()


@pytest.mark.parametrize("created", [True, False])
def test_the_unsubscribed_page_names_the_statements_route_for_other_channels(created):
    """For post, phone and sms the page sent people to the chat only; the statement's route for a
    privacy question is a mail to the privacy mailbox (review of issue 16)."""
    _, body = links_channel.unsubscribed_page(created)
    [next_step] = re.findall(r'<p class="next">(.*?)</p>', body, re.S)
    assert "post, telefoon of sms" in next_step
    assert f'<a href="mailto:{forms.MAILBOX}">{forms.MAILBOX}</a>' in next_step

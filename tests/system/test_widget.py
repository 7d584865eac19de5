"""The chat widget in a real browser (Debian's chromium, driven by Playwright) against the real
stack started by `privacybot run`: action server, Rasa server and the demo page.

Screenshots go to a temporary folder; with PRIVACYBOT_SAVE_SCREENSHOTS=1 they replace the
ones under docs/ that the README shows.
"""

from __future__ import annotations

import http.server
import os
import re
import signal
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest

from bot.core import paths
from bot.ops.processes import free_port, wait_for_http
from tests.browser import BROWSER_MODULE

pytestmark = BROWSER_MODULE
WIDGET = "#kmo-privacybot"
GREETING = "Hallo 👋 Hoe kunnen we je helpen?"


class EmbeddingSite:
    """Another website (another origin) that embeds the widget with one script tag."""

    def __init__(self, folder: Path, widget_url: str, rasa_url: str) -> None:
        self.port = free_port()
        (folder / "index.html").write_text(
            "<!doctype html><html lang='nl'><head><meta charset='utf-8'><title>Andere site</title>"
            "<style>div { color: red !important; } .launcher { display: none !important; }</style></head>"
            "<body><h1>Een andere site</h1>"
            f"<script src='{widget_url}' data-server='{rasa_url}' data-teaser-delay='100'></script>"
            "</body></html>",
            encoding="utf-8",
        )
        handler = lambda *a, **k: http.server.SimpleHTTPRequestHandler(*a, directory=str(folder), **k)  # noqa: E731
        http.server.SimpleHTTPRequestHandler.log_message = lambda *a: None
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture(scope="module")
def stack(trained_model, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("widget")
    rasa_port, actions_port, site_port = free_port(), free_port(), free_port()
    rasa_url = f"http://127.0.0.1:{rasa_port}"
    embedding = EmbeddingSite(tmp, f"http://127.0.0.1:{site_port}/widget/privacybot.js", rasa_url)
    env = dict(
        os.environ,
        PRIVACYBOT_DATABASE_URL=f"sqlite:///{tmp / 'widget.db'}",
        PRIVACYBOT_OUTBOX_DIR=str(tmp / "outbox"),
        PRIVACYBOT_TEASER_DELAY_MS="300",
        PRIVACYBOT_WIDGET_ORIGINS=embedding.origin,
    )
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bot.cli",
            "run",
            "--no-train",
            "--port",
            str(rasa_port),
            "--actions-port",
            str(actions_port),
            "--site-port",
            str(site_port),
            "--console-port",
            str(free_port()),
        ],
        cwd=paths.ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for_http(f"{rasa_url}/", timeout=300, process=proc)
        wait_for_http(f"http://127.0.0.1:{site_port}/health", timeout=60, process=proc)
        yield {
            "site": f"http://127.0.0.1:{site_port}/",
            "rasa": rasa_url,
            "embedding": embedding,
            "tmp": tmp,
            "proc": proc,
        }
    finally:
        embedding.httpd.shutdown()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="nl-BE")
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    yield page
    context.close()


def screenshot_folder(stack) -> Path:
    return paths.ROOT / "docs" if os.environ.get("PRIVACYBOT_SAVE_SCREENSHOTS") == "1" else stack["tmp"]


def bot_texts(page) -> list[str]:
    return page.locator(f"{WIDGET} .message.bot .bubble").all_text_contents()


def wait_for_bot(page, pattern: str, timeout: float = 30_000) -> None:
    page.locator(f"{WIDGET} .message.bot .bubble").filter(has_text=re.compile(pattern)).last.wait_for(timeout=timeout)


def active_in_widget(page) -> str:
    """What has focus inside the widget's shadow root (tag.class), or '' when focus is elsewhere."""
    return page.evaluate("""() => {
        const host = document.getElementById('kmo-privacybot');
        if (document.activeElement !== host) return '';
        const el = host.shadowRoot.activeElement;
        return el ? el.tagName.toLowerCase() + '.' + el.className : '';
    }""")


def open_with_keyboard(page) -> None:
    for _ in range(30):  # past the page's skip link, navigation and links, and the teaser
        page.keyboard.press("Tab")
        if active_in_widget(page) == "button.launcher":
            break
    assert active_in_widget(page) == "button.launcher"
    page.keyboard.press("Enter")
    wait_for_bot(page, "Hallo 👋")


def ask(page, text: str) -> None:
    box = page.locator(f"{WIDGET} textarea")
    box.fill(text)
    box.press("Enter")


def test_keyboard_only_visitor_asks_a_question(stack, page):
    page.goto(stack["site"])
    teaser = page.locator(f"{WIDGET} .teaser-text")
    teaser.wait_for(state="visible", timeout=10_000)
    assert teaser.inner_text() == "Vragen over je privacy?"
    open_with_keyboard(page)
    assert bot_texts(page)[0].startswith(f"Privacybot: {GREETING}")
    assert page.locator(f"{WIDGET} .quick-reply").count() >= 5  # the topics as quick replies
    assert active_in_widget(page) == "textarea."  # focus went to the input
    assert page.locator(f"{WIDGET} .teaser").is_hidden()
    ask(page, "hoe lang bewaren jullie mijn gegevens?")
    wait_for_bot(page, "10 jaar")
    assert (
        page.locator(f"{WIDGET} .message.user .bubble").last.text_content()
        == "Jij: hoe lang bewaren jullie mijn gegevens?"
    )
    page.keyboard.press("Escape")
    assert page.locator(f"{WIDGET} .panel").is_hidden()
    assert active_in_widget(page) == "button.launcher"
    assert page.locator(f"{WIDGET} .launcher").get_attribute("aria-expanded") == "false"


def test_quick_reply_links_and_line_breaks(stack, page):
    page.goto(stack["site"])
    page.locator(f"{WIDGET} .launcher").click()
    wait_for_bot(page, "Hallo 👋")
    page.locator(f"{WIDGET} .quick-reply", has_text="Contact").click()
    wait_for_bot(page, "DPO")
    assert (
        page.locator(f"{WIDGET} .message.user .bubble").last.text_content() == "Jij: Contact"
    )  # the title, not the payload
    mail = page.locator(f"{WIDGET} .message.bot a[href='mailto:privacy@kmo-verzekeringen.be']").last
    assert mail.inner_text() == "privacy@kmo-verzekeringen.be"
    assert page.locator(f"{WIDGET} .bubble").first.evaluate("e => getComputedStyle(e).whiteSpace") == "pre-wrap"


def test_conversation_survives_reload_until_new_conversation(stack, page):
    page.goto(stack["site"])
    page.locator(f"{WIDGET} .launcher").click()
    wait_for_bot(page, "Hallo 👋")
    ask(page, "verkopen jullie mijn gegevens?")
    wait_for_bot(page, "^Privacybot: Nee")
    before = page.locator(f"{WIDGET} .bubble").all_text_contents()
    sender = page.evaluate("() => JSON.parse(sessionStorage.getItem('kmo-privacybot')).sender")
    page.goto(stack["site"] + "privacy")  # navigation within the site
    page.goto(stack["site"])
    page.reload()
    assert page.locator(f"{WIDGET} .panel").is_visible()
    assert page.locator(f"{WIDGET} .bubble").all_text_contents() == before
    ask(page, "en hoe lang bewaren jullie ze?")  # the same session on the server: context still there
    wait_for_bot(page, "10 jaar")
    assert page.evaluate("() => JSON.parse(sessionStorage.getItem('kmo-privacybot')).sender") == sender
    page.locator(f"{WIDGET} .menu-button").click()  # "Nieuw gesprek" sits in the ⋮ menu and asks first
    page.locator(f"{WIDGET} [role=menuitem]", has_text="Nieuw gesprek").click()
    page.locator(f"{WIDGET} [role=alertdialog] button", has_text="Ja, begin opnieuw").click()
    wait_for_bot(page, "Hallo 👋")
    assert len(page.locator(f"{WIDGET} .bubble").all_text_contents()) == 1
    assert page.evaluate("() => JSON.parse(sessionStorage.getItem('kmo-privacybot')).sender") != sender


def test_widget_font_is_its_own_sans_on_a_serif_page(stack, page):
    """The widget's `all: initial` reset made it fall back to the browser's default serif (Times)
    instead of its own font stack (issue 16). The demo site is sans now, so the page is made serif
    here, as a host site may be."""
    page.goto(stack["site"])
    # Through the CSSOM: the demo site's CSP (style-src 'self') refuses an inline <style>.
    page.evaluate(
        "document.documentElement.style.setProperty('font-family', 'Georgia, serif', 'important');"
        "document.body.style.setProperty('font-family', 'Georgia, serif', 'important')"
    )
    page.locator(f"{WIDGET} .launcher").click()
    wait_for_bot(page, "Hallo 👋")
    assert page.evaluate("() => getComputedStyle(document.body).fontFamily").startswith("Georgia")
    for selector in (".panel", ".message.bot .bubble", ".quick-reply", ".send", ".launcher"):
        family = page.locator(f"{WIDGET} {selector}").first.evaluate("e => getComputedStyle(e).fontFamily")
        assert family.startswith("system-ui") and "Times" not in family and "Georgia" not in family, (selector, family)


def test_a_request_summary_is_a_list_and_its_reference_can_be_copied(stack, page):
    """The real request form: the summary's "• " lines as a list, "Ja, verstuur" as the primary
    button and "Annuleren" as a secondary one, then the reference in its own chip with Kopieer."""
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=stack["site"].rstrip("/"))
    page.goto(stack["site"])
    page.locator(f"{WIDGET} .launcher").click()
    wait_for_bot(page, "Hallo 👋")
    ask(page, "ik wil inzage in mijn gegevens")
    wait_for_bot(page, "naam")
    ask(page, "Jan Peeters")
    wait_for_bot(page, "e-mailadres")
    ask(page, "jan.widget@example.be")
    wait_for_bot(page, "klant- of polisnummer")
    page.locator(f"{WIDGET} .quick-reply", has_text="Geen nummer").click()
    wait_for_bot(page, "Zal ik het versturen")
    summary = page.locator(f"{WIDGET} .message.bot .bubble").last
    items = summary.locator("ul > li").all_inner_texts()
    assert "Naam: Jan Peeters" in items and "E-mailadres: jan.widget@example.be" in items, items
    assert "•" not in summary.inner_text()
    page.mouse.move(0, 0)  # no hover colour on the button that took the place of "Geen nummer"
    send = page.locator(f"{WIDGET} .quick-reply", has_text="Ja, verstuur")
    cancel = page.locator(f"{WIDGET} .quick-reply", has_text="Annuleren")
    assert "primary" in send.get_attribute("class") and "secondary" in cancel.get_attribute("class")
    background = "e => getComputedStyle(e).backgroundColor"
    assert send.evaluate(background) == "rgb(11, 58, 111)" and cancel.evaluate(background) == "rgb(255, 255, 255)"
    send.click()
    wait_for_bot(page, "PRV-")
    reference = re.search(r"PRV-[A-Z0-9]{10}", bot_texts(page)[-1]).group(0)
    card = page.locator(f"{WIDGET} .message.bot").last.locator(".reference")
    assert card.locator(".reference-code").inner_text() == reference
    card.locator("button", has_text="Kopieer").click()
    card.locator(".copy-note", has_text="Gekopieerd").wait_for()
    assert page.evaluate("() => navigator.clipboard.readText()") == reference


def test_thumbs_down_with_a_reason_is_stored_by_the_real_channel(stack, page):
    """👍/👎 against the real stack: the channel marks the answer rateable, the widget posts the
    rating (cross-origin, like the chat) and the store keeps it with the reason (bot/staff/feedback.py)."""
    from bot.staff import feedback
    from bot.store.db import Store

    page.goto(stack["site"])
    page.locator(f"{WIDGET} .launcher").click()
    wait_for_bot(page, "Hallo 👋")
    ask(page, "verkopen jullie mijn gegevens?")
    wait_for_bot(page, "^Privacybot: Nee")
    answer = page.locator(f"{WIDGET} .message.bot").last
    answer.locator("button[aria-label='Niet nuttig']").click()
    answer.locator(".reasons button", has_text="Onduidelijk").click()
    answer.locator(".reasons").wait_for(state="detached")
    assert answer.locator(".feedback-note").inner_text() == "Bedankt voor je feedback."
    assert page.locator(f"{WIDGET} .feedback-note.error").count() == 0
    state = page.evaluate("() => JSON.parse(sessionStorage.getItem('kmo-privacybot'))")
    stored = feedback.for_conversation(Store(f"sqlite:///{stack['tmp'] / 'widget.db'}"), state["sender"])
    rated = state["messages"][-1]["feedback"]["id"]
    assert stored[rated].rating == "down" and stored[rated].reason == "unclear"


def test_markup_is_shown_as_text_never_run(stack, page):
    page.goto(stack["site"])
    page.locator(f"{WIDGET} .launcher").click()
    wait_for_bot(page, "Hallo 👋")
    attack = "<img src=x onerror=alert(1)>"
    ask(page, attack)
    page.locator(f"{WIDGET} .message.bot").nth(1).wait_for(timeout=30_000)
    assert page.locator(f"{WIDGET} .message.user .bubble").last.text_content() == f"Jij: {attack}"
    assert (
        page.evaluate("() => document.getElementById('kmo-privacybot').shadowRoot.querySelectorAll('img').length") == 0
    )
    assert page.dialogs == []


def test_sensitive_data_is_not_kept_in_the_tab_either(stack, page):
    """The server redacts a national number before storing it; the widget kept the raw text in
    sessionStorage, readable by any script of the host page (issue 15, finding 15). It now
    keeps, and shows, the text as stored."""
    from tests.security.test_running_stack import national_number

    number = national_number()
    page.goto(stack["site"])
    page.locator(f"{WIDGET} .launcher").click()
    wait_for_bot(page, "Hallo 👋")
    ask(page, f"mijn rijksregisternummer is {number}, klopt dat bij jullie?")
    wait_for_bot(page, "weggelaten")
    mine = page.locator(f"{WIDGET} .message.user .bubble").last.text_content()
    assert "[rijksregisternummer weggelaten]" in mine and number not in mine
    kept = page.evaluate("() => sessionStorage.getItem('kmo-privacybot')")
    assert number not in kept and number.replace(".", "").replace("-", "") not in kept
    assert "weggelaten" in kept


def test_widget_keeps_its_own_styles_and_adds_no_globals(stack, page):
    page.goto(stack["site"] + "privacy")  # a page of the same site without the widget
    plain = set(page.evaluate("() => Object.getOwnPropertyNames(window)"))
    page.goto(stack["site"])
    page.locator(f"{WIDGET} .launcher").wait_for()
    with_widget = set(page.evaluate("() => Object.getOwnPropertyNames(window)"))
    assert with_widget - plain == set()
    launcher = page.locator(f"{WIDGET} .launcher")
    # site.css paints every button hotpink at 30px; the widget's shadow root keeps it out.
    assert launcher.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(11, 58, 111)"
    assert launcher.evaluate("e => getComputedStyle(e).fontSize") == "16px"
    box = launcher.bounding_box()
    assert box["x"] + box["width"] > 1280 - 40 and box["y"] + box["height"] > 800 - 40  # bottom right


def test_embedded_on_another_site_with_one_script_tag(stack, page):
    page.goto(stack["embedding"].origin + "/index.html")
    page.locator(f"{WIDGET} .launcher").click()  # the host's `.launcher {display:none}` does not reach in
    wait_for_bot(page, "Hallo 👋")
    ask(page, "met wie delen jullie mijn gegevens?")
    page.locator(f"{WIDGET} .message.bot").nth(1).wait_for(timeout=30_000)
    assert page.locator(f"{WIDGET} .status.error").count() == 0
    assert page.locator(f"{WIDGET} .bubble").first.evaluate("e => getComputedStyle(e).color") != "rgb(255, 0, 0)"


def test_retry_sends_the_kept_message_once_the_server_answers(stack, page):
    page.goto(stack["site"])
    page.locator(f"{WIDGET} .launcher").click()
    wait_for_bot(page, "Hallo 👋")
    page.route("**/webhooks/rest/webhook", lambda route: route.abort())  # the connection drops
    ask(page, "nemen jullie telefoongesprekken op?")
    page.locator(f"{WIDGET} .retry").wait_for(timeout=30_000)
    page.unroute("**/webhooks/rest/webhook")
    page.locator(f"{WIDGET} .retry").click()
    wait_for_bot(page, "opgenomen|opnames")
    assert page.locator(f"{WIDGET} .retry").count() == 0
    assert page.locator(f"{WIDGET} .status.error").count() == 0


def test_phone_screen_and_desktop_screenshots(stack, browser):
    folder = screenshot_folder(stack)
    phone = browser.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, device_scale_factor=2, locale="nl-BE"
    )
    page = phone.new_page()
    page.goto(stack["site"])
    page.locator(f"{WIDGET} .launcher").click()
    wait_for_bot(page, "Hallo 👋")
    ask(page, "welke rechten heb ik?")
    wait_for_bot(page, "recht")
    panel = page.locator(f"{WIDGET} .panel").bounding_box()
    assert (panel["x"], panel["y"], panel["width"]) == (0, 0, 360)  # full screen
    composer = page.locator(f"{WIDGET} .composer").bounding_box()
    assert composer["y"] + composer["height"] <= 740  # the input stays on screen
    page.screenshot(path=str(folder / "widget-phone.png"))
    phone.close()

    desktop = browser.new_context(viewport={"width": 1366, "height": 800}, locale="nl-BE")
    page = desktop.new_page()
    page.goto(stack["site"])
    page.locator(f"{WIDGET} .launcher").click()
    wait_for_bot(page, "Hallo 👋")
    ask(page, "hoe lang bewaren jullie opnames van telefoongesprekken?")
    wait_for_bot(page, "6 maanden")
    page.screenshot(path=str(folder / "widget-desktop.png"))
    desktop.close()
    for name in ("widget-phone.png", "widget-desktop.png"):
        assert (folder / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_reduced_motion_turns_animations_off(stack, browser):
    context = browser.new_context(reduced_motion="reduce")
    page = context.new_page()
    page.goto(stack["site"])
    page.locator(f"{WIDGET} .launcher").click()
    assert page.locator(f"{WIDGET} .panel").evaluate("e => getComputedStyle(e).animationName") == "none"
    context.close()


def test_teaser_can_be_dismissed_for_the_visit(stack, page):
    page.goto(stack["site"])
    page.locator(f"{WIDGET} .teaser-text").wait_for(state="visible", timeout=10_000)
    page.locator(f"{WIDGET} .teaser-close").click()
    assert page.locator(f"{WIDGET} .teaser").is_hidden()
    page.reload()
    page.wait_for_timeout(1_000)  # three times the configured delay
    assert page.locator(f"{WIDGET} .teaser").is_hidden()
    assert page.locator(f"{WIDGET} .launcher").inner_text() == "Open chat"


def test_roles_live_region_and_contrast(stack, page):
    page.goto(stack["site"])
    page.locator(f"{WIDGET} .launcher").click()
    wait_for_bot(page, "Hallo 👋")
    assert page.locator(f"{WIDGET} [role=dialog]").get_attribute("aria-labelledby") == "privacybot-title"
    log = page.locator(f"{WIDGET} [role=log]")
    assert log.get_attribute("aria-live") == "polite"
    ratios = page.evaluate("""() => {
        const root = document.getElementById('kmo-privacybot').shadowRoot;
        const rgb = c => c.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number);
        const lum = c => { const [r, g, b] = rgb(c).map(v => { v /= 255;
                                   return v <= .03928 ? v / 12.92 : ((v + .055) / 1.055) ** 2.4; });
                           return .2126 * r + .7152 * g + .0722 * b; };
        const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
                                   return (x + .05) / (y + .05); };
        const pair = (sel, bgSel) => { const e = root.querySelector(sel), b = root.querySelector(bgSel || sel);
                                       return ratio(getComputedStyle(e).color, getComputedStyle(b).backgroundColor); };
        return {launcher: pair('.launcher'), header: pair('.header h2', '.header'), bot: pair('.bot .bubble'),
                subtitle: pair('.subtitle', '.header'), notice: pair('.notice', '.panel'),
                noticeLink: pair('.notice a', '.panel'), quick: pair('.quick-reply'), send: pair('.send')};
    }""")
    assert all(value >= 4.5 for value in ratios.values()), ratios  # WCAG AA for normal text
    focus = page.locator(f"{WIDGET} textarea").evaluate("e => getComputedStyle(e).outlineStyle")
    assert focus == "solid"  # visible focus on the focused input


def test_typing_indicator_while_the_bot_thinks(stack, page):
    page.goto(stack["site"])
    page.locator(f"{WIDGET} .launcher").click()
    wait_for_bot(page, "Hallo 👋")
    held = []
    page.route("**/webhooks/rest/webhook", lambda route: held.append(route))  # answer only when we say so
    ask(page, "delen jullie mijn gegevens met Facebook?")
    page.locator(f"{WIDGET} .typing").wait_for(state="visible", timeout=10_000)
    held[0].continue_()
    wait_for_bot(page, "Facebook")
    assert page.locator(f"{WIDGET} .typing").is_hidden()


def test_zz_a_stopped_server_shows_an_error_and_keeps_the_message(stack, page):
    """Runs last: it stops the stack (Rasa server, action server and page) mid-conversation."""
    page.goto(stack["site"])
    page.locator(f"{WIDGET} .launcher").click()
    wait_for_bot(page, "Hallo 👋")
    stack["proc"].send_signal(signal.SIGTERM)
    stack["proc"].wait(timeout=60)
    with pytest.raises(OSError):
        urllib.request.urlopen(stack["rasa"], timeout=2)
    ask(page, "hoe lang bewaren jullie mijn gegevens?")
    page.locator(f"{WIDGET} .retry").wait_for(timeout=30_000)
    error = page.locator(f"{WIDGET} .status.error").inner_text()
    assert "niet bereikbaar" in error and "bewaard" in error
    failed = page.locator(f"{WIDGET} .message.user.failed .bubble").text_content()
    assert failed.endswith("hoe lang bewaren jullie mijn gegevens?")
    stored = page.evaluate("() => JSON.parse(sessionStorage.getItem('kmo-privacybot')).messages")
    assert stored[-1]["text"] == "hoe lang bewaren jullie mijn gegevens?" and stored[-1]["failed"] is True

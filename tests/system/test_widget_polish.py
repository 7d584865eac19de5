"""The chat widget as a person sees it, in a real browser (Debian's chromium, driven by
Playwright): fonts, scroll position, focus, sizes, the header and its menu, buttons, lists,
the request reference and the 👍/👎 feedback (issue 16).

These tests need no trained model: a plain file server serves the widget's own files on a
host page whose default font is a serif (as on most sites, and the browser's own default), and
Playwright answers the REST channel with scripted replies in the shape the chat channel sends
(bot/plugins/chat_channel.py). tests/system/test_widget.py runs the widget against the real stack.
"""

from __future__ import annotations

import functools
import http.server
import json
import re
import threading
from pathlib import Path
from typing import Callable, List, Optional

import pytest

from bot.web import site
from tests.browser import BROWSER_MODULE

pytestmark = BROWSER_MODULE

WIDGET = "#kmo-privacybot"
GREETING = "Hallo 👋 Hoe kunnen we je helpen?"
TOPICS = [
    {"title": "Welke gegevens?", "payload": "Welke persoonsgegevens verzamelen jullie?"},
    {"title": "Hoe lang bewaard?", "payload": "Hoe lang bewaren jullie mijn gegevens?"},
    {"title": "Contact", "payload": "Hoe kan ik de DPO contacteren?"},
]
# The confirmation question of the request form, with the buttons actions/forms.py sends.
SUMMARY = (
    "Even nakijken:\n• Soort: wissen van je gegevens\n• Naam: Jan Peeters\n• E-mailadres: jan@example.be\n"
    "Zal ik het versturen?"
)
CONFIRM_BUTTONS = [
    {"title": "Ja, verstuur", "payload": "/affirm"},
    {"title": "Iets aanpassen", "payload": "/change_answer"},
    {"title": "Annuleren", "payload": "/cancel"},
]
REFERENCE = "PRV-7K2M9QX4TB"
MAILBOX = "privacy@kmo-verzekeringen.be"
LONG_ANSWER = ("Je gegevens bewaren we niet langer dan nodig. " * 8).strip()

HOST_PAGE = """<!doctype html><html lang="nl"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Een site in een schreeflettertype</title>
<style>body {{ font-family: serif; font-size: 20px; color: #552200; }} h1 {{ font-size: 26px; }}
button {{ font-family: serif !important; }}</style>
</head><body><h1>Een site met schreven</h1><p>Tekst van de site.</p>
<script src="/widget/privacybot.js" data-server="{origin}" data-retention-months="6"
 data-teaser-delay="200"{extra}></script>
</body></html>"""


def reply(text: str = "", buttons: Optional[list] = None, **custom) -> dict:
    item = {"recipient_id": "x"}
    if text:
        item["text"] = text
    if buttons:
        item["buttons"] = buttons
    if custom:
        item["custom"] = custom
    return item


def rateable(message_id: str) -> dict:
    """The item the chat channel appends when the turn's answer can be rated (contract)."""
    return reply(feedback={"message_id": message_id})


def default_script(message: str) -> List[dict]:
    """Replies to the scripted messages; anything else gets a short rateable answer."""
    if message == "/greet":
        return [reply(GREETING, TOPICS)]
    if message == "Hoe lang bewaren jullie mijn gegevens?":
        return [reply("Maximaal 10 jaar na je laatste contract."), rateable("m-retention")]
    if message == "Hoe kan ik de DPO contacteren?":
        return [
            reply(f"Mail de DPO via {MAILBOX} of lees https://www.kmo-verzekeringen.be/privacy/contact/dpo-en-meer."),
            rateable("m-contact"),
        ]
    if message == "verzoek":
        return [reply(SUMMARY, CONFIRM_BUTTONS)]
    if message == "/affirm":
        return [reply(f"Je verzoek is geregistreerd met referentie {REFERENCE}. We mailden een bevestigingslink.")]
    if message == "lang":
        return [reply(LONG_ANSWER), rateable("m-long")]
    return [reply(f"Je vroeg iets. Mail gerust naar {MAILBOX}."), rateable("m-other")]


class HostSite:
    """A plain site serving the widget's files under /widget/ and host pages in a folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        (folder / "widget").symlink_to(site.STATIC, target_is_directory=True)
        handler = functools.partial(QuietHandler, directory=str(folder))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.origin = f"http://127.0.0.1:{self.httpd.server_port}"

    def page(self, name: str, extra: str = "") -> str:
        (self.folder / name).write_text(HOST_PAGE.format(origin=self.origin, extra=extra), encoding="utf-8")
        return f"{self.origin}/{name}"


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # noqa: D102 - keep the test output clean
        pass

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-cache")  # like bot/web/site.py
        super().end_headers()


@pytest.fixture(scope="module")
def host_site(tmp_path_factory):
    host = HostSite(tmp_path_factory.mktemp("host"))
    yield host
    host.httpd.shutdown()


class Chat:
    """One visitor's tab: the page, the scripted channel and what the widget sent to it."""

    def __init__(self, page, script: Callable[[str], List[dict]]) -> None:
        self.page = page
        self.script = script
        self.sent: List[dict] = []
        self.feedback: List[dict] = []
        self.feedback_answer: Callable[[dict], tuple] = lambda body: (200, {"ok": True})
        page.route("**/webhooks/rest/webhook", self._webhook)
        page.route("**/webhooks/rest/feedback", self._feedback)

    def _webhook(self, route) -> None:
        body = json.loads(route.request.post_data)
        self.sent.append(body)
        route.fulfill(status=200, content_type="application/json", body=json.dumps(self.script(body["message"])))

    def _feedback(self, route) -> None:
        body = json.loads(route.request.post_data)
        self.feedback.append({"body": body, "content_type": route.request.headers.get("content-type")})
        status, answer = self.feedback_answer(body)
        route.fulfill(status=status, content_type="application/json", body=json.dumps(answer))

    # ---- what a person does --------------------------------------------------------------
    def open(self) -> None:
        self.page.locator(f"{WIDGET} .launcher").click()
        self.wait_for_bot("Hallo 👋")

    def ask(self, text: str) -> None:
        box = self.page.locator(f"{WIDGET} textarea")
        box.fill(text)
        box.press("Enter")

    def wait_for_bot(self, pattern: str, timeout: float = 10_000) -> None:
        self.page.locator(f"{WIDGET} .message.bot .bubble").filter(has_text=re.compile(pattern)).last.wait_for(
            timeout=timeout
        )

    def active(self) -> str:
        return active_in_widget(self.page)

    def style(self, selector: str, prop: str) -> str:
        return self.page.locator(f"{WIDGET} {selector}").first.evaluate(f"e => getComputedStyle(e)[{json.dumps(prop)}]")


def active_in_widget(page) -> str:
    """What has focus inside the widget's shadow root (tag.class), or '' when focus is elsewhere."""
    return page.evaluate("""() => {
        const host = document.getElementById('kmo-privacybot');
        if (document.activeElement !== host) return '';
        const el = host.shadowRoot.activeElement;
        return el ? el.tagName.toLowerCase() + '.' + el.className : '';
    }""")


@pytest.fixture
def chat(browser, host_site):
    context = browser.new_context(viewport={"width": 1366, "height": 800}, locale="nl-BE")
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(host_site.page("serif.html"))
    yield Chat(page, default_script)
    context.close()


@pytest.fixture
def phone(browser, host_site):
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, device_scale_factor=2, locale="nl-BE"
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(host_site.page("serif.html"))
    yield Chat(page, default_script)
    context.close()


def first_font(family: str) -> str:
    return family.split(",")[0].strip().strip('"').lower()


# ---- bugs ----------------------------------------------------------------------------------------
def test_widget_uses_its_sans_font_on_a_serif_page(chat):
    """`all: initial !important` reset the font to the browser's default (Times)."""
    chat.open()
    assert first_font(chat.style(".quick-reply", "fontFamily")) == "system-ui"
    chat.ask("hoe lang?")
    chat.wait_for_bot("Je vroeg iets")
    assert chat.page.evaluate("() => getComputedStyle(document.body).fontFamily") == "serif"
    for selector in (
        ".launcher",
        ".panel",
        ".header h2",
        ".message.bot .bubble",
        ".message.user .bubble",
        ".send",
        "textarea",
        ".notice",
        ".rate",
    ):
        family = chat.style(selector, "fontFamily")
        assert first_font(family) == "system-ui" and "serif" not in family.replace("sans-serif", ""), (selector, family)
        assert "times" not in family.lower(), (selector, family)
    assert chat.style(".message.bot .bubble", "fontSize") == "16px"
    assert chat.style(".message.bot .bubble", "color") == "rgb(26, 26, 26)"
    # What is really drawn: the sans font the system has, not the serif one.
    drawn = chat.page.evaluate("""() => {
        const bubble = document.getElementById('kmo-privacybot').shadowRoot.querySelector('.bot .bubble');
        const c = document.createElement('canvas').getContext('2d');
        const width = font => { c.font = font; return c.measureText(bubble.textContent).width; };
        const size = getComputedStyle(bubble).fontSize;
        return {own: width(size + ' ' + getComputedStyle(bubble).fontFamily), sans: width(size + ' sans-serif'),
                serif: width(size + ' serif')};
    }""")
    assert abs(drawn["own"] - drawn["sans"]) < 1 and abs(drawn["own"] - drawn["serif"]) > 5, drawn


def test_after_a_reload_the_history_opens_at_the_latest_message(chat):
    chat.open()
    for n in range(8):
        chat.ask(f"lang {n}" if n % 2 else "lang")
        chat.page.locator(f"{WIDGET} .message.bot").nth(n + 1).wait_for()
    chat.page.reload()
    chat.page.locator(f"{WIDGET} .panel").wait_for(state="visible")
    chat.page.wait_for_timeout(300)  # the stylesheet has loaded and the layout settled
    log = chat.page.locator(f"{WIDGET} .log")
    scroll = log.evaluate("e => ({top: e.scrollTop, bottom: e.scrollHeight - e.clientHeight})")
    assert scroll["bottom"] > 500  # a long history
    assert abs(scroll["top"] - scroll["bottom"]) <= 2, scroll
    last = chat.page.locator(f"{WIDGET} .message").last.bounding_box()
    panel = log.bounding_box()
    assert panel["y"] <= last["y"] and last["y"] + last["height"] <= panel["y"] + panel["height"] + 1


def test_a_long_answer_is_shown_from_its_start(chat):
    chat.page.set_viewport_size({"width": 1366, "height": 560})
    chat.open()
    chat.ask("lang")
    chat.wait_for_bot("nodig")
    answer = chat.page.locator(f"{WIDGET} .message.bot").last.bounding_box()
    log = chat.page.locator(f"{WIDGET} .log").bounding_box()
    assert answer["height"] > log["height"] / 2
    assert log["y"] <= answer["y"] <= log["y"] + 60  # its first line is in view


def test_choosing_a_quick_reply_with_the_keyboard_keeps_focus_in_the_panel(chat):
    chat.open()
    assert chat.active() == "textarea."
    chat.page.keyboard.press("Shift+Tab")  # back from the input to the last quick reply
    for _ in range(5):
        if chat.active().startswith("button.quick-reply"):
            break
        chat.page.keyboard.press("Shift+Tab")
    assert chat.active().startswith("button.quick-reply")
    chat.page.keyboard.press("Enter")
    chat.page.locator(f"{WIDGET} .message.user").last.wait_for()
    chat.wait_for_bot("Mail de DPO|10 jaar")
    assert chat.active() == "textarea."  # not the page's <body>
    assert chat.page.evaluate("() => document.activeElement.id") == "kmo-privacybot"
    chat.page.keyboard.type("en verder?")  # typing goes on in the input
    assert chat.page.locator(f"{WIDGET} textarea").input_value() == "en verder?"


def test_the_input_grows_with_the_text_then_scrolls(chat):
    chat.open()
    box = chat.page.locator(f"{WIDGET} textarea")
    one_line = box.bounding_box()["height"]
    assert one_line <= 48
    box.fill("Ik heb een vraag over mijn gegevens. " * 4)
    three_lines = box.bounding_box()["height"]
    assert three_lines > one_line + 30
    assert box.evaluate("e => e.scrollHeight <= e.clientHeight + 1")  # all of it visible
    box.fill("Nog een regel.\n" * 20)
    tall = box.bounding_box()["height"]
    assert 130 <= tall <= 170  # about six lines, then it scrolls
    assert box.evaluate("e => e.scrollHeight > e.clientHeight")
    box.press("End")
    box.press("Enter")  # sent: back to one line
    chat.page.locator(f"{WIDGET} .message.user").last.wait_for()
    assert abs(box.bounding_box()["height"] - one_line) < 1


def open_menu(chat) -> None:
    chat.page.locator(f"{WIDGET} .menu-button").click()
    chat.page.locator(f"{WIDGET} [role=menu]").wait_for(state="visible")


def test_new_conversation_asks_first_and_cancel_keeps_everything(chat):
    chat.open()
    chat.ask("verzoek")
    chat.wait_for_bot("Even nakijken")
    chat.page.locator(f"{WIDGET} .quick-reply", has_text="Ja, verstuur").click()
    chat.wait_for_bot("geregistreerd")
    before = chat.page.locator(f"{WIDGET} .bubble").all_text_contents()
    sender = chat.page.evaluate("() => JSON.parse(sessionStorage.getItem('kmo-privacybot')).sender")
    open_menu(chat)
    chat.page.locator(f"{WIDGET} [role=menuitem]", has_text="Nieuw gesprek").click()
    question = chat.page.locator(f"{WIDGET} [role=alertdialog]")
    question.wait_for(state="visible")
    text = question.inner_text()
    assert "Nieuw gesprek beginnen?" in text
    assert "Dit gesprek en een eventuele referentie van je verzoek verdwijnen van dit scherm." in text
    assert REFERENCE in text  # the reference on screen is named, to note it first
    assert chat.active() == "button.action secondary"  # the safe choice has focus
    chat.page.locator(f"{WIDGET} .confirm button", has_text="Annuleren").click()
    assert question.is_hidden()
    assert chat.page.locator(f"{WIDGET} .bubble").all_text_contents() == before
    assert chat.page.evaluate("() => JSON.parse(sessionStorage.getItem('kmo-privacybot')).sender") == sender
    assert chat.active() == "button.header-button menu-button"
    # Escape also answers "no" (and leaves the panel open).
    open_menu(chat)
    chat.page.keyboard.press("Enter")  # the first menu item: Nieuw gesprek
    question.wait_for(state="visible")
    chat.page.keyboard.press("Escape")
    assert question.is_hidden() and chat.page.locator(f"{WIDGET} .panel").is_visible()
    assert chat.page.locator(f"{WIDGET} .bubble").all_text_contents() == before


def test_new_conversation_after_yes_starts_afresh(chat):
    chat.open()
    chat.ask("hoe lang?")
    chat.wait_for_bot("Je vroeg iets")
    sender = chat.page.evaluate("() => JSON.parse(sessionStorage.getItem('kmo-privacybot')).sender")
    open_menu(chat)
    chat.page.locator(f"{WIDGET} [role=menuitem]", has_text="Nieuw gesprek").click()
    question = chat.page.locator(f"{WIDGET} [role=alertdialog]")
    assert "referentie" in question.inner_text() and "PRV-" not in question.inner_text()  # none on screen
    chat.page.locator(f"{WIDGET} .confirm button", has_text="Ja, begin opnieuw").click()
    chat.wait_for_bot("Hallo 👋")
    assert question.is_hidden()
    assert len(chat.page.locator(f"{WIDGET} .bubble").all_text_contents()) == 1
    assert chat.page.evaluate("() => JSON.parse(sessionStorage.getItem('kmo-privacybot')).sender") != sender
    assert (
        chat.sent[-1] == {"sender": chat.sent[-1]["sender"], "message": "/greet"} and chat.sent[-1]["sender"] != sender
    )
    assert chat.active() == "textarea."


def test_phone_opens_without_the_keyboard_and_touch_targets_are_44px(phone):
    phone.page.locator(f"{WIDGET} .launcher").tap()
    phone.wait_for_bot("Hallo 👋")
    assert phone.active() != "textarea."  # no on-screen keyboard over the quick replies
    replies = phone.page.locator(f"{WIDGET} .quick-reply")
    assert replies.count() == len(TOPICS)
    for box in (replies.nth(i).bounding_box() for i in range(replies.count())):
        assert box["height"] >= 44 and box["y"] + box["height"] <= 740  # on screen, big enough
    replies.first.tap()
    phone.wait_for_bot("Je vroeg iets")
    assert phone.active() != "textarea."  # a tap on a quick reply doesn't pop the keyboard up either
    for selector in (".rate", ".menu-button", ".close", ".send"):
        assert phone.page.locator(f"{WIDGET} {selector}").first.bounding_box()["height"] >= 44, selector


def test_email_addresses_stay_whole_and_long_text_still_wraps(phone):
    # The address after prefixes of every length: somewhere it falls at the end of a line.
    lines = ["x" * n + " " + MAILBOX + " en meer." for n in range(1, 30)]
    lines.append("https://www.kmo-verzekeringen.be/" + "heel-lang-" * 12 + "adres")
    script = lambda message: [reply("\n".join(lines))] if message == "adressen" else default_script(message)  # noqa: E731
    phone.script = script
    phone.page.locator(f"{WIDGET} .launcher").tap()
    phone.wait_for_bot("Hallo 👋")
    phone.ask("adressen")
    phone.wait_for_bot("heel-lang")
    mails = phone.page.locator(f"{WIDGET} .message.bot a[href^='mailto:']")
    assert mails.count() == len(lines) - 1
    broken = mails.evaluate_all("links => links.filter(a => a.getClientRects().length > 1).length")
    assert broken == 0
    bubble = phone.page.locator(f"{WIDGET} .message.bot .bubble").last
    assert bubble.evaluate("e => e.scrollWidth <= e.clientWidth")  # the long URL wraps inside the bubble
    assert phone.page.locator(f"{WIDGET} .message.bot a[href^='https:']").evaluate("a => a.getClientRects().length") > 1


def test_a_link_to_a_part_of_the_statement_reads_as_that_part(chat):
    """Answers end with a link to their part of /privacy; shown as the address it broke over three
    lines of the bubble. It reads as the part's title; the link still goes to the part."""
    target = "https://www.kmo-verzekeringen.be/privacy#hoe-lang-worden-mijn-gegevens-bewaard"
    other = "https://www.kmo-verzekeringen.be/verzekeringen/brand"
    chat.script = lambda message: (
        [reply(f"Lees het na in het privacystatement: {target}\nOf kijk op {other}")]
        if message == "links"
        else default_script(message)
    )
    chat.open()
    chat.ask("links")
    chat.wait_for_bot("privacystatement")
    part = chat.page.locator(f"{WIDGET} .message.bot a[href='{target}']")
    assert part.inner_text() == "Hoe lang worden mijn gegevens bewaard"
    assert (
        chat.page.locator(f"{WIDGET} .message.bot a[href='{other}']").inner_text() == other
    )  # other links: as they are


def test_the_visitors_own_text_never_becomes_a_link(chat):
    chat.open()
    chat.ask(f"mijn adres is jan@example.be, zie https://example.be/ik en {REFERENCE}")
    chat.wait_for_bot("Je vroeg iets")
    mine = chat.page.locator(f"{WIDGET} .message.user").last
    assert mine.locator("a").count() == 0 and mine.locator(".reference, .ref").count() == 0
    assert mine.locator(".bubble").text_content().endswith(f"jan@example.be, zie https://example.be/ik en {REFERENCE}")
    assert chat.page.locator(f"{WIDGET} .message.bot a[href='mailto:{MAILBOX}']").count() == 1  # the bot's still is


# ---- polish --------------------------------------------------------------------------------------
def test_header_has_the_mark_title_subtitle_and_a_menu(chat):
    chat.open()
    header = chat.page.locator(f"{WIDGET} .header")
    assert header.locator(".mark svg").count() == 1
    assert header.locator("h2").inner_text() == "Privacybot"
    subtitle = header.locator(".subtitle")
    assert subtitle.inner_text() == "Vragen over je privacy bij KMO-verzekeringen"
    assert subtitle.evaluate("e => e.scrollWidth <= e.clientWidth")  # all of it, not cut off
    assert subtitle.bounding_box()["height"] < 20  # one line
    assert chat.page.locator(f"{WIDGET} [role=dialog]").get_attribute("aria-describedby") == "privacybot-subtitle"
    # "Nieuw gesprek" is no longer a button next to ×: it sits in the ⋮ menu.
    assert header.locator("> button, .menu-wrap > button").all_inner_texts() == ["⋮", "×"]
    assert chat.page.locator(f"{WIDGET} [role=menuitem]", has_text="Nieuw gesprek").is_hidden()
    menu_button = chat.page.locator(f"{WIDGET} .menu-button")
    assert menu_button.get_attribute("aria-expanded") == "false"
    assert menu_button.get_attribute("aria-label") == "Meer opties"
    # Keyboard: Shift+Tab from the input reaches ×, then ⋮; Enter opens and focuses the first item.
    for _ in range(30):
        if chat.active() == "button.header-button menu-button":
            break
        chat.page.keyboard.press("Shift+Tab")
    chat.page.keyboard.press("Enter")
    assert menu_button.get_attribute("aria-expanded") == "true"
    assert chat.active() == "button.menu-item"
    chat.page.keyboard.press("ArrowDown")
    assert chat.active() == "a.menu-item"
    assert chat.page.locator(f"{WIDGET} a.menu-item").get_attribute("href") == "/privacy"
    chat.page.keyboard.press("ArrowDown")
    assert chat.active() == "button.menu-item"  # wraps around
    chat.page.keyboard.press("Escape")  # closes the menu only
    assert menu_button.get_attribute("aria-expanded") == "false"
    assert chat.page.locator(f"{WIDGET} [role=menu]").is_hidden()
    assert chat.active() == "button.header-button menu-button"
    assert chat.page.locator(f"{WIDGET} .panel").is_visible()
    chat.page.keyboard.press("Escape")  # and then the panel
    assert chat.page.locator(f"{WIDGET} .panel").is_hidden()
    # A click elsewhere closes an open menu.
    chat.page.locator(f"{WIDGET} .launcher").click()
    open_menu(chat)
    chat.page.locator(f"{WIDGET} .log").click()
    assert chat.page.locator(f"{WIDGET} [role=menu]").is_hidden()


def test_privacy_notice_is_one_short_line_by_the_input(chat):
    chat.open()
    notice = chat.page.locator(f"{WIDGET} .notice")
    text = notice.inner_text()
    assert "6 maanden" in text and "bewaren dit gesprek" in text
    assert notice.locator("a").get_attribute("href") == "/privacy"
    line = float(chat.style(".notice", "lineHeight").replace("px", ""))
    padding = notice.evaluate(
        "e => parseFloat(getComputedStyle(e).paddingTop) + parseFloat(getComputedStyle(e).paddingBottom)"
    )
    assert notice.bounding_box()["height"] - padding <= line + 1  # one line, not a three-line band
    composer = chat.page.locator(f"{WIDGET} .composer").bounding_box()
    box = notice.bounding_box()
    assert (
        composer["y"] + composer["height"] <= box["y"] + 1 <= composer["y"] + composer["height"] + 10
    )  # right under the input
    header = chat.page.locator(f"{WIDGET} .header").bounding_box()
    log = chat.page.locator(f"{WIDGET} .log").bounding_box()
    assert log["y"] <= header["y"] + header["height"] + 1  # the conversation starts under the header


def test_confirm_is_primary_and_cancel_secondary(chat):
    chat.open()
    chat.ask("verzoek")
    chat.wait_for_bot("Even nakijken")
    send = chat.page.locator(f"{WIDGET} .quick-reply", has_text="Ja, verstuur")
    change = chat.page.locator(f"{WIDGET} .quick-reply", has_text="Iets aanpassen")
    cancel = chat.page.locator(f"{WIDGET} .quick-reply", has_text="Annuleren")

    def look(button):
        return button.evaluate(
            "e => { const s = getComputedStyle(e); return [s.backgroundColor, s.color, s.borderColor, s.fontWeight]; }"
        )

    assert look(send)[0] == "rgb(11, 58, 111)" and look(send)[1] == "rgb(255, 255, 255)"  # filled
    assert look(cancel)[0] == "rgb(255, 255, 255)" and look(cancel)[1] != look(send)[1]  # quiet
    assert len({tuple(look(b)) for b in (send, change, cancel)}) == 3
    assert "primary" in send.get_attribute("class") and "secondary" in cancel.get_attribute("class")


def test_summary_lines_are_a_list_and_the_reference_is_prominent(chat, browser):
    chat.page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=chat.page.url.rsplit("/", 1)[0])
    chat.open()
    chat.ask("verzoek")
    chat.wait_for_bot("Even nakijken")
    summary = chat.page.locator(f"{WIDGET} .message.bot .bubble").last
    assert summary.locator("ul > li").all_inner_texts() == [
        "Soort: wissen van je gegevens",
        "Naam: Jan Peeters",
        "E-mailadres: jan@example.be",
    ]
    assert summary.locator("p").all_inner_texts() == ["Even nakijken:", "Zal ik het versturen?"]
    assert "•" not in summary.inner_text()
    chat.page.locator(f"{WIDGET} .quick-reply", has_text="Ja, verstuur").click()
    chat.wait_for_bot("geregistreerd")
    card = chat.page.locator(f"{WIDGET} .message.bot").last.locator(".reference")
    code = card.locator(".reference-code")
    assert code.inner_text() == REFERENCE
    family = code.evaluate("e => getComputedStyle(e).fontFamily")
    assert "monospace" in family
    assert float(code.evaluate("e => getComputedStyle(e).fontSize").replace("px", "")) >= 18  # bigger than the text
    card.locator("button", has_text="Kopieer").click()
    card.locator(".copy-note", has_text="Gekopieerd").wait_for()
    assert chat.page.evaluate("() => navigator.clipboard.readText()") == REFERENCE


def test_reference_copy_falls_back_to_selecting_it(browser, host_site):
    context = browser.new_context(viewport={"width": 1366, "height": 800}, locale="nl-BE")
    context.add_init_script("Object.defineProperty(navigator, 'clipboard', {value: undefined})")
    page = context.new_page()
    page.goto(host_site.page("serif.html"))
    chat = Chat(page, default_script)
    chat.open()
    chat.ask("/affirm")
    chat.wait_for_bot("geregistreerd")
    page.locator(f"{WIDGET} .reference button", has_text="Kopieer").click()
    page.locator(f"{WIDGET} .copy-note", has_text="Ctrl+C").wait_for()
    selected = page.evaluate("() => document.getElementById('kmo-privacybot').shadowRoot.getSelection().toString()")
    assert selected == REFERENCE
    context.close()


def test_launcher_has_an_icon_and_the_teaser_says_what_it_is(chat, browser, host_site):
    launcher = chat.page.locator(f"{WIDGET} .launcher")
    assert launcher.locator("svg[aria-hidden=true]").count() == 1
    assert launcher.inner_text() == "Open chat"
    teaser = chat.page.locator(f"{WIDGET} .teaser-text")
    teaser.wait_for(state="visible", timeout=5_000)
    assert teaser.inner_text() == "Vragen over je privacy?"
    # Configurable per page with data-teaser.
    context = browser.new_context(locale="nl-BE")
    page = context.new_page()
    page.goto(host_site.page("teaser.html", ' data-teaser="Vragen over je gegevens bij een schadegeval?"'))
    other = page.locator(f"{WIDGET} .teaser-text")
    other.wait_for(state="visible", timeout=5_000)
    assert other.inner_text() == "Vragen over je gegevens bij een schadegeval?"
    context.close()


# ---- 👍/👎 ------------------------------------------------------------------------------------------
def test_thumbs_up_posts_the_rating_and_thanks(chat):
    chat.open()
    assert chat.page.locator(f"{WIDGET} .rate").count() == 0  # the greeting is not rated
    chat.page.locator(f"{WIDGET} .quick-reply", has_text="Hoe lang bewaard?").click()
    chat.wait_for_bot("10 jaar")
    answer = chat.page.locator(f"{WIDGET} .message.bot").last
    up = answer.locator("button[aria-label='Nuttig antwoord']")
    down = answer.locator("button[aria-label='Niet nuttig']")
    assert up.inner_text() == "👍" and down.inner_text() == "👎"
    up.click()
    answer.locator(".feedback-note", has_text="Bedankt voor je feedback.").wait_for()
    sender = chat.page.evaluate("() => JSON.parse(sessionStorage.getItem('kmo-privacybot')).sender")
    assert chat.feedback == [
        {"body": {"sender": sender, "message_id": "m-retention", "rating": "up"}, "content_type": "application/json"}
    ]
    assert up.get_attribute("aria-pressed") == "true" and down.get_attribute("aria-pressed") == "false"
    assert answer.locator(".reasons").count() == 0
    # Remembered in this tab: after a reload the rating is still shown.
    chat.page.reload()
    chat.page.locator(f"{WIDGET} .panel").wait_for(state="visible")
    again = chat.page.locator(f"{WIDGET} .message.bot").last
    assert again.locator("button[aria-label='Nuttig antwoord']").get_attribute("aria-pressed") == "true"
    assert again.locator(".feedback-note").inner_text() == "Bedankt voor je feedback."


def test_thumbs_down_offers_reasons_and_a_later_rating_replaces_it(chat):
    chat.open()
    chat.ask("iets")
    chat.wait_for_bot("Je vroeg iets")
    answer = chat.page.locator(f"{WIDGET} .message.bot").last
    down = answer.locator("button[aria-label='Niet nuttig']")
    down.focus()
    chat.page.keyboard.press("Enter")
    reasons = answer.locator(".reasons button")
    reasons.first.wait_for()
    assert reasons.all_inner_texts() == ["Geen antwoord op mijn vraag", "Klopt niet", "Onduidelijk"]
    assert answer.locator(".feedback-note").inner_text() == "Bedankt voor je feedback."
    assert chat.active() == "button.rate down"  # focus stays where it was
    reasons.nth(1).click()
    answer.locator(".reasons").wait_for(state="detached")
    bodies = [f["body"] for f in chat.feedback]
    sender = bodies[0]["sender"]
    assert bodies == [
        {"sender": sender, "message_id": "m-other", "rating": "down"},
        {"sender": sender, "message_id": "m-other", "rating": "down", "reason": "wrong"},
    ]
    assert chat.active() == "button.rate down"
    stored = chat.page.evaluate("() => JSON.parse(sessionStorage.getItem('kmo-privacybot')).messages")
    assert stored[-1]["feedback"]["rating"] == "down" and stored[-1]["feedback"]["reason"] == "wrong"
    answer.locator("button[aria-label='Nuttig antwoord']").click()
    answer.locator("button[aria-label='Nuttig antwoord'][aria-pressed=true]").wait_for()
    assert chat.feedback[-1]["body"] == {"sender": sender, "message_id": "m-other", "rating": "up"}
    assert down.get_attribute("aria-pressed") == "false"


def test_a_refused_rating_shows_the_servers_dutch_note(chat):
    chat.feedback_answer = lambda body: (400, {"error": "Dit bericht kan je niet beoordelen."})
    chat.open()
    chat.ask("iets")
    chat.wait_for_bot("Je vroeg iets")
    answer = chat.page.locator(f"{WIDGET} .message.bot").last
    answer.locator("button[aria-label='Nuttig antwoord']").click()
    note = answer.locator(".feedback-note.error")
    note.wait_for()
    assert note.inner_text() == "Dit bericht kan je niet beoordelen."
    assert answer.locator("button[aria-label='Nuttig antwoord']").get_attribute("aria-pressed") == "false"
    chat.page.unroute("**/webhooks/rest/feedback")
    chat.page.route("**/webhooks/rest/feedback", lambda route: route.abort())  # the connection drops
    answer.locator("button[aria-label='Niet nuttig']").click()
    answer.locator(".feedback-note.error", has_text="kon niet verstuurd worden").wait_for()
    # The failure was said; after a reload it is not said again (it is not kept in sessionStorage).
    chat.page.reload()
    chat.page.locator(f"{WIDGET} .message.bot").last.locator(".feedback").wait_for()
    assert chat.page.locator(f"{WIDGET} .feedback-note.error").count() == 0
    assert "kon niet verstuurd" not in chat.page.evaluate("sessionStorage.getItem('kmo-privacybot')")


# ---- accessibility of the new parts ----------------------------------------------------------------
CONTRAST = """(pairs) => {
    const root = document.getElementById('kmo-privacybot').shadowRoot;
    const rgb = c => c.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number);
    const lum = c => { const [r, g, b] = rgb(c).map(v => { v /= 255;
                               return v <= .03928 ? v / 12.92 : ((v + .055) / 1.055) ** 2.4; });
                       return .2126 * r + .7152 * g + .0722 * b; };
    const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
                               return (x + .05) / (y + .05); };
    // The first ancestor (or the element) with an opaque background is what the text sits on.
    const background = e => { for (; e; e = e.parentElement || (e.getRootNode() && e.getRootNode().host)) {
        const c = getComputedStyle(e).backgroundColor; if (!/rgba\\(.*, 0\\)|transparent/.test(c)) return c; }
        return 'rgb(255, 255, 255)'; };
    const out = {};
    for (const sel of pairs) { const e = root.querySelector(sel);
                               out[sel] = e ? ratio(getComputedStyle(e).color, background(e)) : null; }
    return out;
}"""


def test_new_parts_keep_contrast_of_at_least_4_5(chat):
    chat.open()
    chat.ask("verzoek")
    chat.wait_for_bot("Even nakijken")
    chat.page.locator(f"{WIDGET} .quick-reply", has_text="Ja, verstuur").click()
    chat.wait_for_bot("geregistreerd")
    chat.ask("iets")
    chat.wait_for_bot("Je vroeg iets")
    chat.page.locator(f"{WIDGET} .message.bot").last.locator("button[aria-label='Niet nuttig']").click()
    chat.page.locator(f"{WIDGET} .reasons").wait_for()
    selectors = [
        ".launcher-label",
        ".header h2",
        ".subtitle",
        ".notice",
        ".notice a",
        ".reference-label",
        ".reference-code",
        ".copy",
        ".feedback-note",
        ".reasons-label",
        ".reason",
        ".bot .bubble a",
        ".bubble .ref",
    ]
    ratios = chat.page.evaluate(CONTRAST, selectors)
    assert all(ratios[s] is not None and ratios[s] >= 4.5 for s in selectors), ratios
    open_menu(chat)
    assert all(r >= 4.5 for r in chat.page.evaluate(CONTRAST, [".menu-item"]).values())
    chat.page.keyboard.press("Enter")
    chat.page.locator(f"{WIDGET} [role=alertdialog]").wait_for()
    confirm = [".confirm-title", ".confirm-text", ".action.primary", ".action.secondary"]
    ratios = chat.page.evaluate(CONTRAST, confirm)
    assert all(ratios[s] >= 4.5 for s in confirm), ratios
    # Quick-reply styles, on the summary question.
    chat.page.keyboard.press("Escape")
    chat.ask("verzoek")
    chat.wait_for_bot("Even nakijken")
    styles = [".quick-reply.primary", ".quick-reply.secondary", ".quick-reply:not(.primary):not(.secondary)"]
    # The first "Even nakijken" is still on screen, so wait for the new question's buttons themselves.
    for selector in styles:
        chat.page.locator(f"{WIDGET} {selector}").first.wait_for()
    ratios = chat.page.evaluate(CONTRAST, styles)
    assert all(ratios[s] >= 4.5 for s in styles), ratios

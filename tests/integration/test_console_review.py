"""Reviewing conversations in the console (issue 16): the list's first question and flags, the
search, revealing with redirect-after-POST, the page of an erased conversation, annotating
(default, descriptions, edit and undo, staying in place), the top of a transcript, filters on 👎
and FAQ topics, the company's public addresses in bot messages; and, in chromium, the reviewed
checkbox's alignment, the intent filter box, keyboard shortcuts and the switch that hides
technical lines.

The conversations are written with Rasa's own tracker store in the shapes the assistant stores
(the widget's /greet, the greeting's buttons, a form's ActiveLoop/requested_slot events), so no
model needs training; tests/system/test_console.py does the same on conversations of the real assistant.
"""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timezone
from typing import List

import pytest
import requests

from bot.ops.processes import ConsoleServer
from bot.staff import accounts, audit, feedback
from bot.store.db import Store, migrate
from tests.conftest import DATABASES
from tests.system.test_console import PASSWORD, login, post

SECRET = "review-test-key-" + "r" * 40
GREETING = (
    "Hallo 👋 Hoe kunnen we je helpen? Ik beantwoord je vragen over privacy en je persoonsgegevens "
    "bij KMO-verzekeringen: kies een onderwerp of typ je vraag."
)
TOPIC_BUTTONS = [
    {"title": "Welke gegevens?", "payload": "Welke persoonsgegevens verzamelen jullie?"},
    {"title": "Hoe lang bewaard?", "payload": "Hoe lang bewaren jullie mijn gegevens?"},
]
RETENTION_ANSWER = (
    "We bewaren gegevens tot maximum 10 jaar. Vragen? Mail privacy@kmo-verzekeringen.be of schrijf "
    "naar Groep LB Republico (KMO-verzekeringen), t.a.v. de DPO, Wolvenpad 2, 3300 Tienen."
)
RATED_MESSAGE = "0123456789abcdef0123456789abcdef"
EMAIL = "lotte.maes@example.be"


def _faq(intent_confidence: float, key: str) -> dict:
    """parse_data of a privacy question as Rasa stores it: intent faq plus the response selector."""
    return {
        "intent": {"name": "faq", "confidence": intent_confidence},
        "response_selector": {
            "all_retrieval_intents": ["faq"],
            "faq": {
                "response": {"intent_response_key": key, "confidence": 0.93, "responses": [{"text": "..."}]},
                "ranking": [
                    {"intent_response_key": key, "confidence": 0.93},
                    {"intent_response_key": "faq/data_categories", "confidence": 0.04},
                ],
            },
        },
    }


def conversations_as_rasa_stores_them(url: str) -> None:
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, SessionStarted, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.core import settings

    store = SQLTrackerStore(
        domain=Domain.empty(), **{k: v for k, v in settings.tracker_store_settings(url).items() if k != "type"}
    )
    now = datetime.now(timezone.utc).timestamp()

    def greeted(at: float) -> List:
        return [
            ActionExecuted("action_session_start", timestamp=at),
            SessionStarted(timestamp=at),
            ActionExecuted("action_listen", timestamp=at),
            UserUttered("/greet", {"name": "greet", "confidence": 1.0}, timestamp=at + 1),
            ActionExecuted("utter_greet", timestamp=at + 2),
            BotUttered(GREETING, {"buttons": TOPIC_BUTTONS}, timestamp=at + 2),
            ActionExecuted("action_listen", timestamp=at + 2),
        ]

    # Oldest first: the list shows the newest first (form, unsure, greeter).
    greeter = greeted(now - 300) + [
        UserUttered(
            "Welke persoonsgegevens verzamelen jullie?",
            parse_data=_faq(0.97, "faq/data_categories"),
            timestamp=now - 290,
        ),  # a click on the greeting's first button
        ActionExecuted("action_answer_faq", timestamp=now - 289),
        BotUttered("We verwerken je naam, adres, e-mailadres en telefoonnummer.", timestamp=now - 289),
        ActionExecuted("action_listen", timestamp=now - 289),
        UserUttered(
            "hoe lang bewaren jullie mijn schadedossier?",
            parse_data=_faq(0.91, "faq/retention"),
            message_id=RATED_MESSAGE,
            timestamp=now - 280,
        ),
        ActionExecuted("action_answer_faq", timestamp=now - 279),
        BotUttered(RETENTION_ANSWER, timestamp=now - 279),
        ActionExecuted("action_listen", timestamp=now - 279),
    ]
    unsure = greeted(now - 200) + [
        UserUttered("kan dat ook met mijn hond?", {"name": "out_of_scope", "confidence": 0.35}, timestamp=now - 190),
        ActionExecuted("utter_out_of_scope", timestamp=now - 189),
        BotUttered("Ik beantwoord alleen vragen over privacy.", timestamp=now - 189),
        ActionExecuted("action_listen", timestamp=now - 189),
    ]
    form = greeted(now - 100) + [
        UserUttered(
            "ik wil inzage in mijn gegevens", {"name": "request_access", "confidence": 0.95}, timestamp=now - 90
        ),
        ActionExecuted("rights_request_form", timestamp=now - 89),
        ActiveLoop("rights_request_form", timestamp=now - 89),
        SlotSet("request_type", "access", timestamp=now - 89),
        SlotSet("requested_slot", "requester_name", timestamp=now - 89),
        BotUttered("Wat is je naam?", timestamp=now - 89),
        ActionExecuted("action_listen", timestamp=now - 89),
        # Form answers: a name and an address are no intent, so the model is unsure. That is no
        # misunderstanding, and must not raise "lage zekerheid".
        UserUttered("Lotte Maes", {"name": "inform", "confidence": 0.31}, timestamp=now - 80),
        ActionExecuted("rights_request_form", timestamp=now - 79),
        SlotSet("requester_name", "Lotte Maes", timestamp=now - 79),
        SlotSet("requested_slot", "requester_email", timestamp=now - 79),
        BotUttered("Op welk e-mailadres kunnen we je bereiken?", timestamp=now - 79),
        ActionExecuted("action_listen", timestamp=now - 79),
        UserUttered(EMAIL, {"name": "inform", "confidence": 0.42}, timestamp=now - 70),
        ActionExecuted("rights_request_form", timestamp=now - 69),
        SlotSet("requester_email", EMAIL, timestamp=now - 69),
        SlotSet("requested_slot", None, timestamp=now - 69),
        ActiveLoop(None, timestamp=now - 69),
        BotUttered(
            f"Bedankt. We mailen naar {EMAIL}; vragen kan ook via privacy@kmo-verzekeringen.be.", timestamp=now - 69
        ),
        ActionExecuted("action_listen", timestamp=now - 69),
    ]
    for sender, events in (("review-greeter", greeter), ("review-unsure", unsure), ("review-form", form)):
        asyncio.run(store.save(DialogueStateTracker.from_events(sender, events)))


@pytest.fixture(scope="module", params=DATABASES)
def console(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(f"console-review-{request.param}")
    url = (
        f"sqlite:///{tmp / 'console.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("postgres_url_module")
    )
    conversations_as_rasa_stores_them(url)
    migrate(url)
    store = Store(url)
    for name, role in (("agent1", "agent"), ("officer1", "privacy_officer"), ("officer2", "privacy_officer")):
        accounts.add_user(store, name, PASSWORD, role)
    feedback.record(store, "review-greeter", RATED_MESSAGE, "down", "wrong")
    server = ConsoleServer(
        log_file=tmp / "console.log",
        env={
            "PRIVACYBOT_DATABASE_URL": url,
            "PRIVACYBOT_SECRET_KEY": SECRET,
            "PRIVACYBOT_LOGIN_LIMIT": "500",
            "PRIVACYBOT_CONSOLE_SEARCH_LIMIT": "500",
        },
    )
    server.start()
    yield {"url": server.url.rstrip("/"), "store": store, "tmp": tmp, "database": request.param}
    server.stop()
    store.dispose()


def count(page: str) -> int:
    return int(re.search(r"(\d+) gesprek\(ken\)", page).group(1))


def first_questions(page: str) -> List[str]:
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r'<td class="first">(.*?)</td>', page, re.S)]


def event_ids(page: str) -> List[int]:
    return [int(i) for i in re.findall(r'name="event_id" value="(\d+)"', page)]


# ---- the list ---------------------------------------------------------------------------------------
def test_first_question_is_the_first_typed_message(console):
    page = login(console, "agent1").get(f"{console['url']}/conversations").text
    assert "/greet" not in page
    assert first_questions(page) == [
        "ik wil inzage in mijn gegevens",
        "kan dat ook met mijn hond?",
        "hoe lang bewaren jullie mijn schadedossier?",
    ]  # not the button click


def test_search_matches_what_staff_see_never_button_payloads(console):
    agent = login(console, "agent1")
    # Only in the payload of a button the visitor clicked (staff see its title "Welke gegevens?").
    assert count(post(agent, console, "/conversations", {"q": "verzamelen"}).text) == 0
    assert count(post(agent, console, "/conversations", {"q": "Welke gegevens"}).text) == 1
    # The greeting is in every conversation: its words do not return them all.
    assert count(post(agent, console, "/conversations", {"q": "onderwerp"}).text) == 0
    assert count(post(agent, console, "/conversations", {"q": "schadedossier"}).text) == 1
    # The bot's answers only when asked for, and still never its buttons.
    assert count(post(agent, console, "/conversations", {"q": "10 jaar", "bot": "1"}).text) == 1
    assert count(post(agent, console, "/conversations", {"q": "verzamelen", "bot": "1"}).text) == 0
    assert count(post(agent, console, "/conversations", {"q": "onderwerp", "bot": "1"}).text) == 3


def test_low_confidence_ignores_form_answers(console):
    agent = login(console, "agent1")
    page = agent.get(f"{console['url']}/conversations", params={"flag": "low_confidence"}).text
    assert count(page) == 1 and first_questions(page) == ["kan dat ook met mijn hond?"]
    assert "lage zekerheid (1)" in page
    transcript = agent.get(f"{console['url']}/conversations/review-form").text
    assert transcript.count("formulierantwoord") == 2  # said on the two answers, not on the request


def test_filters_on_thumbs_down_and_on_faq_topic(console):
    agent = login(console, "agent1")
    down = agent.get(f"{console['url']}/conversations", params={"flag": "thumbs_down"}).text
    assert count(down) == 1 and first_questions(down) == ["hoe lang bewaren jullie mijn schadedossier?"]
    assert "👎 feedback (1)" in agent.get(f"{console['url']}/conversations").text
    topic = agent.get(f"{console['url']}/conversations", params={"intent": "faq/retention"}).text
    assert count(topic) == 1 and "hoe lang bewaren" in topic
    assert '<option value="faq/retention"' in topic  # the topics are in the intent filter
    # The ranking of every FAQ answer names other topics too: they do not count.
    assert count(agent.get(f"{console['url']}/conversations", params={"intent": "faq/data_categories"}).text) == 1


def test_rating_shows_next_to_the_visitor_message(console):
    page = login(console, "agent1").get(f"{console['url']}/conversations/review-greeter").text
    rated = re.search(r'<li id="e\d+"[^>]*>(?:(?!</li>).)*schadedossier(?:(?!</li>).)*</li>', page, re.S).group(0)
    assert "👎" in rated and feedback.REASONS["wrong"] in rated
    assert page.count("👎") == 1


# ---- a transcript -------------------------------------------------------------------------------------
def test_company_addresses_in_bot_messages_are_shown_visitors_data_masked(console):
    page = login(console, "agent1").get(f"{console['url']}/conversations/review-form").text
    assert "privacy@kmo-verzekeringen.be" in page
    assert EMAIL not in page and "Lotte" not in page and "[e-mailadres]" in page
    greeter = login(console, "agent1").get(f"{console['url']}/conversations/review-greeter").text
    assert "Wolvenpad 2, 3300 Tienen" in greeter


def test_reveal_redirects_and_a_refresh_does_not_post_again(console):
    officer = login(console, "officer1")
    before = len(audit.recent(console["store"], action="reveal", limit=1000))
    answer = post(
        officer,
        console,
        "/conversations/review-form/reveal",
        {},
        page="/conversations/review-form",
        allow_redirects=False,
    )
    assert answer.status_code in (302, 303)
    location = answer.headers["Location"]
    assert location.startswith("/conversations/review-form")
    shown = officer.get(f"{console['url']}{location}")
    assert shown.status_code == 200 and EMAIL in shown.text and not shown.history
    refreshed = officer.get(f"{console['url']}{location}")  # what a refresh does: GET, no new POST
    assert EMAIL in refreshed.text
    assert len(audit.recent(console["store"], action="reveal", limit=1000)) == before + 1
    # The plain transcript stays masked, and the revealed URL shows nothing without the grant.
    assert EMAIL not in officer.get(f"{console['url']}/conversations/review-form").text
    for other in (login(console, "officer2"), login(console, "agent1"), requests.Session()):
        page = other.get(f"{console['url']}{location}")
        assert EMAIL not in page.text
    # A grant is for that conversation only.
    assert EMAIL not in officer.get(f"{console['url']}{location.replace('review-form', 'review-greeter')}").text


def test_an_erased_conversation_gets_a_console_page(console):
    agent = login(console, "agent1")
    for sender in ("gewist-gesprek", "a..b"):
        answer = agent.get(f"{console['url']}/conversations/{sender}")
        assert answer.status_code == 404 and answer.headers["Content-Type"].startswith("text/html")
        assert "Dit gesprek is gewist of bestaat niet (meer)" in answer.text
        assert 'href="/conversations"' in answer.text and "<nav" in answer.text  # the console's layout


def test_annotation_defaults_to_the_prediction_with_descriptions(console):
    page = login(console, "agent1").get(f"{console['url']}/conversations/review-greeter").text
    forms = re.findall(r'<form method="post" action="/conversations/review-greeter/annotate".*?</form>', page, re.S)
    selected = [re.search(r'<option value="([^"]*)" selected[^>]*>([^<]*)', f).groups() for f in forms]
    assert (
        "faq/retention",
        "faq/retention — how long do you keep my data, retention period, when do you delete",
    ) in selected
    greet = forms[0]  # the /greet message: its prediction, not the alphabet's first label
    assert re.search(r'<option value="greet" selected', greet) and not re.search(r'value="affirm" selected', greet)
    assert "<optgroup" in greet and 'data-filter="intents"' in greet


def test_annotation_edit_undo_and_stay_in_place(console):
    agent = login(console, "agent1")
    page = agent.get(f"{console['url']}/conversations/review-unsure").text
    event_id = event_ids(page)[1]  # "kan dat ook met mijn hond?"
    saved = post(
        agent,
        console,
        "/conversations/review-unsure/annotate",
        {"event_id": event_id, "intent": "out_of_scope"},
        page="/conversations/review-unsure",
        allow_redirects=False,
    )
    assert saved.status_code == 302 and saved.headers["Location"] == f"/conversations/review-unsure#e{event_id}"
    shown = agent.get(f"{console['url']}/conversations/review-unsure").text
    assert "geannoteerd: out_of_scope" in shown and f'id="e{event_id}"' in shown
    changed = post(
        agent,
        console,
        "/conversations/review-unsure/annotate",
        {"event_id": event_id, "intent": "faq/minors"},
        page="/conversations/review-unsure",
    )
    assert "geannoteerd: faq/minors" in changed.text and "geannoteerd: out_of_scope" not in changed.text
    assert re.search(r'<option value="faq/minors" selected', changed.text)  # the edit starts from the annotation
    queue = agent.get(f"{console['url']}/annotations").text
    assert "faq/minors" in queue and "kan dat ook met mijn hond?" in queue
    removed = post(
        agent,
        console,
        "/conversations/review-unsure/unannotate",
        {"event_id": event_id},
        page="/conversations/review-unsure",
        allow_redirects=False,
    )
    assert removed.headers["Location"] == f"/conversations/review-unsure#e{event_id}"
    assert "geannoteerd:" not in agent.get(f"{console['url']}/conversations/review-unsure").text
    assert "kan dat ook met mijn hond?" not in agent.get(f"{console['url']}/annotations").text
    # From the queue itself: remove and come back to the queue.
    post(
        agent,
        console,
        "/conversations/review-unsure/annotate",
        {"event_id": event_id, "intent": "out_of_scope"},
        page="/conversations/review-unsure",
    )
    back = post(
        agent,
        console,
        "/conversations/review-unsure/unannotate",
        {"event_id": event_id, "back": "annotations"},
        page="/annotations",
        allow_redirects=False,
    )
    assert back.headers["Location"] == "/annotations"
    refused = post(
        agent,
        console,
        "/conversations/review-unsure/annotate",
        {"event_id": event_id, "intent": ""},
        page="/conversations/review-unsure",
    )
    assert "Kies een intent uit de lijst." in refused.text and "<nav" in refused.text  # a page, not bare text


def test_top_of_a_transcript_and_next_unreviewed(console):
    agent = login(console, "agent1")
    post(
        agent,
        console,
        "/conversations/review-unsure/review",
        {"reviewed": "1", "tags": "dieren, buiten onderwerp", "note": ""},
        page="/conversations/review-unsure",
    )
    page = agent.get(f"{console['url']}/conversations/review-unsure").text
    top = page[: page.index('<ol class="transcript')]
    assert "Nagekeken door agent1" in top and "dieren" in top and "buiten onderwerp" in top
    # In list order (newest first): form, unsure, greeter; unsure is reviewed.
    form = agent.get(f"{console['url']}/conversations/review-form").text
    assert "Niet nagekeken" in form[: form.index('<ol class="transcript')]
    assert re.search(r'<a [^>]*href="/conversations/review-greeter"[^>]*>Volgende niet-nagekeken', form)
    greeter = agent.get(f"{console['url']}/conversations/review-greeter").text
    assert re.search(r'<a [^>]*href="/conversations/review-form"[^>]*>Volgende niet-nagekeken', greeter)  # wraps
    assert "Sneltoetsen" in greeter and "<kbd>j</kbd>" in greeter


def test_technical_lines_can_be_hidden_with_a_plain_link(console):
    agent = login(console, "agent1")
    page = agent.get(f"{console['url']}/conversations/review-form").text
    assert re.search(r'<ol class="transcript"', page) and 'class="slot technical"' in page
    link = re.search(r'<a [^>]*id="technical-toggle"[^>]*href="([^"]+)"', page).group(1)
    hidden = agent.get(f"{console['url']}/conversations/review-form{link.replace('&amp;', '&')}").text
    assert re.search(r'<ol class="transcript hide-technical"', hidden)
    assert re.search(r'<a [^>]*id="technical-toggle"[^>]*href="\?technisch=tonen"', hidden)


def test_console_script_is_served_under_a_strict_policy(console):
    script = requests.get(f"{console['url']}/static/console.js")
    assert script.status_code == 200 and "javascript" in script.headers["Content-Type"]
    policy = script.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "default-src 'none'" in policy
    page = login(console, "agent1").get(f"{console['url']}/conversations/review-form").text
    assert '<script src="/static/console.js" defer></script>' in page
    assert not re.search(r"<script(?![^>]*\bsrc=)", page) and " style=" not in page and " onclick=" not in page


# ---- in chromium: what a reviewer sees and does ----------------------------------------------------------
# On SQLite only: the pages are the same on both databases, which the HTTP tests above cover.
IN_CHROMIUM = pytest.mark.parametrize("console", ["sqlite"], indirect=True)


def _browser(playwright, **context):
    from tests.browser import CHROMIUM, CHROMIUM_ARGS, NOT_INSTALLED

    if CHROMIUM is None:
        pytest.skip(NOT_INSTALLED)
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-BE", **context).new_page()
    return browser, page


def _log_in(page, base: str, username: str = "agent1") -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Aanmelden").click()
    page.wait_for_url(f"{base}/conversations")


def _policy_violations(page) -> List[str]:
    found: List[str] = []
    page.on(
        "console",
        lambda message: (
            found.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    return found


@pytest.mark.browser
@IN_CHROMIUM
def test_reviewed_checkbox_is_centred_beside_its_label(console):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser, page = _browser(playwright)
        _log_in(page, console["url"])
        page.goto(f"{console['url']}/conversations/review-greeter")
        box = page.get_by_label("Nagekeken", exact=True)
        box.scroll_into_view_if_needed()
        page.screenshot(path=str(console["tmp"] / "review-checkbox.png"), full_page=True)
        # Both in the same frame, relative to the viewport: the box, and the label's text after it.
        check, text = box.evaluate("""box => {
            const range = document.createRange();
            range.selectNodeContents(box.closest('label'));
            range.setStartAfter(box);
            const rect = r => ({x: r.x, y: r.y, width: r.width, height: r.height});
            return [rect(box.getBoundingClientRect()), rect(range.getBoundingClientRect())];
        }""")
        browser.close()
    check_middle, text_middle = check["y"] + check["height"] / 2, text["y"] + text["height"] / 2
    assert abs(check_middle - text_middle) <= 2, (check, text)  # on the label's line, centred
    assert check["x"] + check["width"] <= text["x"] <= check["x"] + check["width"] + 16  # just left of it


@pytest.mark.browser
@IN_CHROMIUM
def test_intent_filter_narrows_the_annotation_dropdown(console):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser, page = _browser(playwright)
        violations = _policy_violations(page)
        _log_in(page, console["url"])
        page.goto(f"{console['url']}/conversations/review-greeter")
        line = page.locator("li.user", has_text="schadedossier")
        line.locator("summary").click()
        select = line.locator("select[name=intent]")
        assert select.input_value() == "faq/retention"  # the prediction, not "affirm"
        search = line.get_by_role("searchbox", name="Intents filteren")
        assert search.evaluate("el => el === document.activeElement")  # opening the box puts you in the filter
        search.fill("cookies")
        shown = select.evaluate("s => [...s.options].filter(o => !o.hidden && o.value).map(o => o.value)")
        assert shown == ["faq/usage_data_cookies"] and select.input_value() == "faq/usage_data_cookies"
        search.fill("how long")  # by meaning, words in any order
        shown = select.evaluate("s => [...s.options].filter(o => !o.hidden && o.value).map(o => o.value)")
        assert "faq/retention" in shown and "greet" not in shown
        search.press("Enter")  # picks from the list, does not post
        assert select.evaluate("el => el === document.activeElement") and "#e" not in page.url
        page.screenshot(path=str(console["tmp"] / "review-annotate.png"))
        browser.close()
    assert violations == []


@pytest.mark.browser
@IN_CHROMIUM
def test_keyboard_shortcuts_and_not_while_typing(console):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser, page = _browser(playwright)
        violations = _policy_violations(page)
        _log_in(page, console["url"])
        page.goto(f"{console['url']}/conversations/review-greeter")
        focused = lambda: page.evaluate("document.activeElement.id")  # noqa: E731
        page.keyboard.press("j")
        first = focused()
        assert re.fullmatch(r"e\d+", first) and "Bezoeker: /greet" in page.locator(f"#{first}").inner_text()
        page.keyboard.press("j")
        second = focused()
        assert re.fullmatch(r"e\d+", second) and int(second[1:]) > int(first[1:])
        assert "Bot:" in page.locator(f"#{second}").inner_text()  # messages only: no action lines between
        page.keyboard.press("k")
        assert focused() == first
        tags = page.get_by_label("Tags (kommagescheiden)")
        tags.click()
        page.keyboard.type("jkrnt")  # typing in a field is typing, not shortcuts
        assert tags.input_value().endswith("jkrnt") and page.url.endswith("/conversations/review-greeter")
        tags.fill("")
        page.locator("h1").click()
        assert not page.get_by_label("Nagekeken", exact=True).is_checked()
        with page.expect_navigation():
            page.keyboard.press("r")  # reviewed, and saved
        assert "Opgeslagen" in page.content() and page.get_by_label("Nagekeken", exact=True).is_checked()
        with page.expect_navigation():
            page.keyboard.press("n")
        assert page.url.endswith("/conversations/review-form")  # the next one not reviewed, from the top
        browser.close()
    assert violations == []


@pytest.mark.browser
@IN_CHROMIUM
def test_technical_lines_switch_is_remembered_and_works_without_script(console):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser, page = _browser(playwright)
        violations = _policy_violations(page)
        _log_in(page, console["url"])
        page.goto(f"{console['url']}/conversations/review-form")
        slots = page.locator("li.slot")
        assert slots.first.is_visible()
        page.get_by_role("link", name="Technische regels verbergen").click()
        assert (
            not slots.first.is_visible()
            and page.locator("li.action").count()
            and not page.locator("li.action").first.is_visible()
        )
        assert page.locator("li.user").first.is_visible()
        page.goto(f"{console['url']}/conversations/review-unsure")  # another transcript, no flag in the URL
        assert not page.locator("li.action").first.is_visible()
        assert page.get_by_role("link", name="Technische regels tonen").is_visible()
        page.keyboard.press("t")
        assert page.locator("li.action").first.is_visible()
        page.goto(f"{console['url']}/conversations/review-form")
        assert page.locator("li.slot").first.is_visible()  # "tonen" was remembered too
        browser.close()

        browser, page = _browser(playwright, java_script_enabled=False)
        _log_in(page, console["url"])
        page.goto(f"{console['url']}/conversations/review-form")
        page.get_by_role("link", name="Technische regels verbergen").click()
        page.wait_for_url("**technisch=verbergen")
        assert not page.locator("li.slot").first.is_visible() and page.locator("li.user").first.is_visible()
        # Forms keep the view: saving the review comes back without the technical lines.
        page.get_by_role("button", name="Opslaan").click()
        assert "technisch=verbergen" in page.url and not page.locator("li.slot").first.is_visible()
        browser.close()
    assert violations == []

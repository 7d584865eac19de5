"""The console's free-text searches, attacked the way the outside attacker did (issue 15, 1).

The attacker, logged in with the lowest role, sent ``/conversations?q=<guess>`` one character
at a time and read the count: the search matched the raw event JSON, so it confirmed masked
e-mail addresses and names. Here the same attack runs against a real console process: the
search must only see the masked text staff see, never JSON keys or metadata; it is a POST
(the text stays out of URLs), needs 3 characters, is limited per account and audit-logged.
Same for the opt-out search.
"""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timezone

import pytest
import requests

from bot.ops.processes import ConsoleServer
from bot.privacy import optouts
from bot.staff import accounts, audit
from bot.store.db import Store, migrate

PASSWORD = "een-lang-test-wachtwoord"
SECRET = "search-test-key-" + "s" * 40
EMAIL = "lotte.maes@example.be"
SEARCH_LIMIT = 15


def seed_conversation(url: str) -> None:
    """A conversation as Rasa stores it: the visitor typed her e-mail address and name, which
    the form also kept as slots (so the console masks them everywhere)."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.core import settings

    now = datetime.now(timezone.utc).timestamp()
    store = SQLTrackerStore(
        domain=Domain.empty(), **{k: v for k, v in settings.tracker_store_settings(url).items() if k != "type"}
    )
    tracker = DialogueStateTracker.from_events(
        "search-visitor",
        [
            ActionExecuted("action_listen", timestamp=now),
            UserUttered(
                "ik wil inzage, mijn verzekering loopt via de makelaar",
                {"name": "request_access", "confidence": 0.93},
                timestamp=now + 1,
            ),
            BotUttered("Wat is je naam?", timestamp=now + 2),
            UserUttered("Lotte Maes", {"name": "inform", "confidence": 0.8}, timestamp=now + 3),
            SlotSet("requester_name", "Lotte Maes", timestamp=now + 4),
            UserUttered(f"mail naar {EMAIL}", {"name": "inform", "confidence": 0.8}, timestamp=now + 5),
            SlotSet("requester_email", EMAIL, timestamp=now + 6),
            BotUttered("Bedankt, je verzoek is geregistreerd.", timestamp=now + 7),
        ],
    )
    asyncio.run(store.save(tracker))


@pytest.fixture(scope="module")
def console(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("console-search")
    url = f"sqlite:///{tmp / 'console.db'}"
    migrate(url)
    seed_conversation(url)
    store = Store(url)
    for name, role in (("agent1", "agent"), ("agent2", "agent"), ("officer1", "privacy_officer")):
        accounts.add_user(store, name, PASSWORD, role)
    optouts.opt_out(store, "email", "jan.peeters@example.be")
    server = ConsoleServer(
        log_file=tmp / "console.log",
        env={
            "PRIVACYBOT_DATABASE_URL": url,
            "PRIVACYBOT_SECRET_KEY": SECRET,
            "PRIVACYBOT_LOGIN_LIMIT": "500",
            "PRIVACYBOT_CONSOLE_SEARCH_LIMIT": str(SEARCH_LIMIT),
        },
    )
    server.start()
    yield {"url": server.url.rstrip("/"), "store": store}
    server.stop()
    store.dispose()


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def login(console, username: str) -> requests.Session:
    browser = requests.Session()
    page = browser.get(f"{console['url']}/login")
    answer = browser.post(
        f"{console['url']}/login", data={"username": username, "password": PASSWORD, "csrf_token": csrf_of(page.text)}
    )
    assert answer.url.endswith("/conversations"), answer.text[:300]
    return browser


def search(browser: requests.Session, console, text: str, path: str = "/conversations") -> requests.Response:
    token = csrf_of(browser.get(f"{console['url']}{path}").text)
    return browser.post(f"{console['url']}{path}", data={"q": text, "csrf_token": token})


def count(page: str) -> int:
    assert "Te veel zoekopdrachten" not in page  # a limited search says so; it is no answer
    return int(re.search(r"(\d+) gesprek\(ken\)\.", page).group(1))


def test_search_sees_only_the_masked_text(console):
    agent = login(console, "agent1")
    assert count(search(agent, console, "makelaar").text) == 1  # what staff see is found
    assert count(search(agent, console, "[e-mailadres]").text) == 1  # the mask as shown
    # The attacker's guesses: fragments of the masked address and name, JSON keys, metadata.
    for guess in (
        "lotte",
        "maes@",
        "lotte.maes@example.be",
        "requester_email",
        '"event"',
        "confidence",
        "request_access",
        "search-visitor",
        "0.93",
    ):
        assert count(search(agent, console, guess).text) == 0, guess
    transcript = agent.get(f"{console['url']}/conversations/search-visitor").text
    assert EMAIL not in transcript and "Lotte" not in transcript  # and they stay masked


def test_search_text_never_goes_in_a_url(console):
    agent = login(console, "agent1")
    listing = agent.get(f"{console['url']}/conversations", params={"q": "lotte"})
    assert listing.status_code == 200
    assert "via het zoekveld" in listing.text and count(listing.text) == 1  # the old GET filter is ignored
    answer = search(agent, console, "makelaar")
    assert "makelaar" not in answer.url and all("makelaar" not in r.url for r in answer.history)
    assert 'method="post" action="/conversations"' in answer.text


def test_short_searches_are_refused_in_dutch(console):
    agent = login(console, "agent2")
    for short in ("l", "lo", "  a  "):
        answer = search(agent, console, short)
        assert answer.status_code == 400 and "minstens 3 tekens" in answer.text


def test_searches_are_limited_per_account_and_audited(console):
    officer = login(console, "officer1")
    before = len([a for a in audit.recent(console["store"], limit=1000) if a.username == "officer1"])
    statuses = [search(officer, console, f"probe{i}").status_code for i in range(SEARCH_LIMIT + 2)]
    assert statuses[:SEARCH_LIMIT] == [200] * SEARCH_LIMIT and statuses[SEARCH_LIMIT:] == [429, 429]
    assert "Te veel zoekopdrachten" in search(officer, console, "probe-again").text
    mine = [a for a in audit.recent(console["store"], limit=1000) if a.username == "officer1"]
    searches = [a for a in mine if a.action == "search_conversations"]
    assert len(mine) - before == SEARCH_LIMIT == len(searches)  # every search that ran, no more
    assert all(a.detail.startswith('"probe') and "gesprek(ken)" in a.detail for a in searches)


def test_the_audit_log_keeps_no_searched_address(console):
    agent = login(console, "agent2")
    search(agent, console, "lotte.maes@example.be")
    [entry] = [
        a
        for a in audit.recent(console["store"], limit=1000)
        if a.username == "agent2" and a.action == "search_conversations"
    ][:1]
    assert EMAIL not in entry.detail and "[e-mailadres]" in entry.detail


def test_optout_search_is_a_post_with_the_same_rules(console):
    store = console["store"]
    officers = [("officer-opt", "privacy_officer")]
    for name, role in officers:
        accounts.add_user(store, name, PASSWORD, role)
    officer = login(console, "officer-opt")
    # Agents still cannot see the list at all; the GET filter no longer filters.
    assert login(console, "agent1").get(f"{console['url']}/optouts").status_code == 403
    assert "via het zoekveld" in officer.get(f"{console['url']}/optouts", params={"q": "zzz"}).text
    found = search(officer, console, "peeters", path="/optouts")
    assert found.status_code == 200 and "jan.peeters@example.be" in found.text and "peeters" not in found.url
    missed = search(officer, console, "nobody-here", path="/optouts")
    assert "jan.peeters@example.be" not in missed.text
    assert search(officer, console, "pe", path="/optouts").status_code == 400
    audited = [
        a for a in audit.recent(store, limit=1000) if a.username == "officer-opt" and a.action == "search_optouts"
    ]
    assert len(audited) == 2


def test_agents_cannot_open_the_optout_list(console):
    """The README's role table promised agents the opt-out list; the code rightly refuses it
    (a list of addresses is personal data an agent does not need)."""
    agent = login(console, "agent1")
    answer = agent.get(f"{console['url']}/optouts", allow_redirects=False)
    assert answer.status_code == 403 and "jan.peeters@example.be" not in answer.text
    officer = login(console, "officer1")
    assert "jan.peeters@example.be" in officer.get(f"{console['url']}/optouts").text


def test_page_messages_cannot_be_put_in_a_link(console):
    """`?ok=` and `?error=` were shown on the page as given: a crafted link could make the
    console say anything ("Je account is geblokkeerd, bel ..."). Messages now come only from
    the session, written by the redirect after a POST."""
    officer = login(console, "officer1")
    bait = "Uw account is geblokkeerd, bel 0900 123 456"
    for path in ("/conversations/search-visitor", "/subjects", "/optouts"):
        for key in ("ok", "error"):
            page = officer.get(f"{console['url']}{path}", params={key: bait}).text
            assert bait not in page, (path, key)
    token = csrf_of(officer.get(f"{console['url']}/conversations/search-visitor").text)
    saved = officer.post(
        f"{console['url']}/conversations/search-visitor/review",
        data={"reviewed": "1", "tags": "", "note": "", "csrf_token": token},
    )
    assert "?" not in saved.url and "Opgeslagen" in saved.text  # the real message still shows, once
    assert "Opgeslagen" not in officer.get(saved.url).text


def test_sender_ids_the_console_cannot_open_are_refused_by_the_chat():
    from bot.plugins import chat_guard
    from bot.staff import conversations

    for sender in ("a..b", "..", "x.."):
        with pytest.raises(chat_guard.RefusedError):
            chat_guard.parse(f'{{"sender": "{sender}", "message": "hallo"}}'.encode())
        assert not conversations.valid_sender(sender)
    assert chat_guard.parse(b'{"sender": "a.b", "message": "hallo"}').sender == "a.b"

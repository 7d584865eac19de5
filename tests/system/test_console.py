"""The support console over real HTTP (the console process as `privacybot run` starts it), on
conversations made by the real assistant (`privacybot converse`), on SQLite and PostgreSQL:
access control, CSRF, masking and reveal, filters, review and annotation, requests,
subjects (export, erase) and purge."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import datetime, timedelta, timezone

import pytest
import requests
import yaml
from sqlalchemy import select

from bot.ops.processes import ConsoleServer
from bot.privacy import rights
from bot.staff import accounts
from bot.staff import audit as staff_audit
from bot.store.db import Store, migrate
from bot.store.models import OutboxMessage, StaffAudit
from tests.conftest import DATABASES, converse

PASSWORD = "een-lang-test-wachtwoord"
SECRET = "console-test-key-" + "c" * 40
CONVERSATIONS = [
    {
        "id": "request",
        "messages": [
            "ik wil inzage in mijn gegevens",
            "Jan Peeters",
            "jan.peeters@example.be",
            "klantnummer 884512",
            "ja",
        ],
    },
    {
        "id": "fallback",
        "messages": [
            "wie wint de ronde van vlaanderen",
            "ik bel jullie op 0470 12 34 56",
            "hoe lang bewaren jullie mijn gegevens?",
        ],
    },
    {"id": "question", "messages": ["verkopen jullie mijn gegevens?"]},
]
# Every route of the console, with a sample path; all but the login page need a session.
ROUTES = [
    ("GET", "/"),
    ("GET", "/conversations"),
    ("POST", "/conversations"),
    ("GET", "/conversations/x"),
    ("POST", "/conversations/x/reveal"),
    ("POST", "/conversations/x/review"),
    ("POST", "/conversations/x/annotate"),
    ("POST", "/conversations/x/unannotate"),
    ("GET", "/annotations"),
    ("POST", "/annotations/export"),
    ("GET", "/requests"),
    ("GET", "/requests/PRV-0000000000"),
    ("POST", "/requests/PRV-0000000000/status"),
    ("POST", "/requests"),
    ("GET", "/requests/PRV-0000000000/erase"),
    ("POST", "/requests/PRV-0000000000/erase"),
    ("POST", "/requests/PRV-0000000000/document"),
    ("GET", "/optouts"),
    ("POST", "/optouts"),
    ("POST", "/optouts/export"),
    ("POST", "/optouts/add"),
    ("POST", "/optouts/1/remove"),
    ("GET", "/subjects"),
    ("POST", "/subjects"),
    ("POST", "/subjects/export"),
    ("POST", "/subjects/erase"),
    ("GET", "/purge"),
    ("POST", "/purge"),
    ("GET", "/audit"),
    ("POST", "/logout"),
]


def old_conversation(url: str, sender: str, days_ago: int) -> None:
    """A conversation stored by Rasa's own tracker store, as if it happened long ago."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.core import settings

    moment = (datetime.now(timezone.utc) - timedelta(days=days_ago)).timestamp()
    store = SQLTrackerStore(
        domain=Domain.empty(), **{k: v for k, v in settings.tracker_store_settings(url).items() if k != "type"}
    )
    tracker = DialogueStateTracker.from_events(
        sender,
        [
            ActionExecuted("action_listen", timestamp=moment),
            UserUttered(
                "mag ik mijn gegevens zien? mail me op oud@example.be",
                {"name": "request_access", "confidence": 0.9},
                timestamp=moment + 1,
            ),
            BotUttered("Dat kan.", timestamp=moment + 2),
        ],
    )
    asyncio.run(store.save(tracker))


@pytest.fixture(scope="module", params=DATABASES)
def console(request, trained_model, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(f"console-{request.param}")
    url = (
        f"sqlite:///{tmp / 'console.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("postgres_url_module")
    )
    results, proc = converse(
        CONVERSATIONS, tmp, env={"PRIVACYBOT_DATABASE_URL": url, "PRIVACYBOT_OUTBOX_DIR": str(tmp / "outbox")}
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    old_conversation(url, "old-visitor", days_ago=400)
    migrate(url)
    store = Store(url)
    for name, role in (("agent1", "agent"), ("officer1", "privacy_officer"), ("admin1", "admin")):
        accounts.add_user(store, name, PASSWORD, role)
    server = ConsoleServer(
        log_file=tmp / "console.log",
        env={"PRIVACYBOT_DATABASE_URL": url, "PRIVACYBOT_SECRET_KEY": SECRET, "PRIVACYBOT_LOGIN_LIMIT": "500"},
    )
    server.start()
    firsts = {c["messages"][0]: c["id"] for c in CONVERSATIONS}
    senders = {}
    from bot.store.events import events_table

    table = events_table(store.engine)
    with store.engine.connect() as conn:
        for row in conn.execute(select(table.c.sender_id, table.c.data).where(table.c.type_name == "user")):
            text = json.loads(row.data).get("text")
            if text in firsts:
                senders[firsts[text]] = row.sender_id
    yield {"url": server.url.rstrip("/"), "store": store, "senders": senders, "db": url}
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
    assert answer.url.endswith("/conversations"), answer.text[:500]
    return browser


def post(
    browser: requests.Session, console, path: str, data: dict, page: str = "/conversations", **kwargs
) -> requests.Response:
    token = csrf_of(browser.get(f"{console['url']}{page}").text)
    return browser.post(f"{console['url']}{path}", data={**data, "csrf_token": token}, **kwargs)


@pytest.mark.parametrize("method, path", ROUTES)
def test_anonymous_requests_are_refused_everywhere(console, method, path):
    answer = requests.request(method, f"{console['url']}{path}", allow_redirects=False)
    assert answer.status_code in (302, 403)
    if answer.status_code == 302:
        assert answer.headers["Location"] == "/login"
    assert "jan.peeters" not in answer.text and "Gesprek" not in answer.text


def test_login_page_and_security_headers(console):
    answer = requests.get(f"{console['url']}/login")
    assert answer.status_code == 200 and "Aanmelden" in answer.text
    assert "default-src 'none'" in answer.headers["Content-Security-Policy"]
    assert answer.headers["X-Frame-Options"] == "DENY"
    redirect = requests.get(f"{console['url']}/conversations", allow_redirects=False)
    assert redirect.status_code == 302 and "default-src 'none'" in redirect.headers["Content-Security-Policy"]
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert console["db"].split("@")[-1] not in answer.text  # no database details anywhere


def test_wrong_password_same_message_and_lockout(console):
    browser = requests.Session()
    token = csrf_of(browser.get(f"{console['url']}/login").text)
    wrong = browser.post(
        f"{console['url']}/login", data={"username": "agent1", "password": "fout", "csrf_token": token}
    )
    unknown = browser.post(
        f"{console['url']}/login", data={"username": "niemand", "password": "fout", "csrf_token": token}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert accounts.LOGIN_FAILED in wrong.text and accounts.LOGIN_FAILED in unknown.text
    accounts.add_user(console["store"], "lockme", PASSWORD, "agent")
    for _ in range(accounts.MAX_FAILED_LOGINS):
        browser.post(f"{console['url']}/login", data={"username": "lockme", "password": "fout", "csrf_token": token})
    locked = browser.post(
        f"{console['url']}/login", data={"username": "lockme", "password": PASSWORD, "csrf_token": token}
    )
    # The same page as for a wrong password or an unknown name: no hint that "lockme" exists.
    assert locked.status_code == 401 and accounts.LOGIN_FAILED in locked.text
    assert locked.text.replace("lockme", "niemand") == unknown.text.replace(csrf_of(unknown.text), csrf_of(locked.text))


def test_posts_without_csrf_token_fail(console):
    browser = login(console, "admin1")
    sender = console["senders"]["question"]
    for path, data in (
        (f"/conversations/{sender}/review", {"reviewed": "1", "tags": "x", "note": ""}),
        ("/purge", {}),
        ("/logout", {}),
    ):
        answer = browser.post(f"{console['url']}{path}", data=data, allow_redirects=False)
        assert answer.status_code == 403 and "CSRF" in answer.text
    assert browser.get(f"{console['url']}/conversations").status_code == 200  # still logged in
    login_without = requests.post(
        f"{console['url']}/login", data={"username": "admin1", "password": PASSWORD}, allow_redirects=False
    )
    assert login_without.status_code == 403


def test_transcript_is_masked_and_an_agent_cannot_reveal(console):
    browser = login(console, "agent1")
    sender = console["senders"]["request"]
    page = browser.get(f"{console['url']}/conversations/{sender}").text
    assert "jan.peeters@example.be" not in page and "Peeters" not in page and "884512" not in page
    assert "[e-mailadres]" in page and "request_access" in page and "rights_request_form" in page
    assert "Persoonsgegevens tonen" not in page
    refused = post(browser, console, f"/conversations/{sender}/reveal", {})
    assert refused.status_code == 403 and "jan.peeters@example.be" not in refused.text
    fallback = browser.get(f"{console['url']}/conversations/{console['senders']['fallback']}").text
    assert "0470 12 34 56" not in fallback and "[telefoonnummer]" in fallback


def test_privacy_officer_reveal_is_audit_logged(console):
    browser = login(console, "officer1")
    sender = console["senders"]["request"]
    revealed = post(browser, console, f"/conversations/{sender}/reveal", {}, page=f"/conversations/{sender}")
    # POST, redirect, GET: the revealed view is a page of its own that a refresh does not re-post.
    assert revealed.status_code == 200 and "jan.peeters@example.be" in revealed.text
    assert [r.status_code for r in revealed.history] == [302] and revealed.url.endswith("?tonen=1")
    with console["store"].session() as session:
        audit = session.execute(select(StaffAudit).where(StaffAudit.action == "reveal")).scalars().all()
    assert [(a.username, a.target) for a in audit][-1] == ("officer1", sender)
    again = browser.get(f"{console['url']}/conversations/{sender}").text  # the plain transcript stays masked
    assert "jan.peeters@example.be" not in again
    agent = login(console, "agent1")  # the flag reveals nothing without the session's audited grant
    assert "jan.peeters@example.be" not in agent.get(revealed.url).text


def test_filters_and_counts(console):
    browser = login(console, "agent1")
    page = browser.get(f"{console['url']}/conversations").text
    assert "4 gesprek(ken)" in page  # three from the chat, one old one
    assert '<td class="first">ik wil inzage in mijn gegevens</td>' in page  # the first typed question
    assert "opende een verzoek (1)" in page and "viel terug (1)" in page
    fell_back = browser.get(f"{console['url']}/conversations", params={"flag": "fell_back"}).text
    assert "1 gesprek(ken)" in fell_back and "ronde van vlaanderen" in fell_back
    by_intent = browser.get(f"{console['url']}/conversations", params={"intent": "request_access"}).text
    assert "2 gesprek(ken)" in by_intent
    by_slot = browser.get(f"{console['url']}/conversations", params={"slot": "requester_email"}).text
    assert "1 gesprek(ken)" in by_slot
    by_action = browser.get(f"{console['url']}/conversations", params={"action": "action_answer_faq"}).text
    assert "2 gesprek(ken)" in by_action
    recent = browser.get(
        f"{console['url']}/conversations", params={"from": (datetime.now() - timedelta(days=2)).date().isoformat()}
    ).text
    assert "3 gesprek(ken)" in recent
    text = post(browser, console, "/conversations", {"q": "Vlaanderen"}).text  # free text: POST only
    assert "1 gesprek(ken)" in text and "ronde van vlaanderen" in text
    strict = browser.get(f"{console['url']}/conversations", params={"flag": "low_confidence", "threshold": "1"}).text
    loose = browser.get(f"{console['url']}/conversations", params={"flag": "low_confidence", "threshold": "0"}).text
    assert "0 gesprek(ken)" in loose and "0 gesprek(ken)" not in strict


def test_review_tag_note_and_annotation_export(console):
    browser = login(console, "agent1")
    sender = console["senders"]["fallback"]
    saved = post(
        browser,
        console,
        f"/conversations/{sender}/review",
        {"reviewed": "1", "tags": "Fallback, wielrennen", "note": "Vraag over sport"},
    )
    assert "Opgeslagen" in saved.text and "fallback,wielrennen" in saved.text and "Vraag over sport" in saved.text
    reviewed = browser.get(f"{console['url']}/conversations", params={"flag": "reviewed", "tag": "wielrennen"}).text
    assert "1 gesprek(ken)" in reviewed
    page = browser.get(f"{console['url']}/conversations/{sender}").text
    event_id = re.findall(r'name="event_id" value="(\d+)"', page)[1]  # "ik bel jullie op 0470 ..."
    queued = post(
        browser, console, f"/conversations/{sender}/annotate", {"event_id": event_id, "intent": "human_handoff"}
    )
    assert "annotatiewachtrij" in queued.text and "geannoteerd: human_handoff" in queued.text
    assert queued.history[0].headers["Location"].endswith(f"#e{event_id}")  # back at the same message
    refused = post(
        browser, console, f"/conversations/{sender}/annotate", {"event_id": event_id, "intent": "geen_intent"}
    )
    assert "Kies een intent uit de lijst." in refused.text and "geannoteerd: human_handoff" in refused.text
    assert post(browser, console, "/annotations/export", {}, page="/annotations").status_code == 403  # agent
    officer = login(console, "officer1")
    exported = post(officer, console, "/annotations/export", {}, page="/annotations")
    data = yaml.safe_load(exported.text)
    assert data["version"] == "3.1"
    [block] = [b for b in data["nlu"] if b["intent"] == "human_handoff"]
    assert "[telefoonnummer]" in block["examples"] and "0470" not in block["examples"]


def test_a_request_is_handled_end_to_end(console):
    [request] = [
        r for r in rights.list_requests(console["store"]) if r.conversation_id == console["senders"]["request"]
    ]
    agent = login(console, "agent1")
    detail = agent.get(f"{console['url']}/requests/{request.reference}").text
    assert "niet bevestigd" in detail and "Status wijzigen" not in detail
    assert "Jan Peeters" not in detail and "jan.peeters@example.be" not in detail and "[naam]" in detail
    assert agent.get(f"{console['url']}/optouts").status_code == 403  # addresses: officers only
    assert (
        post(
            agent, console, f"/requests/{request.reference}/status", {"status": "open", "note": "x"}, page="/requests"
        ).status_code
        == 403
    )
    officer = login(console, "officer1")
    listing = officer.get(f"{console['url']}/requests", params={"status": "unverified"}).text
    assert request.reference in listing
    no_note = post(
        officer, console, f"/requests/{request.reference}/status", {"status": "open", "note": ""}, page="/requests"
    )
    assert "Een notitie is verplicht." in no_note.text
    for status, note in (
        ("open", "Geverifieerd per telefoon"),
        ("in_progress", "Gestart"),
        ("done", "Kopie verstuurd"),
    ):
        answer = post(
            officer,
            console,
            f"/requests/{request.reference}/status",
            {"status": status, "note": note},
            page="/requests",
        )
        assert "Status gewijzigd" in answer.text
    done = rights.get(console["store"], request.reference)
    assert done.status == rights.DONE
    # Each change mailed the requester through the outbox (bot.privacy.status_mail), the staff's notes not.
    with console["store"].session() as session:
        mails = (
            session.execute(
                select(OutboxMessage)
                .where(OutboxMessage.request_id == done.id, OutboxMessage.kind == "status")
                .order_by(OutboxMessage.id)
            )
            .scalars()
            .all()
        )
    assert [m.subject.rsplit(": ", 1)[1] for m in mails] == ["bevestigd", "in behandeling", "afgehandeld"]
    assert all(m.recipient == "jan.peeters@example.be" and done.reference in m.body for m in mails)
    assert not any("Kopie verstuurd" in m.body or "Jan Peeters" in m.body for m in mails)
    assert [(e.actor, e.to_status) for e in done.events][1:] == [
        ("officer1", "open"),
        ("officer1", "in_progress"),
        ("officer1", "done"),
    ]
    page = officer.get(f"{console['url']}/requests/{request.reference}").text
    assert "Kopie verstuurd" in page and f"/conversations/{console['senders']['request']}" in page


def test_subject_export_and_erase_then_purge(console):
    agent = login(console, "agent1")
    assert agent.get(f"{console['url']}/subjects").status_code == 403
    officer = login(console, "officer1")
    # A search is a POST (the address stays out of URLs) and is audit-logged.
    assert (
        "Jan.Peeters" not in officer.get(f"{console['url']}/subjects", params={"email": "Jan.Peeters@Example.be"}).text
    )
    found = post(officer, console, "/subjects", {"email": "Jan.Peeters@Example.be", "phone": ""}, page="/subjects")
    assert "1 gesprek(ken) gevonden" in found.text and "Jan.Peeters@Example.be" not in found.url
    assert [e.detail for e in staff_audit.recent(console["store"], action="search_subject")][:1] == ["1 gesprek(ken)"]
    invalid = post(officer, console, "/subjects", {"email": "geen-adres", "phone": ""}, page="/subjects").text
    assert "geen geldig e-mailadres" in invalid
    exported = post(
        officer, console, "/subjects/export", {"email": "jan.peeters@example.be", "phone": ""}, page="/subjects"
    )
    data = exported.json()
    [conversation] = data["conversations"]
    assert any(e.get("text") == "jan.peeters@example.be" for e in conversation["events"])
    erased = post(
        officer,
        console,
        "/subjects/erase",
        {"email": "jan.peeters@example.be", "phone": "", "confirm": "1"},
        page="/subjects",
    )
    assert "1 gesprek(ken) gewist" in erased.text
    assert (
        "0 gesprek(ken) gevonden"
        in post(officer, console, "/subjects", {"email": "jan.peeters@example.be", "phone": ""}, page="/subjects").text
    )
    assert any(r.email == "jan.peeters@example.be" for r in rights.list_requests(console["store"]))  # the request stays

    assert post(officer, console, "/purge", {}, page="/subjects").status_code == 403  # admin only
    admin = login(console, "admin1")
    preview = admin.get(f"{console['url']}/purge").text
    assert re.search(r"<strong>1</strong> gesprek", preview)  # only the 400-day-old one
    purged = post(admin, console, "/purge", {}, page="/purge")
    assert "1 gesprek(ken) verwijderd" in purged.text
    listing = admin.get(f"{console['url']}/conversations").text
    assert "2 gesprek(ken)" in listing
    audit = admin.get(f"{console['url']}/audit").text
    assert "erase_subject" in audit and "purge" in audit and "jan.peeters" not in audit


def test_logout_ends_the_session(console):
    browser = login(console, "agent1")
    post(browser, console, "/logout", {})
    assert browser.get(f"{console['url']}/conversations", allow_redirects=False).status_code == 302


def test_login_attempts_per_address_are_limited(console, tmp_path):
    with ConsoleServer(
        log_file=tmp_path / "c.log",
        env={"PRIVACYBOT_DATABASE_URL": console["db"], "PRIVACYBOT_SECRET_KEY": SECRET, "PRIVACYBOT_LOGIN_LIMIT": "3"},
    ) as server:
        browser = requests.Session()
        token = csrf_of(browser.get(server.url + "login").text)
        codes = [
            browser.post(
                server.url + "login", data={"username": f"x{i}", "password": "fout", "csrf_token": token}
            ).status_code
            for i in range(5)
        ]
    assert codes == [401, 401, 401, 429, 429]


def test_sender_ids_cannot_act_as_paths(console):
    admin = login(console, "admin1")
    for sneaky in ("..%2F..%2Fpurge%3F", "a%2Fb", "x%3Fy"):
        assert admin.get(f"{console['url']}/conversations/{sneaky}", allow_redirects=False).status_code == 404


def test_logout_ends_copies_of_the_session_too(console):
    browser = login(console, "agent1")
    copy = requests.Session()
    copy.cookies.update(browser.cookies)
    assert copy.get(f"{console['url']}/conversations", allow_redirects=False).status_code == 200
    post(browser, console, "/logout", {})
    assert copy.get(f"{console['url']}/conversations", allow_redirects=False).status_code == 302


HOSTILE = [
    "<script>alert('console')</script>",
    "<img src=x onerror=alert(1)>",
    "{{ 7*7 }} {% if 1 %}ja{% endif %}",
    '" onmouseover="alert(1)',
    "javascript:alert(1)",
    "\u202egnp.exe",
    "'; DROP TABLE events; --",
]


def test_every_page_escapes_what_visitors_typed(console):
    """Runs last: it adds a conversation. Whatever a visitor typed, every page shows it as text."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.core import settings

    store = SQLTrackerStore(
        domain=Domain.empty(),
        **{k: v for k, v in settings.tracker_store_settings(console["db"]).items() if k != "type"},
    )
    events = [ActionExecuted("action_listen")]
    for text in HOSTILE:
        events += [
            UserUttered(text, {"name": "nlu_fallback", "confidence": 0.2}),
            BotUttered("Sorry."),
            ActionExecuted("action_listen"),
        ]
    for sender_id in ("hostile-visitor", "hostile-<b>visitor</b>"):  # the second only shows in the list
        asyncio.run(store.save(DialogueStateTracker.from_events(sender_id, events)))

    officer = login(console, "officer1")
    sender = "hostile-visitor"
    pages = [
        officer.get(f"{console['url']}/conversations").text,
        post(officer, console, "/conversations", {"q": "<script"}).text,
        officer.get(f"{console['url']}/conversations/{sender}").text,
        post(officer, console, f"/conversations/{sender}/reveal", {}, page=f"/conversations/{sender}").text,
        officer.get(f"{console['url']}/annotations").text,
    ]
    for page in pages:
        assert "<script>alert" not in page and "<img src=x" not in page and "<b>visitor" not in page
        assert 'onmouseover="alert' not in page and 'href="javascript:' not in page
        assert "49 ja" not in page  # no template evaluated what a visitor typed
    assert "&lt;script&gt;alert(&#39;console&#39;)&lt;/script&gt;" in pages[3]
    assert "{{ 7*7 }}" in pages[3]

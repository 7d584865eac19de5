"""Issue 16, the console's requests, opt-outs and data subjects, over real HTTP against a
running console process, on SQLite and PostgreSQL. No trained model is needed: conversations
are written by Rasa's own tracker store and requests by the chat's domain code
(bot.privacy.verification.submit), as the chat would.

- the status dropdown has no preselected status, Dutch labels, the natural order;
- "Geen toegang" says which role the page is for and whom to ask, by the user's own role;
- an erasure request erases the requester's chats from the request, recorded on it;
- page titles, skip link, autofocus, "Uitloggen" apart from "Afmeldingen";
- the request list: counts per status, search (POST, by reference; by address for officers),
  days left on the Brussels calendar;
- a mail to the requester on a status change, through the outbox;
- opt-outs: CSV export without formulas, Dutch channel names, manual add/remove with audit;
- the readable data-subject document from a request.
"""

from __future__ import annotations

import asyncio
import csv
import html
import io
import re
from datetime import datetime, timedelta, timezone

import pytest
import requests
from sqlalchemy import select

from bot.core import company
from bot.ops.processes import ConsoleServer
from bot.privacy import optouts, rights, status_mail, verification
from bot.staff import accounts, audit, conversations
from bot.store.db import Store, migrate
from bot.store.models import OptOut, OutboxMessage
from tests.conftest import DATABASES
from tests.system.test_console import PASSWORD, login, post

SECRET = "console-requests-key-" + "r" * 40
LOTTE, JAN, OTHER = "lotte.maes@example.be", "jan.peeters@example.be", "an.janssens@example.be"


def seed_conversation(url: str, sender: str, email: str, text: str, days_ago: int = 0) -> None:
    """A conversation as Rasa stores it: a greeting with buttons, the visitor clicks one and
    types a message with her address, which the form also kept as a slot."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
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
            UserUttered("/greet", {"name": "greet", "confidence": 1.0}, timestamp=moment + 1),
            BotUttered(
                "Hallo! Waarmee kan ik helpen?",
                {"buttons": [{"title": "Mijn gegevens wissen", "payload": "/request_erasure"}]},
                timestamp=moment + 2,
            ),
            UserUttered("/request_erasure", {"name": "request_erasure", "confidence": 1.0}, timestamp=moment + 3),
            BotUttered("Wat is je e-mailadres?", timestamp=moment + 4),
            UserUttered(text, {"name": "inform", "confidence": 0.9}, timestamp=moment + 5),
            SlotSet("requester_email", email, timestamp=moment + 6),
            BotUttered("Bedankt, je verzoek is geregistreerd.", timestamp=moment + 7),
        ],
    )
    asyncio.run(store.save(tracker))


def submit(store: Store, kind: str, name: str, email: str, sender=None, days_ago: int = 0, verify: bool = True):
    new = rights.NewRequest(
        request_type=kind, name=name, email=email, details="Alles wissen graag", conversation_id=sender
    )
    request = verification.submit(store, new, now=datetime.now(timezone.utc) - timedelta(days=days_ago))
    if verify:
        rights.change_status(store, request.reference, rights.OPEN, "aanvrager (link)", "E-mailadres bevestigd")
    return rights.get(store, request.reference)


@pytest.fixture(scope="module", params=DATABASES)
def site(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(f"console-requests-{request.param}")
    url = (
        f"sqlite:///{tmp / 'console.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("postgres_url_module")
    )
    migrate(url)
    seed_conversation(url, "lotte-chat", LOTTE, f"mijn adres is {LOTTE}")
    seed_conversation(url, "lotte-again", LOTTE, f"nog eens: {LOTTE.upper()}")
    seed_conversation(url, "jan-chat", JAN, f"mail naar {JAN}")
    seed_conversation(url, "other-chat", OTHER, f"ik ben {OTHER}")
    store = Store(url)
    made = {
        "erasure": submit(store, "erasure", "Lotte Maes", LOTTE, sender="lotte-chat"),
        "access": submit(store, "access", "Jan Peeters", JAN, sender="jan-chat"),
        "unverified": submit(store, "erasure", "Niemand Bekend", OTHER, sender="other-chat", verify=False),
        "late": submit(store, "rectification", "Jan Peeters", JAN, days_ago=40),
        "other": submit(store, "access", "An Janssens", OTHER),
    }
    optouts.opt_out(store, "email", LOTTE)
    optouts.opt_out(store, "phone", "0470 12 34 56")
    optouts.opt_out(store, "email", JAN)
    for name, role in (("agent1", "agent"), ("officer1", "privacy_officer"), ("admin1", "admin")):
        accounts.add_user(store, name, PASSWORD, role)
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
    yield {"url": server.url.rstrip("/"), "store": store, "db": url, "requests": made}
    server.stop()
    store.dispose()


def status_options(page: str):
    select_html = re.search(r'<select name="status"[^>]*>(.*?)</select>', page, re.S).group(1)
    return re.findall(r"<option([^>]*)>([^<]*)</option>", select_html)


def outbox(store: Store, kind: str = status_mail.KIND):
    with store.session() as session:
        return list(
            session.execute(
                select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
            ).scalars()
        )


def exists(site, sender: str) -> bool:
    """Whether the conversation is still in Rasa's tracker store (checked in the database, not
    through the transcript page, which is another part of the console)."""
    return conversations.exists(site["store"], sender)


def audit_rows(store: Store, action: str):
    return audit.recent(store, action=action)


# ---- bug 1: the status dropdown ------------------------------------------------------------------
def test_the_status_dropdown_chooses_nothing_by_itself(site):
    reference = site["requests"]["access"].reference
    officer = login(site, "officer1")
    page = officer.get(f"{site['url']}/requests/{reference}").text
    options = status_options(page)
    assert options[0][1] == "Kies een status" and 'value=""' in options[0][0] and "selected" in options[0][0]
    assert not any("selected" in attrs for attrs, _ in options[1:])
    assert re.search(r'<select name="status" required', page)
    labels = [label for _, label in options[1:]]
    # Dutch labels, in the order a request normally moves (open -> in behandeling -> afgehandeld).
    assert [label.split(" (")[0] for label in labels] == ["in behandeling", "afgehandeld", "afgewezen"]
    refused = post(officer, site, f"/requests/{reference}/status", {"status": "", "note": "x"}, page="/requests")
    assert "Kies een nieuwe status." in refused.text
    assert rights.get(site["store"], reference).status == rights.OPEN


# ---- bug 2: "Geen toegang" -------------------------------------------------------------------------
def test_no_access_says_which_role_and_whom_to_ask(site):
    officer = login(site, "officer1")
    page = officer.get(f"{site['url']}/purge")
    assert page.status_code == 403
    text = html.unescape(re.sub(r"<[^>]+>", " ", page.text))
    assert "alleen voor beheerders (admin)" in text and "Je bent aangemeld als privacy officer" in text
    assert "Vraag een beheerder (admin)" in text and "privacy officer om" not in text
    agent = login(site, "agent1")
    text = html.unescape(agent.get(f"{site['url']}/subjects").text)
    assert "voor privacy officers en beheerders (admin)" in text and "Je bent aangemeld als agent" in text
    assert "Vraag een privacy officer" in text and "beheerder (admin) om je rol aan te passen" in text


# ---- bug 3: erasing from an erasure request ------------------------------------------------------------
def test_an_erasure_request_erases_the_requesters_chats_and_says_so_on_the_request(site):
    store, reference = site["store"], site["requests"]["erasure"].reference
    agent = login(site, "agent1")
    assert agent.get(f"{site['url']}/requests/{reference}/erase").status_code == 403
    assert "wissen…" not in agent.get(f"{site['url']}/requests/{reference}").text
    officer = login(site, "officer1")
    detail = officer.get(f"{site['url']}/requests/{reference}").text
    assert f'href="/requests/{reference}/erase"' in detail
    confirm = officer.get(f"{site['url']}/requests/{reference}/erase").text
    assert LOTTE in confirm and "2</strong> gesprek(ken)" in confirm  # both of Lotte's chats, nobody else's
    assert "lotte-chat" in confirm and "lotte-again" in confirm and "jan-chat" not in confirm
    unconfirmed = post(officer, site, f"/requests/{reference}/erase", {}, page=f"/requests/{reference}/erase")
    assert "Bevestig het wissen" in unconfirmed.text
    assert exists(site, "lotte-chat")  # nothing erased yet
    erased = post(officer, site, f"/requests/{reference}/erase", {"confirm": "1"}, page=f"/requests/{reference}/erase")
    assert "2 gesprek(ken) gewist" in erased.text and erased.url.endswith(f"/requests/{reference}")
    assert not exists(site, "lotte-chat")
    assert exists(site, "jan-chat")
    [event] = [e for e in rights.get(store, reference).events if "gewist" in (e.note or "")]
    assert event.actor == "officer1" and event.from_status == event.to_status == rights.OPEN
    assert "2 gesprek(ken)" in event.note and LOTTE not in event.note
    assert "Gesprekken van de betrokkene gewist" in erased.text  # on the page's audit trail
    [audit] = [a for a in audit_rows(store, "erase_subject") if a.target == reference]
    assert audit.username == "officer1" and LOTTE not in (audit.detail or "")
    # Only erasure requests, and only verified ones: an unproven address may be somebody else's.
    access = site["requests"]["access"].reference
    assert "alleen bij een wissingsverzoek" in officer.get(f"{site['url']}/requests/{access}/erase").text
    unverified = site["requests"]["unverified"].reference
    refused = officer.get(f"{site['url']}/requests/{unverified}/erase")
    assert refused.status_code == 400 and "niet bevestigd" in refused.text
    assert post(officer, site, f"/requests/{unverified}/erase", {"confirm": "1"}, page="/requests").status_code == 200
    assert exists(site, "other-chat")  # still there


def test_an_erasure_from_the_subjects_page_is_noted_on_the_request_given(site):
    store, reference = site["store"], site["requests"]["access"].reference
    officer = login(site, "officer1")
    wrong = post(
        officer,
        site,
        "/subjects/erase",
        {"email": JAN, "phone": "", "confirm": "1", "reference": "PRV-NIETBESTA"},
        page="/subjects",
    )
    assert wrong.status_code == 400 and "Geen verzoek met referentie" in wrong.text
    someone_else = site["requests"]["other"].reference  # An's: Jan's erasure does not go on her trail
    refused = post(
        officer,
        site,
        "/subjects/erase",
        {"email": JAN, "phone": "", "confirm": "1", "reference": someone_else},
        page="/subjects",
    )
    assert refused.status_code == 400 and "hoort niet bij dit e-mailadres" in refused.text
    assert not any("gewist" in (e.note or "") for e in rights.get(store, someone_else).events)
    assert exists(site, "jan-chat")
    seed_conversation(site["db"], "jan-extra", JAN, f"nog een vraag van {JAN}")
    erased = post(
        officer,
        site,
        "/subjects/erase",
        {"email": JAN, "phone": "", "confirm": "1", "reference": reference.lower()},
        page="/subjects",
    )
    assert f"Genoteerd bij verzoek {reference}" in erased.text
    assert any(
        "Gesprekken van de betrokkene gewist: 2 gesprek(ken)" in (e.note or "")
        for e in rights.get(store, reference).events
    )


# ---- bug 4: titles, skip link, autofocus, log out ------------------------------------------------------
def test_titles_skip_link_autofocus_and_log_out_apart_from_opt_outs(site):
    page = requests.get(f"{site['url']}/login").text
    assert "<title>Aanmelden — Privacybot console</title>" in page
    assert re.search(r'<input name="username"[^>]*\bautofocus\b', page)
    officer = login(site, "officer1")
    for path, title in (
        ("/requests", "Verzoeken"),
        ("/optouts", "Afmeldingen"),
        ("/subjects", "Betrokkenen"),
        (f"/requests/{site['requests']['access'].reference}", f"Verzoek {site['requests']['access'].reference}"),
    ):
        page = officer.get(f"{site['url']}{path}").text
        assert f"<title>{title} — Privacybot console</title>" in page, path
        body = page.split("<body>", 1)[1].lstrip()
        assert body.startswith('<a class="skip" href="#inhoud">Naar de inhoud</a>')
        assert '<main id="inhoud"' in page
        assert re.search(r'<button type="submit">Uitloggen</button>', page) and ">Afmelden<" not in page
        assert ">Afmeldingen</a>" in page
    listing = officer.get(f"{site['url']}/requests").text
    assert re.search(r'<a href="/requests" aria-current="page">Verzoeken</a>', listing)


# ---- feature 5: the request list -----------------------------------------------------------------------
def tab_count(page: str, label: str) -> int:
    return int(re.search(rf">{re.escape(label)} <span class=\"count\">(\d+)</span>", page).group(1))


def test_request_list_counts_per_status_and_days_left(site):
    agent = login(site, "agent1")
    page = agent.get(f"{site['url']}/requests").text
    everything = rights.list_requests(site["store"])
    assert tab_count(page, "alle") == len(everything)
    for status, label in (("unverified", "niet bevestigd"), ("open", "open"), ("overdue", "over termijn")):
        assert tab_count(page, label) == len(rights.list_requests(site["store"], status=status)), status
    assert tab_count(page, "over termijn") >= 1
    late = site["requests"]["late"]
    row = re.search(rf"<tr class=\"overdue\">\s*<td><a href=\"/requests/{late.reference}\".*?</tr>", page, re.S).group(
        0
    )
    overdue_by = (rights.today_in_brussels() - late.deadline).days
    assert f"{overdue_by} dagen te laat" in row
    fresh = site["requests"]["other"]
    row = re.search(rf"<td><a href=\"/requests/{fresh.reference}\".*?</tr>", page, re.S).group(0)
    assert f"nog {(fresh.deadline - rights.today_in_brussels()).days} dagen" in row
    filtered = agent.get(f"{site['url']}/requests", params={"status": "overdue"}).text
    assert late.reference in filtered and fresh.reference not in filtered


def test_request_search_is_a_post_by_reference_and_by_address_for_officers_only(site):
    store = site["store"]
    late, access = site["requests"]["late"], site["requests"]["access"]
    agent = login(site, "agent1")
    by_reference = post(agent, site, "/requests", {"q": late.reference[4:10].lower()}, page="/requests")
    assert by_reference.status_code == 200 and late.reference in by_reference.text
    assert "1 verzoek(en) gevonden" in by_reference.text and access.reference not in by_reference.text
    by_address = post(agent, site, "/requests", {"q": JAN}, page="/requests")
    assert by_address.status_code == 400 and "privacy officer" in by_address.text
    assert late.reference not in by_address.text
    assert "0 verzoek(en) gevonden" in post(agent, site, "/requests", {"q": "jan.peeters"}, page="/requests").text
    short = post(agent, site, "/requests", {"q": "PR"}, page="/requests")
    assert short.status_code == 400 and "minstens 3 tekens" in short.text
    from_url = agent.get(f"{site['url']}/requests", params={"q": JAN}).text
    assert "via het zoekveld" in from_url
    officer = login(site, "officer1")
    found = post(officer, site, "/requests", {"q": "Jan.Peeters@"}, page="/requests")
    assert late.reference in found.text and access.reference in found.text and "2 verzoek(en) gevonden" in found.text
    assert "Jan.Peeters" not in found.url
    post(officer, site, "/requests", {"q": "peeters1"}, page="/requests")  # a piece of an address, not a reference
    details = [a.detail for a in audit_rows(store, "search_requests")]
    assert any("-> 2 verzoek(en)" in d for d in details) and not any("peeters" in d.lower() for d in details)


def test_request_search_is_rate_limited(site, tmp_path):
    with ConsoleServer(
        log_file=tmp_path / "c.log",
        env={
            "PRIVACYBOT_DATABASE_URL": site["db"],
            "PRIVACYBOT_SECRET_KEY": SECRET,
            "PRIVACYBOT_CONSOLE_SEARCH_LIMIT": "2",
        },
    ) as server:
        other = {"url": server.url.rstrip("/")}
        agent = login(other, "agent1")
        codes = [post(agent, other, "/requests", {"q": "PRV-"}, page="/requests").status_code for _ in range(3)]
    assert codes == [200, 200, 429]


# ---- feature 6: a mail to the requester -----------------------------------------------------------------
def test_a_status_change_mails_the_requester_through_the_outbox(site):
    store, request = site["store"], site["requests"]["late"]
    before = len(outbox(store))
    officer = login(site, "officer1")
    changed = post(
        officer,
        site,
        f"/requests/{request.reference}/status",
        {"status": "in_progress", "note": "Intern: dossier bij Piet", "message": "We zoeken je polis op."},
        page="/requests",
    )
    assert "De aanvrager krijgt een mail." in changed.text
    [message] = outbox(store)[before:]
    assert message.recipient == JAN and message.request_id == request.id and message.sent_at is None
    assert message.subject == f"Je privacyverzoek {request.reference}: in behandeling"
    assert "is in behandeling" in message.body and request.reference in message.body
    assert company.privacy_mailbox() in message.body and "We zoeken je polis op." in message.body
    assert "Piet" not in message.body and "Jan Peeters" not in message.body  # note and name stay out
    assert "Vragen? Mail naar" in message.body and "je referentie" in message.body
    # A rejection must give the requester the reason, and names the right to complain.
    no_reason = post(
        officer,
        site,
        f"/requests/{request.reference}/status",
        {"status": "rejected", "note": "dubbel"},
        page="/requests",
    )
    assert "reden" in no_reason.text and rights.get(store, request.reference).status == rights.IN_PROGRESS
    assert len(outbox(store)) == before + 1
    post(
        officer,
        site,
        f"/requests/{request.reference}/status",
        {"status": "rejected", "note": "dubbel", "message": "Je verzoek is een dubbel van een eerder verzoek."},
        page="/requests",
    )
    rejection = outbox(store)[-1]
    assert "is afgewezen" in rejection.body and "Je verzoek is een dubbel" in rejection.body
    assert "Gegevensbeschermingsautoriteit" in rejection.body


def test_no_status_mail_to_an_address_nobody_proved(site):
    store = site["store"]
    unproven = submit(store, "access", "Iemand", "iemand@example.be", verify=False)
    before = len(outbox(store))
    officer = login(site, "officer1")
    page = officer.get(f"{site['url']}/requests/{unproven.reference}").text
    assert [label for _, label in status_options(page)[1:]] == ["open (mail aan de aanvrager)", "afgewezen", "verlopen"]
    rejected = post(
        officer,
        site,
        f"/requests/{unproven.reference}/status",
        {"status": "rejected", "note": "spam"},
        page="/requests",
    )
    assert "Er gaat geen mail naar de aanvrager" in rejected.text
    assert rights.get(store, unproven.reference).status == rights.REJECTED and len(outbox(store)) == before
    opened = submit(store, "access", "Iemand", "iemand@example.be", verify=False)
    post(
        officer,
        site,
        f"/requests/{opened.reference}/status",
        {"status": "open", "note": "Per telefoon nagekeken"},
        page="/requests",
    )
    [mail] = outbox(store)[before:]  # staff who open it after checking vouch for the address
    assert mail.recipient == "iemand@example.be" and "is bevestigd en wacht op behandeling" in mail.body


# ---- feature 7: opt-outs ----------------------------------------------------------------------------------
def test_opt_outs_in_dutch_added_and_removed_with_a_note_and_exported_as_safe_csv(site):
    store = site["store"]
    agent = login(site, "agent1")
    for path in ("/optouts/export", "/optouts/add", "/optouts/1/remove"):
        assert post(agent, site, path, {"channel": "email", "address": "x@example.be", "note": "x"}).status_code == 403
    officer = login(site, "officer1")
    page = officer.get(f"{site['url']}/optouts").text
    assert "<td>telefoon</td>" in page and "<td>e-mail</td>" in page and "<td>phone</td>" not in page
    no_note = post(
        officer,
        site,
        "/optouts/add",
        {"channel": "post", "address": "Kerkstraat 1, 3000 Leuven", "note": ""},
        page="/optouts",
    )
    assert no_note.status_code == 400 and "notitie is verplicht" in no_note.text
    bad = post(
        officer, site, "/optouts/add", {"channel": "email", "address": "geen-adres", "note": "brief"}, page="/optouts"
    )
    assert bad.status_code == 400 and "e-mailadres" in bad.text
    for channel, address in (
        ("post", '=HYPERLINK("http://example.be") 1, 3000 Leuven'),
        ("email", "+x@example.be"),
        ("email", "-1+1@example.be"),
    ):
        added = post(
            officer,
            site,
            "/optouts/add",
            {"channel": channel, "address": address, "note": "Belde op 3/2, vroeg het zelf"},
            page="/optouts",
        )
        assert "Toegevoegd aan de afmeldlijst" in added.text or "stond al" in added.text, added.text[:300]
    with store.session() as session:
        manual = session.execute(select(OptOut).where(OptOut.source == "console")).scalars().all()
    assert len(manual) >= 2
    adds = audit_rows(store, "optout_add")
    assert adds and all("Belde op" in a.detail and "example.be" not in a.detail for a in adds)

    exported = post(officer, site, "/optouts/export", {}, page="/optouts")
    assert exported.headers["Content-Type"].startswith("text/csv")
    assert 'filename="afmeldingen.csv"' in exported.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["kanaal", "adres", "sinds", "bron"]
    for row in rows[1:]:
        assert not row[1].startswith(("=", "-", "@")) and not re.match(r"\+(?!\d+$)", row[1]), row
    # A stored phone number stays matchable by the marketing tools: no apostrophe before +32.
    assert ["telefoon", "+32470123456"] == rows[[r[1] for r in rows].index("+32470123456")][:2]
    assert any(r[1].startswith("'=hyperlink") for r in rows) and any(r[1] == "'+x@example.be" for r in rows)
    assert any(r[1] == "'-1+1@example.be" for r in rows)
    assert "{} afmelding(en)".format(len(rows) - 1) in audit_rows(store, "export_optouts")[0].detail

    target = manual[0]
    no_reason = post(officer, site, f"/optouts/{target.id}/remove", {"note": ""}, page="/optouts")
    assert "notitie is verplicht" in no_reason.text and optouts.get(store, target.id) is not None
    removed = post(
        officer, site, f"/optouts/{target.id}/remove", {"note": "Per vergissing toegevoegd"}, page="/optouts"
    )
    assert "Afmelding verwijderd" in removed.text and optouts.get(store, target.id) is None
    [audit] = audit_rows(store, "optout_remove")[:1]
    assert audit.username == "officer1" and audit.target == target.channel and "Per vergissing" in audit.detail
    assert (
        "Kies een kanaal"
        in post(officer, site, "/optouts/add", {"channel": "fax", "address": "x", "note": "x"}, page="/optouts").text
    )


# ---- feature 8: the readable data-subject document -------------------------------------------------------
def test_a_readable_document_for_the_data_subject_from_the_request(site):
    store, request = site["store"], site["requests"]["access"]
    agent = login(site, "agent1")
    assert post(agent, site, f"/requests/{request.reference}/document", {}).status_code == 403
    officer = login(site, "officer1")
    seed_conversation(site["db"], "jan-doc", JAN, f"mijn adres: {JAN}, wat weten jullie over mij?")
    answer = post(officer, site, f"/requests/{request.reference}/document", {}, page=f"/requests/{request.reference}")
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/html")
    assert f'filename="inzage-{request.reference}.html"' in answer.headers["Content-Disposition"]
    doc = html.unescape(answer.text)
    assert "Jouw gegevens bij KMO-verzekeringen" in doc and request.reference in doc
    assert f"mijn adres: {JAN}, wat weten jullie over mij?" in doc  # the visitor's own words, unmasked
    assert "Andere persoonsgegevens erin zijn daarom afgeschermd" not in doc  # her form took that address: hers
    assert "koos: Mijn gegevens wissen" in doc and "/request_erasure" not in doc and "/greet" not in doc
    assert "Hallo! Waarmee kan ik helpen?" in doc
    assert site["requests"]["late"].reference in doc  # all of Jan's requests, with their history
    assert "e-mail" in doc and "Je afmeldingen" in doc
    assert OTHER not in doc and LOTTE not in doc and site["requests"]["other"].reference not in doc  # nobody else
    assert "officer1" not in doc and "Intern: dossier bij Piet" not in doc  # no staff names or notes
    assert company.privacy_mailbox() in doc
    [audit] = [a for a in audit_rows(store, "export_subject_document") if a.target == request.reference][:1]
    assert audit.username == "officer1" and JAN not in audit.detail
    assert any("Inzagedocument gemaakt" in (e.note or "") for e in rights.get(store, request.reference).events)
    unverified = site["requests"]["unverified"].reference
    refused = post(officer, site, f"/requests/{unverified}/document", {}, page="/requests")
    assert "niet bevestigd" in refused.text and refused.headers["Content-Type"].startswith("text/html")
    assert "Jouw gegevens bij" not in refused.text


def test_someone_elses_chat_that_names_the_address_is_masked_in_the_document(site):
    """Review of issue 16: the document took, unmasked, every chat in which the requester's address
    was typed, also a third party's chat that only mentions it (with that person's own data)."""
    request = site["requests"]["access"]
    seed_conversation(
        site["db"],
        "piet-chat",
        "piet.peeters@example.be",
        f"Ik ben Piet, bel me op 0470 99 88 77; mijn buurman {JAN} kreeg jullie brief",
    )
    officer = login(site, "officer1")
    answer = post(officer, site, f"/requests/{request.reference}/document", {}, page=f"/requests/{request.reference}")
    doc = html.unescape(answer.text)
    assert f"mijn buurman {JAN} kreeg jullie brief" in doc  # the requester's address stays readable
    assert "0470 99 88 77" not in doc and "piet.peeters@example.be" not in doc  # the third party's data does not
    assert "het kan van iemand anders zijn" in doc

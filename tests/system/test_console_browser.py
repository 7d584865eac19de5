"""A staff member works through the console in a real browser (Debian's chromium, Playwright):
log in, filter, open a transcript, tag and annotate, handle a request, erase a subject's
conversations and purge old ones. Screenshots as in test_widget.py."""

from __future__ import annotations

import os
import re

import pytest

from bot.core import paths
from bot.ops.processes import ConsoleServer
from bot.privacy import rights
from bot.staff import accounts
from bot.store.db import Store, migrate
from tests.browser import BROWSER_MODULE, CHROMIUM, CHROMIUM_ARGS
from tests.conftest import DATABASES, converse
from tests.system.test_console import PASSWORD, old_conversation

pytestmark = BROWSER_MODULE


@pytest.fixture(scope="module", params=DATABASES)
def console_site(request, trained_model, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(f"console-browser-{request.param}")
    url = (
        f"sqlite:///{tmp / 'console.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("postgres_url_module")
    )
    results, proc = converse(
        [
            {
                "id": "request",
                "messages": [
                    "ik wil dat jullie mijn gegevens wissen",
                    "Lotte Maes",
                    "lotte.maes@example.be",
                    "geen",
                    "ja",
                ],
            },
            {"id": "miss", "messages": ["wat is de hoofdstad van peru", "kan ik mijn gegevens laten aanpassen?"]},
        ],
        tmp,
        env={"PRIVACYBOT_DATABASE_URL": url, "PRIVACYBOT_OUTBOX_DIR": str(tmp / "outbox")},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    old_conversation(url, "old-visitor", days_ago=300)
    migrate(url)
    store = Store(url)
    accounts.add_user(store, "an.admin", PASSWORD, "admin")
    with ConsoleServer(
        log_file=tmp / "console.log",
        env={"PRIVACYBOT_DATABASE_URL": url, "PRIVACYBOT_SECRET_KEY": "browser-" + "k" * 40},
    ) as server:
        yield {"url": server.url.rstrip("/"), "store": store, "tmp": tmp}
    store.dispose()


def test_a_staff_member_works_through_the_console(console_site):
    from playwright.sync_api import expect, sync_playwright

    base, store = console_site["url"], console_site["store"]
    folder = paths.ROOT / "docs" if os.environ.get("PRIVACYBOT_SAVE_SCREENSHOTS") == "1" else console_site["tmp"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 800}, locale="nl-BE")

        page.goto(f"{base}/conversations")
        assert page.url == f"{base}/login"  # no session: the login page
        page.get_by_label("Gebruikersnaam").fill("an.admin")
        page.get_by_label("Wachtwoord").fill("fout wachtwoord")
        page.get_by_role("button", name="Aanmelden").click()
        assert "onjuist" in page.locator(".error").inner_text()
        page.get_by_label("Gebruikersnaam").fill("an.admin")
        page.get_by_label("Wachtwoord").fill(PASSWORD)
        page.get_by_role("button", name="Aanmelden").click()
        assert page.url.startswith(f"{base}/conversations")
        assert "3 gesprek(ken)" in page.content()

        page.get_by_role("link", name=re.compile(r"^viel terug")).click()  # filter
        assert "hoofdstad van peru" in page.content()
        rows = page.locator("tbody tr")
        assert rows.count() >= 1 and all("viel terug" in rows.nth(i).inner_text() for i in range(rows.count()))
        page.get_by_label("Zoeken").fill("wissen")
        page.get_by_role("button", name="Zoeken", exact=True).click()  # a POST: the text stays out of the URL
        assert "wissen" not in page.url
        page.locator("table a").first.click()  # open the transcript
        assert "[naam]" in page.content() and "lotte.maes@example.be" not in page.content()
        page.screenshot(path=str(folder / "console-transcript.png"), full_page=False)
        page.get_by_role("button", name="Persoonsgegevens tonen (wordt gelogd)").click()
        expect(page.locator("main")).to_contain_text("lotte.maes@example.be")  # after the redirect

        page.goto(f"{base}/conversations")
        page.get_by_label("Zoeken").fill("peru")
        page.get_by_role("button", name="Zoeken", exact=True).click()
        page.locator("table a").first.click()
        page.get_by_label("Nagekeken").check()
        page.get_by_label("Tags (kommagescheiden)").fill("buiten onderwerp")
        page.get_by_label("Notitie").fill("Geen privacyvraag")
        page.get_by_role("button", name="Opslaan").click()
        assert "Opgeslagen" in page.content()
        page.locator("details.annotate summary").first.click()
        page.locator("details.annotate select[name=intent]").first.select_option("out_of_scope")
        page.get_by_role("button", name="Naar de annotatiewachtrij").first.click()
        assert "geannoteerd: out_of_scope" in page.content()
        page.goto(f"{base}/annotations")
        assert "hoofdstad van peru" in page.content()
        with page.expect_download() as download:
            page.get_by_role("button", name="Exporteren als NLU-YAML").click()
        exported = open(download.value.path(), encoding="utf-8").read()
        assert "- intent: out_of_scope" in exported and "hoofdstad van peru" in exported

        [request] = rights.list_requests(store)
        page.goto(f"{base}/requests")
        page.get_by_role("link", name=request.reference).click()
        status = page.get_by_label("Nieuwe status")
        assert (
            status.input_value() == "" and status.evaluate("s => s.options[s.selectedIndex].text") == "Kies een status"
        )
        page.get_by_label("Notitie (verplicht, alleen voor staff)").fill("Vergeten te kiezen")
        page.get_by_role("button", name="Wijzigen").click()  # the browser refuses: no status chosen
        assert status.evaluate("s => s.validity.valueMissing") and "Status gewijzigd" not in page.content()
        assert rights.get(store, request.reference).status == rights.UNVERIFIED
        for choice, note in (
            ("open (mail aan de aanvrager)", "Identiteit nagekeken"),
            ("in behandeling (mail aan de aanvrager)", "Gestart"),
        ):
            page.get_by_label("Nieuwe status").select_option(label=choice)
            page.get_by_label("Notitie (verplicht, alleen voor staff)").fill(note)
            page.get_by_role("button", name="Wijzigen").click()
            assert "Status gewijzigd. De aanvrager krijgt een mail." in page.content()
        # The readable export for the data subject, opened as she will open it.
        with page.expect_download() as download:
            page.get_by_role("button", name="Inzagedocument maken (HTML)").click()
        saved = console_site["tmp"] / "inzage.html"
        download.value.save_as(saved)
        document = browser.new_page(viewport={"width": 900, "height": 1000}, locale="nl-BE")
        document.goto(saved.as_uri())
        assert document.get_by_role("heading", name="Jouw gegevens bij KMO-verzekeringen").is_visible()
        assert "Times" not in document.evaluate("getComputedStyle(document.body).fontFamily")
        assert "lotte.maes@example.be" in document.content() and "hoofdstad van peru" not in document.content()
        document.screenshot(path=str(console_site["tmp"] / "console-subject-document.png"), full_page=True)
        document.close()
        # From the erasure request straight to erasing her chats, with a confirmation step.
        page.get_by_role("link", name="Gesprekken van de aanvrager wissen…").click()
        assert "lotte.maes@example.be" in page.content() and "1</strong> gesprek(ken)" in page.content()
        page.get_by_label(re.compile("wil deze gesprekken definitief wissen")).check()
        page.get_by_role("button", name="Gesprekken definitief wissen").click()
        assert "1 gesprek(ken) gewist" in page.content()
        assert page.locator("table tr", has_text="Gesprekken van de betrokkene gewist").count() == 1
        page.get_by_label("Nieuwe status").select_option(label="afgehandeld (mail aan de aanvrager)")
        page.get_by_label("Notitie (verplicht, alleen voor staff)").fill("Gewist")
        page.get_by_role("button", name="Wijzigen").click()
        assert rights.get(store, request.reference).status == rights.DONE
        page.screenshot(path=str(folder / "console-request.png"), full_page=False)

        page.goto(f"{base}/subjects")
        page.get_by_label("E-mailadres").fill("lotte.maes@example.be")
        page.get_by_role("button", name="Zoeken").click()
        assert "0 gesprek(ken) gevonden" in page.content()  # erased from the request

        page.goto(f"{base}/purge")
        assert re.search(r"<strong>1</strong> gesprek", page.content())
        page.get_by_role("button", name="Nu wissen").click()
        assert "1 gesprek(ken) verwijderd" in page.content()
        page.goto(f"{base}/conversations")
        assert "1 gesprek(ken)" in page.content()  # the off-topic one; the request's chat was erased
        page.screenshot(path=str(folder / "console-list.png"), full_page=False)
        page.get_by_role("button", name="Uitloggen").click()
        page.goto(f"{base}/conversations")
        assert page.url == f"{base}/login"
        browser.close()


def test_the_console_frame_by_keyboard(console_site):
    """Login with the keyboard only (the name field has focus on arrival), the skip link as the
    first stop of every page, page titles that name the page, the request tabs with counts, and
    'Uitloggen' that no longer reads like 'Afmeldingen'."""
    from playwright.sync_api import sync_playwright

    base = console_site["url"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="nl-BE")
        page.goto(f"{base}/login")
        assert page.title() == "Aanmelden — Privacybot console"
        assert page.evaluate("document.activeElement.name") == "username"  # autofocus
        page.keyboard.type("an.admin")
        page.keyboard.press("Tab")
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url(f"{base}/conversations")

        page.goto(f"{base}/requests")
        assert page.title() == "Verzoeken — Privacybot console"
        skip = page.get_by_role("link", name="Naar de inhoud")
        assert skip.bounding_box()["y"] < 0  # out of sight until it gets focus
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "Naar de inhoud"
        box = skip.bounding_box()
        assert box["y"] >= 0 and box["height"] > 20  # now on screen
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "inhoud"

        nav = page.get_by_role("navigation", name="Console")
        assert nav.get_by_role("link", name="Verzoeken").get_attribute("aria-current") == "page"
        assert page.get_by_role("button", name="Uitloggen").is_visible()
        assert page.get_by_role("button", name="Afmelden").count() == 0
        assert nav.get_by_role("link", name="Afmeldingen").is_visible()
        tabs = page.get_by_role("navigation", name="Filter op status")
        current = tabs.locator("a[aria-current]")
        assert re.fullmatch(r"alle\s+\d+", current.inner_text().strip())
        assert current.evaluate("a => getComputedStyle(a).backgroundColor") == "rgb(11, 58, 111)"
        done = rights.status_counts(console_site["store"])["done"]
        assert re.fullmatch(
            rf"afgehandeld\s+{done}", tabs.get_by_role("link", name=re.compile("^afgehandeld")).inner_text().strip()
        )
        page.screenshot(path=str(console_site["tmp"] / "console-requests.png"), full_page=False)

        page.goto(f"{base}/optouts")
        assert page.title() == "Afmeldingen — Privacybot console"
        browser.close()

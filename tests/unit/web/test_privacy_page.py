"""The /privacy page: the statement itself, cut into sections with anchors that the chat's
answers link to, without the copied page's leftovers, with the site's navigation and widget.

The HTTP tests read the page as served by the site's aiohttp app; the browser test opens a link
the way a visitor does from an answer and checks the part lands in view, in the site's sans font."""

from __future__ import annotations

import asyncio
import re
import threading
from pathlib import Path

import pytest
from aiohttp import web

from bot.core import paths, settings
from bot.dialogue import answers, policy_sections, topic_catalogue
from bot.ops.processes import free_port, wait_for_http
from bot.web import site
from tests.browser import CHROMIUM, CHROMIUM_ARGS, NOT_INSTALLED

STATEMENT = settings.policy_path().read_text(encoding="utf-8")
# What the copied web page left in the text file: the day it was copied (top), and the site's
# own "back to top" link and chat button (bottom). None of it is the statement.
COPIED_PAGE_LEFTOVERS = (
    "Thursday May 23, 2024",
    "Back to Top",
    "Open chat",
    "Hulp nodig?",
    "Hallo 👋",
    "Hoe kunnen we je helpen?",
)


def page() -> str:
    return site.render_privacy("http://127.0.0.1:5005", 4000)


def main_of(html: str) -> str:
    return html.split('<main id="inhoud" class="statement">', 1)[1].split("</main>", 1)[0]


def visible_text(html: str) -> str:
    text = re.sub(r"<[^>]+>", " ", html)
    return text.replace("&amp;", "&").replace("&#x27;", "'").replace("&quot;", '"')


def words(text: str) -> list:
    return re.findall(r"\w+", text.lower())


def ids_of(html: str) -> set:
    return set(re.findall(r'id="([^"]+)"', html))


@pytest.fixture(scope="module")
def served():
    """The site's real aiohttp app on a free port, in a thread of this process."""
    port = free_port()
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(site.make_app("http://127.0.0.1:5005", 60_000))

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(runner.setup())
        loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", port).start())
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    wait_for_http(f"{url}/health", timeout=20)
    yield url
    asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(timeout=10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=10)


def fetch(url: str) -> tuple:
    import urllib.request

    with urllib.request.urlopen(url, timeout=10) as response:  # nosec B310 - our own local test server
        return response.status, dict(response.headers), response.read().decode("utf-8")


# ---- structure ---------------------------------------------------------------------------------


def test_the_served_page_has_title_toc_and_a_heading_and_anchor_per_section(served):
    status, headers, html = fetch(f"{served}/privacy")
    assert status == 200 and "script-src 'self'" in headers["Content-Security-Policy"]
    statement = policy_sections.statement()
    assert len(statement.sections) == 10
    assert re.search(
        r'<h1 id="top">Privacystatement</h1>\s*<p class="statement-date">Laatste versie: 04/07/2022</p>', html
    )
    toc = re.search(r'<nav class="toc" aria-labelledby="inhoud-titel">.*?</nav>', html, re.S).group(0)
    assert re.findall(r'href="#([^"]+)"', toc) == [s.anchor for s in statement.sections]
    for section in statement.sections:
        assert f'<section id="{section.anchor}"><h2>{section.title}</h2>' in html
    assert set(statement.anchors()) <= ids_of(html)


def test_every_anchor_an_answer_links_to_exists_on_the_page():
    ids = ids_of(page())
    linked = set()
    for key in topic_catalogue.TOPICS:  # each answer ends with the link to its part of the statement
        reply = answers.answer(key, "antwoord")
        linked |= set(re.findall(r"/privacy#([\w-]+)", reply.text))
    assert len(linked) >= 20
    sources = [
        paths.DOMAIN,
        *Path(paths.ROOT, "bot").rglob("*.py"),
        *Path(paths.ROOT, "actions").rglob("*.py"),
        *Path(paths.ROOT, "bot", "web").rglob("*.html"),
        *Path(paths.ROOT, "bot", "web").rglob("*.js"),
    ]
    for source in sources:  # and any link written out in full in a response or the code
        linked |= set(re.findall(r"/privacy#([\w-]+)", source.read_text(encoding="utf-8")))
    linked |= {t.anchor for t in topic_catalogue.TOPICS.values()}
    assert linked - ids == set()
    assert settings.privacy_page_url("recht-van-inzage").endswith("/privacy#recht-van-inzage")


def test_the_page_holds_the_whole_statement_and_none_of_the_copied_pages_leftovers():
    body = visible_text(main_of(page()))
    kept = STATEMENT.split("Back to Top", 1)[0].split("\n", 1)[1]  # without the copy date on top
    remaining = iter(words(body))
    missing = [w for w in words(kept) if not any(w == b for b in remaining)]
    assert missing == []  # every word of the statement, in order (headings and labels included)
    for line in COPIED_PAGE_LEFTOVERS:
        assert line not in body, line


def test_nothing_follows_the_last_section():
    statement = policy_sections.statement()
    html = main_of(page())
    last = html.rindex(f'<section id="{statement.sections[-1].anchor}">')
    assert html[html.index("</section>", last) + len("</section>") :].strip() == ""
    assert html.rstrip().endswith("Deze laatste versie is van 04/07/2022.</p></section>")


def test_addresses_are_addresses_and_stay_with_their_part():
    html = main_of(page())
    complaint = re.search(r'<li id="recht-om-klacht-in-te-dienen">.*?</li>', html, re.S).group(0)
    assert "<address>Gegevensbeschermingsautoriteit<br>Drukpersstraat 35<br>1000 Brussel</address>" in complaint
    assert "website van de Gegevensbeschermingsautoriteit" in complaint
    assert (
        "<address>Groep LB Republico (KMO-verzekeringen)<br>T.a.v. de Data protectie officer (DPO)<br>"
        "Wolvenpad 2<br>3300 Tienen</address>"
    ) in html
    # no stray one-line paragraphs of an address, and the phone list note stays in its list item
    assert not re.search(r"<p>(Wolvenpad 2|3300 Tienen|1000 Brussel|Drukpersstraat 35)</p>", html)
    marketing = re.search(r'<li id="recht-van-bezwaar-tegen-direct-marketing">.*?</li>', html, re.S).group(0)
    assert "Bel-me-niet-meer Lijst" in marketing
    rights = re.search(r'<section id="wat-zijn-mijn-rechten-en-hoe-oefen-ik">.*?</section>', html, re.S).group(0)
    assert rights.count("<ul>") == 1


def test_mail_addresses_are_links():
    html = main_of(page())
    assert '<a href="mailto:privacy@kmo-verzekeringen.be">privacy@kmo-verzekeringen.be</a>.' in html
    assert '<a href="mailto:info@republico.be">info@republico.be</a>' in html


def test_the_page_has_the_navigation_the_footer_and_the_widget():
    html = page()
    assert html.count('aria-label="Hoofdmenu"') == 1 and 'href="/#contact"' in html and 'href="/privacy"' in html
    assert 'class="brand-mark"' in html and '<a class="skip-link" href="#inhoud">' in html
    footer = re.search(r'<footer class="site-footer">.*?</footer>', html, re.S).group(0)
    assert "Groep LB Republico VOF, Wolvenpad 2, 3300 Tienen" in footer and "0630.925.810" in footer
    assert '<script src="/widget/privacybot.js" data-server="http://127.0.0.1:5005"' in html


def test_statement_text_is_escaped():
    statement = policy_sections.parse("Datum\n\nTitel\n\nKop?\n\n- Label <b>: tekst <script>x</script>\n")
    html = site.render_statement_html(statement)
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_the_version_is_the_statements_own():
    assert policy_sections.statement().version == "04/07/2022"
    assert policy_sections.parse("Datum\n\nTitel\n\nKop\n\nTekst.\n").version == ""


# ---- in a real browser ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser_page():
    if CHROMIUM is None:
        pytest.skip(NOT_INSTALLED)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        # Reduced motion: the jump to an anchor is instant (site.css scrolls smoothly otherwise).
        context = browser.new_context(viewport={"width": 1366, "height": 800}, locale="nl-BE", reduced_motion="reduce")
        yield context.new_page()
        browser.close()


def in_view(page, selector: str) -> bool:
    """Whether the element's top comes to rest near the top of the window (scrolling may be smooth)."""
    page.wait_for_function(
        """s => { const r = document.querySelector(s).getBoundingClientRect();
                                     return r.top >= 0 && r.top < 120; }""",
        arg=selector,
        timeout=5000,
    )
    return True


@pytest.mark.browser
def test_a_link_from_an_answer_opens_at_its_part_in_the_sites_font(served, browser_page, tmp_path):
    browser_page.goto(f"{served}/privacy#recht-op-gegevenswissing")
    part = browser_page.locator("#recht-op-gegevenswissing")
    part.wait_for()
    assert in_view(browser_page, "#recht-op-gegevenswissing") and part.evaluate("e => e.matches(':target')")
    assert part.locator("strong").text_content() == "Recht op gegevenswissing:"
    background = part.evaluate("e => getComputedStyle(e).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "rgb(247, 247, 248)")  # the part an answer meant stands out
    browser_page.screenshot(path=str(tmp_path / "privacy-anchor.png"))

    browser_page.goto("about:blank")  # a new page load, as from a link in the chat (not a jump within the page)
    browser_page.goto(f"{served}/privacy#hoe-lang-worden-mijn-gegevens-bewaard")
    heading = browser_page.locator("#hoe-lang-worden-mijn-gegevens-bewaard > h2")
    assert in_view(browser_page, "#hoe-lang-worden-mijn-gegevens-bewaard > h2")
    assert heading.text_content() == "Hoe lang worden mijn gegevens bewaard?"

    assert browser_page.evaluate("() => getComputedStyle(document.documentElement).scrollBehavior") == "auto"
    fonts = browser_page.evaluate("""() => ['body', 'h1', 'h2', '.toc a', '.statement li']
        .map(s => getComputedStyle(document.querySelector(s)).fontFamily)""")
    assert all(f.startswith("system-ui") and "serif" not in f.replace("sans-serif", "") for f in fonts), fonts
    sizes = browser_page.evaluate("""() => ['body', 'h1', 'section > h2'].map(s =>
        parseFloat(getComputedStyle(document.querySelector(s)).fontSize))""")
    assert sizes[1] > sizes[2] > sizes[0] >= 16
    width = browser_page.evaluate("() => document.querySelector('.statement p').getBoundingClientRect().width")
    assert 500 < width <= 760  # a readable line length, not the whole 1366 px
    # the table of contents jumps to its section
    browser_page.goto(f"{served}/privacy")
    browser_page.locator(".toc a", has_text="Wijzigingen").click()
    browser_page.wait_for_function("() => location.hash === '#wijzigingen'")
    assert browser_page.locator("#wijzigingen > h2").is_visible()
    # the site's navigation and the widget are on the page
    assert browser_page.locator("header.site-header nav a", has_text="Contact").get_attribute("href") == "/#contact"
    browser_page.locator("#kmo-privacybot").wait_for(state="attached")

"""The /privacy page: the statement itself, cut into sections with anchors that the chat's
answers link to, without the copied page's leftovers, with the site's navigation and widget."""
from __future__ import annotations

import re

from bot import paths, policy_sections, topic_catalogue
from bot.web import site

STATEMENT = paths.policy_path().read_text(encoding="utf-8")


def page() -> str:
    return site.render_privacy("http://127.0.0.1:5005", 4000)


def words(text: str) -> list:
    return re.findall(r"\w+", text.lower())


def test_every_section_and_labelled_part_has_an_anchor():
    html = page()
    ids = set(re.findall(r'id="([^"]+)"', html))
    statement = policy_sections.statement()
    assert len(statement.sections) == 10
    assert set(statement.anchors()) <= ids
    for section in statement.sections:
        assert f'<section id="{section.anchor}"><h2>' in html


def test_every_topic_links_to_an_existing_anchor():
    ids = set(re.findall(r'id="([^"]+)"', page()))
    assert {t.anchor for t in topic_catalogue.TOPICS.values()} <= ids


def test_the_page_holds_the_whole_statement_and_nothing_after_back_to_top():
    html = page()
    body = re.sub(r"<[^>]+>", " ", html.split('<main class="statement">', 1)[1].split("</main>", 1)[0])
    body = body.replace("&amp;", "&").replace("&#x27;", "'").replace("&quot;", '"')
    kept = STATEMENT.split("Back to Top", 1)[0]
    date_line, kept = kept.split("\n", 1)  # the page shows the date under the title
    assert date_line.strip() in body
    remaining = iter(words(body))
    missing = [w for w in words(kept) if not any(w == b for b in remaining)]
    assert missing == []  # every word of the statement, in order (headings and labels included)
    for line in ("Back to Top", "Open chat", "Hulp nodig?"):
        assert line not in body, line


def test_the_page_has_the_navigation_and_the_widget():
    html = page()
    assert 'href="/#contact"' in html and 'aria-label="Hoofdmenu"' in html
    assert '<script src="/widget/privacybot.js" data-server="http://127.0.0.1:5005"' in html


def test_statement_text_is_escaped():
    statement = policy_sections.parse("Datum\n\nTitel\n\nKop?\n\n- Label <b>: tekst <script>x</script>\n")
    html = site.render_statement_html(statement)
    assert "<script>" not in html and "&lt;script&gt;" in html

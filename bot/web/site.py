"""The demo website: a KMO-verzekeringen page with the chat widget, the privacy statement,
and the widget's own files for embedding on other pages.

aiohttp (already brought by Rasa) serves it; the widget talks to the Rasa server's REST
channel directly, so this server holds no conversation and no personal data.
"""

from __future__ import annotations

import argparse
import html
import re
from pathlib import Path
from typing import List, Optional

from aiohttp import web

from bot.core import settings
from bot.dialogue import policy_sections
from bot.web import branding

WEB = Path(__file__).parent
STATIC = WEB / "static"
TEMPLATES = WEB / "templates"


def security_headers(rasa_url: str) -> dict:
    return {
        "Content-Security-Policy": (
            f"default-src 'self'; connect-src 'self' {rasa_url}; img-src 'self' data:; "
            "style-src 'self'; script-src 'self'; frame-ancestors 'none'; "
            "base-uri 'none'; form-action 'self'"
        ),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
    }


def _fill(template: str, values: dict, raw: Optional[dict] = None) -> str:
    """Put escaped ``values`` (and already-safe ``raw`` HTML) into a page template. Every page
    shares the site's header (mark, navigation) and footer (``bot/web/branding.py``, also used by
    the e-mail link pages) and the widget tag (``_footer.html``)."""
    page = (TEMPLATES / template).read_text(encoding="utf-8")
    page = page.replace("{site_header}", branding.header())
    page = page.replace("{site_footer}", (TEMPLATES / "_footer.html").read_text(encoding="utf-8").rstrip("\n"))
    page = page.replace("{site_company}", branding.footer())
    page = branding.with_company(page)
    for key, value in values.items():
        page = page.replace("{" + key + "}", html.escape(value, quote=True))
    for key, value in (raw or {}).items():
        page = page.replace("{" + key + "}", value)
    return page


def _page_values(rasa_url: str, teaser_delay_ms: int) -> dict:
    return {
        "server": rasa_url,
        "retention": str(settings.chat_retention_months()),
        "teaser_delay": str(teaser_delay_ms),
    }


def render_index(rasa_url: str, teaser_delay_ms: int) -> str:
    return _fill("index.html", _page_values(rasa_url, teaser_delay_ms))


EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_ADDRESS_LINE_CHARS = 60


def _inline(text: str) -> str:
    """Escaped text with its e-mail addresses as mailto: links."""
    return EMAIL.sub(lambda m: f'<a href="mailto:{m.group(0)}">{m.group(0)}</a>', html.escape(text))


def _is_item(line: str) -> bool:
    return bool(policy_sections.PART.match(line)) or line.startswith("- ")


def _is_address_line(line: str) -> bool:
    """A short line without closing punctuation ("Wolvenpad 2"): part of a postal address."""
    return len(line) <= _ADDRESS_LINE_CHARS and not _is_item(line) and not line.endswith((".", ":", "?", "!", ",", ";"))


def _item_html(line: str) -> str:
    match = policy_sections.PART.match(line)
    if match:
        label, text = match.group(1).strip(), match.group(2).strip()
        return f'<li id="{policy_sections.slug(label)}"><strong>{html.escape(label)}:</strong> {_inline(text)}'
    return f"<li>{_inline(line[2:])}"


def _text_html(lines: List[str]) -> str:
    """Lines that are no list items: a run of two or more short address lines becomes one
    <address>, every other line a paragraph."""
    out: List[str] = []
    index = 0
    while index < len(lines):
        run = index
        while run < len(lines) and _is_address_line(lines[run]):
            run += 1
        if run - index >= 2:
            out.append("<address>" + "<br>".join(_inline(line) for line in lines[index:run]) + "</address>")
            index = run
        else:
            out.append(f"<p>{_inline(lines[index])}</p>")
            index += 1
    return "".join(out)


def _paragraph_html(block: str) -> str:
    """A block of the statement: labelled lines become list items with an anchor each, the rest
    paragraphs and addresses. Text that belongs to the item before it stays inside that item, so
    a list is not cut in two and an anchor covers its whole part: a line between two items (the
    Bel-me-niet-meer-lijst after the marketing right), or what follows an item that ends with a
    colon (the complaint right's "op volgend adres:" and the address). Every piece of text is
    escaped: the statement file is the only source."""
    lines = [line.strip() for line in block.splitlines() if line.strip()]
    out: List[str] = []
    items: List[List[str]] = []  # per item: its opening tag and text, then the lines it holds
    loose: List[str] = []

    def flush() -> None:
        if items:
            out.append("<ul>" + "".join(item[0] + _text_html(item[1:]) + "</li>" for item in items) + "</ul>")
            items.clear()

    attached = False
    for index, line in enumerate(lines):
        if _is_item(line):
            if loose:
                out.append(_text_html(loose))
                loose.clear()
            items.append([_item_html(line)])
            attached = line.endswith(":")
            continue
        next_is_item = index + 1 < len(lines) and _is_item(lines[index + 1])
        if items and (attached or next_is_item):
            items[-1].append(line)
            attached = attached or not next_is_item
            continue
        flush()
        loose.append(line)
    flush()
    if loose:
        out.append(_text_html(loose))
    return "\n".join(out)


def render_statement_html(statement: Optional[policy_sections.Statement] = None) -> str:
    """The statement with a heading and an anchor per section, and an anchor per labelled part
    (the chat's answers link to these), preceded by a table of contents. Under the title: the
    version the statement itself states, not the day the text was copied."""
    statement = statement or policy_sections.statement()
    parts = [f'<h1 id="top">{html.escape(statement.title)}</h1>']
    if statement.version:
        parts.append(f'<p class="statement-date">Laatste versie: {html.escape(statement.version)}</p>')
    parts += [_paragraph_html(block) for block in statement.intro]
    parts.append(
        '<nav class="toc" aria-labelledby="inhoud-titel"><h2 id="inhoud-titel">Inhoud</h2><ol>'
        + "".join(f'<li><a href="#{s.anchor}">{html.escape(s.title)}</a></li>' for s in statement.sections)
        + "</ol></nav>"
    )
    for section in statement.sections:
        parts.append(
            f'<section id="{section.anchor}"><h2>{html.escape(section.title)}</h2>'
            + "\n".join(_paragraph_html(b) for b in section.paragraphs)
            + "</section>"
        )
    return "\n".join(parts)


def render_privacy(rasa_url: str = "http://127.0.0.1:5005", teaser_delay_ms: int = 4000) -> str:
    """The /privacy page: the statement with anchors, the site's navigation and the widget."""
    return _fill("privacy.html", _page_values(rasa_url, teaser_delay_ms), {"statement": render_statement_html()})


def make_app(rasa_url: str, teaser_delay_ms: int = 4000) -> web.Application:
    headers = security_headers(rasa_url)

    async def index(request: web.Request) -> web.Response:
        return web.Response(text=render_index(rasa_url, teaser_delay_ms), content_type="text/html", headers=headers)

    async def privacy(request: web.Request) -> web.Response:
        return web.Response(text=render_privacy(rasa_url, teaser_delay_ms), content_type="text/html", headers=headers)

    async def asset(request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        if name not in {"privacybot.js", "privacybot.css", "site.css"}:
            raise web.HTTPNotFound()
        # Other sites embed the widget: its script and styles may be loaded cross-origin.
        return web.FileResponse(
            STATIC / name, headers={"Access-Control-Allow-Origin": "*", "Cache-Control": "no-cache", **headers}
        )

    async def health(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_get("/", index)
    app.router.add_get("/privacy", privacy)
    app.router.add_get("/health", health)
    app.router.add_get("/widget/{name}", asset)
    app.router.add_get("/{name:site\\.css}", asset)
    return app


def main(argv: Optional[list] = None) -> None:
    parser = argparse.ArgumentParser(description="Demopagina met de chatwidget")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--rasa-url", default="http://127.0.0.1:5005")
    parser.add_argument(
        "--teaser-delay", type=int, default=4000, help="ms voor de teaser ('Vragen over je privacy?') verschijnt"
    )
    args = parser.parse_args(argv)
    web.run_app(
        make_app(args.rasa_url, args.teaser_delay),
        host=settings.bind_address(),
        port=args.port,
        print=None,
        access_log=None,
    )


if __name__ == "__main__":
    main()

"""The demo website: a KMO-verzekeringen page with the chat widget, the privacy statement,
and the widget's own files for embedding on other pages.

aiohttp (already brought by Rasa) serves it; the widget talks to the Rasa server's REST
channel directly, so this server holds no conversation and no personal data.
"""
from __future__ import annotations

import argparse
import html
from pathlib import Path
from typing import List, Optional

from aiohttp import web

from bot import policy_sections, settings

WEB = Path(__file__).parent
STATIC = WEB / "static"
TEMPLATES = WEB / "templates"


def security_headers(rasa_url: str) -> dict:
    return {
        "Content-Security-Policy": (f"default-src 'self'; connect-src 'self' {rasa_url}; img-src 'self' data:; "
                                    "style-src 'self'; script-src 'self'; frame-ancestors 'none'; "
                                    "base-uri 'none'; form-action 'self'"),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
    }


def _fill(template: str, values: dict, raw: Optional[dict] = None) -> str:
    """Put escaped ``values`` (and already-safe ``raw`` HTML) into a page template. Every page
    shares the site's header (navigation) and footer with its widget tag (``_header.html``,
    ``_footer.html``)."""
    page = (TEMPLATES / template).read_text(encoding="utf-8")
    for part in ("header", "footer"):
        page = page.replace("{site_" + part + "}", (TEMPLATES / f"_{part}.html").read_text(encoding="utf-8").rstrip("\n"))
    for key, value in values.items():
        page = page.replace("{" + key + "}", html.escape(value, quote=True))
    for key, value in (raw or {}).items():
        page = page.replace("{" + key + "}", value)
    return page


def _page_values(rasa_url: str, teaser_delay_ms: int) -> dict:
    return {"server": rasa_url, "retention": str(settings.chat_retention_months()), "teaser_delay": str(teaser_delay_ms)}


def render_index(rasa_url: str, teaser_delay_ms: int) -> str:
    return _fill("index.html", _page_values(rasa_url, teaser_delay_ms))


def _paragraph_html(block: str) -> str:
    """A block of the statement: labelled lines become list items with an anchor each, the
    rest paragraphs. Every piece of text is escaped: the statement file is the only source."""
    out: List[str] = []
    items: List[str] = []

    def flush() -> None:
        if items:
            out.append("<ul>" + "".join(items) + "</ul>")
            items.clear()

    for line in block.splitlines():
        line = line.strip()
        match = policy_sections.PART.match(line)
        if match:
            label, text = match.group(1).strip(), match.group(2).strip()
            items.append(f'<li id="{policy_sections.slug(label)}"><strong>{html.escape(label)}:</strong> '
                         f"{html.escape(text)}</li>")
        elif line.startswith("- "):
            items.append(f"<li>{html.escape(line[2:])}</li>")
        else:
            flush()
            out.append(f"<p>{html.escape(line)}</p>")
    flush()
    return "\n".join(out)


def render_statement_html(statement: Optional[policy_sections.Statement] = None) -> str:
    """The statement with a heading and an anchor per section, and an anchor per labelled part
    (the chat's answers link to these), preceded by a table of contents."""
    statement = statement or policy_sections.statement()
    parts = [f"<h1>{html.escape(statement.title)}</h1>",
             f'<p class="statement-date">Versie van de tekst: {html.escape(statement.date_line)}</p>']
    parts += [_paragraph_html(block) for block in statement.intro]
    parts.append('<nav class="toc" aria-label="Inhoud"><h2>Inhoud</h2><ol>' + "".join(
        f'<li><a href="#{s.anchor}">{html.escape(s.title)}</a></li>' for s in statement.sections) + "</ol></nav>")
    for section in statement.sections:
        parts.append(f'<section id="{section.anchor}"><h2>{html.escape(section.title)}</h2>'
                     + "\n".join(_paragraph_html(b) for b in section.paragraphs) + "</section>")
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
        return web.FileResponse(STATIC / name, headers={"Access-Control-Allow-Origin": "*",
                                                        "Cache-Control": "no-cache", **headers})

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
    parser.add_argument("--teaser-delay", type=int, default=4000, help="ms voor 'Hulp nodig?' verschijnt")
    args = parser.parse_args(argv)
    web.run_app(make_app(args.rasa_url, args.teaser_delay), host=settings.bind_address(), port=args.port,
                print=None, access_log=None)


if __name__ == "__main__":
    main()

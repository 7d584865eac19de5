"""The demo website: a KMO-verzekeringen page with the chat widget, the privacy statement,
and the widget's own files for embedding on other pages.

aiohttp (already brought by Rasa) serves it; the widget talks to the Rasa server's REST
channel directly, so this server holds no conversation and no personal data.
"""
from __future__ import annotations

import argparse
import html
from pathlib import Path
from typing import Optional

from aiohttp import web

from bot import paths, settings

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


def render_index(rasa_url: str, teaser_delay_ms: int) -> str:
    page = (TEMPLATES / "index.html").read_text(encoding="utf-8")
    values = {"server": rasa_url, "retention": str(settings.chat_retention_months()), "teaser_delay": str(teaser_delay_ms)}
    for key, value in values.items():
        page = page.replace("{" + key + "}", html.escape(value, quote=True))
    return page


def render_privacy() -> str:
    """The statement as plain paragraphs, escaped: its text is the single source of truth."""
    text = paths.policy_path().read_text(encoding="utf-8")
    blocks = [b.strip() for b in text.split("\n\n") if b.strip()]
    body = "\n".join(f"<p>{html.escape(b).replace(chr(10), '<br>')}</p>" for b in blocks)
    return ("<!doctype html><html lang=\"nl-BE\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            "<title>Privacystatement — KMO-verzekeringen</title><link rel=\"stylesheet\" href=\"/site.css\"></head>"
            "<body><header class=\"site-header\"><a class=\"brand\" href=\"/\">KMO-verzekeringen</a></header>"
            f"<main><h1>Privacystatement</h1>{body}</main></body></html>")


def make_app(rasa_url: str, teaser_delay_ms: int = 4000) -> web.Application:
    headers = security_headers(rasa_url)

    async def index(request: web.Request) -> web.Response:
        return web.Response(text=render_index(rasa_url, teaser_delay_ms), content_type="text/html", headers=headers)

    async def privacy(request: web.Request) -> web.Response:
        return web.Response(text=render_privacy(), content_type="text/html", headers=headers)

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

"""The pages behind the links in our e-mails, served by the running Rasa server itself as a
custom input channel (credentials.yml: ``bot.links_channel.PrivacyLinks``), so no second web
server is needed:

  GET  /webhooks/privacy/verify?token=…        page with a button to confirm the address
  POST /webhooks/privacy/verify?token=…        confirms; the request goes from unverified to open
  GET  /webhooks/privacy/unsubscribe?token=…   page with a button to unsubscribe
  POST /webhooks/privacy/unsubscribe?token=…   unsubscribes (also RFC 8058 one-click from mail apps)

GET never changes anything: mail scanners open links before people do.
"""
from __future__ import annotations

import asyncio
import html
from functools import lru_cache
from typing import Any, Awaitable, Callable, Tuple

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request

from bot import chat_forms, request_flow, rights, tokens, unsubscribe_links
from bot.contact import InvalidContact
from bot.store.db import Store, open_store

PAGE = """<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} – KMO-verzekeringen</title>
<style>body{{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#1a1a1a;line-height:1.5}}
button{{font-size:1rem;padding:.6rem 1.2rem;background:#0b5394;color:#fff;border:0;border-radius:4px;cursor:pointer}}
button:focus{{outline:3px solid #f1c232;outline-offset:2px}}</style></head>
<body><main><h1>{title}</h1>{body}
<p>Vragen? Mail naar <a href="mailto:privacy@kmo-verzekeringen.be">privacy@kmo-verzekeringen.be</a>.</p></main></body></html>"""

HEADERS = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                                      "frame-ancestors 'none'; base-uri 'none'",
           "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
           "Cache-Control": "no-store"}


def page(title: str, body_html: str, status: int = 200) -> response.HTTPResponse:
    return response.html(PAGE.format(title=html.escape(title), body=body_html), status=status, headers=HEADERS)


def form(action_label: str, explanation: str) -> str:
    return (f"<p>{html.escape(explanation)}</p><form method=\"post\">"
            f"<button type=\"submit\">{html.escape(action_label)}</button></form>")


@lru_cache(maxsize=1)
def _store() -> Store:
    return open_store()


async def _in_thread(function: Callable[..., Any], *args: Any) -> Any:
    return await asyncio.get_running_loop().run_in_executor(None, function, *args)


def verified_page(request: Any) -> Tuple[str, str]:
    """Title and body after a click on the verification link, true to the request's status: a
    request staff already rejected or closed must not read "bevestigd, we behandelen het"."""
    reference = html.escape(request.reference)
    if request.status in (rights.OPEN, rights.IN_PROGRESS):
        return "Bedankt", (f"<p>Je e-mailadres is bevestigd. We behandelen verzoek {reference} uiterlijk op "
                           f"{request.deadline.strftime('%d/%m/%Y')}.</p>")
    status = html.escape(chat_forms.STATUS_TEXT.get(request.status, "is niet meer open"))
    return "Verzoek " + request.reference, (f"<p>Verzoek {reference} {status}. Er is niets gewijzigd. Vragen? "
                                             f"Mail {html.escape(chat_forms.MAILBOX)} met je referentie.</p>")


class PrivacyLinks(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "privacy"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        links = Blueprint("privacy_links", __name__)

        @links.route("/verify", methods=["GET", "POST"])
        async def verify(request: Request) -> response.HTTPResponse:
            token = request.args.get("token", "")
            try:
                if request.method == "GET":
                    await _in_thread(tokens.verify, token, request_flow.VERIFY_PURPOSE)
                    return page("Bevestig je e-mailadres", form(
                        "Ja, dit is mijn e-mailadres",
                        "Bevestig dat jij dit privacyverzoek deed. Pas daarna behandelen we het."))
                confirmed = await _in_thread(request_flow.confirm_by_link, _store(), token)
            except tokens.TokenError as exc:
                return page("Link werkt niet", f"<p>{html.escape(str(exc))} Er is niets gewijzigd.</p>", status=400)
            return page(*verified_page(confirmed))

        @links.route("/unsubscribe", methods=["GET", "POST"])
        async def unsubscribe(request: Request) -> response.HTTPResponse:
            token = request.args.get("token", "")
            try:
                if request.method == "GET":
                    await _in_thread(unsubscribe_links.address_of, token)
                    return page("Uitschrijven", form(
                        "Uitschrijven", "Je ontvangt dan geen e-mails met reclame of nieuws van KMO-verzekeringen meer."))
                result = await _in_thread(unsubscribe_links.apply, _store(), token)
            except (tokens.TokenError, InvalidContact) as exc:
                return page("Link werkt niet", f"<p>{html.escape(str(exc))} Er is niets gewijzigd.</p>", status=400)
            text = ("Je bent uitgeschreven." if result.created else "Je was al uitgeschreven; dat blijft zo.")
            return page("Uitgeschreven", f"<p>{text} Je ontvangt van ons geen e-mails met reclame meer.</p>")

        return links

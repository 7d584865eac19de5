"""The pages behind the links in our e-mails, served by the running Rasa server itself as a
custom input channel (credentials.yml: ``bot.plugins.links_channel.PrivacyLinks``), so no second web
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
from typing import Any, Awaitable, Callable, Dict, Tuple

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request

from bot.core import clock, company, settings
from bot.dialogue import forms
from bot.privacy import rights, tokens, unsubscribe_links, verification
from bot.privacy.contact import InvalidContact
from bot.store.db import Store, open_store
from bot.web import branding

# Branded like the site (its header, footer and stylesheet, bot/web/branding.py): these pages
# are reached from an e-mail, where people are rightly wary of look-alike pages. No script.
PAGE = """<!doctype html>
<html lang="nl-BE"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{title} – KMO-verzekeringen</title>
<style>{css}</style></head>
<body>
{header}
  <main id="inhoud" class="link-page"><div class="link-card">
<h1>{title}</h1>
{body}
<p class="next">Vragen? Mail naar <a href="mailto:{mailbox}">{mailbox}</a>. We vragen je op deze pagina nooit
een wachtwoord of betaalgegevens.</p>
  </div></main>
{footer}
</body></html>"""

_BASE_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}


@lru_cache(maxsize=4)
def _styles(mtime: float) -> Tuple[str, str]:
    """The site's stylesheet, inlined, and the CSP source that allows exactly that <style>."""
    css = branding.stylesheet()
    return css, branding.style_source(css)


def _chrome() -> Tuple[str, str, str, str]:
    css, source = _styles((branding.STATIC / "site.css").stat().st_mtime)
    site = settings.site_url()
    return css, source, branding.header(site), branding.footer(site)


def headers(style_source: str) -> Dict[str, str]:
    """No script, no framing, nothing loaded from elsewhere; the one inline <style> by its hash."""
    return {
        "Content-Security-Policy": f"default-src 'none'; style-src {style_source}; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'",
        **_BASE_HEADERS,
    }


def render(title: str, body_html: str) -> Tuple[str, Dict[str, str]]:
    """The page's HTML and its headers. ``body_html`` must already be escaped."""
    css, source, header, footer = _chrome()
    values = {
        "title": html.escape(title),
        "mailbox": html.escape(company.privacy_mailbox()),
        "body": body_html,
        "header": header,
        "footer": footer,
        "css": css,
    }
    text = PAGE
    for key in ("title", "mailbox", "header", "footer", "body", "css"):  # body and css last: never re-scanned
        text = text.replace("{" + key + "}", values[key])
    return text, headers(source)


def page(title: str, body_html: str, status: int = 200) -> response.HTTPResponse:
    text, page_headers = render(title, body_html)
    return response.html(text, status=status, headers=page_headers)


def form(action_label: str, explanation: str, next_step: str) -> str:
    """What the button does, the button (POST: GET never changes anything), and what the visitor
    may do instead."""
    return (
        f'<p>{explanation}</p><form method="post">'
        f'<button type="submit" class="action">{html.escape(action_label)}</button></form>'
        f'<p class="next">{next_step}</p>'
    )


def _chat_link() -> str:
    return f'<a href="{html.escape(settings.site_url(), quote=True)}/">de chat op onze website</a>'


def verify_form(reference: str) -> str:
    return form(
        "Ja, dit is mijn e-mailadres",
        "Via de chat op onze website vroeg iemand met dit e-mailadres een privacyverzoek aan, met "
        f'referentie <span class="reference">{html.escape(reference)}</span>. Was jij dat? Bevestig het '
        "hieronder: pas daarna behandelen we je verzoek.",
        "Was jij het niet? Dan hoef je niets te doen: zonder bevestiging sluiten we het verzoek na 7 dagen.",
    )


def unsubscribe_form() -> str:
    return form(
        "Uitschrijven",
        "Met deze knop schrijf je je uit: je ontvangt dan geen e-mails met reclame of nieuws van "
        "KMO-verzekeringen meer.",
        "Kwam je hier per ongeluk? Sluit deze pagina dan gewoon: er verandert niets.",
    )


def broken_link(message: str, what: str) -> Tuple[str, str]:
    """Title and body for a link that is expired, altered or unknown: nothing changed, and how to
    get what the visitor came for another way."""
    next_step = {
        "verify": f"Wil je je verzoek toch doen? Dien het opnieuw in via {_chat_link()}, of mail het naar ons "
        "met je referentie.",
        "unsubscribe": f"Wil je je toch uitschrijven? Zeg het in {_chat_link()}, of gebruik de uitschrijflink in "
        "een recentere e-mail van ons.",
    }[what]
    return "Deze link werkt niet", (
        f'<p>{html.escape(message)} Er is niets gewijzigd.</p><p class="next">{next_step}</p>'
    )


def unsubscribed_page(created: bool) -> Tuple[str, str]:
    title = "Je bent uitgeschreven" if created else "Je was al uitgeschreven"
    done = "Je bent uitgeschreven." if created else "Je was al uitgeschreven; dat blijft zo."
    return title, (
        f"<p>{done} Je ontvangt van ons geen e-mails met reclame of nieuws meer.</p>"
        f'<p class="next">Wil je ook geen reclame meer per post, telefoon of sms? Zeg het in '
        f"{_chat_link()} of mail het naar {_mailbox_link()}.</p>"
    )


def _mailbox_link() -> str:
    """The statement's own route for a question or an objection: a mail to the privacy mailbox."""
    mailbox = html.escape(company.privacy_mailbox(), quote=True)
    return f'<a href="mailto:{mailbox}">{mailbox}</a>'


@lru_cache(maxsize=1)
def _store() -> Store:
    return open_store()


async def _in_thread(function: Callable[..., Any], *args: Any) -> Any:
    return await asyncio.get_running_loop().run_in_executor(None, function, *args)


def verified_page(request: Any) -> Tuple[str, str]:
    """Title and body after a click on the verification link, true to the request's status: a
    request staff already rejected or closed must not read "bevestigd, we behandelen het"."""
    reference = f'<span class="reference">{html.escape(request.reference)}</span>'
    if request.status in (rights.OPEN, rights.IN_PROGRESS):
        return "E-mailadres bevestigd", (
            f"<p>Bedankt: je e-mailadres is bevestigd. We behandelen verzoek {reference} en antwoorden je "
            f"uiterlijk op {clock.show_date(request.deadline)}.</p>"
            f'<p class="next">Je hoeft nu niets meer te doen. {html.escape(verification.LINK_PROVES)}</p>'
        )
    status = html.escape(forms.STATUS_TEXT.get(request.status, "is niet meer open"))
    return "Verzoek " + request.reference, (
        f"<p>Verzoek {reference} {status}. Er is niets gewijzigd.</p>"
        f'<p class="next">Wil je een nieuw verzoek doen? Dat kan via {_chat_link()}; vermeld bij vragen je '
        f"referentie.</p>"
    )


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
                    reference = await _in_thread(tokens.verify, token, verification.VERIFY_PURPOSE)
                    return page("Bevestig je e-mailadres", verify_form(reference))
                confirmed = await _in_thread(verification.confirm_by_link, _store(), token)
            except tokens.TokenError as exc:
                return page(*broken_link(str(exc), "verify"), status=400)
            return page(*verified_page(confirmed))

        @links.route("/unsubscribe", methods=["GET", "POST"])
        async def unsubscribe(request: Request) -> response.HTTPResponse:
            token = request.args.get("token", "")
            try:
                if request.method == "GET":
                    await _in_thread(unsubscribe_links.address_of, token)
                    return page("Uitschrijven voor reclamemails", unsubscribe_form())
                result = await _in_thread(unsubscribe_links.apply, _store(), token)
            except (tokens.TokenError, InvalidContact) as exc:
                return page(*broken_link(str(exc), "unsubscribe"), status=400)
            return page(*unsubscribed_page(result.created))

        return links

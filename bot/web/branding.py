"""The site's look in one place: its header (mark, name, navigation), its footer (the company's
name and address, the privacy mailbox: bot.core.company) and its stylesheet.

The demo site (``bot/web/site.py``) and the pages behind the links in our e-mails
(``bot/plugins/links_channel.py``, served by the Rasa process on another origin) both use these, so a
visitor who clicks a link in a mail lands on a page that looks like the site they know: people
are rightly wary of pages reached from an e-mail. Plain file reading, no web framework.
"""

from __future__ import annotations

import base64
import hashlib
import html
from pathlib import Path
from typing import Dict

from bot.core import company

WEB = Path(__file__).parent
TEMPLATES = WEB / "templates"
STATIC = WEB / "static"


def company_facts() -> Dict[str, str]:
    """The company's facts for the templates' placeholders ({privacy_mailbox}, ...), escaped."""
    facts = {
        "company_name": company.NAME,
        "company_group": company.GROUP,
        "company_street": company.STREET,
        "company_municipality": company.MUNICIPALITY,
        "company_number": company.ENTERPRISE_NUMBER,
        "general_mailbox": company.GENERAL_MAILBOX,
        "privacy_mailbox": company.privacy_mailbox(),
    }
    return {key: html.escape(value, quote=True) for key, value in facts.items()}


def with_company(text: str) -> str:
    """``text`` with the company's placeholders filled in."""
    for key, value in company_facts().items():
        text = text.replace("{" + key + "}", value)
    return text


def _template(name: str, site: str) -> str:
    """A shared template with its links made absolute to ``site`` ("" keeps them relative)."""
    text = (TEMPLATES / name).read_text(encoding="utf-8").rstrip("\n").replace("{site}", site.rstrip("/"))
    return with_company(text)


def header(site: str = "") -> str:
    """The site header: the company's mark and name, and the main navigation."""
    return _template("_header.html", site)


def footer(site: str = "") -> str:
    """The site footer: company name, address and enterprise number, the privacy mailbox."""
    return _template("_company.html", site)


def stylesheet() -> str:
    """The site's stylesheet (``static/site.css``)."""
    return (STATIC / "site.css").read_text(encoding="utf-8")


def style_source(css: str) -> str:
    """The CSP source that allows exactly this inline <style> content and no other."""
    digest = hashlib.sha256(css.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"

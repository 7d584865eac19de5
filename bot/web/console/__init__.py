"""The support console: server-rendered pages (aiohttp + Jinja2) over the same domain code as
the CLI. Sessions are encrypted cookies (aiohttp-session), CSRF tokens come from WTForms'
SessionCSRF, passwords are argon2 hashes (bot/staff/accounts.py).

It talks to the database only; Rasa's HTTP API and the database URL are never exposed.

Laid out as aiohttp's demos are: app.py is the app factory, routes.py every URL, middleware.py
the session guard, security headers and permission check, plumbing.py what every view shares
(templates, CSRF form, derived keys, rendering), and views/ the pages, one module per subject.
``python -m bot.web.console`` (bot.ops.processes.ConsoleServer) starts it.
"""

from bot.web.console.app import Console, main, make_app
from bot.web.console.plumbing import templates

__all__ = ["Console", "main", "make_app", "templates"]

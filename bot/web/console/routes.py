"""Every URL of the console: method, path, the view (a method of bot.web.console.app.Console,
defined in bot/web/console/views/) and the permission it needs (bot.staff.accounts.can), or None
for the pages the middleware lets through or that any logged-in colleague may use.
"""

from __future__ import annotations

from typing import List, Optional, Tuple

ROUTES: List[Tuple[str, str, str, Optional[str]]] = [
    ("GET", "/login", "login_page", None),
    ("POST", "/login", "login", None),
    ("POST", "/logout", "logout", None),
    ("GET", "/", "home", None),
    ("GET", "/static/console.css", "stylesheet", None),
    ("GET", "/static/console.js", "script", None),
    ("GET", "/conversations", "conversation_list", "view_conversations"),
    ("POST", "/conversations", "conversation_search", "view_conversations"),
    ("GET", "/conversations/{sender}", "conversation_page", "view_conversations"),
    ("POST", "/conversations/{sender}/reveal", "reveal", "reveal"),
    ("POST", "/conversations/{sender}/review", "save_review", "review"),
    ("POST", "/conversations/{sender}/annotate", "annotate", "annotate"),
    ("POST", "/conversations/{sender}/unannotate", "unannotate", "annotate"),
    ("GET", "/annotations", "annotations", "annotate"),
    ("POST", "/annotations/export", "export_annotations", "export_annotations"),
    ("GET", "/requests", "request_list", "view_requests"),
    ("GET", "/requests/{reference}", "request_detail", "view_requests"),
    ("POST", "/requests", "request_search", "view_requests"),
    ("POST", "/requests/{reference}/status", "change_status", "handle_requests"),
    ("GET", "/requests/{reference}/erase", "request_erase_page", "erase_subject"),
    ("POST", "/requests/{reference}/erase", "request_erase", "erase_subject"),
    ("POST", "/requests/{reference}/document", "request_document", "export_subject"),
    ("GET", "/optouts", "optout_list", "handle_requests"),
    ("POST", "/optouts", "optout_search", "handle_requests"),
    ("POST", "/optouts/export", "optout_export", "handle_requests"),
    ("POST", "/optouts/add", "optout_add", "handle_requests"),
    ("POST", "/optouts/{optout_id}/remove", "optout_remove", "handle_requests"),
    ("GET", "/subjects", "subjects_page", "export_subject"),
    ("POST", "/subjects", "subjects_page", "export_subject"),
    ("POST", "/subjects/export", "subjects_export", "export_subject"),
    ("POST", "/subjects/erase", "subjects_erase", "erase_subject"),
    ("GET", "/purge", "purge_page", "purge"),
    ("POST", "/purge", "purge", "purge"),
    ("GET", "/audit", "audit_page", "purge"),
]

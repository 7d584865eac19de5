"""The audit page under a flood of failed logins, attacked the way it can be (issue 15, 14).

Anyone on the internet can post the console's login form, and every refused login is a row
in the audit log (actor ``accounts.ANONYMOUS``). The page used to show the last 200 rows
and nothing else, so a few hundred wrong guesses pushed every staff action out of view. Here
a real console process takes 300+ failed logins through its real login form after staff did
a few things; the admin's page must still show those staff actions first, list the failures
in their own paged view, and filter on actor, action and (Brussels) dates, refusing bad filter
values in Dutch without a server error.
"""

from __future__ import annotations

import html
import re
from datetime import datetime, timezone
from typing import List, Tuple

import pytest
import requests

from bot.core.clock import BRUSSELS
from bot.ops.processes import ConsoleServer
from bot.staff import accounts
from bot.staff import audit as staff_audit
from bot.store.db import Store, migrate
from tests.security.test_console_search import PASSWORD, csrf_of, login

# The flood is 316 refused logins, each an argon2 verification in the console: a minute or more.
pytestmark = pytest.mark.slow

SECRET = "audit-page-test-key-" + "a" * 40
FLOOD = 310
# Two older staff actions on both sides of midnight in Brussels (UTC+2 in summer): 21:30 UTC on
# 31 March is still 31 March there, 22:30 UTC is 1 April.
LATE_MARCH = datetime(2024, 3, 31, 21, 30, tzinfo=timezone.utc)
EARLY_APRIL = datetime(2024, 3, 31, 22, 30, tzinfo=timezone.utc)
Row = Tuple[str, str, str, str, str]


@pytest.fixture(scope="module")
def console(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("audit-page")
    url = f"sqlite:///{tmp / 'console.db'}"
    migrate(url)
    store = Store(url)
    for name, role in (("admin1", "admin"), ("officer1", "privacy_officer"), ("agent1", "agent"), ("decoy1", "agent")):
        accounts.add_user(store, name, PASSWORD, role)
    staff_audit.record(store, "officer1", "reveal", target="gesprek-maart", now=LATE_MARCH)
    staff_audit.record(store, "admin1", "purge", target="3 gesprekken", now=EARLY_APRIL)
    server = ConsoleServer(
        log_file=tmp / "console.log",
        env={
            "PRIVACYBOT_DATABASE_URL": url,
            "PRIVACYBOT_SECRET_KEY": SECRET,
            # high, so that the per-address throttle lets the whole flood through
            "PRIVACYBOT_LOGIN_LIMIT": "1000",
        },
    )
    server.start()
    running = {"url": server.url.rstrip("/"), "store": store}
    # Staff at work: an admin adds an account, an officer exports the annotations.
    accounts.add_user(store, "nieuw1", PASSWORD, "agent", actor="admin1")
    officer = login(running, "officer1")
    token = csrf_of(officer.get(f"{running['url']}/annotations").text)
    assert officer.post(f"{running['url']}/annotations/export", data={"csrf_token": token}).status_code == 200
    # Then the attacker: wrong guesses through the real form, and enough on one account to lock it.
    attacker = requests.Session()
    token = csrf_of(attacker.get(f"{running['url']}/login").text)
    guesses = [f"raden{i}" for i in range(FLOOD)] + ["decoy1"] * (accounts.MAX_FAILED_LOGINS + 1)
    for name in guesses:
        answer = attacker.post(
            f"{running['url']}/login", data={"username": name, "password": "fout-wachtwoord-123", "csrf_token": token}
        )
        assert answer.status_code == 401, answer.text[:300]
    running["admin"] = login(running, "admin1")
    yield running
    server.stop()
    store.dispose()


def audit(console, **params) -> requests.Response:
    return console["admin"].get(f"{console['url']}/audit", params=params)


def rows(page: str) -> List[Row]:
    found = re.findall(
        r"<tr><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td></tr>", page
    )
    return [tuple(html.unescape(cell) for cell in row) for row in found]


def total(page: str) -> int:
    return int(re.search(r"(\d+) regel\(s\)", page).group(1))


def test_the_flood_does_not_push_staff_actions_out_of_view(console):
    failures = FLOOD + accounts.MAX_FAILED_LOGINS + 1
    default = audit(console)
    assert default.status_code == 200
    shown = rows(default.text)
    actions = {(who, what) for _, who, what, _, _ in shown}
    # What staff did is on page 1 of the default view, the failures are not.
    assert {
        ("admin1", "user_added"),
        ("officer1", "export_annotations"),
        ("officer1", "login"),
        ("admin1", "login"),
        ("officer1", "reveal"),
        ("admin1", "purge"),
    } <= actions
    assert ("admin1", "user_added", "nieuw1") in {(w, a, t) for _, w, a, t, _ in shown}
    assert all(who != accounts.ANONYMOUS for _, who, _, _, _ in shown)
    assert f"mislukte aanmeldingen ({failures + 1})" in default.text  # + the lock of decoy1

    failed = audit(console, kind="failed")
    listed = rows(failed.text)
    assert total(failed.text) == failures + 1 and len(listed) == staff_audit.PER_PAGE
    assert {who for _, who, _, _, _ in listed} == {accounts.ANONYMOUS}
    pages = -(-(failures + 1) // staff_audit.PER_PAGE)
    assert f"pagina 1 van {pages}" in failed.text and "vorige" not in failed.text
    # Follow the "volgende" link as a browser would: the next 50, none of page 1 again.
    link = html.unescape(re.search(r'<a href="([^"]+)">volgende', failed.text).group(1))
    second = console["admin"].get(console["url"] + link)
    assert "kind=failed" in link and f"pagina 2 van {pages}" in second.text and "vorige" in second.text
    assert len(rows(second.text)) == staff_audit.PER_PAGE and not set(rows(second.text)) & set(listed)
    last = audit(console, kind="failed", page=str(pages))
    assert len(rows(last.text)) == (failures + 1) - (pages - 1) * staff_audit.PER_PAGE
    assert "volgende" not in last.text
    assert f"pagina {pages} van {pages}" in audit(console, kind="failed", page="999").text  # clamped
    # The lock is a failure, not a staff action; "alles" has both.
    assert ("anoniem", "locked", "decoy1") in {
        (w, a, t) for _, w, a, t, _ in rows(audit(console, kind="failed", action="locked").text)
    }
    everything = audit(console, kind="all")
    assert total(everything.text) == total(default.text) + failures + 1


def test_filters_on_actor_action_and_brussels_days_combine(console):
    officer = rows(audit(console, actor="officer1").text)
    assert officer and {who for _, who, _, _, _ in officer} == {"officer1"}
    assert {what for _, _, what, _, _ in officer} == {"login", "export_annotations", "reveal"}
    reveals = rows(audit(console, actor="officer1", action="reveal").text)
    assert [(who, what, target) for _, who, what, target, _ in reveals] == [("officer1", "reveal", "gesprek-maart")]
    # Days are Brussels days: 31 March holds the 21:30 UTC reveal, 1 April the 22:30 UTC purge.
    march = rows(audit(console, **{"from": "2024-03-31", "to": "2024-03-31"}).text)
    assert [(who, what) for _, who, what, _, _ in march] == [("officer1", "reveal")]
    assert march[0][0] == "31/03/2024 23:30:00"
    april = rows(audit(console, **{"from": "2024-04-01", "to": "2024-04-01"}).text)
    assert [(who, what) for _, who, what, _, _ in april] == [("admin1", "purge")]
    both = rows(audit(console, **{"from": "2024-03-01", "to": "2024-04-30"}).text)
    assert {what for _, _, what, _, _ in both} == {"reveal", "purge"}
    # Combined: each filter narrows what the others found.
    spring = {"from": "2024-03-01", "to": "2024-04-30"}
    assert [(w, a) for _, w, a, _, _ in rows(audit(console, actor="admin1", **spring).text)] == [("admin1", "purge")]
    assert len(rows(audit(console, actor="admin1", action="purge", **{"from": "2024-04-01"}).text)) == 1
    nothing = audit(console, actor="admin1", action="purge", **{"to": "2024-03-31"})
    assert nothing.status_code == 200 and rows(nothing.text) == [] and "Geen regels voor deze filters." in nothing.text
    assert rows(audit(console, kind="failed", actor="admin1").text) == []
    today = datetime.now(timezone.utc).astimezone(BRUSSELS).date().isoformat()
    recent_failures = audit(console, kind="failed", action="login_failed", **{"from": today})
    assert total(recent_failures.text) == FLOOD + accounts.MAX_FAILED_LOGINS + 1
    # The paging links keep the filters.
    link = html.unescape(re.search(r'<a href="([^"]+)">volgende', recent_failures.text).group(1))
    assert "action=login_failed" in link and f"from={today}" in link and "kind=failed" in link


@pytest.mark.parametrize(
    "params, message",
    [
        ({"kind": "geheim"}, "Onbekende soort"),
        ({"actor": "niemand"}, "Onbekende medewerker"),
        ({"actor": "x" * 5000}, "Onbekende medewerker"),
        ({"action": "reveal' OR 1=1 --"}, "Onbekende actie"),
        ({"from": "2024-13-01"}, "Ongeldige datum bij 'van'"),
        ({"to": "31/03/2024"}, "Ongeldige datum bij 'tot'"),
        ({"to": "9999-12-31"}, "buiten het bereik"),
        ({"from": "2024-04-02", "to": "2024-04-01"}, "ligt na"),
        ({"page": "abc"}, "Ongeldig paginanummer"),
        ({"page": "²"}, "Ongeldig paginanummer"),
        ({"page": "9" * 5000}, "Ongeldig paginanummer"),
    ],
)
def test_bad_filter_values_get_a_dutch_message_not_a_server_error(console, params, message):
    answer = audit(console, **params)
    assert answer.status_code == 400
    assert message in html.unescape(answer.text) and 'role="alert"' in answer.text
    assert "Traceback" not in answer.text and rows(answer.text) == []


def test_only_admins_open_the_audit_page(console):
    """Unchanged by this fix (the page stays behind the 'purge' permission), also with filters."""
    assert not accounts.can("agent", "purge") and not accounts.can("privacy_officer", "purge")
    for name in ("agent1", "officer1"):
        browser = login(console, name)
        for params in ({}, {"kind": "failed"}, {"actor": "admin1", "kind": "all"}):
            answer = browser.get(f"{console['url']}/audit", params=params)
            assert answer.status_code == 403 and rows(answer.text) == []
            assert "raden" not in answer.text and "login_failed" not in answer.text

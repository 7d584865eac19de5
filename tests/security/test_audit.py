"""The supply-chain gate of ./test (scripts/audit.sh): pip-audit's verdict is judged by
scripts/pip_audit_check.py. Here against a local OSV server that reports one made-up
vulnerability, since no real vulnerability service is reachable from these machines."""

from __future__ import annotations

import json
import os
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bot.core import paths

TOOLS = paths.ROOT / ".venv-tools" / "bin" / "python"
FAKE = {
    "id": "GHSA-test-0000-0000",
    "aliases": ["CVE-2099-0001"],
    "summary": "made up for the test",
    "affected": [
        {
            "package": {"name": "requests", "ecosystem": "PyPI"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "99.0.0"}]}],
        }
    ],
}


class FakeOsv(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        query = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        vulns = [FAKE] if query["package"]["name"].lower() == "requests" else []
        body = json.dumps({"vulns": vulns}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def osv():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeOsv)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/v1/query"
    server.shutdown()


def audit(osv: str, ignore: Path, **extra: str) -> subprocess.CompletedProcess:
    env = dict(
        os.environ,
        PRIVACYBOT_PIP_AUDIT_SERVICE="osv",
        PRIVACYBOT_OSV_URL=osv,
        PRIVACYBOT_PIP_AUDIT_IGNORE=str(ignore),
        **extra,
    )
    return subprocess.run(
        [str(TOOLS), "scripts/pip_audit_check.py"], cwd=paths.ROOT, env=env, capture_output=True, text=True, timeout=600
    )


pytestmark = pytest.mark.skipif(not TOOLS.exists(), reason=".venv-tools ontbreekt (scripts/setup.sh maakt het)")


def test_a_new_vulnerability_fails_the_run(osv, tmp_path):
    ignore = tmp_path / "ignore.txt"
    ignore.write_text("# nothing accepted\n")
    result = audit(osv, ignore)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "GHSA-test-0000-0000" in result.stderr and "requests==" in result.stderr


def test_an_accepted_vulnerability_passes_with_its_reason(osv, tmp_path):
    ignore = tmp_path / "ignore.txt"
    ignore.write_text("CVE-2099-0001  requests  verzonnen voor de test; het alias telt ook\n")
    result = audit(osv, ignore)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "geen nieuwe kwetsbaarheden (1 aanvaard" in result.stdout


def test_an_accepted_vulnerability_needs_a_reason(osv, tmp_path):
    ignore = tmp_path / "ignore.txt"
    ignore.write_text("CVE-2099-0001  requests\n")
    result = audit(osv, ignore)
    assert result.returncode != 0 and "reden verplicht" in (result.stdout + result.stderr)


def test_an_unreachable_service_is_never_a_pass(tmp_path):
    ignore = tmp_path / "ignore.txt"
    ignore.write_text("")
    # and no local copy of the advisory database either (tests/security/test_pip_audit_local.py)
    result = audit("http://127.0.0.1:9/v1/query", ignore, PRIVACYBOT_ADVISORY_DB=str(tmp_path / "none"))
    assert result.returncode == 2 and "GEEN 'geen kwetsbaarheden'" in result.stderr

"""pip-audit against the local copy of the PyPA Advisory Database (issue 15).

The CI machines reach neither PyPI's JSON API nor OSV, so scripts/audit.sh falls back to
scripts/osv_local.py, a small OSV ``/v1/query`` server over ``../shared/advisories``. These
tests check that server against real advisories of the copy (a hit for a vulnerable release,
nothing for the fixed one, ``last_affected``, canonical names), the range rules against a tiny
made-up copy, and the checker's verdict end to end (new finding 1, accepted 0, no data 2) with
pip-audit itself from .venv-tools. No network: the "live" source is a closed local port.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Dict, List, Sequence

import pytest

from bot.core import paths

sys.path.insert(0, str(paths.ROOT / "scripts"))
import osv_local  # noqa: E402
import pip_audit_check  # noqa: E402

TOOLS = paths.ROOT / ".venv-tools" / "bin" / "python"
COPY = pip_audit_check.advisories_dir()  # ../shared/advisories beside the repository


def ids(hits: List[dict]) -> List[str]:
    return [hit["id"] for hit in hits]


@pytest.fixture(scope="module")
def real_url():
    assert (osv_local.database_dir(COPY) / "vulns").is_dir(), f"de kopie ontbreekt in {COPY}"
    with osv_local.serve(COPY) as url:
        yield url


def post(url: str, name: str, version: str) -> dict:
    body = json.dumps({"package": {"name": name, "ecosystem": "PyPI"}, "version": version}).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:  # nosec B310 # local test server
        return json.loads(response.read())


# --- the server over the real copy -------------------------------------------------------


def test_a_vulnerable_release_gets_its_advisory_and_the_fixed_one_nothing(real_url):
    # vulns/pyyaml/PYSEC-2018-49.yaml: introduced 0, fixed 5.1 (yaml.load runs code)
    hit = post(real_url, "PyYAML", "5.0")
    assert "PYSEC-2018-49" in ids(hit["vulns"])
    advisory = next(v for v in hit["vulns"] if v["id"] == "PYSEC-2018-49")
    assert "CVE-2017-18342" in advisory["aliases"]
    # pip-audit only reads the fix versions of an entry named exactly its canonical name
    assert advisory["affected"][0]["package"]["name"] == "pyyaml"
    assert advisory["affected"][0]["ranges"][0]["events"] == [{"introduced": "0"}, {"fixed": "5.1"}]
    assert "PYSEC-2018-49" not in ids(post(real_url, "PyYAML", "5.1").get("vulns", []))
    # the pin of requirements.lock: no advisory in the copy, and OSV's empty answer is {}
    assert post(real_url, "pyyaml", "6.0.4") == {}


def test_last_affected_and_canonical_names_in_the_real_copy(real_url):
    # vulns/py/PYSEC-2022-42969.yaml: introduced 0, last_affected 1.11.0 (inclusive)
    assert "PYSEC-2022-42969" in ids(post(real_url, "py", "1.11.0")["vulns"])
    assert "PYSEC-2022-42969" not in ids(post(real_url, "py", "1.11.1").get("vulns", []))
    # vulns/jw.util/PYSEC-2020-341.yaml (fixed 2.3) names the package "jw.util"; pip-audit asks "jw-util"
    assert "PYSEC-2020-341" in ids(post(real_url, "jw-util", "2.2")["vulns"])
    assert "PYSEC-2020-341" in ids(post(real_url, "JW_Util", "2.2")["vulns"])
    assert post(real_url, "jw-util", "2.3") == {}


def test_only_the_query_endpoint_is_served(real_url):
    request = urllib.request.Request(real_url.replace("/v1/query", "/v1/querybatch"), data=b"{}")
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(request, timeout=10)  # nosec B310 # local test server
    assert error.value.code == 404


# --- range rules, on a made-up copy ------------------------------------------------------


def advisory(advisory_id: str, name: str, events: List[Dict[str, str]], versions: Sequence[str] = ()) -> str:
    lines = [
        f"id: {advisory_id}",
        "aliases:",
        f"- CVE-2099-{advisory_id[-4:]}",
        "affected:",
        "- package:",
        f"    name: {name}",
        "    ecosystem: PyPI",
    ]
    if events:
        lines += ["  ranges:", "  - type: ECOSYSTEM", "    events:"]
        lines += [f"    - {kind}: '{value}'" for event in events for kind, value in event.items()]
    if versions:
        lines += ["  versions:"] + [f"  - {v}" for v in versions]  # unquoted on purpose: 1.10 is no float
    return "\n".join(lines) + "\n"


@pytest.fixture
def fake_copy(tmp_path: Path) -> Path:
    root = tmp_path / "advisories"
    vulns = root / "pypa-advisory-database" / "vulns"
    files = {
        "Foo_Bar.baz/PYSEC-2099-0001.yaml": advisory(
            "PYSEC-2099-0001", "Foo_Bar.baz", [{"introduced": "1.0"}, {"fixed": "1.10"}]
        ),
        "lastpkg/PYSEC-2099-0002.yaml": advisory(
            "PYSEC-2099-0002", "lastpkg", [{"introduced": "0"}, {"last_affected": "2.0.1"}]
        ),
        "listpkg/PYSEC-2099-0003.yaml": advisory("PYSEC-2099-0003", "listpkg", [], ["1.10", "3.0b1"]),
        "twice/PYSEC-2099-0004.yaml": advisory(
            "PYSEC-2099-0004",
            "twice",
            [{"introduced": "1.0"}, {"fixed": "1.5"}, {"introduced": "2.0"}, {"fixed": "2.2"}],
        ),
    }
    for name, text in files.items():
        (vulns / name).parent.mkdir(parents=True, exist_ok=True)
        (vulns / name).write_text(text, encoding="utf-8")
    (root / "PROVENANCE.md").write_text("- Commit: " + "ab" * 20 + ", dated 2024-01-02.\n", encoding="utf-8")
    return root


@pytest.mark.parametrize(
    "name, version, hit",
    [
        ("foo-bar-baz", "1.9", True),
        ("FOO.BAR_BAZ", "1.0", True),
        ("foo-bar-baz", "0.9", False),
        ("foo-bar-baz", "1.10", False),  # 1.10 read as a version, not as the float 1.1
        ("lastpkg", "2.0.1", True),
        ("lastpkg", "2.0.2", False),
        ("lastpkg", "0.1", True),
        ("listpkg", "1.10", True),
        ("listpkg", "3.0b1", True),
        ("listpkg", "3.0", False),
        ("twice", "1.4", True),
        ("twice", "1.7", False),
        ("twice", "2.1", True),
        ("twice", "2.2", False),
        ("unknown", "1.0", False),
    ],
)
def test_ranges_versions_and_names(fake_copy: Path, name: str, version: str, hit: bool):
    assert bool(osv_local.query(osv_local.load(fake_copy), name, version)) is hit


def test_provenance_of_the_copy(fake_copy: Path):
    assert osv_local.provenance(fake_copy) == ("ab" * 20, "2024-01-02")


# --- the checker's verdict, end to end with pip-audit from .venv-tools -------------------


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1/query"  # nothing listens: the live source is down


def check(tmp_path: Path, advisories: Path, locks: Dict[str, str], ignore: str) -> subprocess.CompletedProcess:
    lock_paths = []
    for name, text in locks.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        lock_paths.append(str(tmp_path / name))
    (tmp_path / "ignore.txt").write_text(ignore, encoding="utf-8")
    env = dict(
        os.environ,
        PRIVACYBOT_PIP_AUDIT_SERVICE="osv",
        PRIVACYBOT_OSV_URL=closed_port_url(),
        PRIVACYBOT_ADVISORY_DB=str(advisories),
        PRIVACYBOT_PIP_AUDIT_LOCKS=os.pathsep.join(lock_paths),
        PRIVACYBOT_PIP_AUDIT_IGNORE=str(tmp_path / "ignore.txt"),
    )
    assert TOOLS.exists(), ".venv-tools ontbreekt: scripts/setup.sh maakt het (./test doet dat)"
    return subprocess.run(
        [str(TOOLS), "scripts/pip_audit_check.py"], cwd=paths.ROOT, env=env, capture_output=True, text=True, timeout=300
    )


LOCKS = {"a.lock": "lastpkg==2.0.2\n", "b.lock": "# comment\nfoo_bar.baz==1.2\nlistpkg==3.0\n"}


def test_a_new_finding_in_either_lock_file_fails_and_names_the_data(fake_copy: Path, tmp_path: Path):
    result = check(tmp_path, fake_copy, LOCKS, "# nothing accepted\n")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "pip-audit b.lock: 1 nieuwe" in result.stderr
    assert "PYSEC-2099-0001  foo-bar-baz==1.2  (fix: 1.10)" in result.stderr
    assert "pip-audit a.lock: 1 pakketten gecontroleerd, geen nieuwe" in result.stdout
    assert ("lokale kopie van de PyPA Advisory Database, commit " + "ab" * 20 + ", 2024-01-02") in result.stdout
    assert "niet 'geen kwetsbaarheden'" in result.stdout


def test_an_accepted_finding_passes(fake_copy: Path, tmp_path: Path):
    result = check(tmp_path, fake_copy, LOCKS, "CVE-2099-0001  Foo-Bar-Baz  verzonnen; alias en naam tellen\n")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "pip-audit b.lock: 2 pakketten gecontroleerd, geen nieuwe kwetsbaarheden (1 aanvaard" in result.stdout


def test_no_live_source_and_no_copy_is_never_a_pass(tmp_path: Path):
    result = check(tmp_path, tmp_path / "no-copy", LOCKS, "")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "GEEN 'geen kwetsbaarheden'" in result.stderr and "geen lokale kopie" in result.stderr


def test_audit_sh_fails_the_run_on_a_finding_in_the_local_copy(fake_copy: Path, tmp_path: Path):
    # what ./test (and so CI, .ci/run) runs: before this, no reachable data meant "NIET UITGEVOERD", exit 0
    (tmp_path / "ignore.txt").write_text("", encoding="utf-8")
    (tmp_path / "a.lock").write_text("foo-bar-baz==1.2\n", encoding="utf-8")
    env = dict(
        os.environ,
        PRIVACYBOT_PIP_AUDIT_SERVICE="osv",
        PRIVACYBOT_OSV_URL=closed_port_url(),
        PRIVACYBOT_ADVISORY_DB=str(fake_copy),
        PRIVACYBOT_PIP_AUDIT_LOCKS=str(tmp_path / "a.lock"),
        PRIVACYBOT_PIP_AUDIT_IGNORE=str(tmp_path / "ignore.txt"),
    )
    env.pop("PRIVACYBOT_SKIP_PIP_AUDIT", None)
    result = subprocess.run(
        [str(paths.ROOT / "scripts" / "audit.sh")], cwd=paths.ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "PYSEC-2099-0001  foo-bar-baz==1.2" in result.stderr
    assert "NIET UITGEVOERD" not in result.stderr

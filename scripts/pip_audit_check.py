"""pip-audit on both lock files, with the accepted findings of security/pip-audit-ignore.txt.

Run by scripts/audit.sh with the Python of .venv-tools (where pip-audit lives; it cannot share
.venv with Rasa 3.6.21, see requirements-dev.lock). Its settings are read here and not in
bot/core/settings.py because that module needs SQLAlchemy, which .venv-tools does not have.

Which vulnerability data, in this order:
1. the live source: PyPI's JSON API (https://pypi.org/pypi/NAME/VERSION/json), or with
   PRIVACYBOT_PIP_AUDIT_SERVICE=osv the OSV API at PRIVACYBOT_OSV_URL;
2. when that cannot be reached (the CI machines and this workplace reach neither), the dated
   local copy of the PyPA Advisory Database in PRIVACYBOT_ADVISORY_DB (default
   ``../shared/advisories`` beside the repository), served to pip-audit's OSV client by
   scripts/osv_local.py. PRIVACYBOT_PIP_AUDIT_SERVICE=local goes to the copy directly.
The output always says which data was used, and that a clean result against the copy only
means "no known vulnerability in that data set on that date".

Lock files: requirements.lock and requirements-dev.lock (PRIVACYBOT_PIP_AUDIT_LOCKS, paths
separated by os.pathsep, overrides that). One ignore list for both: an entry (ID, package)
accepts that finding in whichever lock file pins the package.

Exit 0 only when every pinned package was actually checked and every finding is accepted;
1 on a new finding or a package that could not be checked; 2 when neither the live source
nor the local copy is available (that is never reported as "no vulnerabilities").
"""

from __future__ import annotations

import json
import os
import re
import subprocess  # nosec B404 # fixed argv below, no shell
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Set, Tuple

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
import osv_local  # noqa: E402 (scripts/ is no package)

ROOT = Path(__file__).resolve().parent.parent
LOCKS = [ROOT / "requirements.lock", ROOT / "requirements-dev.lock"]
IGNORE = Path(os.environ.get("PRIVACYBOT_PIP_AUDIT_IGNORE") or ROOT / "security" / "pip-audit-ignore.txt")
DEFAULT_ADVISORIES = ROOT.parent / "shared" / "advisories"
TIMEOUT = 15

Key = Tuple[str, str]  # (ID, canonical package)


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def lock_files() -> List[Path]:
    value = os.environ.get("PRIVACYBOT_PIP_AUDIT_LOCKS")
    return [Path(p) for p in value.split(os.pathsep) if p] if value else LOCKS


def advisories_dir() -> Path:
    return Path(os.environ.get("PRIVACYBOT_ADVISORY_DB") or DEFAULT_ADVISORIES)


def read_ignores(path: Path = IGNORE) -> Dict[Key, str]:
    """(ID, package) -> reason. Format per line: ID  package  reason; '#' starts a comment line."""
    ignores: Dict[Key, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split(None, 2)
        if len(parts) < 3 or not parts[2].strip():
            sys.exit(f"{path.name}:{number}: verwacht 'ID  pakket  reden' (reden verplicht): {line!r}")
        ignores[(parts[0].upper(), canonical(parts[1]))] = parts[2].strip()
    return ignores


def pinned(lock: Path) -> Set[str]:
    return {
        canonical(line.split("==")[0])
        for line in lock.read_text(encoding="utf-8").splitlines()
        if "==" in line and not line.lstrip().startswith("#")
    }


def probe(service: str, osv_url: str) -> str:
    """'' when the live vulnerability data can be fetched, else why not."""
    try:
        if service == "osv":
            response = requests.post(
                osv_url, json={"package": {"name": "pip", "ecosystem": "PyPI"}, "version": "24.3.1"}, timeout=TIMEOUT
            )
        else:  # the exact per-release endpoint pip-audit's PyPI service reads
            response = requests.get("https://pypi.org/pypi/pip/24.3.1/json", timeout=TIMEOUT)
    except requests.RequestException as error:
        return f"geen verbinding ({type(error).__name__})"
    if response.status_code != 200:
        return f"{response.request.method} {response.url} gaf HTTP {response.status_code}"
    return ""


def run_pip_audit(lock: Path, service: str, osv_url: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "audit.json"
        cmd = [
            sys.executable,
            "-m",
            "pip_audit",
            "-r",
            str(lock),
            "--no-deps",
            "--disable-pip",
            "--progress-spinner",
            "off",
            "--timeout",
            str(TIMEOUT),
            "-f",
            "json",
            "-o",
            str(out),
            "--aliases",
            "on",
            "--desc",
            "off",
            "-s",
            service,
            "--cache-dir",
            str(Path(tmp) / "cache"),
        ]
        if service == "osv":
            cmd += ["--osv-url", osv_url]
        # Exit 1 only says "vulnerabilities found"; the JSON report is what we judge.
        proc = subprocess.run(cmd, capture_output=True, text=True)  # nosec B603 # fixed argv, no shell
        if not out.exists():
            sys.stderr.write(proc.stderr[-4000:])
            print(
                f"pip-audit gaf geen rapport voor {lock.name} (exit {proc.returncode}): zie de fout hierboven.",
                file=sys.stderr,
            )
            sys.exit(2)
        return json.loads(out.read_text(encoding="utf-8"))


@dataclass
class Verdict:
    """What one pip-audit report of one lock file means against the ignore list."""

    checked: int = 0
    new: List[str] = field(default_factory=list)
    unchecked: List[str] = field(default_factory=list)
    accepted: int = 0
    seen: Set[Key] = field(default_factory=set)


def judge(report: dict, pins: Set[str], ignores: Dict[Key, str]) -> Verdict:
    """Sort pip-audit's JSON report into checked / new findings / accepted / not checked."""
    verdict = Verdict()
    deps = report.get("dependencies", [])
    reported = {canonical(dep["name"]) for dep in deps}
    verdict.unchecked = [f"  {name}: ontbreekt in het rapport" for name in sorted(pins - reported)]
    for dep in deps:
        name = canonical(dep["name"])
        if "skip_reason" in dep:
            verdict.unchecked.append(f"  {name}: {dep['skip_reason']}")
            continue
        verdict.checked += 1
        for vuln in dep.get("vulns", []):
            ids = [vuln["id"].upper(), *(alias.upper() for alias in vuln.get("aliases", []))]
            match = next(((i, name) for i in ids if (i, name) in ignores), None)
            if match:
                verdict.accepted += 1
                verdict.seen.add(match)
            else:
                fixes = ", ".join(vuln.get("fix_versions", [])) or "geen"
                aliases = ", ".join(vuln.get("aliases", []))
                verdict.new.append(
                    f"  {vuln['id']}  {name}=={dep['version']}  (fix: {fixes})" + (f"  [{aliases}]" if aliases else "")
                )
    return verdict


def report_all(reports: Dict[Path, dict], ignores: Dict[Key, str], source: str) -> int:
    """Print the verdict per lock file; 0 when all is checked and accepted, else 1."""
    failed = False
    seen: Set[Key] = set()
    for lock, report in reports.items():
        pins = pinned(lock)
        verdict = judge(report, pins, ignores)
        seen |= verdict.seen
        if verdict.unchecked:
            print(
                f"pip-audit {lock.name}: {len(verdict.unchecked)} van de {len(pins)} pakketten NIET gecontroleerd:",
                file=sys.stderr,
            )
            print("\n".join(verdict.unchecked), file=sys.stderr)
        if verdict.new:
            print(
                f"pip-audit {lock.name}: {len(verdict.new)} nieuwe kwetsbaarhe(i)d(en), niet in {IGNORE.name}:",
                file=sys.stderr,
            )
            print("\n".join(verdict.new), file=sys.stderr)
        failed = failed or bool(verdict.unchecked or verdict.new)
        if not (verdict.unchecked or verdict.new):
            print(
                f"pip-audit {lock.name}: {verdict.checked} pakketten gecontroleerd, geen nieuwe "
                f"kwetsbaarheden ({verdict.accepted} aanvaard in {IGNORE.name}); bron: {source}."
            )
    for line in sorted(f"  {i}  {p}" for (i, p) in set(ignores) - seen):
        print(f"let op: niet meer gevonden, schrap uit {IGNORE.name}:{line}")
    return 1 if failed else 0


def local_source(advisories: Path) -> str:
    commit, date = osv_local.provenance(advisories)
    return f"lokale kopie van de PyPA Advisory Database, commit {commit or 'onbekend'}, {date or 'datum onbekend'}"


def main() -> int:
    service = os.environ.get("PRIVACYBOT_PIP_AUDIT_SERVICE", "pypi")
    osv_url = os.environ.get("PRIVACYBOT_OSV_URL", "https://api.osv.dev/v1/query")
    if service not in ("pypi", "osv", "local"):
        print(f"PRIVACYBOT_PIP_AUDIT_SERVICE={service!r}: kies pypi, osv of local", file=sys.stderr)
        return 2
    ignores = read_ignores()
    locks = lock_files()

    problem = "PRIVACYBOT_PIP_AUDIT_SERVICE=local" if service == "local" else probe(service, osv_url)
    if not problem:
        source = "PyPI's JSON-API (live)" if service == "pypi" else f"OSV op {osv_url} (live)"
        print(f"pip-audit: bron: {source}")
        return report_all({lock: run_pip_audit(lock, service, osv_url) for lock in locks}, ignores, source)

    advisories = advisories_dir()
    if service != "local":
        print(f"pip-audit: de live bron ({service}) is niet bereikbaar: {problem}; nu de lokale kopie in {advisories}.")
    try:
        with osv_local.serve(advisories) as local_url:
            source = local_source(advisories)
            print(
                f"pip-audit: bron: {source}: een schoon resultaat betekent 'geen bekende kwetsbaarheid "
                "in deze dataset op die datum', niet 'geen kwetsbaarheden' (zie PROVENANCE.md daar)."
            )
            reports = {lock: run_pip_audit(lock, "osv", local_url) for lock in locks}
    except FileNotFoundError as error:
        print(
            f"pip-audit kan niet draaien: de live kwetsbaarheidsgegevens ({service}) zijn niet bereikbaar "
            f"({problem}) en er is geen lokale kopie ({error}).\nDat is GEEN 'geen kwetsbaarheden'. "
            "Bewust overslaan (met die reden in de uitvoer): PRIVACYBOT_SKIP_PIP_AUDIT=1.",
            file=sys.stderr,
        )
        return 2
    return report_all(reports, ignores, source)


if __name__ == "__main__":
    sys.exit(main())

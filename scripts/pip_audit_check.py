"""pip-audit on requirements.lock with the accepted findings of security/pip-audit-ignore.txt.

Run by scripts/audit.sh with the Python of .venv-tools (where pip-audit lives). Exit 0 only
when every pinned package was actually checked and every finding is accepted in the ignore
list; exit 1 on a new finding or a package that could not be checked; exit 2 when the
vulnerability service cannot be reached (that is never reported as "no vulnerabilities").

Service: PyPI's JSON API by default (https://pypi.org/pypi/NAME/VERSION/json);
PRIVACYBOT_PIP_AUDIT_SERVICE=osv uses the OSV API instead, at PRIVACYBOT_OSV_URL when set.
"""
from __future__ import annotations

import json
import os
import re
import subprocess  # nosec B404 # fixed argv below, no shell
import sys
import tempfile
from pathlib import Path
from typing import Dict, List, Tuple

import requests

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"
IGNORE = Path(os.environ.get("PRIVACYBOT_PIP_AUDIT_IGNORE") or ROOT / "security" / "pip-audit-ignore.txt")
TIMEOUT = 15


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def read_ignores(path: Path = IGNORE) -> Dict[Tuple[str, str], str]:
    """(ID, package) -> reason. Format per line: ID  package  reason; '#' starts a comment line."""
    ignores: Dict[Tuple[str, str], str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split(None, 2)
        if len(parts) < 3 or not parts[2].strip():
            sys.exit(f"{path.name}:{number}: verwacht 'ID  pakket  reden' (reden verplicht): {line!r}")
        ignores[(parts[0].upper(), canonical(parts[1]))] = parts[2].strip()
    return ignores


def probe(service: str, osv_url: str) -> str:
    """'' when the vulnerability data can be fetched, else why not."""
    try:
        if service == "osv":
            response = requests.post(osv_url, json={"package": {"name": "pip", "ecosystem": "PyPI"},
                                                    "version": "24.3.1"}, timeout=TIMEOUT)
        else:  # the exact per-release endpoint pip-audit's PyPI service reads
            response = requests.get("https://pypi.org/pypi/pip/24.3.1/json", timeout=TIMEOUT)
    except requests.RequestException as error:
        return f"geen verbinding ({type(error).__name__})"
    if response.status_code != 200:
        return f"{response.request.method} {response.url} gaf HTTP {response.status_code}"
    return ""


def run_pip_audit(service: str, osv_url: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "audit.json"
        cmd = [sys.executable, "-m", "pip_audit", "-r", str(LOCK), "--no-deps", "--disable-pip",
               "--progress-spinner", "off", "--timeout", str(TIMEOUT), "-f", "json", "-o", str(out),
               "--aliases", "on", "--desc", "off", "-s", service]
        if service == "osv":
            cmd += ["--osv-url", osv_url]
        # Exit 1 only says "vulnerabilities found"; the JSON report is what we judge.
        proc = subprocess.run(cmd, capture_output=True, text=True)  # nosec B603 # fixed argv, no shell
        if not out.exists():
            sys.stderr.write(proc.stderr[-4000:])
            print(f"pip-audit gaf geen rapport (exit {proc.returncode}): zie de fout hierboven.", file=sys.stderr)
            sys.exit(2)
        return json.loads(out.read_text(encoding="utf-8"))


def main() -> int:
    service = os.environ.get("PRIVACYBOT_PIP_AUDIT_SERVICE", "pypi")
    osv_url = os.environ.get("PRIVACYBOT_OSV_URL", "https://api.osv.dev/v1/query")
    if service not in ("pypi", "osv"):
        print(f"PRIVACYBOT_PIP_AUDIT_SERVICE={service!r}: kies pypi of osv", file=sys.stderr)
        return 2
    ignores = read_ignores()
    problem = probe(service, osv_url)
    if problem:
        print(f"pip-audit kan niet draaien: de kwetsbaarheidsgegevens ({service}) zijn niet bereikbaar: "
              f"{problem}.\nDat is GEEN 'geen kwetsbaarheden'. Bewust overslaan (met die reden in de "
              "uitvoer): PRIVACYBOT_SKIP_PIP_AUDIT=1.", file=sys.stderr)
        return 2

    report = run_pip_audit(service, osv_url)
    pinned = {canonical(line.split("==")[0]) for line in LOCK.read_text(encoding="utf-8").splitlines()
              if "==" in line and not line.lstrip().startswith("#")}
    reported = {canonical(dep["name"]) for dep in report.get("dependencies", [])}
    unchecked: List[str] = [f"  {name}: ontbreekt in het rapport" for name in sorted(pinned - reported)]
    new: List[str] = []
    accepted = 0
    seen = set()
    for dep in report.get("dependencies", []):
        name = canonical(dep["name"])
        if "skip_reason" in dep:
            unchecked.append(f"  {name}: {dep['skip_reason']}")
            continue
        for vuln in dep.get("vulns", []):
            ids = [vuln["id"].upper(), *(alias.upper() for alias in vuln.get("aliases", []))]
            match = next(((i, name) for i in ids if (i, name) in ignores), None)
            if match:
                accepted += 1
                seen.add(match)
            else:
                fixes = ", ".join(vuln.get("fix_versions", [])) or "geen"
                aliases = ", ".join(vuln.get("aliases", []))
                new.append(f"  {vuln['id']}  {name}=={dep['version']}  (fix: {fixes})"
                           + (f"  [{aliases}]" if aliases else ""))
    checked = len(reported) - sum(1 for dep in report.get("dependencies", []) if "skip_reason" in dep)
    for line in sorted(f"  {i}  {p}" for (i, p) in set(ignores) - seen):
        print(f"let op: niet meer gevonden, schrap uit {IGNORE.name}:{line}")
    if unchecked:
        print(f"pip-audit: {len(unchecked)} van de {len(pinned)} pakketten NIET gecontroleerd:", file=sys.stderr)
        print("\n".join(unchecked), file=sys.stderr)
    if new:
        print(f"pip-audit: {len(new)} nieuwe kwetsbaarhe(i)d(en), niet in {IGNORE.name}:", file=sys.stderr)
        print("\n".join(new), file=sys.stderr)
    if unchecked or new:
        return 1
    print(f"pip-audit: {checked} pakketten gecontroleerd, geen nieuwe kwetsbaarheden "
          f"({accepted} aanvaard in {IGNORE.name}).")
    return 0


if __name__ == "__main__":
    sys.exit(main())

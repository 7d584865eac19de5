"""A local OSV query server over a copy of the PyPA Advisory Database, for an offline pip-audit.

Why: the CI machines and this workplace reach neither PyPI's per-release JSON API nor
api.osv.dev, so pip-audit never ran. A dated copy of the PyPA Advisory Database (OSV records
as YAML, one file per advisory under ``vulns/<package>/``) is kept in ``../shared/advisories``
(its ``PROVENANCE.md`` says which commit and what it misses). pip-audit's OSV service only
POSTs ``{"package": {"name", "ecosystem"}, "version"}`` to one URL and reads ``vulns`` from the
answer (pip_audit/_service/osv.py), so answering that one endpoint, ``POST /v1/query``, from the
copy is enough: ``pip-audit -s osv --osv-url http://127.0.0.1:PORT/v1/query``.

Matching follows the OSV schema: an advisory hits a version when it is listed in
``affected[].versions``, or falls in an ``ECOSYSTEM`` range (``introduced`` … ``fixed``
exclusive / ``last_affected`` inclusive). Package names are compared PEP 503-canonical; the
answer carries the canonical name, because pip-audit only takes the fix versions of an
``affected`` entry whose name equals its own canonical name.

Run alone: ``python scripts/osv_local.py ../shared/advisories`` (prints the URL, serves
until Ctrl-C). Used by scripts/pip_audit_check.py through :func:`serve`.
"""

from __future__ import annotations

import json
import re
import sys
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import yaml
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

Advisory = Dict[str, Any]
#: All scalars as strings: with the default loaders ``fixed: 1.10`` would become the float 1.1
#: and ``modified`` a datetime, neither of which is OSV.
_LOADER = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
QUERY_PATH = "/v1/query"


def database_dir(advisories: Path) -> Path:
    """The folder that holds ``vulns/``: ``advisories`` itself or its ``pypa-advisory-database``."""
    inner = advisories / "pypa-advisory-database"
    return inner if (inner / "vulns").is_dir() else advisories


def provenance(advisories: Path) -> Tuple[str, str]:
    """(commit, date) of the copy, read from its PROVENANCE.md; '' for what it does not say."""
    try:
        text = (advisories / "PROVENANCE.md").read_text(encoding="utf-8")
    except OSError:
        return "", ""
    commit = re.search(r"\b[0-9a-f]{40}\b", text)
    date = re.search(r"\b\d{4}-\d{2}-\d{2}\b", text)
    return (commit.group(0) if commit else "", date.group(0) if date else "")


def load(advisories: Path) -> Dict[str, List[Advisory]]:
    """Canonical package name -> the advisories with an ``affected`` entry for it (PyPI only)."""
    vulns = database_dir(advisories) / "vulns"
    if not vulns.is_dir():
        raise FileNotFoundError(f"geen map vulns/ in {advisories}")
    index: Dict[str, List[Advisory]] = {}
    for path in sorted(vulns.glob("*/*.yaml")):
        advisory = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)  # nosec B506 # BaseLoader: strings only
        if not isinstance(advisory, dict) or "id" not in advisory:
            continue
        names = {
            canonicalize_name(entry.get("package", {}).get("name", ""))
            for entry in advisory.get("affected", []) or []
            if entry.get("package", {}).get("ecosystem") == "PyPI"
        }
        for name in names - {""}:
            index.setdefault(name, []).append(advisory)
    return index


def _version(text: str) -> Optional[Version]:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def _in_range(events: List[Dict[str, str]], version: Version) -> bool:
    """OSV range semantics: walk the events in version order; the last one at or below wins."""
    points: List[Tuple[Version, str]] = []
    for event in events:
        for kind, value in event.items():
            parsed = Version("0") if (kind == "introduced" and value == "0") else _version(value)
            if parsed is not None and kind in ("introduced", "fixed", "last_affected"):
                points.append((parsed, kind))
    affected = False
    for point, kind in sorted(points, key=lambda item: item[0]):
        if kind == "introduced" and version >= point:
            affected = True
        elif kind == "fixed" and version >= point:
            affected = False
        elif kind == "last_affected" and version > point:
            affected = False
    return affected


def affects(entry: Dict[str, Any], version: str) -> bool:
    """Whether one ``affected[]`` entry covers ``version`` (its list, or an ECOSYSTEM range)."""
    parsed = _version(version)
    listed = entry.get("versions", []) or []
    if version in listed or (parsed is not None and parsed in filter(None, map(_version, listed))):
        return True
    if parsed is None:
        return False
    return any(
        _in_range(r.get("events", []) or [], parsed)
        for r in entry.get("ranges", []) or []
        if r.get("type") == "ECOSYSTEM"
    )


def query(index: Dict[str, List[Advisory]], name: str, version: str) -> List[Advisory]:
    """The advisories hitting ``name==version``, each with its PyPI package names made canonical."""
    wanted = canonicalize_name(name)
    hits: List[Advisory] = []
    for advisory in index.get(wanted, []):
        entries = [
            entry
            for entry in advisory.get("affected", []) or []
            if entry.get("package", {}).get("ecosystem") == "PyPI"
            and canonicalize_name(entry["package"].get("name", "")) == wanted
        ]
        if any(affects(entry, version) for entry in entries):
            answer = dict(advisory)
            answer["affected"] = [{**entry, "package": {**entry["package"], "name": wanted}} for entry in entries]
            hits.append(answer)
    return hits


class _Handler(BaseHTTPRequestHandler):
    index: Dict[str, List[Advisory]] = {}

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        if self.path.rstrip("/") != QUERY_PATH:
            self._send(404, {"message": f"alleen POST {QUERY_PATH}"})
            return
        try:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
            package = body["package"]
            name, version = package["name"], body["version"]
        except (ValueError, KeyError, TypeError):
            self._send(400, {"message": 'verwacht {"package": {"name", "ecosystem"}, "version"}'})
            return
        if package.get("ecosystem", "PyPI") != "PyPI":
            self._send(200, {})
            return
        hits = query(self.index, name, version)
        self._send(200, {"vulns": hits} if hits else {})  # OSV answers {} when nothing matches

    def _send(self, status: int, payload: Dict[str, Any]) -> None:
        data = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (http.server's name)
        pass  # one line per package would drown the audit output


@contextmanager
def serve(advisories: Path) -> Iterator[str]:
    """Serve the copy on 127.0.0.1 (a free port) in a thread; yields the ``/v1/query`` URL."""
    handler = type("Handler", (_Handler,), {"index": load(advisories)})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{QUERY_PATH}"
    finally:
        server.shutdown()
        server.server_close()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("gebruik: python scripts/osv_local.py PAD/NAAR/advisories")
    with serve(Path(sys.argv[1])) as url:
        print(url, flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass

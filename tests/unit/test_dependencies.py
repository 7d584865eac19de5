"""Every third-party package the code imports is declared in pyproject.toml (issue 17).

requirements.lock pins the whole environment, so an import of a package that only arrives as
someone else's dependency works today and breaks the day that other package drops it (the
console imported argon2, aiohttp_session and wtforms for a long time without declaring them).
These tests read the imports themselves (ast, every ``import`` in every function included) and
ask the installed metadata which distribution provides each one: what bot/ and actions/ import
must be in [project] dependencies, what tests/ imports in those or in the ``test`` extra.
"""

from __future__ import annotations

import ast
import functools
import importlib.metadata
import re
import sys
from pathlib import Path
from typing import Dict, FrozenSet, Iterable, List, Set

import tomli

ROOT = Path(__file__).resolve().parents[2]
# The project's own packages, and the scripts/ modules that tests import from that folder.
FIRST_PARTY = {"bot", "actions", "tests"} | {path.stem for path in (ROOT / "scripts").glob("*.py")}


def top_level_imports(folders: Iterable[Path]) -> Dict[str, Set[str]]:
    """Top-level module name -> the files that import it (absolute imports only)."""
    found: Dict[str, Set[str]] = {}
    for folder in folders:
        for path in sorted(folder.rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    found.setdefault(name.split(".")[0], set()).add(str(path.relative_to(ROOT)))
    return found


def third_party(imports: Dict[str, Set[str]]) -> Dict[str, Set[str]]:
    return {
        name: files
        for name, files in imports.items()
        if name not in sys.stdlib_module_names and name not in FIRST_PARTY and name != "__future__"
    }


def normalise(name: str) -> str:
    """PEP 503: 'PyYAML', 'pyyaml' and 'py_yaml' are one distribution name."""
    return re.sub(r"[-_.]+", "-", name).lower()


@functools.lru_cache(maxsize=None)
def module_distributions() -> Dict[str, FrozenSet[str]]:
    """Top-level module -> normalised names of the installed distributions that provide it.

    Python 3.10's packages_distributions() reads only top_level.txt, which wheels built without
    setuptools lack (argon2-cffi, WTForms, hypothesis, tomli): for those, the top-level names are
    read from the RECORD of installed files, as Python 3.11 does.
    """
    provided: Dict[str, Set[str]] = {}
    for dist in importlib.metadata.distributions():
        name = normalise(dist.metadata["Name"])
        top_level = dist.read_text("top_level.txt")
        if top_level is not None:
            modules = set(top_level.split())
        else:
            modules = set()
            for line in (dist.read_text("RECORD") or "").splitlines():
                path = line.rsplit(",", 2)[0]
                first, _, rest = path.partition("/")
                if first.endswith((".dist-info", ".egg-info", ".data", ".pth")) or first in ("..", "__pycache__"):
                    continue
                if rest or first.endswith(".py"):
                    modules.add(first.removesuffix(".py"))
        for module in modules:
            provided.setdefault(module, set()).add(name)
    return {module: frozenset(names) for module, names in provided.items()}


def requirement_names(requirements: Iterable[str]) -> Set[str]:
    names = set()
    for requirement in requirements:
        match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
        assert match, f"pyproject.toml: requirement zonder naam: {requirement!r}"
        names.add(normalise(match.group(1)))
    return names


def project() -> dict:
    return tomli.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def undeclared(imports: Dict[str, Set[str]], declared: Set[str], provided: Dict[str, FrozenSet[str]]) -> List[str]:
    """One line per third-party import that no declared distribution provides."""
    problems = []
    for module, files in sorted(third_party(imports).items()):
        dists = provided.get(module, frozenset())
        if not dists:
            problems.append(f"{module}: no installed distribution provides it (imported in {sorted(files)})")
        elif not dists & declared:
            problems.append(f"{module}: from {sorted(dists)}, not declared (imported in {sorted(files)})")
    return problems


def test_bot_and_actions_declare_every_package_they_import():
    imports = top_level_imports([ROOT / "bot", ROOT / "actions"])
    declared = requirement_names(project()["dependencies"])
    problems = undeclared(imports, declared, module_distributions())
    assert not problems, "\n".join(problems)


def test_the_tests_declare_every_package_they_import_in_the_test_extra():
    imports = top_level_imports([ROOT / "tests"])
    metadata = project()
    declared = requirement_names(metadata["dependencies"]) | requirement_names(
        metadata["optional-dependencies"]["test"]
    )
    problems = undeclared(imports, declared, module_distributions())
    assert not problems, "\n".join(problems)


def test_an_import_provided_by_a_distribution_of_another_name_is_caught_when_undeclared():
    """The check itself: module and distribution names differ (argon2 / argon2-cffi), and the
    wheels without top_level.txt are found too, so the tests above cannot pass by not looking."""
    provided = module_distributions()
    assert "argon2-cffi" in provided["argon2"]
    assert "pyyaml" in provided["yaml"]
    assert "wtforms" in provided["wtforms"]
    imports = {"argon2": {"bot/web/console/app.py"}, "json": {"bot/core/settings.py"}, "bot": {"actions/forms.py"}}
    assert undeclared(imports, {"pyyaml"}, provided) == [
        "argon2: from ['argon2-cffi'], not declared (imported in ['bot/web/console/app.py'])"
    ]
    assert undeclared(imports, {"argon2-cffi"}, provided) == []
    assert undeclared({"no_such_package": {"x.py"}}, set(), provided)[0].startswith("no_such_package: no installed")

#!/usr/bin/env bash
# Code and supply-chain checks, run by ./test before pytest (README, "Toeleveringsketen"):
#   1. ruff check and ruff format --check on bot actions tests scripts benchmarks (settings in
#      pyproject.toml [tool.ruff]);
#   2. lint-imports: the dependency rules of docs/architecture.md (pyproject.toml [tool.importlinter]);
#   3. bandit on bot/ and actions/ (settings in pyproject.toml [tool.bandit]; findings that are
#      no bug carry `# nosec BXXX # reason` on their line);
#   4. pip-audit on requirements.lock and requirements-dev.lock, with the accepted findings of
#      security/pip-audit-ignore.txt (scripts/pip_audit_check.py).
# Exits non-zero on any new finding. pip-audit tries its live vulnerability service first; when
# that cannot be reached (CI, this workplace) it uses the dated local copy of the PyPA Advisory
# Database in ../shared/advisories (scripts/osv_local.py) and says so. Only when neither is
# available does it say so and let the tests run (PRIVACYBOT_REQUIRE_PIP_AUDIT=1: fail instead);
# PRIVACYBOT_SKIP_PIP_AUDIT=1 skips it, saying so.
# The tools live in .venv-tools (requirements-dev.lock), installed by scripts/setup.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

tools=.venv-tools/bin
missing=""
for tool in ruff lint-imports bandit pip-audit; do
  [ -x "$tools/$tool" ] || missing="$missing $tool"
done
if [ -n "$missing" ]; then
  echo "audit:$missing ontbreken in .venv-tools: eerst 'source scripts/setup.sh' (./test doet dat)." >&2
  exit 2
fi

code_dirs=(bot actions tests scripts benchmarks)

echo "==> ruff check (${code_dirs[*]})"
"$tools/ruff" check --quiet "${code_dirs[@]}"
echo "ruff check: geen bevindingen (regels: pyproject.toml [tool.ruff.lint])"

echo "==> ruff format --check (${code_dirs[*]})"
"$tools/ruff" format --check --quiet "${code_dirs[@]}"
echo "ruff format: alle bestanden staan in de afgesproken opmaak"

echo "==> lint-imports (afhankelijkheidsregels, docs/architecture.md)"
# import-linter finds bot/ and actions/ through the working directory (the repository root).
# --no-cache: no .import_linter_cache folder in the tree; a full read takes a few seconds.
contracts="$("$tools/lint-imports" --no-cache 2>&1)" || { echo "$contracts" >&2; exit 1; }
echo "lint-imports: $(grep -c ' KEPT$' <<< "$contracts") contracten nageleefd, geen enkele gebroken (pyproject.toml [tool.importlinter])"

echo "==> bandit (bot/, actions/)"
"$tools/bandit" -r bot actions -c pyproject.toml -q
echo "bandit: geen bevindingen ($(grep -rE '# nosec B[0-9]+' bot actions | wc -l | tr -d ' ') regels met '# nosec' + reden; overgeslagen tests en hun reden: pyproject.toml [tool.bandit])"

echo "==> pip-audit (requirements.lock, requirements-dev.lock)"
if [ "${PRIVACYBOT_SKIP_PIP_AUDIT:-}" = 1 ]; then
  echo "pip-audit OVERGESLAGEN (PRIVACYBOT_SKIP_PIP_AUDIT=1): de pakketten van requirements.lock en requirements-dev.lock zijn in deze run NIET op kwetsbaarheden gecontroleerd."
  exit 0
fi
status=0
"$tools/python" scripts/pip_audit_check.py || status=$?
if [ "$status" = 2 ] && [ "${PRIVACYBOT_REQUIRE_PIP_AUDIT:-}" != 1 ]; then
  # No vulnerability data at all: the live source unreachable (on the CI machines PyPI's
  # per-release JSON API answers 404 and OSV does not resolve) AND no local copy in
  # ../shared/advisories. Say so loudly and go on with the tests;
  # PRIVACYBOT_REQUIRE_PIP_AUDIT=1 makes this a failure where the data should be there.
  echo "pip-audit NIET UITGEVOERD: geen kwetsbaarheidsdata, live noch lokale kopie (zie hierboven); de pakketten zijn in deze run NIET gecontroleerd." >&2
  exit 0
fi
exit "$status"

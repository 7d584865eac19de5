#!/usr/bin/env bash
# Shared set-up for ./run and ./test: a Python 3.10 virtualenv in .venv with the pinned
# dependencies, the project itself, and a Dutch spaCy pipeline for Rasa's SpacyNLP.
# Idempotent: when nothing changed it returns in a second or two.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export TF_CPP_MIN_LOG_LEVEL=3 RASA_TELEMETRY_ENABLED=false SQLALCHEMY_SILENCE_UBER_WARNING=1
export PYTHONDONTWRITEBYTECODE=1

find_python310() {
  if [ -n "${PRIVACYBOT_PYTHON:-}" ]; then echo "$PRIVACYBOT_PYTHON"; return; fi
  if command -v pyenv >/dev/null 2>&1 && prefix="$(pyenv prefix 3.10 2>/dev/null)"; then
    echo "$prefix/bin/python"; return
  fi
  for candidate in python3.10 /usr/bin/python3.10 /usr/local/bin/python3.10; do
    if command -v "$candidate" >/dev/null 2>&1; then command -v "$candidate"; return; fi
  done
  echo "Python 3.10 niet gevonden: installeer het (bv. 'pyenv install 3.10') of zet PRIVACYBOT_PYTHON." >&2
  exit 1
}

venv_ok() {
  [ -x .venv/bin/python ] && .venv/bin/python -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))'
}

if ! venv_ok; then
  PY="$(find_python310)"
  echo "==> .venv aanmaken met $("$PY" --version)"
  rm -rf .venv
  "$PY" -m venv .venv
fi

# Reinstall only when the lock file, pyproject.toml or this script changed.
stamp=".venv/.privacybot-installed"
want="$(cat requirements.lock pyproject.toml scripts/setup.sh | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "==> afhankelijkheden installeren (requirements.lock)"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade "pip==24.3.1"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
  echo "$want" > "$stamp"
fi

# The dev tools of scripts/audit.sh (ruff, import-linter, bandit, pip-audit) in their own virtualenv: pip-audit
# needs newer packaging/CacheControl than Rasa 3.6 allows, so they cannot share .venv. Same
# pattern: reinstall only when requirements-dev.lock or this script changed.
tools_stamp=".venv-tools/.privacybot-installed"
tools_want="$(cat requirements-dev.lock scripts/setup.sh | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$tools_stamp" 2>/dev/null)" != "$tools_want" ]; then
  echo "==> audit-tools installeren (requirements-dev.lock, in .venv-tools)"
  if ! { [ -x .venv-tools/bin/python ] \
         && .venv-tools/bin/python -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))'; }; then
    tools_py="$(find_python310)"
    rm -rf .venv-tools
    "$tools_py" -m venv .venv-tools
  fi
  .venv-tools/bin/python -m pip install --quiet --disable-pip-version-check --upgrade "pip==24.3.1"
  .venv-tools/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.lock
  echo "$tools_want" > "$tools_stamp"
fi

# The Dutch spaCy pipeline: nl_core_news_sm when ../shared/models has it (or it is installed),
# otherwise a local fallback pipeline. Prints which one is in use.
.venv/bin/privacybot spacy-model ensure

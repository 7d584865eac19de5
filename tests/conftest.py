"""Shared fixtures and the markers derived from them. The model is trained once per test session;
Rasa's fingerprint makes that a few seconds when nothing changed since the last training.

Layout (README "Tests"): tests/unit/<package>/ plain Python of one package, tests/integration/
real databases, Redis, SMTP or a console process, tests/system/ the running assistant, browsers
and training, tests/security/ the attacks. Markers (pyproject.toml): a test that needs the trained
model is marked ``training`` and ``slow`` here, one on PostgreSQL or Redis ``postgres``/``redis``,
so a new test cannot forget them."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Dict, List

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from bot.core import paths  # importing bot quiets TensorFlow and SQLAlchemy (bot/__init__.py)
from tests.browser import browser  # noqa: F401 - the shared fixture, for every test that opens pages

PRIVACYBOT = [sys.executable, "-m", "bot.cli"]

# Every test client talks from 127.0.0.1, so the per-address limits (chat messages, registered
# requests, status lookups, opt-outs) would see the whole suite as one visitor. It is off for the servers the
# tests start, unless a test sets it; tests/security/ tests the limits on purpose.
os.environ.setdefault("PRIVACYBOT_CHAT_LIMIT_PER_IP", "0")
os.environ.setdefault("PRIVACYBOT_REQUEST_LIMIT_PER_IP", "0")
os.environ.setdefault("PRIVACYBOT_LOOKUP_LIMIT_PER_IP", "0")
os.environ.setdefault("PRIVACYBOT_OPTOUT_LIMIT_PER_IP", "0")
# Likewise the verification mails per address: tests reuse a few example.be addresses.
os.environ.setdefault("PRIVACYBOT_VERIFY_MAIL_LIMIT_PER_ADDRESS", "0")


# The database parameter of the tests that run on both: the PostgreSQL case carries its marker.
DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]

# Fixtures that bring a marker with them (item.fixturenames is the whole closure, so a fixture
# built on ``trained_model``, such as a running stack, marks its tests too).
MARKS_BY_FIXTURE = {
    "trained_model": ("training", "slow"),
    "postgres_url": ("postgres",),
    "postgres_url_module": ("postgres",),
    "redis_client": ("redis",),
}


def pytest_itemcollected(item: pytest.Item) -> None:
    """Marks from fixtures, as each test is collected: before ``-m`` selects on them."""
    for fixture in getattr(item, "fixturenames", ()):
        for mark in MARKS_BY_FIXTURE.get(fixture, ()):
            item.add_marker(mark)


# The session's training (a full one in a fresh clone: about 6 minutes on 2 cores) starts in the
# background as soon as the tests are collected, at a lower CPU priority, and the tests that
# need no model run first, so that the two overlap; the first test that needs the model waits
# for it (trained_model). PRIVACYBOT_TEST_TRAIN_IN_BACKGROUND=0 trains in the fixture instead.
TRAIN_IN_BACKGROUND = [sys.executable, "-c", "from bot.nlu import training; training.train(quiet=True)"]
_background_training: List[subprocess.Popen] = []


def needs_the_model(item: pytest.Item) -> bool:
    return "trained_model" in getattr(item, "fixturenames", ())


def run_order(item: pytest.Item) -> int:
    """0: no model at all, 1: the session's model, 2: trains models of its own (last, so that
    they do not compete with the background training for the two cores)."""
    if needs_the_model(item):
        return 1
    return 2 if item.get_closest_marker("training") else 0


@pytest.hookimpl(trylast=True)  # after -m/-k deselected and pytest grouped the parameters
def pytest_collection_modifyitems(config: pytest.Config, items: List[pytest.Item]) -> None:
    items.sort(key=run_order)  # stable: within each group pytest's own order stays
    wanted = os.environ.get("PRIVACYBOT_TEST_TRAIN_IN_BACKGROUND", "1") != "0"
    if wanted and not config.option.collectonly and any(needs_the_model(item) for item in items):
        _background_training.append(
            subprocess.Popen(  # nosec B603 # fixed argv, no shell
                TRAIN_IN_BACKGROUND,
                cwd=paths.ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,  # its own process group: rasa train with it (sessionfinish)
                preexec_fn=lambda: os.nice(10),  # the tests that run meanwhile come first
            )
        )


def pytest_sessionfinish(session: pytest.Session) -> None:
    """A run that stops early (-x, Ctrl-C) does not leave the training (and its rasa train) behind."""
    for process in _background_training:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=60)


def run_privacybot(
    *args: str, env: Dict[str, str] | None = None, input: str | None = None, timeout: float = 900
) -> subprocess.CompletedProcess:
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run(
        [*PRIVACYBOT, *args], cwd=paths.ROOT, env=full_env, input=input, capture_output=True, text=True, timeout=timeout
    )


def converse(
    conversations: List[dict], tmp: Path, env: Dict[str, str] | None = None, extra_lines: List[str] | None = None
) -> tuple[Dict[str, dict], subprocess.CompletedProcess]:
    """Run conversations through ``privacybot converse``; return results by id and the process."""
    source = tmp / "in.jsonl"
    target = tmp / "out.jsonl"
    lines = [json.dumps(c, ensure_ascii=False) for c in conversations] + list(extra_lines or [])
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    env = {"PRIVACYBOT_DATABASE_URL": f"sqlite:///{tmp / 'tracker.db'}", **(env or {})}
    proc = run_privacybot("converse", str(source), str(target), env=env)
    results = {}
    if target.exists():
        # JSON Lines end at "\n" only: splitlines() would also split inside a text holding
        # U+2028 or U+0085, which JSON leaves unescaped.
        for line in filter(None, target.read_text(encoding="utf-8").split("\n")):
            record = json.loads(line)
            results[record["id"]] = record
    return results, proc


@pytest.fixture(scope="session")
def trained_model() -> Path:
    """The real project's model. Trained by the background process when there is one: once it
    has finished, this finds its model by the fingerprint (or trains, and fails, with the log)."""
    from bot.nlu import training

    for process in _background_training:
        process.wait()
    return training.train(quiet=True)


@pytest.fixture(scope="session")
def nlu_evaluation(trained_model) -> tuple[int, str, object]:
    """``privacybot evaluate`` (bot.nlu.evaluation.main) once on the held-out set: its exit code,
    what it printed, and the figures it measured, read back from the reports it wrote. One
    ``rasa test nlu`` (a minute) serves both the report test and the quality floors."""
    import io

    from bot.nlu import evaluation

    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = evaluation.main(with_stories=False, model=trained_model, folds=0)
    return code, printed.getvalue(), evaluation.read_nlu_reports(paths.REPORTS / "nlu")


@pytest.fixture(scope="session")
def nlu_figures(nlu_evaluation):
    return nlu_evaluation[2]


SITE = "http://127.0.0.1:8000"  # the site the shared stack allows in CORS (the widget's origin)
# The shared stack's limits: small, so that tests/security/ can reach them; the feedback route's
# for tests/system/test_feedback_channel.py. Every other limit is off (above).
STACK_LIMITS = {
    "PRIVACYBOT_CHAT_LIMIT_PER_IP": "0",
    "PRIVACYBOT_CHAT_LIMIT_PER_CONVERSATION": "8",
    "PRIVACYBOT_REQUEST_LIMIT_PER_IP": "1",
    "PRIVACYBOT_LOOKUP_LIMIT_PER_IP": "2",
    "PRIVACYBOT_OPTOUT_LIMIT_PER_IP": "2",
    "PRIVACYBOT_VERIFY_MAIL_LIMIT_PER_ADDRESS": "2",
    "PRIVACYBOT_FEEDBACK_LIMIT_PER_IP": "6",
}


@pytest.fixture(scope="session")
def shared_stack(trained_model, tmp_path_factory):
    """One running assistant (Rasa server, action server, SQLite) for every module that only
    talks to it over HTTP (tests/security/, the feedback route): starting one takes half a
    minute or more. Each test keeps to its own sender ids, visitor addresses and values, so what
    one test stores does not change what another checks."""
    from bot.ops.deployment import Deployment
    from bot.ops.stack import Stack

    var = tmp_path_factory.mktemp("stack")
    database = f"sqlite:///{var / 'chat.db'}"
    running = Stack(
        Deployment(database, None), trained_model, var=var, model_server=False, cors=[SITE], env=STACK_LIMITS
    )
    try:
        running.start()
        running.database = database
        yield running
    finally:
        running.stop()


class Inbox:
    """An aiosmtpd handler that keeps what it receives, to read it back in tests."""

    def __init__(self):
        from aiosmtpd.handlers import Message

        self.messages = []
        inbox = self

        class Keep(Message):
            def handle_message(self, message):
                inbox.messages.append(message)

        self.handler = Keep()


@pytest.fixture
def smtp_server():
    """A real SMTP server on a free local port."""
    from aiosmtpd.controller import Controller

    from bot.ops.processes import free_port

    inbox = Inbox()
    controller = Controller(inbox.handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller, inbox
    finally:
        controller.stop()


ADMIN_URL = os.environ.get("PRIVACYBOT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


@contextlib.contextmanager
def fresh_postgres_database(prefix: str):
    """A fresh, empty database on the real PostgreSQL server, dropped afterwards; skips the
    test with the reason when no server answers."""
    try:
        admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT", future=True)
        with admin.connect() as conn:
            conn.execute(sa.text("select 1"))
    except sa.exc.OperationalError as exc:
        pytest.skip(f"geen PostgreSQL-server bereikbaar op {ADMIN_URL}: {exc.orig}")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'create database "{name}"'))
    url = sa.engine.make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'drop database if exists "{name}" with (force)'))
        admin.dispose()


@pytest.fixture
def postgres_url():
    """A fresh PostgreSQL database per test."""
    with fresh_postgres_database("privacybot_test") as url:
        yield url


@pytest.fixture(scope="module")
def postgres_url_module():
    """A fresh PostgreSQL database shared by one module's tests."""
    with fresh_postgres_database("privacybot_module") as url:
        yield url


REDIS_URL = os.environ.get("PRIVACYBOT_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


@pytest.fixture
def redis_client():
    """A client on the real Redis server's test database (emptied before and after); skips
    with the reason when no server answers."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_timeout=5)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"geen Redis-server bereikbaar op {REDIS_URL}: {exc}")
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


class CountingHasher(PasswordHasher):
    """argon2 with cheap parameters (tests only) that counts its verifications and remembers
    which hashes it checked: the time of a login is made of these, so counting them tests
    "the same work for every outcome" without timing anything."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**{"time_cost": 1, "memory_cost": 8, "parallelism": 1, **kwargs})
        self.verifications = 0
        self.checked: List[str] = []

    def verify(self, hash, password):  # noqa: A002 - argon2's own parameter name
        self.verifications += 1
        self.checked.append(hash)
        return super().verify(hash, password)


@pytest.fixture
def counting_hasher(monkeypatch):
    """bot.staff.accounts.HASHER swapped for a cheap, counting one (see CountingHasher)."""
    from bot.staff import accounts

    hasher = CountingHasher()
    monkeypatch.setattr(accounts, "HASHER", hasher)
    return hasher


@pytest.fixture
def hasher_factory():
    """CountingHasher itself, for tests that need other parameters."""
    return CountingHasher

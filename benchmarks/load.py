"""Load benchmark: simulated visitors chat with the assistant over HTTP, the way the widget
does, first with one Rasa instance on SQLite, then with several instances on PostgreSQL +
Redis behind nginx (bot/ops/stack.py starts either, as `privacybot run` does). Prints figures
and writes reports/load.json and reports/load.png; asserts nothing.

Target: p95 under 300 ms at 10 concurrent visitors, with no errors.

Visitors. Each simulated visitor opens a conversation (its own sender id), sends a message,
waits for the whole reply, then waits a think time before the next message: real visitors
read the answer and type, so by default 1.0 s +/- 0.5 s (uniform). Without it, N visitors
would be N clients firing as fast as the server answers, a load no website sees. When a
conversation ends the visitor starts a new one, until the level's time is up; visitors
start spread over the first think time, not all in the same millisecond. Throughput is
therefore about visitors / (think time + latency): it follows the offered load while the
servers keep up and flattens when they do not; latency then shows the queue.

Conversations (a seeded mix): FAQ questions, with a follow-up that needs the previous turn
("en hoe lang?"); a rights request through the form (request, name, e-mail, customer
number, details when that right needs them, confirmation), sometimes with a question in
between; unsubscribing from marketing mail; a form broken off. E-mail addresses are
generated on example.be.

Errors: a transport error or timeout, an HTTP status other than 200, a reply that is not a
JSON list, an empty reply, or one of the chat channel's failure texts (bot/plugins/chat_channel.py:
UNAVAILABLE, sent with 503, and NO_REPLY, sent with 200 when an action failed). A form that
did not end as expected (no PRV- reference, not unsubscribed, ...) is counted apart as
"onverwacht": that is the model's understanding, not the servers' health.

Latency is measured per message, from sending the request to the last byte of the reply, for
the messages answered without error; percentiles are nearest-rank. Memory is VmHWM (peak
resident set) from /proc/<pid>/status of every process of the stack, read after each level;
for Rasa it is mostly the model load at start-up. CPU is the share of one core each process
used during the level.

Everything listens on 127.0.0.1. Each setup gets a temporary var directory (endpoints, nginx
configuration, server logs), the SQLite setup a fresh database file, the PostgreSQL setup a
fresh database (dropped afterwards) and Redis database 12 (emptied before and after). Each
Rasa instance needs about 30 s and 1.4 GB to start.

    .venv/bin/python benchmarks/load.py                  # 1,5,10,20 visitors, 30 s per level
    .venv/bin/python benchmarks/load.py --quick          # smoke run: 1,5 visitors, 5 s per level
    .venv/bin/python benchmarks/load.py --setup postgres --instances 3 --levels 10,20
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import math
import os
import platform
import random
import shutil
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# All simulated visitors come from 127.0.0.1 and some type without pausing: the chat
# channel's rate limits (per address, per conversation) would measure themselves.
os.environ.setdefault("PRIVACYBOT_CHAT_LIMIT_PER_IP", "0")
os.environ.setdefault("PRIVACYBOT_CHAT_LIMIT_PER_CONVERSATION", "0")

import aiohttp  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from bot.core import paths
from bot.core.quiet import quiet_library_warnings  # noqa: E402
from bot.nlu import training  # noqa: E402  (first: it quiets TensorFlow and SQLAlchemy)
from bot.ops.deployment import Deployment  # noqa: E402
from bot.ops.stack import Stack  # noqa: E402
from bot.plugins.chat_channel import NO_REPLY, UNAVAILABLE  # noqa: E402

TARGET_P95_MS = 300.0
TARGET_VISITORS = 10
TARGET = f"p95 onder {TARGET_P95_MS:.0f} ms bij {TARGET_VISITORS} gelijktijdige bezoekers, zonder fouten"

MAX_VISITORS = 100  # bounds: this is a benchmark on one machine, not a stress tool
MAX_DURATION = 600.0
MAX_INSTANCES = 8
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
WEBHOOK = "/webhooks/rest/webhook"

FAILURE_TEXTS = {UNAVAILABLE: "storingstekst (onbeschikbaar)", NO_REPLY: "storingstekst (geen antwoord)"}


# ---------------------------------------------------------------------------------------------
# Conversations

GREETINGS = ["hallo", "goeiemiddag", "dag", "hoi"]
THANKS = ["bedankt", "dank je wel", "merci"]
FAQ = [
    "hoe lang bewaren jullie mijn gegevens?",
    "welke gegevens verzamelen jullie?",
    "waarvoor gebruiken jullie mijn gegevens?",
    "worden mijn gegevens verkocht aan andere bedrijven",
    "wat zijn mijn rechten volgens de GDPR?",
    "in welk land worden mijn gegevens bewaard",
    "wie is de verwerkingsverantwoordelijke voor mijn persoonsgegevens",
]
FOLLOW_UP = [("worden mijn telefoongesprekken opgenomen?", None), ("en hoe lang?", "6 maanden")]
NAMES = ["Jan Peeters", "An Janssens", "Sofie De Smet", "Pieter Vermeulen", "Lotte Maes", "Tom Claes"]
CUSTOMER_NUMBERS = ["geen", "geen", "klantnummer 884512", "POL-2023-00417"]
# (opening message, details answer for the rights that ask for details) as in tests/system/test_forms.py
RIGHTS = [
    ("ik wil graag een kopie van alle gegevens die jullie over mij hebben", None),
    ("verwijder al mijn persoonsgegevens uit jullie systemen", None),
    ("ik wil mijn gegevens in een machineleesbaar bestand ontvangen", None),
    ("ik maak bezwaar tegen direct marketing", None),
    ("jullie hebben mijn adres verkeerd staan, pas dat aan aub", "mijn straatnaam is Kerkstraat, niet Kerkstaat"),
    (
        "ik wil dat jullie de verwerking van mijn gegevens beperken",
        "de gegevens over mijn schadegeval, die kloppen niet",
    ),
    ("ik trek mijn toestemming in", "de nieuwsbrief over acties"),
]
UNSUBSCRIBE = [["stop met die reclamemails"], ["ik wil geen reclame meer ontvangen", "per e-mail"]]

Turn = Tuple[str, Optional[str]]  # the visitor's message, text the reply must contain (or None)


@dataclass
class Conversation:
    kind: str
    turns: List[Turn]


def make_conversation(rng: random.Random, email: str) -> Conversation:
    """One visitor's conversation; `email` is a fresh example.be address."""
    turns: List[Turn] = []
    if rng.random() < 0.4:
        turns.append((rng.choice(GREETINGS), None))
    kind = rng.choices(["vragen", "verzoek", "uitschrijven", "afgebroken"], [3, 4, 2, 1])[0]
    if kind == "vragen":
        questions = [(q, None) for q in rng.sample(FAQ, rng.randint(1, 2))]
        if rng.random() < 0.6:
            questions.insert(rng.randint(0, len(questions)), FOLLOW_UP[0])
            position = questions.index(FOLLOW_UP[0])
            questions.insert(position + 1, FOLLOW_UP[1])
        turns += questions
    elif kind == "verzoek":
        questions = rng.sample(FAQ, rng.randint(1, 3))
        turns += [(q, None) for q in questions[1:]]
        opening, details = rng.choice(RIGHTS)
        form: List[Turn] = [
            (opening, None),
            (rng.choice(NAMES), None),
            (email, None),
            (rng.choice(CUSTOMER_NUMBERS), None),
        ]
        if details:
            form.append((details, None))
        if rng.random() < 0.2:  # a question in the middle of the form; the form resumes
            form.insert(1, (questions[0], None))
        form.append(("ja", "PRV-"))
        turns += form
    elif kind == "uitschrijven":
        turns += [(q, None) for q in rng.sample(FAQ, rng.randint(0, 1))]
        turns += [(m, None) for m in rng.choice(UNSUBSCRIBE)] + [(email, "uitgeschreven")]
    else:
        turns += [("ik wil inzage in mijn gegevens", None), (rng.choice(NAMES), None), ("laat maar", "niet verstuurd")]
    if rng.random() < 0.4:
        turns.append((rng.choice(THANKS), None))
    return Conversation(kind, turns)


# ---------------------------------------------------------------------------------------------
# Client


@dataclass
class LevelStats:
    visitors: int
    latencies: List[float] = field(default_factory=list)  # ms, answered without error
    sent: int = 0
    errors: Dict[str, int] = field(default_factory=dict)
    started: int = 0  # conversations
    completed: int = 0
    unexpected: Dict[str, int] = field(default_factory=dict)
    unexpected_samples: List[dict] = field(default_factory=list)
    first_send: Optional[float] = None
    last_reply: Optional[float] = None

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1


async def send(session: aiohttp.ClientSession, url: str, sender: str, text: str, stats: LevelStats) -> Optional[str]:
    """POST one message; the reply's text, or None after counting an error."""
    started = time.monotonic()
    stats.first_send = stats.first_send or started
    stats.sent += 1
    try:
        async with session.post(url, json={"sender": sender, "message": text}) as response:
            body = await response.read()
            status = response.status
    except asyncio.TimeoutError:
        stats.error("time-out")
        return None
    except aiohttp.ClientError as error:
        stats.error(f"transport ({type(error).__name__})")
        return None
    finally:
        stats.last_reply = time.monotonic()
    elapsed_ms = (stats.last_reply - started) * 1000
    if status != 200:
        stats.error(f"HTTP {status}")
        return None
    try:
        replies = json.loads(body)
    except ValueError:
        replies = None
    if not isinstance(replies, list):
        stats.error("geen JSON-lijst")
        return None
    if not replies:
        stats.error("leeg antwoord")
        return None
    texts = [r.get("text") or "" for r in replies if isinstance(r, dict)]
    for text_ in texts:
        if text_ in FAILURE_TEXTS:
            stats.error(FAILURE_TEXTS[text_])
            return None
    stats.latencies.append(elapsed_ms)
    return " ".join(texts)


@dataclass
class Load:
    url: str
    think: float
    jitter: float
    timeout: float
    seed: int
    run_id: str
    addresses: Iterator[int] = field(default_factory=itertools.count)  # one e-mail address per conversation

    def pause(self, rng: random.Random) -> float:
        return max(0.0, self.think + rng.uniform(-self.jitter, self.jitter))


async def visitor(
    load: Load, session: aiohttp.ClientSession, stats: LevelStats, label: str, index: int, deadline: float
) -> None:
    rng = random.Random(f"{load.seed}-{label}-{stats.visitors}-{index}")

    async def think(seconds: float) -> None:
        await asyncio.sleep(max(0.0, min(seconds, deadline - time.monotonic())))

    await think(rng.uniform(0, load.think + load.jitter))  # visitors arrive spread out
    number = 0
    while time.monotonic() < deadline:
        number += 1
        sender = f"load-{load.run_id}-{label}-{stats.visitors}-{index}-{number}"
        conversation = make_conversation(rng, f"bezoeker.{load.run_id}.{next(load.addresses)}@example.be")
        stats.started += 1
        finished = True
        for position, (text, expect) in enumerate(conversation.turns):
            if position:
                await think(load.pause(rng))
            if time.monotonic() >= deadline:
                finished = False
                break
            reply = await send(session, load.url + WEBHOOK, sender, text, stats)
            if reply is None:  # an error: this visitor gives up on the conversation
                finished = False
                break
            if expect is not None and expect not in reply:
                stats.unexpected[conversation.kind] = stats.unexpected.get(conversation.kind, 0) + 1
                if len(stats.unexpected_samples) < 5:
                    stats.unexpected_samples.append(
                        {"gesprek": conversation.kind, "bericht": text, "verwacht": expect, "antwoord": reply[:300]}
                    )
        if finished:
            stats.completed += 1
        await think(load.pause(rng))


async def run_level(load: Load, label: str, visitors: int, duration: float) -> LevelStats:
    stats = LevelStats(visitors)
    connector = aiohttp.TCPConnector(limit=visitors + 1)
    timeout = aiohttp.ClientTimeout(total=load.timeout)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        deadline = time.monotonic() + duration
        await asyncio.gather(*(visitor(load, session, stats, label, i, deadline) for i in range(visitors)))
    return stats


async def warm_up(urls: List[str], run_id: str, timeout: float) -> LevelStats:
    """A short conversation per Rasa instance (directly) and one through the front, unmeasured:
    the first turns after start-up are slow (TensorFlow, connections), which no visitor of a
    running site sees."""
    throwaway = LevelStats(0)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=max(timeout, 60))) as session:

        async def one(url: str, n: int) -> None:
            sender = f"load-{run_id}-opwarmen-{n}"
            for text in (
                "hallo",
                "hoe lang bewaren jullie mijn gegevens?",
                "ik wil inzage in mijn gegevens",
                "Jan Peeters",
                "laat maar",
            ):
                await send(session, url + WEBHOOK, sender, text, throwaway)

        await asyncio.gather(*(one(url, n) for n, url in enumerate(urls)))
    return throwaway


# ---------------------------------------------------------------------------------------------
# Figures


def percentile(values: List[float], p: float) -> Optional[float]:
    """Nearest-rank percentile."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def proc_status(pid: int) -> Dict[str, str]:
    text = Path(f"/proc/{pid}/status").read_text()
    return {k: v.strip() for k, v in (line.split(":", 1) for line in text.splitlines() if ":" in line)}


def cpu_seconds(pid: int) -> float:
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def children(pid: int) -> List[int]:
    found: List[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(c) for c in (task / "children").read_text().split()]
    return found


def watched_processes(stack: Stack) -> List[Tuple[str, int]]:
    """(label, pid) of every process of the stack, with children (nginx's worker) after their parent."""
    named = [(f"rasa-{i + 1}" if len(stack.rasa) > 1 else "rasa", s) for i, s in enumerate(stack.rasa)]
    named += [("acties", stack.actions), ("modelserver", stack.models), ("nginx", stack.balancer)]
    out: List[Tuple[str, int]] = []
    for label, server in named:
        if server is None or server.process is None:
            continue
        out.append((label, server.process.pid))
        kids = children(server.process.pid)
        out += [(f"{label}-worker" + (str(n + 1) if len(kids) > 1 else ""), pid) for n, pid in enumerate(kids)]
    return out


def read_processes(watched: List[Tuple[str, int]]) -> Dict[str, dict]:
    figures = {}
    for label, pid in watched:
        try:
            status = proc_status(pid)
            figures[label] = {
                "pid": pid,
                "vmhwm_mib": round(int(status["VmHWM"].split()[0]) / 1024, 1),
                "vmrss_mib": round(int(status["VmRSS"].split()[0]) / 1024, 1),
                "cpu_s": cpu_seconds(pid),
            }
        except (OSError, KeyError, ValueError):
            figures[label] = {"pid": pid, "vmhwm_mib": None, "vmrss_mib": None, "cpu_s": None}
    return figures


def machine() -> dict:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = next(
        (line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")),
        platform.processor() or "?",
    )
    meminfo = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines() if ":" in line)
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "ram_gib": round(int(meminfo["MemTotal"].split()[0]) / 2**20, 1),
        "python": platform.python_version(),
        "rasa": metadata.version("rasa"),
        "host": platform.node(),
    }


def level_figures(stats: LevelStats, duration: float, before: Dict[str, dict], after: Dict[str, dict]) -> dict:
    wall = (stats.last_reply - stats.first_send) if stats.first_send and stats.last_reply else duration
    answered = len(stats.latencies)
    processes = {}
    for label, now in after.items():
        start = before.get(label, {}).get("cpu_s")
        cpu = (now["cpu_s"] - start) / wall * 100 if now["cpu_s"] is not None and start is not None and wall else None
        processes[label] = {
            "pid": now["pid"],
            "vmhwm_mib": now["vmhwm_mib"],
            "vmrss_mib": now["vmrss_mib"],
            "cpu_percent": None if cpu is None else round(cpu, 1),
        }
    rounded = lambda v: None if v is None else round(v, 1)  # noqa: E731
    return {
        "visitors": stats.visitors,
        "duration_s": duration,
        "wall_s": round(wall, 2),
        "messages": stats.sent,
        "answered": answered,
        "throughput_msg_s": round(answered / wall, 2) if wall else None,
        "p50_ms": rounded(percentile(stats.latencies, 50)),
        "p95_ms": rounded(percentile(stats.latencies, 95)),
        "p99_ms": rounded(percentile(stats.latencies, 99)),
        "max_ms": rounded(max(stats.latencies) if stats.latencies else None),
        "errors": sum(stats.errors.values()),
        "error_kinds": dict(stats.errors),
        "conversations": {
            "started": stats.started,
            "completed": stats.completed,
            "unexpected": sum(stats.unexpected.values()),
            "unexpected_by_kind": dict(stats.unexpected),
            "unexpected_samples": stats.unexpected_samples,
        },
        "processes": processes,
    }


HEADER = (
    f"  {'bezoekers':>9} {'berichten':>9} {'ber/s':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
    f"{'max ms':>7} {'fouten':>6} {'gesprekken klaar/begonnen':>26} {'onverwacht':>10}"
)


def print_level(figures: dict) -> None:
    show = lambda v: "-" if v is None else f"{v:.0f}"  # noqa: E731
    conv = figures["conversations"]
    print(
        f"  {figures['visitors']:>9} {figures['messages']:>9} {figures['throughput_msg_s'] or 0:>6.1f} "
        f"{show(figures['p50_ms']):>7} {show(figures['p95_ms']):>7} {show(figures['p99_ms']):>7} "
        f"{show(figures['max_ms']):>7} {figures['errors']:>6} {conv['completed']:>16}/{conv['started']:<9} "
        f"{conv['unexpected']:>10}",
        flush=True,
    )
    if figures["error_kinds"]:
        print("      fouten: " + ", ".join(f"{k} {v}" for k, v in sorted(figures["error_kinds"].items())))
    if conv["unexpected_by_kind"]:
        print("      onverwacht: " + ", ".join(f"{k} {v}" for k, v in sorted(conv["unexpected_by_kind"].items())))
    parts = [
        f"{label} {show(p['vmhwm_mib'])} MiB/{show(p['cpu_percent'])}%" for label, p in figures["processes"].items()
    ]
    print("      piekgeheugen (VmHWM) / cpu: " + ", ".join(parts), flush=True)


def verdict(setup: dict) -> dict:
    level = next((lv for lv in setup.get("levels", []) if lv["visitors"] == TARGET_VISITORS), None)
    if level is None:
        return {"measured": False, "met": None}
    met = level["errors"] == 0 and level["p95_ms"] is not None and level["p95_ms"] < TARGET_P95_MS
    return {"measured": True, "met": met, "p95_ms": level["p95_ms"], "errors": level["errors"]}


def plot(report: dict, target: Path) -> None:
    import logging

    import matplotlib

    matplotlib.use("Agg")
    logging.getLogger("matplotlib.style.core").setLevel(logging.ERROR)  # its own pyparsing deprecations
    import matplotlib.pyplot as plt

    fig, (latency, throughput) = plt.subplots(1, 2, figsize=(12, 4.8))
    visitors_seen: set = set()
    for setup, color in zip(report["setups"], ["tab:blue", "tab:orange", "tab:green"], strict=False):
        levels = [lv for lv in setup.get("levels", []) if lv["p50_ms"] is not None]
        if not levels:
            continue
        xs = [lv["visitors"] for lv in levels]
        visitors_seen.update(xs)
        latency.plot(xs, [lv["p50_ms"] for lv in levels], "o-", color=color, label=f"{setup['label']}: p50")
        latency.plot(xs, [lv["p95_ms"] for lv in levels], "s--", color=color, label=f"{setup['label']}: p95")
        throughput.plot(xs, [lv["throughput_msg_s"] for lv in levels], "o-", color=color, label=setup["label"])
    latency.axhline(
        TARGET_P95_MS, color="red", linewidth=0.8, linestyle=":", label=f"doel: p95 < {TARGET_P95_MS:.0f} ms"
    )
    latency.axvline(TARGET_VISITORS, color="grey", linewidth=0.8, linestyle=":")
    think = report["settings"]["think_s"]
    if think > 0 and visitors_seen:
        xs = sorted(visitors_seen)
        throughput.plot(xs, [x / think for x in xs], ":", color="grey", label="aangeboden: bezoekers / denktijd")
    latency.set(xlabel="gelijktijdige bezoekers", ylabel="latentie per bericht (ms)", title="Latentie")
    throughput.set(xlabel="gelijktijdige bezoekers", ylabel="beantwoorde berichten per seconde", title="Doorvoer")
    latency.set_ylim(top=max(latency.get_ylim()[1], TARGET_P95_MS * 1.25))  # room above the target line
    for axes in (latency, throughput):
        axes.set_ylim(bottom=0)
        axes.grid(alpha=0.3)
        axes.legend(fontsize=8)
    m = report["machine"]
    s = report["settings"]
    fig.suptitle(
        f"Privacybot belastingstest: {m['cpus']} kernen ({m['cpu_model']}), {m['ram_gib']} GiB; "
        f"denktijd {s['think_s']} ± {s['jitter_s']} s, {s['duration_s']:.0f} s per niveau",
        fontsize=10,
    )
    fig.tight_layout()
    target.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(target, dpi=120)
    plt.close(fig)


def write_reports(report: dict, out_dir: Path) -> None:
    for setup in report["setups"]:
        setup["target"] = verdict(setup)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "load.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    plot(report, out_dir / "load.png")


# ---------------------------------------------------------------------------------------------
# Setups


def loopback_only(url: str, what: str) -> str:
    host = sa.engine.make_url(url).host or "127.0.0.1"
    if host not in LOOPBACK:
        raise SystemExit(f"{what} moet op deze machine draaien (127.0.0.1), niet op {host}")
    return url


@contextlib.contextmanager
def fresh_postgres(admin_url: str, run_id: str) -> Iterator[str]:
    """A new, empty database for this run, dropped afterwards."""
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", future=True)
    name = f"privacybot_load_{run_id}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'create database "{name}"'))
    try:
        yield sa.engine.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'drop database if exists "{name}" with (force)'))
        admin.dispose()


@contextlib.contextmanager
def empty_redis(url: str) -> Iterator[str]:
    """The Redis database of `url`, emptied before and after."""
    import redis

    client = redis.Redis.from_url(url, socket_timeout=5)
    client.ping()
    client.flushdb()
    try:
        yield url
    finally:
        client.flushdb()
        client.close()


@contextlib.contextmanager
def setup_resources(name: str, args, run_id: str, var: Path) -> Iterator[Deployment]:
    if name == "sqlite":
        yield Deployment(database_url=f"sqlite:///{var / 'load.db'}", redis_url=None, instances=1)
        return
    with fresh_postgres(args.postgres, run_id) as database, empty_redis(args.redis) as redis_url:
        yield Deployment(database_url=database, redis_url=redis_url, instances=args.instances)


def run_setup(name: str, label: str, args, model: Path, run_id: str, report: dict) -> bool:
    print(f"\n== {label}", flush=True)
    setup: dict = {"name": name, "label": label, "levels": []}
    report["setups"].append(setup)
    var = Path(tempfile.mkdtemp(prefix=f"privacybot-load-{name}-"))
    keep = args.keep_logs
    try:
        with setup_resources(name, args, run_id, var) as deployment:
            setup.update(
                instances=deployment.instances,
                database="sqlite" if name == "sqlite" else "postgresql",
                lock_store=deployment.redis_url,
            )
            stack = Stack(deployment, model, var=var, model_server=args.model_server)
            started = time.monotonic()
            try:
                stack.start()
                setup["start_s"] = round(time.monotonic() - started, 1)
                print(
                    f"  gestart in {setup['start_s']:.0f} s: {stack.url} -> "
                    f"{', '.join(str(r.port) for r in stack.rasa)}",
                    flush=True,
                )
                warm = asyncio.run(
                    warm_up([r.url for r in stack.rasa] + ([stack.url] if stack.balancer else []), run_id, args.timeout)
                )
                if warm.errors:
                    print(
                        "  opwarmen (niet meegeteld) gaf fouten: "
                        + ", ".join(f"{k} {v}" for k, v in sorted(warm.errors.items())),
                        flush=True,
                    )
                watched = watched_processes(stack)
                load = Load(stack.url, args.think, args.jitter, args.timeout, args.seed, run_id)
                print(HEADER, flush=True)
                for visitors in args.levels:
                    before = read_processes(watched)
                    stats = asyncio.run(run_level(load, name, visitors, args.duration))
                    figures = level_figures(stats, args.duration, before, read_processes(watched))
                    setup["levels"].append(figures)
                    print_level(figures)
                    if stack.stopped():
                        gone = ", ".join(p.name for p in stack.stopped())
                        raise RuntimeError(f"proces gestopt tijdens de meting: {gone}")
            finally:
                stack.stop()
        return True
    except Exception as error:  # noqa: BLE001 - report it, keep the logs, go on with the next setup
        keep = True
        setup["error"] = f"{type(error).__name__}: {error}"
        print(f"  MISLUKT: {setup['error']}", file=sys.stderr)
        return False
    finally:
        if keep:
            print(f"  logs: {var / 'logs'}")
        else:
            shutil.rmtree(var, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# Command line


def levels_arg(text: str) -> List[int]:
    try:
        levels = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"geen lijst van gehele getallen: {text!r}") from None
    if not levels or any(not 1 <= n <= MAX_VISITORS for n in levels):
        raise argparse.ArgumentTypeError(f"niveaus tussen 1 en {MAX_VISITORS}, bv. 1,5,10,20")
    return levels


def bounded(low: float, high: float, kind=float):
    def parse(text: str):
        value = kind(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"tussen {low:g} en {high:g}")
        return value

    return parse


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="benchmarks/load.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--levels",
        type=levels_arg,
        default=None,
        metavar="N,N,...",
        help=f"concurrent visitors per level (default 1,5,10,20; --quick 1,5; at most {MAX_VISITORS})",
    )
    parser.add_argument(
        "--duration",
        type=bounded(1, MAX_DURATION),
        default=None,
        metavar="S",
        help="seconds per level (default 30; --quick 5)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: levels 1,5 and 5 s per level, unless --levels/--duration say otherwise",
    )
    parser.add_argument(
        "--think",
        type=bounded(0, 60),
        default=1.0,
        metavar="S",
        help="a visitor's mean pause between reply and next message (default 1.0)",
    )
    parser.add_argument(
        "--jitter",
        type=bounded(0, 60),
        default=0.5,
        metavar="S",
        help="the pause varies uniformly by this much either way (default 0.5)",
    )
    parser.add_argument(
        "--setup",
        choices=["both", "sqlite", "postgres"],
        default="both",
        help="which setups to measure (default both, one after the other)",
    )
    parser.add_argument(
        "--instances",
        type=bounded(2, MAX_INSTANCES, int),
        default=2,
        metavar="N",
        help="Rasa instances behind nginx in the PostgreSQL setup (default 2; ~1.4 GB each)",
    )
    parser.add_argument(
        "--model", type=Path, default=None, help="model archive (default: the model in use, models/registry.json)"
    )
    parser.add_argument(
        "--postgres",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        metavar="URL",
        help="PostgreSQL admin URL; a fresh database is created and dropped (default %(default)s)",
    )
    parser.add_argument(
        "--redis",
        default="redis://127.0.0.1:6379/12",
        metavar="URL",
        help="Redis database for the lock store, EMPTIED before and after (default %(default)s)",
    )
    parser.add_argument(
        "--timeout",
        type=bounded(1, 300),
        default=30.0,
        metavar="S",
        help="a message without a reply after this long counts as an error (default 30)",
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the conversation mix (default 1)")
    parser.add_argument(
        "--out",
        type=Path,
        default=paths.REPORTS,
        metavar="DIR",
        help="where load.json and load.png go (default reports/)",
    )
    parser.add_argument("--keep-logs", action="store_true", help="keep the servers' temporary log directories")
    args = parser.parse_args(argv)
    args.levels = args.levels or ([1, 5] if args.quick else [1, 5, 10, 20])
    args.duration = args.duration or (5.0 if args.quick else 30.0)
    loopback_only(args.postgres, "PostgreSQL")
    loopback_only(args.redis, "Redis")
    return args


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    quiet_library_warnings()
    os.chdir(paths.ROOT)
    current = training.latest_model()
    model = args.model.resolve() if args.model else current
    if model is None or not model.exists():
        print("Geen model: train eerst (.venv/bin/privacybot train).", file=sys.stderr)
        return 1
    # With a model server, Rasa loads the model in use from it and ignores --model.
    args.model_server = current is not None and model.resolve() == current.resolve()
    run_id = uuid.uuid4().hex[:8]
    info = machine()
    print(
        f"Machine: {info['cpus']} kernen ({info['cpu_model']}), {info['ram_gib']} GiB RAM, "
        f"Python {info['python']}, Rasa {info['rasa']}"
    )
    print(f"Model: {model.name}{'' if args.model_server else ' (zonder modelserver)'}")
    print(
        f"Niveaus: {','.join(map(str, args.levels))} gelijktijdige bezoekers, {args.duration:g} s per niveau; "
        f"denktijd {args.think:g} ± {args.jitter:g} s"
    )
    print(f"Doel: {TARGET}.")
    report = {
        "machine": info,
        "model": model.name,
        "run_id": run_id,
        "target": TARGET,
        "target_p95_ms": TARGET_P95_MS,
        "target_visitors": TARGET_VISITORS,
        "settings": {
            "levels": args.levels,
            "duration_s": args.duration,
            "think_s": args.think,
            "jitter_s": args.jitter,
            "timeout_s": args.timeout,
            "seed": args.seed,
            "quick": args.quick,
            "model_server": args.model_server,
        },
        "setups": [],
    }
    setups = [
        ("sqlite", "1 instantie, SQLite"),
        ("postgres", f"{args.instances} instanties achter nginx, PostgreSQL + Redis"),
    ]
    ok = True
    for name, label in setups:
        if args.setup in ("both", name):
            ok = run_setup(name, label, args, model, run_id, report) and ok
            write_reports(report, args.out)  # after each setup: a later failure keeps these figures
    print(f"\nDoel: {TARGET}.")
    for setup in report["setups"]:
        target = setup["target"]
        if "error" in setup:
            result = "niet gemeten (mislukt)"
        elif not target["measured"]:
            result = f"niet gemeten ({TARGET_VISITORS} zit niet in --levels)"
        else:
            result = (
                f"{'gehaald' if target['met'] else 'NIET gehaald'}: p95 {target['p95_ms']:.0f} ms, "
                f"{target['errors']} fouten"
            )
            if args.duration < 30:
                result += f" (korte meting van {args.duration:g} s: indicatief)"
        print(f"  {setup['label']}: {result}")
    print(f"Cijfers: {args.out / 'load.json'}; grafiek: {args.out / 'load.png'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

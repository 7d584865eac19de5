"""Benchmark: training time and peak memory, model size, held-out NLU figures, Rasa server
memory, and `converse` throughput. Prints figures; asserts nothing (see README).

    .venv/bin/python benchmarks/nlu.py            # full: trains from scratch (no cache)
    .venv/bin/python benchmarks/nlu.py --reuse     # use the latest model in models/
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.core import paths, rasa_cli
from bot.core.quiet import (
    quiet_env,  # noqa: E402
    quiet_library_warnings,  # noqa: E402
)
from bot.nlu import evaluation, spacy_model, training  # noqa: E402
from bot.ops.assistant import Assistant  # noqa: E402
from bot.ops.deployment import Deployment  # noqa: E402
from bot.ops.processes import ActionServer, free_port, wait_for_http  # noqa: E402
from tests.unit.nlu.test_nlu_data import load_examples  # noqa: E402


def train_from_scratch(out: Path) -> tuple[Path, float, float]:
    """Force a full training with an empty Rasa cache; return model, seconds, peak MiB."""
    env = quiet_env()
    env["RASA_CACHE_DIRECTORY"] = str(out / "cache")
    cmd = rasa_cli.rasa_command("train", "--out", str(out), "--force")
    started = time.monotonic()
    subprocess.run(cmd, cwd=paths.ROOT, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seconds = time.monotonic() - started
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return training.latest_model(out), seconds, peak_mib


def rss_mib(pid: int) -> tuple[float, float]:
    status = Path(f"/proc/{pid}/status").read_text()
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return (int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024)


def server_memory(model: Path) -> tuple[float, float, float]:
    """Start `rasa run` with the model, talk to it, read its memory; return (s to ready, RSS, peak)."""
    port = free_port()
    with ActionServer() as actions, tempfile.TemporaryDirectory() as tmp:
        endpoints = Path(tmp) / "endpoints.yml"
        Deployment(f"sqlite:///{tmp}/bench.db", None).write_endpoints(
            endpoints, actions.url, action_token=actions.token
        )
        cmd = rasa_cli.rasa_command(
            "run",
            "--model",
            str(model),
            "--endpoints",
            str(endpoints),
            "--credentials",
            str(paths.CREDENTIALS),
            "--port",
            str(port),
            "--interface",
            "127.0.0.1",
        )
        started = time.monotonic()
        proc = subprocess.Popen(
            cmd, cwd=paths.ROOT, env=quiet_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            wait_for_http(f"http://127.0.0.1:{port}/", 300, proc)
            ready = time.monotonic() - started
            for i, text in enumerate(
                [
                    "hallo",
                    "hoe lang bewaren jullie mijn gegevens?",
                    "en hoe lang?",
                    "verkopen jullie mijn data",
                    "bedankt",
                ]
                * 4
            ):
                body = json.dumps({"sender": f"bench-{i % 3}", "message": text}).encode()
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/webhooks/rest/webhook", body, {"Content-Type": "application/json"}
                )
                urllib.request.urlopen(request, timeout=30).read()
            rss, peak = rss_mib(proc.pid)
            return ready, rss, peak
        finally:
            proc.terminate()
            proc.wait(timeout=30)


async def converse_throughput(model: Path, conversations: int = 100) -> tuple[float, int]:
    examples = [e for items in load_examples(paths.NLU_TEST_DATA).values() for e in items]
    batches = [[examples[(3 * i + k) % len(examples)] for k in range(3)] for i in range(conversations)]
    from bot.ops.converse import Conversation, converse

    with tempfile.TemporaryDirectory() as tmp:
        assistant = Assistant(model_path=model, database_url=f"sqlite:///{tmp}/bench.db")
        await assistant.start()
        try:
            items = [Conversation(line=i + 1, id=str(i), messages=m) for i, m in enumerate(batches)]
            sink = open(os.devnull, "w")
            started = time.monotonic()
            await converse(items, sink, open(os.devnull, "w"), assistant=assistant)
            return time.monotonic() - started, sum(len(m) for m in batches)
        finally:
            assistant.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reuse", action="store_true", help="latest model in models/, no training")
    args = parser.parse_args()
    quiet_library_warnings()
    os.chdir(paths.ROOT)
    selection = spacy_model.current()
    print(
        f"Machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(selection.describe() if selection else "spaCy: onbekend")
    with tempfile.TemporaryDirectory() as tmp:
        if args.reuse:
            model, train_s, train_peak = training.latest_model(), None, None
        else:
            print("Volledige training zonder cache...", flush=True)
            model, train_s, train_peak = train_from_scratch(Path(tmp))
            print(f"  trainingstijd            {train_s:7.1f} s")
            print(f"  piekgeheugen training    {train_peak:7.0f} MiB")
        print(f"  modelgrootte             {model.stat().st_size / 2**20:7.1f} MiB  ({model.name})")
        figures = evaluation.test_nlu(model, out_dir=Path(tmp) / "nlu")
        print(
            f"  held-out intent          accuracy {figures.intent_accuracy:.3f}, gewogen F1 {figures.intent_f1:.3f}"
            f"  ({figures.examples} voorbeelden)"
        )
        print(
            f"  held-out antwoordkeuze   accuracy {figures.response_accuracy:.3f}, gewogen F1 {figures.response_f1:.3f}"
        )
        ready, rss, peak = server_memory(model)
        print(f"  rasa run: klaar na       {ready:7.1f} s")
        print(f"  rasa run: geheugen       {rss:7.0f} MiB RSS (piek {peak:.0f} MiB)")
        seconds, messages = asyncio.run(converse_throughput(model))
        print(f"  converse: 100 gesprekken {seconds:7.1f} s na het laden ({messages / seconds:.1f} berichten/s)")


if __name__ == "__main__":
    main()

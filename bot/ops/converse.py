"""Batch conversations: one JSON line in, one JSON line out, each a fresh conversation.

Input line:  {"id": "...", "messages": ["...", "..."]}
Output line: {"id": "...", "turns": [Turn.as_dict(), ...]}

A malformed line is reported on stderr with its line number and skipped; the rest goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import time
from dataclasses import dataclass
from typing import IO, Any, Dict, List, Optional, Tuple

from bot.ops.assistant import Assistant

CONCURRENCY = 4


@dataclass
class Conversation:
    line: int
    id: str
    messages: List[str]


class LineError(ValueError):
    pass


def parse_line(raw: str) -> Conversation:
    """Validate one input line (line number added by the caller)."""
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise LineError(f"geen geldige JSON ({exc.msg})") from None
    if not isinstance(data, dict):
        raise LineError("verwacht een JSON-object met 'id' en 'messages'")
    conv_id = data.get("id")
    if not isinstance(conv_id, (str, int)) or isinstance(conv_id, bool) or str(conv_id) == "":
        raise LineError("'id' ontbreekt of is geen tekst")
    messages = data.get("messages")
    if not isinstance(messages, list) or not all(isinstance(m, str) for m in messages):
        raise LineError("'messages' moet een lijst van teksten zijn")
    return Conversation(line=0, id=str(conv_id), messages=messages)


def read_conversations(stream: IO[str], errors: IO[str]) -> Tuple[List[Conversation], int]:
    conversations, bad = [], 0
    for number, raw in enumerate(stream, start=1):
        if not raw.strip():
            continue
        try:
            conversation = parse_line(raw)
        except LineError as exc:
            bad += 1
            print(f"regel {number}: {exc} — overgeslagen", file=errors)
            continue
        conversation.line = number
        conversations.append(conversation)
    return conversations, bad


async def run_conversation(assistant: Assistant, conversation: Conversation) -> Dict[str, Any]:
    sender_id = assistant.new_sender_id("converse")
    turns = []
    for text in conversation.messages:
        turn = await assistant.say(sender_id, text)
        turns.append(turn.as_dict())
    return {"id": conversation.id, "turns": turns}


async def converse(
    conversations: List[Conversation], out: IO[str], progress: IO[str], assistant: Optional[Assistant] = None
) -> int:
    """Run every conversation, write results in input order; return how many failed."""
    own = assistant is None
    assistant = assistant or Assistant()
    if own:
        print("Assistent starten...", file=progress, flush=True)
        loading = time.monotonic()
        await assistant.start()
        print(assistant.describe(), file=progress, flush=True)
        print(
            f"Geladen in {time.monotonic() - loading:.1f} s; {len(conversations)} gesprekken verwerken...",
            file=progress,
            flush=True,
        )
    semaphore = asyncio.Semaphore(CONCURRENCY)
    done = 0
    failed = 0
    total = len(conversations)
    started = time.monotonic()

    async def one(conversation: Conversation) -> Dict[str, Any]:
        nonlocal done, failed
        async with semaphore:
            try:
                result = await run_conversation(assistant, conversation)
            except Exception as exc:  # one broken conversation must not stop the batch
                failed += 1
                print(f"regel {conversation.line} (id {conversation.id}): fout: {exc}", file=progress)
                result = {"id": conversation.id, "error": str(exc), "turns": []}
            done += 1
            if total >= 10 and (done % 10 == 0 or done == total):
                rate = done / max(time.monotonic() - started, 1e-6)
                print(f"  {done}/{total} gesprekken ({rate:.1f}/s)", file=progress, flush=True)
            return result

    try:
        results = await asyncio.gather(*(one(c) for c in conversations))
        for result in results:
            out.write(json.dumps(result, ensure_ascii=False) + "\n")
        out.flush()
    finally:
        if own:
            assistant.stop()
    return failed


def run_files(in_path: str, out_path: str) -> int:
    """CLI entry: exit 0 when every line was processed, 1 when some were skipped or failed."""
    source = contextlib.nullcontext(sys.stdin) if in_path == "-" else open(in_path, encoding="utf-8")
    with source as source:
        conversations, bad = read_conversations(source, sys.stderr)
    target = contextlib.nullcontext(sys.stdout) if out_path == "-" else open(out_path, "w", encoding="utf-8")
    started = time.monotonic()
    with target as target:
        failed = asyncio.run(converse(conversations, target, sys.stderr))
    print(
        f"{len(conversations) - failed} gesprekken verwerkt, {time.monotonic() - started:.1f} s in totaal"
        f"{f', {bad} regel(s) overgeslagen' if bad else ''}{f', {failed} mislukt' if failed else ''}.",
        file=sys.stderr,
    )
    return 1 if (bad or failed) else 0

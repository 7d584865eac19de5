"""A small development set of realistic visitor questions, written apart from both the
training data and the held-out test set, with the answers that would be acceptable.

It is for comparing model choices (README: "Kleine modellen, bewust gekozen"), not a gate:
no test reads it and no training example may be copied from it.

    .venv/bin/python benchmarks/dev_questions.py [MODEL]
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.core.quiet import quiet_library_warnings  # noqa: E402
from bot.ops.assistant import Assistant  # noqa: E402

QUESTIONS = Path(__file__).with_name("dev_questions.json")


async def score(model: Path | None) -> None:
    items = json.loads(QUESTIONS.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        async with Assistant(model_path=model, database_url=f"sqlite:///{tmp}/dev.db") as assistant:
            good = 0
            for item in items:
                turn = await assistant.say(assistant.new_sender_id("dev"), item["text"])
                got = turn.response_key or turn.intent
                if got in item["accept"]:
                    good += 1
                else:
                    print(f"  mis: {item['text']!r} -> {got} ({turn.confidence}); goed: {'|'.join(item['accept'])}")
            print(f"{good}/{len(items)} goed ({assistant.model_path.name})")


if __name__ == "__main__":
    quiet_library_warnings()
    asyncio.run(score(Path(sys.argv[1]) if len(sys.argv) > 1 else None))

"""``privacybot evaluate --real``: every question of the real-question set through the whole
assistant (bot.ops.assistant: trained model, policies, real actions), scored and reported by
bot.nlu.real_questions. Here in ops, because it starts an action server."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import List, Optional, Sequence

from bot.core import paths
from bot.dialogue import answers, outcomes
from bot.nlu import real_questions
from bot.nlu.real_questions import Question, Result
from bot.ops.assistant import Assistant


async def _ask_all(questions: Sequence[Question], model: Optional[Path], progress: bool) -> List[Result]:
    results: List[Result] = []
    with tempfile.TemporaryDirectory() as tmp:
        async with Assistant(model_path=model, database_url=f"sqlite:///{tmp}/real.db") as assistant:
            for number, question in enumerate(questions, start=1):
                turn = await assistant.say(assistant.new_sender_id("real"), question.text)
                options = [topic for b in turn.buttons if (topic := answers.payload_topic(b.get("payload") or ""))]
                results.append(
                    Result(
                        question,
                        turn.outcome or outcomes.FALLBACK,
                        turn.intent,
                        [(k, float(c)) for k, c in turn.ranking],
                        options,
                    )
                )
                if progress and (number % 25 == 0 or number == len(questions)):
                    print(f"  {number}/{len(questions)} vragen", flush=True)
    return results


def run(questions: Sequence[Question], model: Optional[Path] = None, progress: bool = True) -> List[Result]:
    return asyncio.run(_ask_all(questions, model, progress))


def main(model: Optional[Path] = None, out_dir: Path = paths.REPORTS / "real") -> int:
    questions = real_questions.load()
    print(f"{len(questions)} echte vragen door de volledige assistent sturen...", flush=True)
    results = run(questions, model)
    real_questions.report(results, out_dir)
    for line in real_questions.summary_lines(results, len(real_questions.source_sites(questions))):
        print(line)
    print(f"Rapport: {out_dir / 'real_questions.json'}; kalibratiegrafiek: {out_dir / 'calibration.png'}")
    return 0

"""``privacybot shell``: chat with the full assistant in the terminal.

Type a number to press one of the buttons the bot offers; ``/stop`` or Ctrl-D ends.
"""

from __future__ import annotations

import asyncio
from typing import List

from bot.ops.assistant import Assistant, Turn


def render(turn: Turn) -> List[str]:
    lines = [f"bot> {text}" for text in turn.bot]
    for number, button in enumerate(turn.buttons, start=1):
        lines.append(f"     [{number}] {button['title']}")
    return lines


async def _loop() -> int:
    print("Assistent starten...", flush=True)
    async with Assistant() as assistant:
        print(assistant.describe())
        print("Typ je vraag (een cijfer kiest een knop, /stop om te stoppen).\n")
        sender_id = assistant.new_sender_id("shell")
        buttons: List[dict] = []
        loop = asyncio.get_running_loop()
        while True:
            try:
                text = await loop.run_in_executor(None, input, "jij> ")
            except EOFError:
                break
            if text.strip() in {"/stop", "/exit", "/quit"}:
                break
            if text.strip().isdigit() and 1 <= int(text) <= len(buttons):
                button = buttons[int(text) - 1]
                print(f"     ({button['title']})")
                text = button["payload"]
            turn = await assistant.say(sender_id, text)
            print("\n".join(render(turn)))
            buttons = turn.buttons
    print("Tot ziens!")
    return 0


def main() -> int:
    """A missing or broken model (RuntimeError) is reported by bot.cli.errors like any failure."""
    return asyncio.run(_loop())

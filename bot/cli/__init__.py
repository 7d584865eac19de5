"""``privacybot …``: one module per command group, one error convention."""

from bot.cli.main import main

__all__ = ["main"]

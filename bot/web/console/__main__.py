"""``python -m bot.web.console``: how bot.ops.processes.ConsoleServer starts the console."""

from bot.web.console.app import main

main()

"""Rasa custom actions, served by bot.web.action_server: thin wrappers over bot.dialogue and
bot.privacy (the import-linter contract "The Rasa actions stay thin", pyproject.toml)."""

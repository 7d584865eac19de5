"""The console's pages, one module per subject; each is a mixin of plumbing.Plumbing that
bot.web.console.app.Console puts together, and routes.py names its methods."""

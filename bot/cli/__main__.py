"""``python -m bot.cli``: the same as ``privacybot``."""

import sys

from bot.cli.main import main

sys.exit(main())

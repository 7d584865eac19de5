"""The action server: rasa_sdk's own, with the one check it lacks (bot.core.internal_auth).

``python -m bot.web.action_server --actions actions --port 5055`` takes rasa_sdk's arguments. Every
request but the health check must carry PRIVACYBOT_ACTION_TOKEN in the X-Privacybot-Action-Token
header; without the setting the server does not start. rasa_sdk's error handler echoes the
request body (a visitor's slots and messages) in its 500 answer; ours says only that it failed.
"""

from __future__ import annotations

import logging
import os
import sys

from bot.core.internal_auth import ACTIONS

logger = logging.getLogger(__name__)
OPEN_PATHS = {"/health"}  # the container and stack health checks


def build_app(actions: str, token: str):
    """rasa_sdk's Sanic app for ``actions`` with the token check in front of every route."""
    from rasa_sdk.endpoint import create_app
    from sanic import response

    app = create_app(actions, cors_origins=None)  # Rasa calls it server to server: no browser, no CORS

    @app.on_request
    async def require_token(request):
        if request.path in OPEN_PATHS:
            return None
        if not ACTIONS.accepts(request.headers.get(ACTIONS.header), token):
            logger.warning("actie-aanroep geweigerd zonder geldig geheim van %s", request.ip)
            return response.json({"error": "niet toegestaan"}, status=401)
        return None

    @app.exception(Exception)
    async def failed(request, exception: Exception):
        logger.error("actie mislukt: %s", type(exception).__name__, exc_info=exception)
        return response.json({"error": "actie mislukt"}, status=500)

    return app


def main(argv=None) -> int:
    from rasa_sdk import utils
    from rasa_sdk.constants import APPLICATION_ROOT_LOGGER_NAME
    from rasa_sdk.endpoint import create_argument_parser

    args = create_argument_parser().parse_args(argv)
    token = ACTIONS.configured()
    trouble = ACTIONS.problem(token)
    if trouble:
        print(f"De actieserver start niet: {trouble}", file=sys.stderr)
        return 2
    utils.configure_colored_logging(args.loglevel)
    utils.configure_file_logging(
        logging.getLogger(APPLICATION_ROOT_LOGGER_NAME), args.log_file, args.loglevel, args.logging_config_file
    )
    utils.update_sanic_log_level()
    app = build_app(args.actions, token)
    host = os.environ.get("SANIC_HOST", "127.0.0.1")
    app.run(host, args.port, workers=utils.number_of_sanic_workers())
    return 0


if __name__ == "__main__":
    sys.exit(main())

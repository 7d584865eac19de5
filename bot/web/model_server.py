"""Serves the model in use to the Rasa server, as Rasa's model-server endpoint expects: the
file with its name as ETag, or 304 when Rasa already has it. Rasa polls it, so a promoted
model (``privacybot retrain``, ``models rollback``) is loaded without a restart, while the
conversations in the tracker store simply go on. It listens on PRIVACYBOT_BIND
(127.0.0.1; in containers only on their internal network) and hands the model only to callers
with PRIVACYBOT_MODEL_TOKEN (bot.core.internal_auth): a model holds its training data."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Optional

from aiohttp import web

from bot.core import paths, settings
from bot.core.internal_auth import MODELS
from bot.nlu import model_registry


def make_app(models_dir: Path = paths.MODELS, token: Optional[str] = None) -> web.Application:
    async def model(request: web.Request) -> web.StreamResponse:
        if not token or not MODELS.accepts(request.headers.get(MODELS.header), token):
            raise web.HTTPUnauthorized(text="niet toegestaan")
        current = model_registry.current(models_dir)
        if current is None:
            raise web.HTTPNotFound(text="geen model")
        tag = current.name
        if request.headers.get("If-None-Match") == tag:
            return web.Response(status=304)
        # Not FileResponse: for *.tar.gz it would announce "Content-Encoding: gzip", and Rasa's
        # client would unpack the archive on the way in.
        # Streamed in chunks: several Rasa instances pulling a 100 MB model at once would
        # otherwise each hold a copy in this process's memory.
        response = web.StreamResponse(
            headers={"ETag": tag, "filename": current.name, "Content-Type": "application/octet-stream"}
        )
        response.content_length = current.stat().st_size
        await response.prepare(request)
        with current.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                await response.write(chunk)
        await response.write_eof()
        return response

    async def health(request: web.Request) -> web.Response:
        current = model_registry.current(models_dir)
        return web.json_response({"model": current.name if current else None})

    app = web.Application()
    app.router.add_get("/model", model)
    app.router.add_get("/health", health)
    return app


def main(argv: Optional[list] = None) -> None:
    parser = argparse.ArgumentParser(description="Modelserver voor de Rasa-server (localhost)")
    parser.add_argument("--port", type=int, default=5056)
    parser.add_argument("--models", default=str(paths.MODELS))
    args = parser.parse_args(argv)
    token = MODELS.configured()
    trouble = MODELS.problem(token)
    if trouble:
        print(f"De modelserver start niet: {trouble}", file=sys.stderr)
        raise SystemExit(2)
    web.run_app(
        make_app(Path(args.models), token), host=settings.bind_address(), port=args.port, print=None, access_log=None
    )


if __name__ == "__main__":
    main()

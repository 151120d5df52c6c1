"""The FastAPI application: the factory wires lifespan, guards, error handlers and the routers."""

from __future__ import annotations

import logging
import time
import uuid
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request

from bot.conversation import Conversations
from bot.http import errors
from bot.http.engine import EngineHolder
from bot.http.guard import PUBLIC_PATHS, Guard, printable
from bot.http.routes import articles, ask, facts, status
from retrieval.config import ApiSettings

log = logging.getLogger("newsqa.http")


def create_app(engine=None, load: bool = True, extensions=(), holder: EngineHolder | None = None,
               settings: ApiSettings | None = None, conversations: Conversations | None = None) -> FastAPI:
    """The FastAPI application; the engine loads in the background at start-up.

    extensions: objects with a ``router`` (APIRouter), a ``path`` (guarded by the extension itself) and
    async ``start()``/``stop()``, e.g. the Telegram webhook, served on the same app and started with it.
    settings: who may call it (default: from the environment; a bad value raises ConfigError here).
    """
    holder = holder or EngineHolder(engine)
    settings = settings or ApiSettings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if load:
            holder.start()
        for extension in extensions:
            await extension.start()
        try:
            yield
        finally:
            for extension in extensions:
                await extension.stop()

    app = FastAPI(title="渝问 / newsqa", version="0.1.0", lifespan=lifespan,
                  description="Questions about Chinese news articles, answered with numbers traced to cited passages.")
    app.state.holder = holder
    app.state.conversations = conversations or Conversations()
    app.add_middleware(Guard, settings=settings, public=PUBLIC_PATHS | {e.path for e in extensions})
    app.middleware("http")(_request_log)
    errors.install(app)
    for router in (ask.router, facts.router, articles.router, status.router, *(e.router for e in extensions)):
        app.include_router(router)
    return app


async def _request_log(request: Request, call_next):
    """One log line per request (method, path, status, ms, request id); a crash is a generic 500 with that id."""
    request.state.request_id = uuid.uuid4().hex[:12]
    started = time.perf_counter()
    try:
        response = await call_next(request)
    except Exception:
        log.exception("request %s failed", request.state.request_id)
        response = errors.error_response(request, 500, "internal error")
    response.headers["X-Request-ID"] = request.state.request_id
    log.info("%s %s %d %.0fms id=%s", printable(request.method), printable(request.url.path), response.status_code,
             (time.perf_counter() - started) * 1000, request.state.request_id)
    return response

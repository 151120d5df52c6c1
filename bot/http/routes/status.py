"""Health of the service, and the chat page."""

from __future__ import annotations

from importlib import resources

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse

from bot.http.schemas import HealthOut

router = APIRouter()


@router.get("/health", response_model=HealthOut, responses={503: {"model": HealthOut}}, tags=["status"])
async def health(request: Request):
    """Index status; 503 while loading."""
    holder = request.app.state.holder
    engine = holder.engine
    if engine is None or not engine.ready:
        status = "error" if holder.error else "loading"
        return JSONResponse(HealthOut(status=status, passages=0, articles=0, model=None,
                                      index_built_at=None).model_dump(), status_code=503)
    return HealthOut(status="ok", passages=len(engine.passages), articles=engine.articles,
                     model=engine.manifest.model, model_licence=engine.model_licence,
                     index_built_at=engine.manifest.built_at, store=engine.settings.store)


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def page():
    """The chat page."""
    return resources.files("bot").joinpath("static/index.html").read_text("utf-8")

"""The facts table over HTTP: every figure (paginated, filtered) and bar charts of them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from bot.http.deps import get_engine
from bot.http.schemas import (
    ERRORS,
    FACT_FILTERS,
    ErrorOut,
    FactKind,
    FactOut,
    FactsPage,
)

router = APIRouter(tags=["facts"])
CHART_PARAMETERS = {"ids", "metric", "place", "kind"}
MAX_CHART_FIGURES = 50
MAX_OFFSET = 10**9  # SQLite integers are 64-bit; far past any real table, well inside that


def _refuse_unknown(request: Request, known: set[str]) -> None:
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        raise HTTPException(422, f"unknown parameter {', '.join(unknown)}; use {', '.join(sorted(known))}")


@router.get("/facts", response_model=FactsPage, responses=ERRORS)
async def facts(request: Request, metric: Annotated[str | None, Query(max_length=50)] = None,
                place: Annotated[str | None, Query(max_length=50)] = None, kind: FactKind | None = None,
                limit: Annotated[int, Query(ge=1, le=1000)] = 100, offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
                engine=Depends(get_engine)):
    """Every figure the articles give, filtered by metric (synonyms match), place and kind; paginated."""
    _refuse_unknown(request, FACT_FILTERS)
    rows, total = await run_in_threadpool(engine.facts, metric, place, kind, limit, offset)
    return FactsPage(total=total, limit=limit, offset=offset, facts=[FactOut(**f.to_dict()) for f in rows])


@router.get("/chart", response_class=Response,
            responses={200: {"content": {"image/png": {}}}, 404: {"model": ErrorOut}, **ERRORS})
async def chart(request: Request, ids: Annotated[str | None, Query(max_length=2000, pattern=r"^\d{1,12}(,\d{1,12})*$")] = None,
                metric: Annotated[str | None, Query(max_length=50)] = None,
                place: Annotated[str | None, Query(max_length=50)] = None, kind: FactKind | None = None,
                engine=Depends(get_engine)):
    """A bar chart (PNG) of the figures with these fact ids, or of those matching metric/place/kind."""
    from bot.charts import cjk_font, facts_chart

    _refuse_unknown(request, CHART_PARAMETERS)
    if cjk_font() is None:
        raise HTTPException(503, "no font with Chinese glyphs is installed on the server (e.g. fonts-wqy-microhei)")
    if ids:
        rows = await run_in_threadpool(engine.facts_by_ids, [int(i) for i in ids.split(",")][:MAX_CHART_FIGURES])
    else:
        rows, _ = await run_in_threadpool(engine.facts, metric, place, kind, MAX_CHART_FIGURES, 0)
    title = metric or "、".join(sorted({f.label or "" for f in rows}))[:40]
    png = await run_in_threadpool(facts_chart, rows, title)
    if png is None:
        raise HTTPException(404, "fewer than 3 comparable figures: nothing to chart")
    return Response(png, media_type="image/png")

"""The HTTP face: FastAPI routes over the shared Engine, and the chat page at `/`."""

from __future__ import annotations

import hmac
import logging
import os
import threading
import time
import uuid
from contextlib import asynccontextmanager
from importlib import resources
from typing import Annotated, Literal

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("newsqa.http")
MAX_BODY_BYTES = 1_000_000


# ---- the contract --------------------------------------------------------------------------

class AskRequest(BaseModel):
    """A question and how many passages to cite."""

    model_config = ConfigDict(extra="forbid")
    question: str = Field(min_length=1, max_length=500, pattern=r"\w",
                          description="The question, e.g. 綦江复工率多少 (must contain a letter, digit or CJK character)")
    top_k: int = Field(5, ge=1, le=20)


class NumberOut(BaseModel):
    """A number quoted in the answer, verbatim from cited passage `citation` (1-based)."""

    text: str
    value: float | None
    value_max: float | None
    unit: str
    kind: str
    qualifier: str | None
    label: str | None
    subject: str | None
    date: str | None
    citation: int


class CitationOut(BaseModel):
    """A cited passage with its provenance (character offsets in the source file)."""

    id: str
    source: str
    title: str | None
    text: str
    score: float
    start: int
    end: int


class AnswerOut(BaseModel):
    """The answer contract shared by the CLI, HTTP and Telegram."""

    question: str
    answer: str
    answerable: bool
    numbers: list[NumberOut]
    citations: list[CitationOut]


class HealthOut(BaseModel):
    """Whether the index is loaded, and what it holds."""

    status: Literal["ok", "loading", "error"]
    passages: int
    articles: int
    model: str | None
    index_built_at: str | None


class PassageOut(BaseModel):
    """One passage with provenance and its neighbours in the same article."""

    id: str
    source: str
    title: str | None
    text: str
    start: int
    end: int
    places: list[str]
    article_places: list[str]
    neighbours: list[str]


class ArticleOut(BaseModel):
    """An article in the index."""

    source: str
    headline: str | None
    passages: int


class ArticleIn(BaseModel):
    """A new article: a file name and its UTF-8 text."""

    model_config = ConfigDict(extra="forbid")
    source: str = Field(min_length=1, max_length=120, pattern=r"^[\w\-][\w\-. ]*$",
                        description="File name (letters, digits, '-', '_', '.', spaces); .txt is added")
    text: str = Field(min_length=1, max_length=MAX_BODY_BYTES, pattern=r"\S", description="The article, UTF-8 text")


class ArticleAdded(BaseModel):
    """What indexing a new article produced."""

    source: str
    passages: int
    ids: list[str]


class ErrorOut(BaseModel):
    """Every error response: what went wrong, and the request id to quote."""

    error: str
    detail: str | list | None = None
    request_id: str


# ---- the engine, loaded once -----------------------------------------------------------------

class EngineHolder:
    """Loads the Engine in a background thread so /health answers (503) while it loads."""

    def __init__(self, engine=None):
        self.engine = engine
        self.error: str | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Open the index in the background (build it if needed)."""
        if self.engine is not None and self.engine.ready:
            return

        def load():
            try:
                from retrieval.engine import Engine

                engine = self.engine or Engine()
                engine.open()
                engine.ask("綦江复工率多少")  # load the model and build BM25 now, not on the first question
                self.engine = engine
            except Exception as exc:  # reported by /health and 503s, never raised into the server
                log.exception("index failed to load")
                self.error = str(exc)

        self._thread = threading.Thread(target=load, name="index-loader", daemon=True)
        self._thread.start()

    def wait(self, timeout: float | None = None) -> None:
        """Block until loading finished (tests, benchmarks)."""
        if self._thread:
            self._thread.join(timeout)

    def get(self):
        """The ready engine, or a 503."""
        if self.engine is None or not self.engine.ready:
            detail = f"the index failed to load: {self.error}" if self.error else "the index is still loading"
            raise HTTPException(503, detail)
        return self.engine


def _api_key_check(reads: bool):
    def check(request: Request) -> None:
        key = os.environ.get("NEWSQA_API_KEY")
        if not key or (reads and os.environ.get("NEWSQA_API_KEY_READS") != "1"):
            return
        given = request.headers.get("x-api-key") or ""
        auth = request.headers.get("authorization") or ""
        if auth.lower().startswith("bearer "):
            given = auth[7:].strip()
        if not hmac.compare_digest(given.encode(), key.encode()):
            raise HTTPException(401, "a valid API key is required (Authorization: Bearer … or X-API-Key)")

    return check


require_write_key = _api_key_check(reads=False)
require_read_key = _api_key_check(reads=True)


def _error(request: Request, status: int, error: str, detail=None) -> JSONResponse:
    rid = getattr(request.state, "request_id", None) or uuid.uuid4().hex[:12]
    return JSONResponse(ErrorOut(error=error, detail=detail, request_id=rid).model_dump(), status_code=status)


class EngineProxy:
    """The loaded engine for other faces sharing this server (the Telegram webhook); 503 until it is ready."""

    def __init__(self, holder: EngineHolder):
        self.holder = holder

    def ask(self, question: str, top_k: int = 5):
        """Engine.ask on the loaded engine."""
        return self.holder.get().ask(question, top_k)

    def article_list(self) -> list[dict]:
        """Engine.article_list on the loaded engine."""
        return self.holder.get().article_list()


def create_app(engine=None, load: bool = True, extensions=(), holder: EngineHolder | None = None) -> FastAPI:
    """The FastAPI application; the engine loads in the background at start-up.

    extensions: objects with a ``router`` (APIRouter) and async ``start()``/``stop()``, e.g. the Telegram
    webhook, served on the same app and started with it.
    """
    holder = holder or EngineHolder(engine)

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
    for extension in extensions:
        app.include_router(extension.router)
    errors = {401: {"model": ErrorOut}, 422: {"model": ErrorOut}, 503: {"model": ErrorOut}}

    @app.middleware("http")
    async def request_log(request: Request, call_next):
        request.state.request_id = uuid.uuid4().hex[:12]
        started = time.perf_counter()
        length = request.headers.get("content-length")
        if length and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
            response = _error(request, 413, "request body too large", f"the limit is {MAX_BODY_BYTES} bytes")
        else:
            try:
                response = await call_next(request)
            except Exception:
                log.exception("request %s failed", request.state.request_id)
                response = _error(request, 500, "internal error")
        response.headers["X-Request-ID"] = request.state.request_id
        log.info("%s %s %d %.0fms id=%s", request.method, request.url.path, response.status_code,
                 (time.perf_counter() - started) * 1000, request.state.request_id)
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        detail = [{"loc": list(e.get("loc", ())), "msg": e.get("msg")} for e in exc.errors()]
        return _error(request, 422, "invalid request", detail)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        return _error(request, exc.status_code, str(exc.detail))

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception):
        log.exception("request %s failed", getattr(request.state, "request_id", "?"))
        return _error(request, 500, "internal error")

    async def answer(question: str, top_k: int, request: Request) -> dict:
        from retrieval.engine import QuestionError

        engine = holder.get()
        try:
            # The embedding call is CPU-bound: run it off the event loop so /health stays responsive.
            result = await run_in_threadpool(engine.ask, question, top_k)
        except QuestionError as exc:
            raise HTTPException(422, str(exc))
        return result.to_dict()

    @app.post("/ask", response_model=AnswerOut, responses=errors, dependencies=[Depends(require_read_key)])
    async def ask_post(body: AskRequest, request: Request):
        """Answer a question (JSON body)."""
        return await answer(body.question, body.top_k, request)

    @app.get("/ask", response_model=AnswerOut, responses=errors, dependencies=[Depends(require_read_key)])
    async def ask_get(request: Request, q: Annotated[str, Query(min_length=1, max_length=500, pattern=r"\w")],
                      top_k: Annotated[int, Query(ge=1, le=20)] = 5):
        """Answer a question (query string, for curl and browsers)."""
        return await answer(q, top_k, request)

    @app.get("/health", response_model=HealthOut, responses={503: {"model": HealthOut}})
    async def health():
        """Index status; 503 while loading."""
        engine = holder.engine
        if engine is None or not engine.ready:
            status = "error" if holder.error else "loading"
            return JSONResponse(HealthOut(status=status, passages=0, articles=0, model=None,
                                          index_built_at=None).model_dump(), status_code=503)
        return HealthOut(status="ok", passages=len(engine.passages), articles=engine.articles,
                         model=engine.manifest.get("model"), index_built_at=engine.manifest.get("built_at"))

    @app.get("/passages/{passage_id}", response_model=PassageOut, responses={404: {"model": ErrorOut}, **errors},
             dependencies=[Depends(require_read_key)])
    async def passage(passage_id: str):
        """One passage with provenance and neighbours."""
        engine = holder.get()
        p = engine.passage(passage_id)
        if p is None:
            raise HTTPException(404, f"no passage {passage_id!r}")
        return PassageOut(id=p.id, source=p.source, title=p.headline, text=p.text, start=p.start, end=p.end,
                          places=p.places, article_places=p.article_places,
                          neighbours=[n.id for n in engine.neighbours(p.id)])

    @app.get("/articles", response_model=list[ArticleOut], responses=errors, dependencies=[Depends(require_read_key)])
    async def articles():
        """The articles in the index."""
        return holder.get().article_list()

    @app.post("/articles", response_model=ArticleAdded, status_code=201,
              responses={409: {"model": ErrorOut}, **errors}, dependencies=[Depends(require_write_key)])
    async def add_article(body: ArticleIn):
        """Save a UTF-8 article into the corpus folder and index it incrementally."""
        from retrieval.engine import ArticleError

        engine = holder.get()
        try:
            new = await run_in_threadpool(engine.add_article, body.source, body.text)
        except ArticleError as exc:
            raise HTTPException(409 if "already exists" in str(exc) else 422, str(exc))
        source = new[0].source if new else body.source
        return ArticleAdded(source=source, passages=len(new), ids=[p.id for p in new])

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def page():
        """The chat page."""
        return resources.files("bot").joinpath("static/index.html").read_text("utf-8")

    return app

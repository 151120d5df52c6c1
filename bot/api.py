"""The HTTP face: FastAPI routes over the shared Engine, and the chat page at `/`."""

from __future__ import annotations

import hmac
import json
import logging
import re
import threading
import time
import uuid
from contextlib import asynccontextmanager
from importlib import resources
from typing import Annotated, Literal

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot.conversation import Conversations, ask_in_conversation, new_id
from retrieval.config import ApiSettings

log = logging.getLogger("newsqa.http")
MAX_BODY_BYTES = 1_000_000


# ---- the contract --------------------------------------------------------------------------

CONVERSATION_ID = r"^[A-Za-z0-9_-]{1,64}$"


class AskRequest(BaseModel):
    """A question and how many passages to cite."""

    model_config = ConfigDict(extra="forbid")
    question: str = Field(min_length=1, max_length=500, pattern=r"\w",
                          description="The question, e.g. 綦江复工率多少 (must contain a letter, digit or CJK character)")
    top_k: int = Field(5, ge=1, le=20)
    conversation_id: str | None = Field(None, max_length=64, pattern=CONVERSATION_ID,
                                        description="From an earlier answer, so that 那南岸呢 follows 綦江复工率多少; "
                                                    "an unknown or expired id starts a new conversation")


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
    facts: list[int] = Field([], description="For a table answer (哪个区复工率最高): the facts' ids; "
                                             "GET /chart?ids=… draws them")
    resolved_question: str | None = Field(None, description="The question as understood in its conversation "
                                                            "(那南岸呢 → 南岸复工率多少)")
    conversation_id: str | None = Field(None, description="Send it back with the next question to follow up")


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


class FactOut(BaseModel):
    """One figure the articles give: what it measures, whose it is, when, and where it stands."""

    id: int
    passage_id: str
    source: str
    headline: str | None
    text: str
    value: float | None
    value_max: float | None
    unit: str
    kind: str
    qualifier: str | None
    label: str | None
    metric: str | None
    subject: str | None
    date: str | None
    date_normalised: str | None
    start: int
    end: int
    file_start: int
    file_end: int


class FactsPage(BaseModel):
    """A page of the facts table."""

    total: int
    limit: int
    offset: int
    facts: list[FactOut]


FACT_FILTERS = {"metric", "place", "kind", "limit", "offset"}
FactKind = Literal["percent", "money", "count", "measure", "duration", "ratio", "date", "number"]


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
                engine.warm_up()  # load the model and build BM25 now, not on the first question
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


# ---- guards that run before any route reads the body -------------------------------------------

PUBLIC_PATHS = {"/", "/health", "/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"}
READ_POSTS = {"/ask"}  # a POST that only reads
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def printable(text: str) -> str:
    """Text with control characters shown as \\xNN, safe for a log line."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def key_required(method: str, path: str, settings: ApiSettings, public: set[str]) -> bool:
    """Whether this request needs the API key: always for writes, for reads when configured."""
    if not settings.api_key or path in public:
        return False
    writes = method not in ("GET", "HEAD", "OPTIONS") and path not in READ_POSTS
    return writes or settings.key_for_reads


def key_given(headers: dict[str, str], key: str) -> bool:
    """Constant-time check of Authorization: Bearer … or X-API-Key against the key."""
    given = headers.get("x-api-key") or ""
    auth = headers.get("authorization") or ""
    if auth.lower().startswith("bearer "):
        given = auth[7:].strip()
    return hmac.compare_digest(given.encode("utf-8", "replace"), key.encode("utf-8", "replace"))


class Guard:
    """ASGI middleware: the API key first, then a body-size limit counted as bytes arrive (chunked or not).

    Both answer before a route reads anything, so an unauthorised or oversized body is never buffered.
    """

    def __init__(self, app, settings: ApiSettings, public: set[str], max_body: int = MAX_BODY_BYTES):
        self.app, self.settings, self.public, self.max_body = app, settings, public, max_body

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if key_required(scope["method"], scope["path"], self.settings, self.public) and \
                not key_given(headers, self.settings.api_key):
            return await _send_error(scope, send, 401, "a valid API key is required (Authorization: Bearer … or X-API-Key)")
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            return await _send_error(scope, send, 413, "request body too large", f"the limit is {self.max_body} bytes")
        state = {"received": 0, "rejected": False}

        async def limited_receive():
            message = await receive()
            if message["type"] == "http.request":
                state["received"] += len(message.get("body", b""))
                if state["received"] > self.max_body and not state["rejected"]:
                    state["rejected"] = True
                    await _send_error(scope, send, 413, "request body too large", f"the limit is {self.max_body} bytes")
                    return {"type": "http.disconnect"}  # the route stops reading; nothing more is buffered
            return message

        async def guarded_send(message):
            if not state["rejected"]:  # the 413 is already out; the route's own reply is dropped
                await send(message)

        await self.app(scope, limited_receive, guarded_send)


async def _send_error(scope, send, status: int, error: str, detail=None) -> None:
    rid = scope.get("state", {}).get("request_id") or uuid.uuid4().hex[:12]
    body = json.dumps(ErrorOut(error=error, detail=detail, request_id=rid).model_dump(), ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


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

    def facts_by_ids(self, ids: list[int]):
        """Engine.facts_by_ids on the loaded engine."""
        return self.holder.get().facts_by_ids(ids)


def create_app(engine=None, load: bool = True, extensions=(), holder: EngineHolder | None = None,
               settings: ApiSettings | None = None, conversations: Conversations | None = None) -> FastAPI:
    """The FastAPI application; the engine loads in the background at start-up.

    extensions: objects with a ``router`` (APIRouter), a ``path`` (guarded by the extension itself) and
    async ``start()``/``stop()``, e.g. the Telegram webhook, served on the same app and started with it.
    settings: who may call it (default: from the environment; a bad value raises ConfigError here).
    """
    holder = holder or EngineHolder(engine)
    settings = settings or ApiSettings.from_env()
    conversations = conversations or Conversations()

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
    errors = {401: {"model": ErrorOut}, 413: {"model": ErrorOut}, 422: {"model": ErrorOut}, 503: {"model": ErrorOut}}
    app.add_middleware(Guard, settings=settings, public=PUBLIC_PATHS | {e.path for e in extensions})

    @app.middleware("http")
    async def request_log(request: Request, call_next):
        request.state.request_id = uuid.uuid4().hex[:12]
        started = time.perf_counter()
        try:
            response = await call_next(request)
        except Exception:
            log.exception("request %s failed", request.state.request_id)
            response = _error(request, 500, "internal error")
        response.headers["X-Request-ID"] = request.state.request_id
        log.info("%s %s %d %.0fms id=%s", printable(request.method), printable(request.url.path), response.status_code,
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

    async def answer(question: str, top_k: int, conversation_id: str | None) -> dict:
        from retrieval.engine import QuestionError, check_question

        engine = holder.get()
        conversation_id = conversation_id or new_id()
        try:
            question = check_question(question)
            # The embedding call is CPU-bound: run it off the event loop so /health stays responsive.
            data, turn = await run_in_threadpool(ask_in_conversation, engine.ask, question,
                                                 conversations.get(conversation_id), top_k)
        except QuestionError as exc:
            raise HTTPException(422, str(exc))
        conversations.put(conversation_id, turn)
        data["conversation_id"] = conversation_id
        return data

    @app.post("/ask", response_model=AnswerOut, responses=errors)
    async def ask_post(body: AskRequest):
        """Answer a question (JSON body); send conversation_id back to ask follow-ups."""
        return await answer(body.question, body.top_k, body.conversation_id)

    @app.get("/ask", response_model=AnswerOut, responses=errors)
    async def ask_get(q: Annotated[str, Query(min_length=1, max_length=500, pattern=r"\w")],
                      top_k: Annotated[int, Query(ge=1, le=20)] = 5,
                      conversation_id: Annotated[str | None, Query(max_length=64, pattern=CONVERSATION_ID)] = None):
        """Answer a question (query string, for curl and browsers)."""
        return await answer(q, top_k, conversation_id)

    @app.get("/health", response_model=HealthOut, responses={503: {"model": HealthOut}})
    async def health():
        """Index status; 503 while loading."""
        engine = holder.engine
        if engine is None or not engine.ready:
            status = "error" if holder.error else "loading"
            return JSONResponse(HealthOut(status=status, passages=0, articles=0, model=None,
                                          index_built_at=None).model_dump(), status_code=503)
        return HealthOut(status="ok", passages=len(engine.passages), articles=engine.articles,
                         model=engine.manifest.model, index_built_at=engine.manifest.built_at)

    @app.get("/passages/{passage_id}", response_model=PassageOut, responses={404: {"model": ErrorOut}, **errors})
    async def passage(passage_id: str):
        """One passage with provenance and neighbours."""
        engine = holder.get()
        p = engine.passage(passage_id)
        if p is None:
            raise HTTPException(404, f"no passage {passage_id!r}")
        return PassageOut(id=p.id, source=p.source, title=p.headline, text=p.text, start=p.start, end=p.end,
                          places=p.places, article_places=p.article_places,
                          neighbours=[n.id for n in engine.neighbours(p.id)])

    @app.get("/articles", response_model=list[ArticleOut], responses=errors)
    async def articles():
        """The articles in the index."""
        return holder.get().article_list()

    @app.post("/articles", response_model=ArticleAdded, status_code=201,
              responses={409: {"model": ErrorOut}, 507: {"model": ErrorOut}, **errors})
    async def add_article(body: ArticleIn):
        """Save a UTF-8 article into the corpus folder and index it incrementally."""
        from retrieval.engine import ArticleError, DuplicateArticle
        from retrieval.store import IndexWriteError

        engine = holder.get()
        try:
            new = await run_in_threadpool(engine.add_article, body.source, body.text)
        except DuplicateArticle as exc:
            raise HTTPException(409, str(exc))
        except ArticleError as exc:
            raise HTTPException(422, str(exc))
        except IndexWriteError as exc:
            log.error("adding %s failed: %s", printable(body.source), exc)
            raise HTTPException(507, f"the article was not added: {exc}")
        source = new[0].source if new else body.source
        return ArticleAdded(source=source, passages=len(new), ids=[p.id for p in new])

    @app.get("/facts", response_model=FactsPage, responses=errors)
    async def facts(request: Request, metric: Annotated[str | None, Query(max_length=50)] = None,
                    place: Annotated[str | None, Query(max_length=50)] = None, kind: FactKind | None = None,
                    limit: Annotated[int, Query(ge=1, le=1000)] = 100, offset: Annotated[int, Query(ge=0)] = 0):
        """Every figure the articles give, filtered by metric (synonyms match), place and kind; paginated."""
        unknown = sorted(set(request.query_params) - FACT_FILTERS)
        if unknown:
            raise HTTPException(422, f"unknown filter {', '.join(unknown)}; use {', '.join(sorted(FACT_FILTERS))}")
        rows, total = await run_in_threadpool(holder.get().state.facts.query, metric, place, kind, limit, offset)
        return FactsPage(total=total, limit=limit, offset=offset, facts=[FactOut(**f.to_dict()) for f in rows])

    @app.get("/chart", response_class=Response, responses={200: {"content": {"image/png": {}}}, 404: {"model": ErrorOut},
                                                          **errors})
    async def chart(request: Request, ids: Annotated[str | None, Query(max_length=2000, pattern=r"^\d+(,\d+)*$")] = None,
                    metric: Annotated[str | None, Query(max_length=50)] = None,
                    place: Annotated[str | None, Query(max_length=50)] = None, kind: FactKind | None = None):
        """A bar chart (PNG) of the figures with these fact ids, or of those matching metric/place/kind."""
        from bot.charts import cjk_font, facts_chart

        unknown = sorted(set(request.query_params) - {"ids", "metric", "place", "kind"})
        if unknown:
            raise HTTPException(422, f"unknown parameter {', '.join(unknown)}")
        if cjk_font() is None:
            raise HTTPException(503, "no font with Chinese glyphs is installed on the server (e.g. fonts-wqy-microhei)")
        facts = holder.get().state.facts
        if ids:
            wanted = [int(i) for i in ids.split(",")][:50]
            rows = [f for f in (await run_in_threadpool(facts.by_ids, wanted))]
        else:
            rows, _ = await run_in_threadpool(facts.query, metric, place, kind, 50, 0)
        png = await run_in_threadpool(facts_chart, rows, metric or "、".join(sorted({f.label or "" for f in rows}))[:40])
        if png is None:
            raise HTTPException(404, "fewer than 3 comparable figures: nothing to chart")
        return Response(png, media_type="image/png")

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def page():
        """The chat page."""
        return resources.files("bot").joinpath("static/index.html").read_text("utf-8")

    return app

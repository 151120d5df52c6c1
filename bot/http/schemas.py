"""The HTTP contract: pydantic request and response models (the one answer contract every face shares)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_BODY_BYTES = 1_000_000


# ---- the contract --------------------------------------------------------------------------

CONVERSATION_ID = r"^[A-Za-z0-9_-]{1,64}$"
# Some character that is not a space. A JSON Schema pattern is an ECMAScript regex, whose \s leaves out U+0085 (NEL),
# a space to pydantic's regex and Python's: named here, a client validating by the schema and the server agree.
NOT_BLANK = r"[^\s\u0085]"


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
    model_licence: str | None = None
    index_built_at: str | None
    store: Literal["faiss", "milvus"] | None = None  # where passages are searched


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
    text: str = Field(min_length=1, max_length=MAX_BODY_BYTES, pattern=NOT_BLANK,
                      description="The article, UTF-8 text")


class ArticleAdded(BaseModel):
    """What indexing a new article produced."""

    source: str
    passages: int
    ids: list[str]


class ArticlesIn(BaseModel):
    """Several new articles at once (the whole body stays under the 1 MB limit)."""

    model_config = ConfigDict(extra="forbid")
    articles: list[ArticleIn] = Field(min_length=1, max_length=200)


class ArticleResult(BaseModel):
    """What happened to one article of a batch: added, or why not."""

    source: str
    status: Literal["added", "duplicate", "invalid", "not written"]
    passages: int = 0
    error: str | None = None


class ArticlesAdded(BaseModel):
    """One result per article of the batch, in the order sent."""

    added: int
    results: list[ArticleResult]


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


# Error statuses every route may answer (declared in the OpenAPI page).
ERRORS = {401: {"model": ErrorOut}, 413: {"model": ErrorOut}, 422: {"model": ErrorOut}, 503: {"model": ErrorOut}}

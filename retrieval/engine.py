"""The retrieval core in one object: corpus → passages → indexes → ranked passages (→ answers)."""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from retrieval import store
from retrieval.bm25 import BM25Index
from retrieval.config import Settings
from retrieval.corpus import SourceFile, read_corpus, split_articles
from retrieval.dense import DenseIndex
from retrieval.passages import Passage, chunk_article
from retrieval.search import Hit, Searcher

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 500


class QuestionError(ValueError):
    """The question cannot be asked as it is (empty, too long, no words)."""


def check_question(question: object) -> str:
    """Return the question stripped, or raise QuestionError saying what is wrong with it."""
    if not isinstance(question, str):
        raise QuestionError("the question must be text")
    text = question.strip()
    if not text:
        raise QuestionError("the question is empty")
    if len(text) > MAX_QUESTION_CHARS:
        raise QuestionError(f"the question is {len(text)} characters long; the limit is {MAX_QUESTION_CHARS}")
    if not re.search(r"\w", text):
        raise QuestionError("the question has no words, only punctuation or symbols")
    return text


class ArticleError(ValueError):
    """An article cannot be added (bad name, duplicate, empty)."""


@dataclass
class BuildReport:
    """What opening the index did."""

    rebuilt: bool
    reason: str | None
    articles: int
    passages: int
    seconds: float


def passages_of(files: list[SourceFile]) -> tuple[list[Passage], int]:
    """All passages of the files and how many articles they came from."""
    passages, articles = [], 0
    for f in files:
        for article in split_articles(f):
            articles += 1
            passages.extend(chunk_article(article))
    return passages, articles


class Engine:
    """Loads (or builds) the index once and answers searches from it; safe to share across threads."""

    def __init__(self, settings: Settings | None = None, embedder=None, warn=log.warning):
        self.settings = settings or Settings.from_env()
        self._embedder = embedder
        self.warn = warn
        self.passages: list[Passage] = []
        self.manifest: dict = {}
        self.articles = 0
        self._dense: DenseIndex | None = None
        self._searcher: Searcher | None = None
        self._corpus_text: str | None = None
        self._lazy_lock = threading.Lock()
        self._write_lock = threading.Lock()

    @property
    def embedder(self):
        """The embedding model, created on first use."""
        if self._embedder is None:
            from embeddings import Embedder

            self._embedder = Embedder()
        return self._embedder

    def open(self, rebuild: bool = False, progress: bool = False) -> BuildReport:
        """Load the stored index, rebuilding it when missing, stale, corrupt, or asked to."""
        started = time.perf_counter()
        files = read_corpus(self.settings.corpus_dir, warn=self.warn)
        fingerprint = store.corpus_fingerprint(files)
        folder = self.settings.index_dir
        manifest = store.read_manifest(folder)
        reason = "rebuild requested" if rebuild else store.stale_reason(manifest, self.embedder.name, fingerprint)
        stored = None
        if reason is None:
            try:
                stored = store.load(folder, manifest)
            except store.IndexError_ as exc:
                reason = str(exc)
                self.warn(f"index at {folder}: {reason}; rebuilding")
        if stored is None:
            stored = self._build(files, fingerprint, progress)
        self._install(stored)
        self.articles = len({(p.source, p.article) for p in self.passages})
        return BuildReport(stored is not None and reason is not None, reason, self.articles, len(self.passages),
                           time.perf_counter() - started)

    def _build(self, files: list[SourceFile], fingerprint: str, progress: bool) -> store.StoredIndex:
        passages, _ = passages_of(files)
        vectors = self.embedder.encode([p.index_text for p in passages], progress=progress)
        if not len(passages):
            import numpy as np

            vectors = np.zeros((0, self.embedder.dimension), dtype="float32")
        dense = DenseIndex.build(vectors)
        manifest = store.save(self.settings.index_dir, passages, dense, self.embedder.name,
                              self.embedder.dimension, fingerprint, [f.name for f in files])
        return store.StoredIndex(manifest, passages, dense)

    def _install(self, stored: store.StoredIndex) -> None:
        self.passages = stored.passages
        self.manifest = stored.manifest
        self._by_id = {p.id: i for i, p in enumerate(self.passages)}
        self.known_places = {place for p in self.passages for place in (*p.places, *p.article_places)}
        # The BM25 side and the corpus text need jieba and OpenCC (a second or two): built on first search,
        # so `newsqa index` on a current index stays fast.
        with self._lazy_lock:
            self._dense, self._searcher, self._corpus_text = stored.dense, None, None

    @property
    def ready(self) -> bool:
        """True once an index is loaded."""
        return self._dense is not None

    @property
    def searcher(self) -> Searcher:
        """The ranking over the loaded passages (BM25 built on first use)."""
        if self._dense is None:
            self.open()
        with self._lazy_lock:
            if self._searcher is None:
                self._searcher = Searcher(self.passages, BM25Index([p.index_text for p in self.passages]), self._dense)
            return self._searcher

    @property
    def corpus_text(self) -> str:
        """Every passage's indexed text, simplified: what the corpus can talk about."""
        with self._lazy_lock:
            if self._corpus_text is None:
                from retrieval.tokenizer import simplify

                self._corpus_text = simplify("\n".join(p.index_text for p in self.passages))
            return self._corpus_text

    def search(self, question: str, top_k: int = 5, mode: str = "hybrid") -> list[Hit]:
        """The top_k passages for a question (validated first)."""
        question = check_question(question)
        searcher = self.searcher
        vector = self.embedder.encode_query(question) if mode != "bm25" else None
        return searcher.rank(question, vector, mode=mode, top_k=top_k)

    def ask(self, question: str, top_k: int = 5, mode: str = "hybrid"):
        """The Answer to a question: numbers traced to cited passages, or an honest abstention."""
        from retrieval.answer import build_answer

        hits = self.search(question, top_k=top_k, mode=mode)
        return build_answer(question.strip(), hits, self.known_places, self.corpus_text)

    def passage(self, passage_id: str) -> Passage | None:
        """The passage with this id, or None."""
        i = self._by_id.get(passage_id)
        return None if i is None else self.passages[i]

    def neighbours(self, passage_id: str) -> list[Passage]:
        """The passages before and after this one in the same article."""
        i = self._by_id.get(passage_id)
        if i is None:
            return []
        p = self.passages[i]
        return [q for q in (self.passages[i - 1] if i > 0 else None,
                            self.passages[i + 1] if i + 1 < len(self.passages) else None)
                if q is not None and q.source == p.source and q.article == p.article]

    def article_list(self) -> list[dict]:
        """Articles in the index: source, headline, passage count."""
        seen: dict[tuple[str, int], dict] = {}
        for p in self.passages:
            entry = seen.setdefault((p.source, p.article), {"source": p.source, "headline": p.headline, "passages": 0})
            entry["passages"] += 1
        return list(seen.values())

    def add_article(self, name: str, text: str) -> list[Passage]:
        """Save a new UTF-8 article into the corpus folder and index it without a full rebuild."""
        name = name.strip()
        if not re.fullmatch(r"[\w\-][\w\-. ]{0,119}", name):
            raise ArticleError("the name may use letters, digits, '-', '_', '.' and spaces (at most 120)")
        if not name.endswith(".txt"):
            name += ".txt"
        if not text or not text.strip():
            raise ArticleError("the article text is empty")
        with self._write_lock:
            path = self.settings.corpus_dir / name
            if path.exists() or any(p.source == name for p in self.passages):
                raise ArticleError(f"an article named {name} already exists")
            self.settings.corpus_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(text, "utf-8")
            source = read_corpus_file(path)
            new, _ = passages_of([source])
            dense = self._dense
            if new:
                dense.add(self.embedder.encode([p.index_text for p in new]))
            passages = self.passages + new
            files = read_corpus(self.settings.corpus_dir, warn=self.warn)
            manifest = store.save(self.settings.index_dir, passages, dense, self.embedder.name,
                                  self.embedder.dimension, store.corpus_fingerprint(files), [f.name for f in files])
            self._install(store.StoredIndex(manifest, passages, dense))
            self.articles = len({(p.source, p.article) for p in self.passages})
            return new


def read_corpus_file(path: Path) -> SourceFile:
    """One corpus file as SourceFile (it was just written as UTF-8)."""
    import hashlib

    data = path.read_bytes()
    return SourceFile(path.name, data.decode("utf-8-sig"), hashlib.sha256(data).hexdigest())


def in_memory_searcher(texts: list[str], embedder, progress: bool = False) -> tuple[Searcher, list[Passage]]:
    """A searcher over plain documents (one passage each), for external benchmarks; nothing is written."""
    from retrieval.places import gazetteer

    passages = [Passage(str(i), "benchmark", 0, len(t), t, None, gazetteer().find(t)[:3], [], i) for i, t in enumerate(texts)]
    vectors = embedder.encode([p.index_text for p in passages], progress=progress)
    return Searcher(passages, BM25Index([p.index_text for p in passages]), DenseIndex.build(vectors)), passages

"""The loaded index as one immutable snapshot: passages, vectors, manifest, facts, and (lazily) BM25."""

from __future__ import annotations

import threading
from typing import Callable

from retrieval.facts import FactStore
from retrieval.index import store
from retrieval.index.bm25 import BM25Index
from retrieval.index.dense import DenseIndex
from retrieval.index.search import BM25_WEIGHT, Searcher
from retrieval.index.tokens import TokenizedCorpus
from retrieval.ingest.passages import Passage


class IndexState:
    """One consistent, never-mutated view of the index: passages, vectors, manifest, and (lazily) BM25.

    Searches take a reference to one state and use only it; an update builds a new state beside the
    live one and swaps it in with a single assignment, so a reader never sees passages and vectors
    of different sizes.
    """

    def __init__(self, stored: store.StoredIndex, facts: FactStore, bm25_weight: float = BM25_WEIGHT,
                 make_searcher: Callable[[list[Passage], TokenizedCorpus | None], Searcher] | None = None):
        self.passages = stored.passages
        self._make_searcher = make_searcher
        self.bm25_weight = bm25_weight
        self.facts = facts
        self.manifest = stored.manifest
        self.dense = stored.dense
        self.tokens = stored.tokens  # the passages' stored tokens (None: tokenised when BM25 is first built)
        self.by_id = {p.id: i for i, p in enumerate(self.passages)}
        self.known_places = {place for p in self.passages for place in (*p.places, *p.article_places)}
        self.articles = len({(p.source, p.article) for p in self.passages})
        self.sources = {p.source for p in self.passages}
        self._searcher: Searcher | None = None
        self._lock = threading.Lock()

    @property
    def searcher(self) -> Searcher:
        """The ranking over this state's passages; BM25 is built on first use, from the stored tokens (or with
        jieba, ~2,000 passages/s, when there are none), or the store's own searcher when another store such as
        Milvus does the searching."""
        with self._lock:
            if self._searcher is None and self._make_searcher is not None:
                self._searcher = self._make_searcher(self.passages, self.tokens)
            elif self._searcher is None:
                bm25 = BM25Index(self.tokens if self.tokens is not None else [p.index_text for p in self.passages])
                self.tokens = bm25.tokens
                self._searcher = Searcher(self.passages, bm25, self.dense, self.bm25_weight)
            return self._searcher


def in_memory_searcher(texts: list[str], embedder, progress: bool = False) -> tuple[Searcher, list[Passage]]:
    """A searcher over plain documents (one passage each), for external benchmarks; nothing is written."""
    from retrieval.language.places import gazetteer

    passages = [Passage(str(i), "benchmark", 0, len(t), t, None, gazetteer().find(t)[:3], [], i) for i, t in enumerate(texts)]
    vectors = embedder.encode([p.index_text for p in passages], progress=progress)
    return (Searcher(passages, BM25Index([p.index_text for p in passages]), DenseIndex.build(vectors),
                     getattr(embedder, "bm25_weight", None) or BM25_WEIGHT), passages)

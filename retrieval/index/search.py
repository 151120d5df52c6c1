"""Hybrid ranking: BM25 and dense scores fused, then weighed by place (綦江 ≠ 南岸) and metric."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from retrieval.index.bm25 import BM25Index
from retrieval.index.dense import DenseIndex
from retrieval.ingest.passages import Passage
from retrieval.language.metrics import SPECIFIC, find_metrics
from retrieval.language.places import GENERIC, gazetteer
from retrieval.language.tokenizer import simplify

MODES = ("bm25", "dense", "hybrid")
BM25_WEIGHT = 0.9  # BM25's share of the fused score unless the model brings its own (embeddings.registry)
OTHER_PLACE = 0.55  # a passage about another district, when the question names one
NO_PLACE = 0.8  # a passage that names no place of the question's kind
METRIC_BONUS = 1.15  # the passage names the metric asked about
# A store that searches approximately (Milvus, FAISS HNSW) gives this many passages by words and as many by
# meaning; the fused ranking, place and metric factors run on their union (on the bundled corpus: every passage).
CANDIDATES = 200
# Passages whose cosines estimate each query's median cosine, which the dense normalisation needs, when only
# some passages are scored (exact when the corpus has no more passages than this).
REFERENCE_SAMPLE = 512


@dataclass(frozen=True)
class QueryContext:
    """What ranking weighs besides words and vectors: the specific places and metrics a question names."""

    places: tuple[str, ...] = ()
    metrics: tuple[str, ...] = ()

    @classmethod
    def of(cls, question: str) -> "QueryContext":
        """Read the places and metrics from the question text (when no analysis was handed in)."""
        text = simplify(question)
        return cls(tuple(p for p in gazetteer().find(text) if p not in GENERIC), tuple(find_metrics(text)))


@dataclass
class CandidateScores:
    """The passages a search scored (positions in the passage list) and their raw BM25 and cosine scores."""

    rows: np.ndarray
    bm25: np.ndarray
    dense: np.ndarray
    # The query's median cosine over the whole corpus, when the scores cover only some passages.
    dense_reference: float | None = None


@dataclass
class Hit:
    """One ranked passage with the scores that put it there."""

    passage: Passage
    score: float
    bm25: float
    dense: float
    # The BM25 score as a share of what the question's words could reach (BM25Index.attainable): raw scores grow
    # with the log of the corpus size, the share barely moves, so a decider fitted on one corpus reads it on another.
    bm25_share: float = 0.0


def _normalise(scores: np.ndarray) -> np.ndarray:
    top = float(scores.max()) if len(scores) else 0.0
    if top <= 0:
        return np.zeros_like(scores)
    return np.clip(scores, 0, None) / top


def _dense_normalise(scores: np.ndarray, reference: float | None = None) -> np.ndarray:
    # Cosine scores of a Chinese model sit in a narrow band (0.6–0.9); stretch from the corpus median up.
    if not len(scores):
        return scores
    low = float(np.median(scores)) if reference is None else reference
    top = float(scores.max())
    if top - low < 1e-6:
        return np.zeros_like(scores)
    return np.clip((scores - low) / (top - low), 0, None)


class Searcher:
    """Ranks passages for a question with BM25, dense vectors, or both (in process: numpy BM25 and FAISS)."""

    def __init__(self, passages: list[Passage], bm25: BM25Index | None, dense: DenseIndex | None,
                 bm25_weight: float = BM25_WEIGHT):
        self.passages = passages
        self.bm25_weight = bm25_weight
        self.bm25 = bm25
        self.dense = dense
        # Per-passage places and metrics, computed once: a query only combines boolean masks.
        self._named = [set(p.places) | set(p.article_places) for p in passages]
        self._specific_place = np.array([bool(named - GENERIC) for named in self._named])
        self._metrics = [set(find_metrics(p.text)) for p in passages]

    def _mask(self, sets: list[set], wanted: list[str]) -> np.ndarray:
        wanted_set = set(wanted)
        return np.fromiter((bool(s & wanted_set) for s in sets), dtype=bool, count=len(sets))

    def word_weight(self, word: str) -> float:
        """A question word's weight for matching (length × IDF over this corpus's passages)."""
        return self.bm25.word_weight(word)

    def document_frequency(self, word: str) -> int:
        """How many passages contain the word as a token."""
        return self.bm25.terms.document_frequency(word)

    def attainable(self, question: str) -> float:
        """The BM25 score a passage could at most approach for the question (the sum of its words' IDFs)."""
        return self.bm25.attainable(question) if self.bm25 is not None else 0.0

    def spelled(self, pinyin: str) -> tuple[str, ...]:
        """The passages' words written so in toneless pinyin (kangtian → 康田)."""
        return self.bm25.terms.spelled(pinyin)

    def _context_factor(self, context: QueryContext, rows: np.ndarray) -> np.ndarray:
        """Multiplier of each scored passage (rows) from the places and metrics the question names."""
        factor = np.ones(len(rows), dtype=np.float32)
        if context.places:
            about = self._mask([self._named[i] for i in rows], list(context.places))
            factor[~about] = np.where(self._specific_place[rows][~about], OTHER_PLACE, NO_PLACE)
        metrics = [m for m in context.metrics if m in SPECIFIC]
        if metrics:
            factor[self._mask([self._metrics[i] for i in rows], metrics)] *= METRIC_BONUS
        return factor

    def scores(self, question: str, query_vector: np.ndarray | None, mode: str) -> CandidateScores:
        """Raw BM25 and cosine scores of every passage; with an approximate vector index (HNSW), of the top
        CANDIDATES passages by BM25 and as many nearest by vector (a store that searches elsewhere returns its
        top ones)."""
        n = len(self.passages)
        bm25 = self.bm25.scores(question) if mode != "dense" else np.zeros(n, dtype=np.float32)
        if mode == "bm25":
            return CandidateScores(np.arange(n), bm25, np.zeros(n, dtype=np.float32))
        if not self.dense.approximate:
            return CandidateScores(np.arange(n), bm25, self.dense.scores(query_vector))
        limit = min(CANDIDATES, n)
        by_words = np.argpartition(-bm25, limit - 1)[:limit] if mode != "dense" else np.zeros(0, dtype=np.int64)
        rows = np.union1d(by_words, self.dense.nearest(query_vector, limit))
        reference = self.median_cosine(query_vector) if mode == "hybrid" else None  # only the fusion normalises
        return CandidateScores(rows, bm25[rows], self.dense.cosines(query_vector, rows), reference)

    def median_cosine(self, query_vector: np.ndarray) -> float | None:
        """The query's median cosine over a fixed sample of passages, for when only some passages are scored."""
        sample = self._reference_vectors
        return float(np.median(sample @ np.asarray(query_vector, dtype=np.float32).reshape(-1))) if len(sample) else None

    def _reference_positions(self) -> np.ndarray:
        """Evenly spaced passages: deterministic, spread over the corpus; all of them in a small one."""
        return np.arange(0, len(self.passages), max(1, len(self.passages) // REFERENCE_SAMPLE))[:REFERENCE_SAMPLE]

    @cached_property
    def _reference_vectors(self) -> np.ndarray:
        """The sample's vectors, read once per searcher."""
        return self.dense.vectors(self._reference_positions())

    def rank(self, question: str, query_vector: np.ndarray | None, mode: str = "hybrid", top_k: int = 5,
             context: QueryContext | None = None) -> list[Hit]:
        """The top_k passages for question; query_vector is needed for dense and hybrid modes; context is the
        question's places and metrics when the caller has analysed it already (else read from the text)."""
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")
        if not self.passages:
            return []
        s = self.scores(question, query_vector, mode)
        if mode == "bm25":
            fused = s.bm25.copy()
        elif mode == "dense":
            fused = s.dense.copy()
        else:
            fused = (self.bm25_weight * _normalise(s.bm25)
                     + (1 - self.bm25_weight) * _dense_normalise(s.dense, s.dense_reference))
            fused = fused * self._context_factor(context or QueryContext.of(question), s.rows)
        # Ties keep passage order, whichever store scored them.
        order = np.lexsort((s.rows, -fused))[:top_k]
        attainable = self.attainable(question) if mode != "dense" else 0.0
        return [Hit(self.passages[s.rows[j]], float(fused[j]), float(s.bm25[j]), float(s.dense[j]),
                    float(s.bm25[j]) / attainable if attainable > 0 else 0.0) for j in order]

"""Hybrid ranking: BM25 and dense scores fused, then weighed by place (綦江 ≠ 南岸) and metric."""

from __future__ import annotations

from dataclasses import dataclass

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
class Hit:
    """One ranked passage with the scores that put it there."""

    passage: Passage
    score: float
    bm25: float
    dense: float


def _normalise(scores: np.ndarray) -> np.ndarray:
    top = float(scores.max()) if len(scores) else 0.0
    if top <= 0:
        return np.zeros_like(scores)
    return np.clip(scores, 0, None) / top


def _dense_normalise(scores: np.ndarray) -> np.ndarray:
    # Cosine scores of a Chinese model sit in a narrow band (0.6–0.9); stretch from the median up.
    if not len(scores):
        return scores
    low, top = float(np.median(scores)), float(scores.max())
    if top - low < 1e-6:
        return np.zeros_like(scores)
    return np.clip((scores - low) / (top - low), 0, None)


class Searcher:
    """Ranks passages for a question with BM25, dense vectors, or both."""

    def __init__(self, passages: list[Passage], bm25: BM25Index, dense: DenseIndex, bm25_weight: float = BM25_WEIGHT):
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

    def _context_factor(self, context: QueryContext) -> np.ndarray:
        """Per-passage multiplier from the places and metrics the question names."""
        factor = np.ones(len(self.passages), dtype=np.float32)
        if context.places:
            about = self._mask(self._named, list(context.places))
            factor[~about] = np.where(self._specific_place[~about], OTHER_PLACE, NO_PLACE)
        metrics = [m for m in context.metrics if m in SPECIFIC]
        if metrics:
            factor[self._mask(self._metrics, metrics)] *= METRIC_BONUS
        return factor

    def rank(self, question: str, query_vector: np.ndarray | None, mode: str = "hybrid", top_k: int = 5,
             context: QueryContext | None = None) -> list[Hit]:
        """The top_k passages for question; query_vector is needed for dense and hybrid modes; context is the
        question's places and metrics when the caller has analysed it already (else read from the text)."""
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")
        n = len(self.passages)
        if n == 0:
            return []
        bm25 = self.bm25.scores(question) if mode != "dense" else np.zeros(n, dtype=np.float32)
        dense = self.dense.scores(query_vector) if mode != "bm25" else np.zeros(n, dtype=np.float32)
        if mode == "bm25":
            fused = bm25.copy()
        elif mode == "dense":
            fused = dense.copy()
        else:
            fused = self.bm25_weight * _normalise(bm25) + (1 - self.bm25_weight) * _dense_normalise(dense)
        if mode == "hybrid":
            fused = fused * self._context_factor(context or QueryContext.of(question))
        order = np.argsort(-fused, kind="stable")[:top_k]
        return [Hit(self.passages[i], float(fused[i]), float(bm25[i]), float(dense[i])) for i in order]

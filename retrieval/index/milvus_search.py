"""Hybrid ranking with Milvus doing the searching: its BM25 and vector top passages, fused and weighed here."""

from __future__ import annotations

import threading
from functools import cached_property

import numpy as np

from retrieval.index.bm25 import TermWeights
from retrieval.index.milvus import MilvusStore
from retrieval.index.search import BM25_WEIGHT, CANDIDATES, CandidateScores, Searcher
from retrieval.index.tokens import TokenizedCorpus
from retrieval.ingest.passages import Passage


class MilvusSearcher(Searcher):
    """The same fusion, place and metric factors as the in-process Searcher, over Milvus' top candidates.

    Milvus returns the best CANDIDATES passages by BM25 and as many by cosine; a passage missing from one
    list scores 0 there (it is below that list's last score). BM25 is normalised by its maximum, which is
    always among the candidates; the cosine's median reference comes from a fixed sample of stored vectors.
    """

    def __init__(self, passages: list[Passage], store: MilvusStore, bm25_weight: float = BM25_WEIGHT,
                 candidates: int = CANDIDATES, tokens: TokenizedCorpus | None = None):
        """tokens: the passages' words as Milvus stores them (else the passages are tokenised on first use)."""
        super().__init__(passages, None, None, bm25_weight)
        self.store = store
        self.candidates = candidates
        self._by_id = {p.id: i for i, p in enumerate(passages)}
        self._tokens = tokens
        self._terms: TermWeights | None = None
        self._lock = threading.Lock()

    def _term_weights(self) -> TermWeights:
        with self._lock:  # the passages' words are counted on first use
            if self._terms is None and self._tokens is not None and len(self._tokens) == len(self.passages):
                self._terms = TermWeights.of_tokens(self._tokens)
            elif self._terms is None:
                self._terms = TermWeights.of_texts([p.index_text for p in self.passages])
        return self._terms

    def word_weight(self, word: str) -> float:
        """A question word's weight (length × IDF)."""
        return self._term_weights().word_weight(word)

    def document_frequency(self, word: str) -> int:
        """How many passages contain the word as a token."""
        return self._term_weights().document_frequency(word)

    def spelled(self, pinyin: str) -> tuple[str, ...]:
        """The passages' words written so in toneless pinyin (kangtian → 康田)."""
        return self._term_weights().spelled(pinyin)

    def attainable(self, question: str) -> float:
        """The BM25 score a passage could at most approach (Milvus' scores are put on the in-process scale)."""
        return self._term_weights().attainable(question)

    @cached_property
    def _reference_vectors(self) -> np.ndarray:
        """The sample's vectors, read from Milvus once per searcher."""
        return self.store.vectors([self.passages[i].id for i in self._reference_positions()])

    def scores(self, question: str, query_vector: np.ndarray | None, mode: str) -> CandidateScores:
        """Scores of Milvus' top passages by words and by vector (ids this state does not know are left out:
        they belong to an article added after it)."""
        limit = min(self.candidates, len(self.passages))
        words = self.store.search_words(question, limit) if mode != "dense" else []
        vectors = self.store.search_vector(query_vector, limit) if mode != "bm25" else []
        rows: dict[int, list[float]] = {}
        for column, hits in ((0, words), (1, vectors)):
            for pid, score in hits:
                i = self._by_id.get(pid)
                if i is not None:
                    rows.setdefault(i, [0.0, 0.0])[column] = score
        order = np.fromiter(rows, dtype=np.int64, count=len(rows))
        table = np.asarray([rows[i] for i in order], dtype=np.float32).reshape(-1, 2)
        reference = self.median_cosine(query_vector) if mode == "hybrid" and len(order) else None
        return CandidateScores(order, table[:, 0], table[:, 1], reference)

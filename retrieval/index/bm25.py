"""Lexical side of the search: BM25 over jieba tokens, via bm25s's sparse matrices."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np

from retrieval.language.pinyin import spelling_index
from retrieval.language.tokenizer import tokenize


class TermWeights:
    """How telling each word is, from how many passages contain it (document frequencies)."""

    def __init__(self, documents: list[list[str]]):
        self._size = len(documents)
        self._df = Counter(token for doc in documents for token in set(doc))
        self._spellings: dict[str, tuple[str, ...]] | None = None

    @classmethod
    def of_texts(cls, texts: list[str]) -> "TermWeights":
        """Document frequencies of the texts' tokens."""
        return cls([tokenize(t) for t in texts])

    def idf(self, word: str) -> float:
        """log(1 + N / (df + 1)), df counted over passages containing the word as a token."""
        return math.log(1.0 + self._size / (self._df.get(word, 0) + 1.0))

    def document_frequency(self, word: str) -> int:
        """How many passages contain the word as a token."""
        return self._df.get(word, 0)

    def spelled(self, pinyin: str) -> tuple[str, ...]:
        """The passages' words written so in toneless pinyin (kangtian → 康田); the index is built on first use."""
        if self._spellings is None:
            self._spellings = spelling_index(self._df)
        return self._spellings.get(pinyin, ())

    def word_weight(self, word: str) -> float:
        """A question word's weight for matching: its length times its IDF (rare, long words say most)."""
        return len(word) * self.idf(word)


class BM25Index:
    """BM25 scores for every passage, from a sparse term matrix built once."""

    def __init__(self, texts: list[str], k1: float = 1.2, b: float = 0.75):
        import bm25s

        self._size = len(texts)
        self._model = bm25s.BM25(k1=k1, b=b)
        corpus = [tokenize(t) or [""] for t in texts]
        self.terms = TermWeights(corpus)
        if self._size:
            self._model.index(corpus, show_progress=False)

    def __len__(self) -> int:
        return self._size

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every passage for query (zeros when no query word is in the corpus)."""
        if not self._size:
            return np.zeros(0, dtype=np.float32)
        vocab = self._model.vocab_dict
        tokens = [t for t in tokenize(query) if t in vocab]
        if not tokens:
            return np.zeros(self._size, dtype=np.float32)
        return np.asarray(self._model.get_scores(tokens), dtype=np.float32)

    def word_weight(self, word: str) -> float:
        """A question word's weight for matching (see TermWeights)."""
        return self.terms.word_weight(word)

"""Lexical side of the search: BM25 over jieba tokens, as a sparse word × passage matrix built with numpy.

The scores are bm25s's Lucene variant to the float32 digit (tests compare them); building from stored token
ids in a few vectorised passes instead of bm25s's per-passage loop makes a restart cost seconds, not minutes.
"""

from __future__ import annotations

import math

import numpy as np

from retrieval.index.tokens import TokenizedCorpus
from retrieval.language.pinyin import spelling_index
from retrieval.language.tokenizer import tokenize


def lucene_idf(size: int, df):
    """BM25's (Lucene) IDF, log(1 + (N - df + 0.5) / (df + 0.5)), of one document frequency or an array of them."""
    return np.log(1.0 + (size - df + 0.5) / (df + 0.5))


class TermWeights:
    """How telling each word is, from how many passages contain it (document frequencies)."""

    def __init__(self, size: int, document_frequencies: dict[str, int]):
        self._size = size
        self._df = document_frequencies
        self._spellings: dict[str, tuple[str, ...]] | None = None

    @classmethod
    def of_texts(cls, texts: list[str]) -> "TermWeights":
        """Document frequencies of the texts' tokens."""
        return cls.of_tokens(TokenizedCorpus.of_texts(texts))

    @classmethod
    def of_tokens(cls, tokens: TokenizedCorpus) -> "TermWeights":
        """Document frequencies of a tokenised corpus."""
        return cls(len(tokens), tokens.document_frequencies())

    def idf(self, word: str) -> float:
        """log(1 + N / (df + 1)), df counted over passages containing the word as a token."""
        return math.log(1.0 + self._size / (self._df.get(word, 0) + 1.0))

    def document_frequency(self, word: str) -> int:
        """How many passages contain the word as a token."""
        return self._df.get(word, 0)

    def bm25_idf(self, word: str) -> float:
        """BM25's IDF of a word (lucene_idf, as the index weighs it); a word no passage uses has df 0."""
        return float(lucene_idf(self._size, self._df.get(word, 0)))

    def attainable(self, query: str) -> float:
        """The BM25 score a passage saying every query word endlessly would approach: the sum of their IDFs,
        counted as scores() counts them (twice for a word said twice; words the corpus never uses too, so a
        question about what no passage names reaches a small share of it)."""
        return sum(self.bm25_idf(token) for token in tokenize(query))

    def spelled(self, pinyin: str) -> tuple[str, ...]:
        """The passages' words written so in toneless pinyin (kangtian → 康田); the index is built on first use."""
        if self._spellings is None:
            self._spellings = spelling_index(self._df)
        return self._spellings.get(pinyin, ())

    def word_weight(self, word: str) -> float:
        """A question word's weight for matching: its length times its IDF (rare, long words say most)."""
        return len(word) * self.idf(word)


class BM25Index:
    """BM25 scores for every passage, from a sparse word × passage matrix built once (Lucene's variant:
    idf = log(1 + (N - df + 0.5) / (df + 0.5)), tf / (tf + k1 (1 - b + b · length / mean length)))."""

    def __init__(self, corpus: list[str] | TokenizedCorpus, k1: float = 1.2, b: float = 0.75):
        """corpus: the passages' texts, or their tokens as stored beside the index (then jieba is not run)."""
        self.tokens = corpus if isinstance(corpus, TokenizedCorpus) else TokenizedCorpus.of_texts(corpus)
        self._size = len(self.tokens)
        self._vocab = {word: i for i, word in enumerate(self.tokens.vocab)}
        words, self._passages, counts = self.tokens.word_counts()
        df = np.bincount(words, minlength=len(self._vocab))
        self.terms = TermWeights(self._size, {w: int(n) for w, n in zip(self.tokens.vocab, df) if n})
        # Column w of the matrix: passages _passages[_starts[w]:_starts[w + 1]] with weights _weights[same].
        self._starts = np.concatenate([[0], np.cumsum(df)])
        self._weights = np.zeros(0, dtype=np.float32)
        if self._size:
            lengths = np.diff(self.tokens.offsets)
            idf = lucene_idf(self._size, df)
            norm = k1 * ((1.0 - b) + b * lengths / lengths.mean())
            self._weights = (idf[words] * counts / (counts + norm[self._passages])).astype(np.float32)

    def __len__(self) -> int:
        return self._size

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every passage for query (zeros when no query word is in the corpus); a word the query
        says twice counts twice."""
        out = np.zeros(self._size, dtype=np.float32)
        for token in tokenize(query):
            w = self._vocab.get(token)
            if w is not None:
                column = slice(self._starts[w], self._starts[w + 1])
                out[self._passages[column]] += self._weights[column]  # a passage appears once per column
        return out

    def word_weight(self, word: str) -> float:
        """A question word's weight for matching (see TermWeights)."""
        return self.terms.word_weight(word)

    def attainable(self, query: str) -> float:
        """The score a passage could at most approach for query (see TermWeights.attainable)."""
        return self.terms.attainable(query)

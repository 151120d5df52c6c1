"""The corpus tokenised once: every passage's jieba tokens as ids into one vocabulary, stored beside the index.

jieba is ~95% of building BM25 (10 s of 10.5 s for 20k passages, so ~8 min at 1M); storing its output lets a
restart or an added article build BM25 from ids in a second per 40k passages, tokenising only new text.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

import numpy as np

from retrieval.language.tokenizer import STOPWORDS, tokenize

# Bump when tokenize() changes in a way its inputs below do not show (new rules, not new words): stored tokens
# of another version are thrown away and the passages tokenised again (nothing is embedded again).
TOKENIZER_VERSION = 1


@lru_cache(maxsize=1)
def tokenizer_fingerprint() -> str:
    """What stored tokens depend on: the rules' version, jieba's and OpenCC's versions, the stopwords, the metric
    terms and the place names added to jieba's dictionary."""
    from importlib.metadata import version

    from retrieval.index.store import ingest_data_fingerprint
    from retrieval.language.metrics import METRICS

    digest = hashlib.sha256()
    parts = [str(TOKENIZER_VERSION), version("jieba"), version("opencc-python-reimplemented"),
             " ".join(sorted(STOPWORDS)), repr(sorted((k, sorted(v)) for k, v in METRICS.items())),
             ingest_data_fingerprint()]
    digest.update("\n".join(parts).encode())
    return digest.hexdigest()


class TokenizedCorpus:
    """Each passage's tokens as int32 ids into vocab: ids[offsets[i]:offsets[i + 1]] are passage i's."""

    def __init__(self, vocab: list[str], ids: np.ndarray, offsets: np.ndarray):
        self.vocab = vocab
        self.ids = ids.astype(np.int32, copy=False)
        self.offsets = offsets.astype(np.int64, copy=False)

    @classmethod
    def of_texts(cls, texts: list[str]) -> "TokenizedCorpus":
        """Tokenise every text with jieba (tokenizer.tokenize)."""
        return cls.of_token_lists(tokenize(text) for text in texts)

    @classmethod
    def of_token_lists(cls, documents) -> "TokenizedCorpus":
        """Passages already tokenised (an empty one keeps one empty token, so BM25 still has a row for it)."""
        vocab: dict[str, int] = {}
        ids: list[int] = []
        offsets = [0]
        for tokens in documents:
            ids.extend(vocab.setdefault(token, len(vocab)) for token in (tokens or [""]))
            offsets.append(len(ids))
        return cls(list(vocab), np.asarray(ids, dtype=np.int32), np.asarray(offsets, dtype=np.int64))

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __add__(self, other: "TokenizedCorpus") -> "TokenizedCorpus":
        """These passages' tokens followed by other's, in one vocabulary."""
        index = {word: i for i, word in enumerate(self.vocab)}
        remap = np.asarray([index.setdefault(word, len(index)) for word in other.vocab], dtype=np.int32)
        vocab = list(index)  # insertion order is id order: these words, then other's new ones
        ids = np.concatenate([self.ids, remap[other.ids] if len(other.ids) else other.ids])
        offsets = np.concatenate([self.offsets, other.offsets[1:] + self.offsets[-1]])
        return TokenizedCorpus(vocab, ids, offsets)

    def select(self, rows: list[int]) -> "TokenizedCorpus":
        """The tokens of these passages, in this order, with a vocabulary of only their words."""
        rows = np.asarray(rows, dtype=np.int64)
        starts, ends = self.offsets[rows], self.offsets[rows + 1]
        ids = np.concatenate([self.ids[s:e] for s, e in zip(starts, ends)]) if len(rows) else self.ids[:0]
        used = np.unique(ids)
        renumber = np.zeros(len(self.vocab), dtype=np.int32)
        renumber[used] = np.arange(len(used), dtype=np.int32)
        return TokenizedCorpus([self.vocab[i] for i in used], renumber[ids],
                               np.concatenate([[0], np.cumsum(ends - starts)]))

    def word_counts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(word id, passage, occurrences) of every word in every passage, sorted by word, then passage."""
        passages = np.repeat(np.arange(len(self), dtype=np.int64), np.diff(self.offsets))
        pairs, counts = np.unique(self.ids.astype(np.int64) * max(len(self), 1) + passages, return_counts=True)
        return pairs // max(len(self), 1), pairs % max(len(self), 1), counts

    def document_frequencies(self) -> dict[str, int]:
        """How many passages contain each word (counted once per passage)."""
        df = np.bincount(self.word_counts()[0], minlength=len(self.vocab))
        return {word: int(n) for word, n in zip(self.vocab, df) if n}

    def write(self, path: Path) -> None:
        """Save as an uncompressed .npz (vocab, ids, offsets); the caller makes it atomic."""
        with path.open("wb") as fh:
            np.savez(fh, vocab=np.asarray(self.vocab, dtype=str), ids=self.ids, offsets=self.offsets)

    @classmethod
    def read(cls, path: Path) -> "TokenizedCorpus":
        """Read a file written by write(); raises ValueError when it is not one."""
        with np.load(path, allow_pickle=False) as data:
            vocab, ids, offsets = data["vocab"].tolist(), data["ids"], data["offsets"]
        if ids.ndim != 1 or offsets.ndim != 1 or not len(offsets) or offsets[0] != 0 or offsets[-1] != len(ids) \
                or np.any(np.diff(offsets) < 0) or (len(ids) and (ids.min() < 0 or ids.max() >= len(vocab))):
            raise ValueError("the token file is inconsistent")
        return cls(vocab, ids, offsets)

"""The model's vectors of the sentences numbers sit in, each encoded once and kept, for the reader's
question–sentence cosines (retrieval/answering/candidates.py).

A sentence's vector depends only on its text and the model, so they are kept by text: a sentence met again, in
this question or a later one, costs a dot product. Encoding one costs ~20 ms on 2 cores (e5-small), ~200 ms for
a question's ~10 candidate sentences, so an engine encodes its corpus's sentences before the first question
(Engine.warm_up) and a question only pays for sentences of articles added since.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from typing import Callable

import numpy as np

# Sentences kept (384 floats each, ~1.5 KB): ~75 MB at most, past which the least recently used go.
MAX_SENTENCES = 50_000
_SHARED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_SHARED_LOCK = threading.Lock()


def shared_sentence_vectors(embedder) -> "SentenceVectors":
    """The sentence vectors of one model object, shared by every engine that uses it (a text's vector is the
    model's, whatever the index: engines over copies of a corpus encode its sentences once)."""
    with _SHARED_LOCK:
        kept = _SHARED.get(embedder)
        if kept is None:
            kept = _SHARED[embedder] = SentenceVectors(embedder)
        return kept


class SentenceVectors:
    """Sentence text → the model's vector, encoded on first need and kept (least recently used dropped)."""

    def __init__(self, embedder, limit: int = MAX_SENTENCES):
        self.embedder = embedder
        self.limit = limit
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._vectors)

    def vectors(self, texts: list[str]) -> np.ndarray:
        """One vector per text (rows in the texts' order), encoding in one batch those not kept yet."""
        with self._lock:
            missing = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        fresh = dict(zip(missing, np.asarray(self.embedder.encode(missing), dtype=np.float32))) if missing else {}
        with self._lock:
            self._vectors.update(fresh)
            rows = []
            for text in texts:
                vector = self._vectors.get(text)
                if vector is None:  # kept at the first look, dropped since by another thread's call (past the limit)
                    vector = np.asarray(self.embedder.encode([text]), dtype=np.float32)[0]
                    self._vectors[text] = vector
                self._vectors.move_to_end(text)
                rows.append(vector)
            while len(self._vectors) > self.limit:
                self._vectors.popitem(last=False)
        if not rows:
            return np.zeros((0, self.embedder.dimension), dtype=np.float32)
        return np.vstack(rows)

    def cosines(self, query: np.ndarray, texts: list[str]) -> np.ndarray:
        """The query vector's dot product with each text's vector (both normalised by the model: cosines)."""
        return self.vectors(texts) @ np.asarray(query, dtype=np.float32).reshape(-1)

    def similarity(self, query: np.ndarray) -> Callable[[list[str]], np.ndarray]:
        """texts → their cosines with the query vector (what the reader takes as `similarity`)."""
        return lambda texts: self.cosines(query, texts)

"""The model's vectors of the sentences numbers sit in, each encoded once and kept, for the reader's
question–sentence cosines (retrieval/answering/candidates.py).

A sentence's vector depends only on its text and the model, so they are kept by text: a sentence met again, in
this question or a later one, costs a dot product. Encoding one costs ~20 ms on 2 cores (e5-small), ~200 ms for
a question's ~10 candidate sentences, so an engine encodes its corpus's sentences before the first question
(Engine.warm_up) and a question only pays for sentences of articles added since. The corpus's sentence vectors are
stored beside the index (SENTENCES_FILE, written by Engine.encode_sentences: at warm-up, `newsqa index` and
`newsqa import`), so another process over the same index (the CLI's one-shot `ask`, a restarted server) reads
them instead of encoding again.
"""

from __future__ import annotations

import logging
import threading
import weakref
import zipfile
from collections import OrderedDict
from pathlib import Path
from typing import Callable

import numpy as np

from retrieval.files import atomic_write
from retrieval.index.checkpoints import text_key

log = logging.getLogger(__name__)

# Sentences kept (384 floats each, ~1.5 KB): ~75 MB at most, past which the least recently used go.
MAX_SENTENCES = 50_000
# In the index folder: the model's name, each sentence's text key and vector. A cache, not part of the index: a
# missing or damaged file, or one of another model, is encoded again, never an error.
SENTENCES_FILE = "sentences.npz"
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
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()  # by text_key: what a stored file holds
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._vectors)

    def missing(self, texts: list[str]) -> list[str]:
        """The texts (once each) whose vectors are not kept."""
        with self._lock:
            return [t for t in dict.fromkeys(texts) if text_key(t) not in self._vectors]

    def vectors(self, texts: list[str]) -> np.ndarray:
        """One vector per text (rows in the texts' order), encoding in one batch those not kept yet."""
        missing = self.missing(texts)
        fresh = np.asarray(self.embedder.encode(missing), dtype=np.float32) if missing else []
        with self._lock:
            self._vectors.update(zip(map(text_key, missing), fresh))
            rows = []
            for text in texts:
                key = text_key(text)
                vector = self._vectors.get(key)
                if vector is None:  # kept at the first look, dropped since by another thread's call (past the limit)
                    vector = np.asarray(self.embedder.encode([text]), dtype=np.float32)[0]
                    self._vectors[key] = vector
                self._vectors.move_to_end(key)
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

    def read(self, path: Path) -> set[str]:
        """Keep the vectors a stored file of this model holds (SENTENCES_FILE); the text keys it holds. A missing,
        damaged or other model's file gives none: its sentences are encoded when needed."""
        try:
            with np.load(path, allow_pickle=False) as data:
                model, keys, vectors = str(data["model"]), data["keys"].tolist(), data["vectors"]
            if vectors.shape != (len(keys), self.embedder.dimension):
                raise ValueError(f"vectors of shape {vectors.shape}")
        except FileNotFoundError:
            return set()
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:  # np.load of a damaged .npz
            log.warning("sentence vectors %s unreadable (%s); their sentences are encoded again", path, exc)
            return set()
        if model != self.embedder.name:
            return set()
        with self._lock:
            for key, vector in zip(keys, vectors.astype(np.float32)):
                self._vectors.setdefault(key, vector)
            while len(self._vectors) > self.limit:
                self._vectors.popitem(last=False)
        return set(keys)

    def store(self, path: Path, texts: list[str], warn: Callable[[str], object] = log.warning) -> int:
        """Make the file at path hold the texts' vectors: read what it holds, encode what is missing, and write it
        only when it lacks one of them; how many texts were encoded. A file that cannot be written is a warning:
        the vectors stay in memory, and later processes encode them again."""
        stored = self.read(path)
        missing = self.missing(texts)
        if missing or not stored >= {text_key(t) for t in texts}:
            try:
                self.write(path, texts)
            except OSError as exc:
                warn(f"cannot store the sentence vectors in {path}: {getattr(exc, 'strerror', None) or exc}")
        return len(missing)

    def write(self, path: Path, texts: list[str]) -> None:
        """Store the texts' vectors (encoding those not kept) in one file, written whole through a temporary name."""
        vectors = self.vectors(texts)
        keys = np.asarray([text_key(t) for t in texts], dtype="U40")

        def save(tmp: Path) -> None:
            with tmp.open("wb") as fh:
                np.savez(fh, model=np.asarray(self.embedder.name), keys=keys, vectors=vectors)

        atomic_write(path, save)

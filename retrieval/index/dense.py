"""Dense side of the search: a FAISS inner-product index over normalised passage vectors."""

from __future__ import annotations

import numpy as np


class DenseIndex:
    """Exact inner-product search (cosine, since vectors are normalised) with FAISS."""

    def __init__(self, index):
        self.index = index

    @classmethod
    def build(cls, vectors: np.ndarray) -> "DenseIndex":
        """A new IndexFlatIP holding vectors (rows must be L2-normalised)."""
        import faiss

        index = faiss.IndexFlatIP(int(vectors.shape[1]))
        if len(vectors):
            index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        return cls(index)

    @classmethod
    def read(cls, path) -> "DenseIndex":
        """Load from a file written by ``write``; raises on a corrupt file."""
        import faiss

        return cls(faiss.read_index(str(path)))

    def write(self, path) -> None:
        """Write to path (the caller renames it into place)."""
        import faiss

        faiss.write_index(self.index, str(path))

    @property
    def size(self) -> int:
        """Number of vectors."""
        return int(self.index.ntotal)

    @property
    def dimension(self) -> int:
        """Vector length."""
        return int(self.index.d)

    def copy(self) -> "DenseIndex":
        """An independent copy (updates go to a copy, never to an index being searched)."""
        import faiss

        return DenseIndex(faiss.clone_index(self.index))

    def add(self, vectors: np.ndarray) -> None:
        """Append vectors (new passages get the next ids)."""
        self.index.add(np.ascontiguousarray(vectors, dtype=np.float32))

    def scores(self, query: np.ndarray) -> np.ndarray:
        """Cosine similarity of the query with every passage, in passage order."""
        n = self.size
        if n == 0:
            return np.zeros(0, dtype=np.float32)
        distances, ids = self.index.search(np.ascontiguousarray(query, dtype=np.float32), n)
        out = np.zeros(n, dtype=np.float32)
        out[ids[0]] = distances[0]
        return out

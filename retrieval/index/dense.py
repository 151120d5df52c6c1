"""Dense side of the search: a FAISS inner-product index over normalised passage vectors, exact or HNSW."""

from __future__ import annotations

import numpy as np

VECTOR_INDEXES = ("flat", "hnsw")
# HNSW: 32 links per vector and efSearch 128 kept recall@10 at 0.995 against exact search over 28.8k real texts,
# and 0.977 (p95 0.53 ms) over 1M (those texts and blends of them; benchmarks/real_scale.py, benchmarks/README.md);
# efConstruction as in that run.
HNSW_LINKS = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 128


class DenseIndex:
    """Inner-product search (cosine, since vectors are normalised) with FAISS: exact (flat), or approximate
    (HNSW, for corpora where scanning every vector per question costs too much: ~200 ms at 1M)."""

    def __init__(self, index):
        self.index = index

    @classmethod
    def build(cls, vectors: np.ndarray, kind: str = "flat") -> "DenseIndex":
        """A new index of this kind holding vectors (rows must be L2-normalised)."""
        import faiss

        if kind not in VECTOR_INDEXES:
            raise ValueError(f"unknown vector index {kind!r}; choose one of {', '.join(VECTOR_INDEXES)}")
        d = int(vectors.shape[1])
        if kind == "hnsw":
            index = faiss.IndexHNSWFlat(d, HNSW_LINKS, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
            index.hnsw.efSearch = HNSW_EF_SEARCH
        else:
            index = faiss.IndexFlatIP(d)
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
    def kind(self) -> str:
        """'hnsw' or 'flat'."""
        import faiss

        return "hnsw" if isinstance(self.index, faiss.IndexHNSW) else "flat"

    @property
    def approximate(self) -> bool:
        """Whether search returns the nearest vectors approximately (then only some passages are scored)."""
        return self.kind == "hnsw"

    def rebuilt(self, kind: str) -> "DenseIndex":
        """The same vectors in an index of another kind (no passage is encoded again)."""
        return DenseIndex.build(self.vectors(np.arange(self.size)), kind)

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
        """Cosine similarity of the query with every passage, in passage order (exact, whatever the index)."""
        return self.cosines(query, np.arange(self.size))

    def nearest(self, query: np.ndarray, k: int) -> np.ndarray:
        """Positions of the (approximately, for HNSW) k nearest passages."""
        if self.size == 0 or k <= 0:
            return np.zeros(0, dtype=np.int64)
        _, ids = self.index.search(np.ascontiguousarray(query, dtype=np.float32).reshape(1, -1), min(k, self.size))
        return ids[0][ids[0] >= 0]

    def vectors(self, rows: np.ndarray) -> np.ndarray:
        """The stored vectors at these positions (n × dimension, float32)."""
        rows = np.asarray(rows, dtype=np.int64)
        if not len(rows):
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self.index.reconstruct_batch(rows)

    def cosines(self, query: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Exact cosine of the query with the passages at these positions."""
        rows = np.asarray(rows, dtype=np.int64)
        if not len(rows):
            return np.zeros(0, dtype=np.float32)
        if self.kind == "flat" and len(rows) == self.size:  # every passage: let FAISS scan, in passage order
            distances, ids = self.index.search(np.ascontiguousarray(query, dtype=np.float32).reshape(1, -1), self.size)
            out = np.zeros(self.size, dtype=np.float32)
            out[ids[0]] = distances[0]
            return out[rows]
        return (self.vectors(rows) @ np.asarray(query, dtype=np.float32).reshape(-1)).astype(np.float32)

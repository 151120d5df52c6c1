"""Indexes and ranking: BM25 and dense vectors stored on disk, searched together (hybrid)."""

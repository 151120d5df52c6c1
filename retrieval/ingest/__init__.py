"""Ingest: corpus files → cleaned articles → passages, every character traced to its file offset."""

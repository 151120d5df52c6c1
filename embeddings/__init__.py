"""Turning text into vectors: the only package that knows about the embedding model."""

from embeddings.embedder import Embedder, EmbedderError, default_model_path

__all__ = ["Embedder", "EmbedderError", "default_model_path"]

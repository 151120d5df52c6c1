"""Turning text into vectors: the only package that knows about the embedding models."""

from embeddings.embedder import Embedder, EmbedderError, default_model_path
from embeddings.registry import BACKENDS, DEFAULT, load_embedder

__all__ = ["BACKENDS", "DEFAULT", "Embedder", "EmbedderError", "default_model_path", "load_embedder"]

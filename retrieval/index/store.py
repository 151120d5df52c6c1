"""The index on disk: passages, FAISS vectors and a manifest that says when they are stale."""

from __future__ import annotations

import hashlib
import json
import logging
import time
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from retrieval.files import atomic_write
from retrieval.index.dense import DenseIndex
from retrieval.index.tokens import TokenizedCorpus, tokenizer_fingerprint
from retrieval.ingest.corpus import SourceFile
from retrieval.ingest.passages import Passage

log = logging.getLogger(__name__)

# Bump when ingestion, the number extractor (the facts table is built from it) or the file layout changes:
# an index of another version is rebuilt. 5: currencies after the number (100万人民币 is money, not people);
# 6: more currencies (越南盾, 日圆, 新加坡元…); 7: line and building numbers (7号线, 5号楼) are names;
# 8: the gazetteer knows CC-CEDICT's counties, cities and districts.
# 9: 全市/我市 are not names of 重庆 (an article's places change).
# 10: a middle dot between digits is a decimal point (3·5%), or joins an event's month and day (3·8女神节).
# 11: Taiwan, Hong Kong, imperial and scientific units (公尺, 公分, 英里, 毫升, 大卡, ℃ …) are measures;
#     a decade or a century (1990年代, 19世纪末) is a date.
# 12: 车道 is a measure word (双向8车道 is not 8车); labels lose a leading 是 and a trailing 只有/仅有.
# 13: 千焦, 千卡 and 千瓦时 are units, not the magnitude 千 before 焦/卡/瓦.
FORMAT_VERSION = 13
# The data ingestion reads besides the corpus: an article's places come from the gazetteer, so an index built
# with other gazetteer files is rebuilt (no version to remember to bump when a place is added).
INGEST_DATA_FILES = ("data/places.txt", "data/places_cedict.txt")
MANIFEST = "manifest.json"
PASSAGES = "passages.json"
VECTORS = "dense.faiss"
TOKENS = "tokens.npz"  # each passage's jieba tokens, so BM25 is built without running jieba again
# A manifest is a few hundred bytes per source file; anything far larger is not one of ours.
MAX_MANIFEST_BYTES = 4 << 20


class IndexError_(RuntimeError):
    """The stored index is missing, stale or corrupt (the message says which)."""


class IndexWriteError(OSError):
    """The index folder could not be written (full disk, no permission); the live index is unchanged."""


class Manifest(BaseModel):
    """What the manifest says about the stored index; anything else in the file makes it unreadable."""

    model_config = ConfigDict(extra="ignore", strict=True)
    format_version: int
    model: str = Field(max_length=500)
    dimension: int = Field(gt=0, le=65536)
    corpus_fingerprint: str = Field(max_length=128)
    sources: list[str]
    passages: int = Field(ge=0)
    built_at: str = Field(max_length=64)
    checksums: dict[str, str]
    ingest_data: str = Field(default="", max_length=128)  # ingest_data_fingerprint() when built
    tokenizer: str = Field(default="", max_length=128)  # tokenizer_fingerprint() of the stored tokens, if any


class StoredPassage(BaseModel):
    """One passage as stored in passages.json, checked field by field before it becomes a Passage."""

    model_config = ConfigDict(extra="forbid", strict=True)
    id: str
    source: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str
    headline: str | None
    places: list[str]
    article_places: list[str]
    article: int = Field(ge=0)
    runs: list[list[int]]


def corpus_fingerprint(files: list[SourceFile]) -> str:
    """A hash of every corpus file's name and bytes, in name order."""
    digest = hashlib.sha256()
    for f in sorted(files, key=lambda f: f.name):
        digest.update(f"{f.name}\0{f.sha256}\n".encode())
    return digest.hexdigest()


@lru_cache(maxsize=1)
def ingest_data_fingerprint() -> str:
    """A hash of the bundled data files ingestion reads (INGEST_DATA_FILES)."""
    digest = hashlib.sha256()
    for name in INGEST_DATA_FILES:
        digest.update(resources.files("retrieval").joinpath(name).read_bytes())
    return digest.hexdigest()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass
class StoredIndex:
    """What a built index holds: its manifest, its passages, its vectors and (when stored) its passages' tokens."""

    manifest: Manifest
    passages: list[Passage]
    dense: DenseIndex
    tokens: TokenizedCorpus | None = None


def save(folder: Path, index: StoredIndex) -> Manifest:
    """Write passages, vectors, tokens (when known) and (last, so a crash leaves no valid manifest) the manifest.

    Raises IndexWriteError when the folder cannot be written; the files already in place then fail
    their checksums, so the next start rebuilds instead of serving a half-written index.
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
        payload = json.dumps([p.to_dict() for p in index.passages], ensure_ascii=False)
        atomic_write(folder / PASSAGES, lambda p: p.write_text(payload, "utf-8"))
        atomic_write(folder / VECTORS, index.dense.write)
        checksums = {PASSAGES: _sha256(folder / PASSAGES), VECTORS: _sha256(folder / VECTORS)}
        if index.tokens is not None:
            atomic_write(folder / TOKENS, index.tokens.write)
            checksums[TOKENS] = _sha256(folder / TOKENS)
        manifest = index.manifest.model_copy(update={
            "passages": len(index.passages),
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "checksums": checksums,
            "tokenizer": tokenizer_fingerprint() if index.tokens is not None else "",
        })
        text = json.dumps(manifest.model_dump(), ensure_ascii=False, indent=2)
        atomic_write(folder / MANIFEST, lambda p: p.write_text(text, "utf-8"))
    except (OSError, RuntimeError) as exc:  # faiss reports write failures as RuntimeError
        raise IndexWriteError(f"cannot write the index in {folder}: {getattr(exc, 'strerror', None) or exc}") from exc
    return manifest


def new_manifest(model: str, dimension: int, fingerprint: str, sources: list[str]) -> Manifest:
    """The manifest of an index about to be written (counts and checksums are filled in by save)."""
    return Manifest(format_version=FORMAT_VERSION, model=model, dimension=dimension, corpus_fingerprint=fingerprint,
                    sources=sources, passages=0, built_at="", checksums={}, ingest_data=ingest_data_fingerprint())


def read_manifest(folder: Path) -> Manifest | None:
    """The manifest, or None when there is none or it is unreadable, oversized or malformed."""
    path = folder / MANIFEST
    try:
        if path.stat().st_size > MAX_MANIFEST_BYTES:
            return None
        return Manifest.model_validate(json.loads(path.read_text("utf-8")))
    except (OSError, ValueError, RecursionError, ValidationError):
        return None


def stale_reason(manifest: Manifest | None, model: str, dimension: int, fingerprint: str) -> str | None:
    """Why an index with this manifest must be rebuilt, or None when it is current."""
    if manifest is None:
        return "no index yet (or its manifest is unreadable)"
    if manifest.format_version != FORMAT_VERSION:
        return f"index format {manifest.format_version} is not {FORMAT_VERSION}"
    if manifest.ingest_data != ingest_data_fingerprint():
        return "the gazetteer changed (articles' places are read again)"
    if manifest.model != model:
        return f"model changed ({manifest.model} → {model})"
    if manifest.dimension != dimension:
        return f"vectors are {manifest.dimension}-dimensional, the model's are {dimension}"
    if manifest.corpus_fingerprint != fingerprint:
        return "corpus changed"
    return None


def vectors_reusable(manifest: Manifest | None, model: str, dimension: int) -> bool:
    """Whether a stale index's vectors are still this model's (a vector depends only on the passage's text and
    the model, so a changed corpus, gazetteer or format keeps the vectors of unchanged text)."""
    return manifest is not None and manifest.model == model and manifest.dimension == dimension


def _read_passages(path: Path) -> list[Passage]:
    from pydantic import TypeAdapter

    rows = TypeAdapter(list[StoredPassage]).validate_json(path.read_bytes())
    return [Passage(**vars(row)) for row in rows]  # a validated row's __dict__ is its fields (model_dump copies: 8× slower)


def load(folder: Path, manifest: Manifest) -> StoredIndex:
    """Read and verify the stored files; raises IndexError_ naming the damaged file."""
    for name in (PASSAGES, VECTORS):
        path = folder / name
        if not path.is_file():
            raise IndexError_(f"{name} is missing")
        if _sha256(path) != manifest.checksums.get(name):
            raise IndexError_(f"{name} is corrupt or truncated (checksum mismatch)")
    try:
        passages = _read_passages(folder / PASSAGES)
        dense = DenseIndex.read(folder / VECTORS)
    except (OSError, ValueError, RecursionError, RuntimeError) as exc:  # ValidationError is a ValueError
        raise IndexError_(f"index files unreadable: {str(exc).splitlines()[0][:200]}") from exc
    if dense.size != len(passages) or dense.dimension != manifest.dimension:
        raise IndexError_("vectors and passages disagree")
    return StoredIndex(manifest, passages, dense, _read_tokens(folder, manifest, len(passages)))


def _read_tokens(folder: Path, manifest: Manifest, passages: int) -> TokenizedCorpus | None:
    """The stored tokens, or None when there are none, they are of another tokenizer or damaged: they are
    derived data (the passages are tokenised again), so their loss never costs the index."""
    path = folder / TOKENS
    if TOKENS not in manifest.checksums or manifest.tokenizer != tokenizer_fingerprint() or not path.is_file():
        return None
    try:
        if _sha256(path) != manifest.checksums[TOKENS]:
            raise ValueError("checksum mismatch")
        tokens = TokenizedCorpus.read(path)
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
        log.warning("%s unreadable (%s); the passages are tokenised again", TOKENS, exc)
        return None
    return tokens if len(tokens) == passages else None

"""The index on disk: passages, FAISS vectors and a manifest that says when they are stale."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from retrieval.corpus import SourceFile
from retrieval.dense import DenseIndex
from retrieval.passages import Passage

log = logging.getLogger(__name__)

# Bump when ingestion or the file layout changes: an index of another version is rebuilt.
FORMAT_VERSION = 4
MANIFEST = "manifest.json"
PASSAGES = "passages.json"
VECTORS = "dense.faiss"


class IndexError_(RuntimeError):
    """The stored index is missing, stale or corrupt (the message says which)."""


def corpus_fingerprint(files: list[SourceFile]) -> str:
    """A hash of every corpus file's name and bytes, in name order."""
    digest = hashlib.sha256()
    for f in sorted(files, key=lambda f: f.name):
        digest.update(f"{f.name}\0{f.sha256}\n".encode())
    return digest.hexdigest()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _atomic_write(path: Path, write) -> None:
    """Write through a temporary file in the same folder, then rename over path."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


@dataclass
class StoredIndex:
    """What a built index holds: its manifest, its passages and its vectors."""

    manifest: dict
    passages: list[Passage]
    dense: DenseIndex


def save(folder: Path, passages: list[Passage], dense: DenseIndex, model: str, dimension: int,
         fingerprint: str, sources: list[str]) -> dict:
    """Write passages, vectors and (last, so a crash leaves no valid manifest) the manifest."""
    folder.mkdir(parents=True, exist_ok=True)
    payload = json.dumps([p.to_dict() for p in passages], ensure_ascii=False)
    _atomic_write(folder / PASSAGES, lambda p: p.write_text(payload, "utf-8"))
    _atomic_write(folder / VECTORS, dense.write)
    manifest = {
        "format_version": FORMAT_VERSION,
        "model": model,
        "dimension": dimension,
        "corpus_fingerprint": fingerprint,
        "sources": sources,
        "passages": len(passages),
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "checksums": {PASSAGES: _sha256(folder / PASSAGES), VECTORS: _sha256(folder / VECTORS)},
    }
    _atomic_write(folder / MANIFEST, lambda p: p.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), "utf-8"))
    return manifest


def read_manifest(folder: Path) -> dict | None:
    """The manifest, or None when there is none or it is unreadable."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


def stale_reason(manifest: dict | None, model: str, fingerprint: str) -> str | None:
    """Why an index with this manifest must be rebuilt, or None when it is current."""
    if manifest is None:
        return "no index yet"
    if manifest.get("format_version") != FORMAT_VERSION:
        return f"index format {manifest.get('format_version')} is not {FORMAT_VERSION}"
    if manifest.get("model") != model:
        return f"model changed ({manifest.get('model')} → {model})"
    if manifest.get("corpus_fingerprint") != fingerprint:
        return "corpus changed"
    return None


def load(folder: Path, manifest: dict) -> StoredIndex:
    """Read and verify the stored files; raises IndexError_ naming the damaged file."""
    for name in (PASSAGES, VECTORS):
        path = folder / name
        if not path.is_file():
            raise IndexError_(f"{name} is missing")
        if _sha256(path) != manifest.get("checksums", {}).get(name):
            raise IndexError_(f"{name} is corrupt or truncated (checksum mismatch)")
    try:
        passages = [Passage.from_dict(d) for d in json.loads((folder / PASSAGES).read_text("utf-8"))]
        dense = DenseIndex.read(folder / VECTORS)
    except Exception as exc:  # anything unreadable means: rebuild
        raise IndexError_(f"index files unreadable: {exc}") from exc
    if dense.size != len(passages) or dense.dimension != manifest.get("dimension"):
        raise IndexError_("vectors and passages disagree")
    return StoredIndex(manifest, passages, dense)

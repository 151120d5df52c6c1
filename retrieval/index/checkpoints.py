"""Vectors of a build that has not finished: saved as it goes, so an interrupted build or import resumes.

A build of the in-process index writes its files only at the end; encoding 100k passages takes most of an hour
here. Every CHECKPOINT_PASSAGES encoded passages are written to a chunk file in `<index>/pending/`, keyed by a
hash of the passage text; the next build of the same model takes them instead of encoding again, and the folder
is removed once the index is saved.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import zipfile
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

# An interruption loses at most this many encoded passages (~50 s of encoding here); each checkpoint is one
# small file, so a 1M-passage build writes ~500 of them.
CHECKPOINT_PASSAGES = 2000
FOLDER = "pending"
OWNER = "model.json"


def text_key(text: str) -> str:
    """The key a passage text's vector is saved under (its sha1, in hex)."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class Checkpoints:
    """The chunk files of one unfinished build of one model, in an index folder."""

    def __init__(self, index_dir: Path, model: str, dimension: int):
        self.folder = index_dir / FOLDER
        self.owner = {"model": model, "dimension": dimension}

    def load(self) -> dict[str, np.ndarray]:
        """Vectors saved by an unfinished build of this model, by text key; chunks of another model or damaged
        ones are ignored (their passages are encoded again)."""
        try:
            if json.loads((self.folder / OWNER).read_text("utf-8")) != self.owner:
                return {}
        except (OSError, ValueError):
            return {}
        saved: dict[str, np.ndarray] = {}
        for path in sorted(self.folder.glob("*.npz")):
            try:
                with np.load(path, allow_pickle=False) as data:
                    keys, vectors = data["keys"], data["vectors"]
                if vectors.shape != (len(keys), self.owner["dimension"]):
                    raise ValueError("shape")
            except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:  # np.load of a damaged .npz
                log.warning("checkpoint %s unreadable (%s); its passages are encoded again", path.name, exc)
                continue
            saved.update(zip(keys.tolist(), vectors))
        return saved

    def save(self, texts: list[str], vectors: np.ndarray) -> None:
        """Add one chunk of encoded passages (written whole through a temporary name, so a chunk is all or nothing)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        if not (self.folder / OWNER).is_file():
            (self.folder / OWNER).write_text(json.dumps(self.owner), "utf-8")
        index = len(list(self.folder.glob("*.npz")))
        while (self.folder / f"{index:06d}.npz").exists():
            index += 1
        tmp = self.folder / f".{index:06d}.tmp"
        with tmp.open("wb") as fh:
            np.savez(fh, keys=np.asarray([text_key(t) for t in texts], dtype="U40"),
                     vectors=np.asarray(vectors, dtype=np.float32))
        tmp.replace(self.folder / f"{index:06d}.npz")

    def start(self) -> None:
        """Forget the checkpoints of another model (before a build of this one writes its own)."""
        try:
            same = json.loads((self.folder / OWNER).read_text("utf-8")) == self.owner
        except (OSError, ValueError):
            same = False
        if not same:
            self.clear()

    def clear(self) -> None:
        """Remove the folder (the build is saved, or its checkpoints are of no use)."""
        shutil.rmtree(self.folder, ignore_errors=True)

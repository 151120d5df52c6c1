"""Building the in-process index from the corpus, encoding only what no earlier build has encoded.

A passage's vector depends only on its index text and the model, its tokens only on its index text: a passage
the previous index (same model) holds takes both from there, one an interrupted build saved takes its vector
from the checkpoints, and only the rest is encoded — checkpointed as it goes, so a build stopped half-way
resumes where it stopped.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from retrieval.index.checkpoints import CHECKPOINT_PASSAGES, Checkpoints, text_key
from retrieval.index.dense import DenseIndex
from retrieval.index.store import StoredIndex
from retrieval.index.tokens import TokenizedCorpus
from retrieval.ingest.corpus import SourceFile
from retrieval.ingest.passages import Passage, passages_of


@dataclass
class Built:
    """A new index's contents, before it is saved (the caller clears the checkpoints once it is)."""

    passages: list[Passage]
    dense: DenseIndex
    tokens: TokenizedCorpus
    encoded: int  # passages encoded in this build
    seconds_encoding: float
    checkpoints: Checkpoints


def build(files: list[SourceFile], embedder, encode: Callable[[list[Passage]], np.ndarray], index_dir: Path,
          kind: str, previous: StoredIndex | None = None, progress: bool = False) -> Built:
    """Passages, vectors (an index of this kind) and tokens of the files."""
    passages, _ = passages_of(files)
    rows = _rows_in(previous, passages)
    vectors = np.zeros((len(passages), embedder.dimension), dtype=np.float32)
    kept = [i for i, row in enumerate(rows) if row is not None]
    if kept:
        vectors[kept] = previous.dense.vectors(np.asarray([rows[i] for i in kept]))
    fresh = [i for i, row in enumerate(rows) if row is None]
    checkpoints = Checkpoints(index_dir, embedder.name, embedder.dimension)
    checkpoints.start()
    saved = checkpoints.load()
    todo = []
    for i in fresh:
        vector = saved.get(text_key(passages[i].index_text))
        if vector is None:
            todo.append(i)
        else:
            vectors[i] = vector
    seconds = _encode_checkpointed(passages, todo, vectors, encode, checkpoints, progress)
    tokens = _tokens_in_order(previous, rows, passages, fresh)
    return Built(passages, DenseIndex.build(vectors, kind), tokens, len(todo), seconds, checkpoints)


def _encode_checkpointed(passages: list[Passage], todo: list[int], vectors: np.ndarray, encode,
                         checkpoints: Checkpoints, progress: bool) -> float:
    """Encode passages[todo] into vectors, saving every CHECKPOINT_PASSAGES to the checkpoints; the seconds."""
    bar = None
    if progress and todo:
        from tqdm import tqdm

        bar = tqdm(total=len(todo), unit="passage", desc="embedding")
    seconds = 0.0
    for at in range(0, len(todo), CHECKPOINT_PASSAGES):
        chunk = todo[at:at + CHECKPOINT_PASSAGES]
        started = time.perf_counter()
        encoded = encode([passages[i] for i in chunk])
        seconds += time.perf_counter() - started
        vectors[chunk] = encoded
        checkpoints.save([passages[i].index_text for i in chunk], encoded)
        if bar is not None:
            bar.update(len(chunk))
            bar.set_postfix(per_s=f"{(at + len(chunk)) / max(seconds, 1e-9):.1f}")
    if bar is not None:
        bar.close()
    return seconds


def _rows_in(previous: StoredIndex | None, passages: list[Passage]) -> list[int | None]:
    """For each passage, the position of a passage with the same index text in the previous index, or None."""
    if previous is None:
        return [None] * len(passages)
    known = {p.index_text: i for i, p in enumerate(previous.passages)}
    return [known.get(p.index_text) for p in passages]


def _tokens_in_order(previous: StoredIndex | None, rows: list[int | None], passages: list[Passage],
                     fresh: list[int]) -> TokenizedCorpus:
    """The passages' tokens in passage order: reused rows from the previous index's tokens, the rest tokenised."""
    kept = [i for i, row in enumerate(rows) if row is not None]
    if previous is None or previous.tokens is None or not kept:
        return TokenizedCorpus.of_texts([p.index_text for p in passages])
    joined = (previous.tokens.select([rows[i] for i in kept])
              + TokenizedCorpus.of_texts([passages[i].index_text for i in fresh]))  # kept first, then fresh
    position = {passage: k for k, passage in enumerate(kept + fresh)}
    return joined.select([position[i] for i in range(len(passages))])

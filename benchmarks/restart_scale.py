"""What a restart of the in-process store costs at scale: reading the stored index (passages, FAISS vectors, the
passages' tokens) and building BM25 from the stored tokens, against tokenising the corpus again with jieba.

Passages are seed passages with a random two thirds of their sentences (as in searcher_scale.py); 100k of them
are tokenised with jieba (timed), and larger sizes repeat those 100k passages and their tokens under new ids, so
the token files have realistic vocabularies without hours of tokenising. Vectors are random unit vectors (reading
a flat FAISS file depends only on its size). Everything is written to a temporary index folder with the
product's own store.save and read back with store.load, as Engine.open does.

    .venv/bin/python benchmarks/restart_scale.py [--sizes 100000 1000000] [--json benchmarks/restart_scale.json]
"""

from __future__ import annotations

import argparse
import gc
import random
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from scale import report, rss_mb
from searcher_scale import passages_like

BASE = 100_000  # passages tokenised with jieba; larger sizes repeat them


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    from retrieval.engine import Engine
    from retrieval.index import store
    from retrieval.index.bm25 import BM25Index
    from retrieval.index.dense import DenseIndex
    from retrieval.index.tokens import TokenizedCorpus

    engine = Engine()
    engine.open()
    base = passages_like(engine.passages, BASE, random.Random(BASE))
    started = time.perf_counter()
    base_tokens = TokenizedCorpus.of_texts([p.index_text for p in base])
    tokenise_s = time.perf_counter() - started
    print(f"jieba over {BASE:,} passages: {tokenise_s:.1f} s", flush=True)
    rows = []
    for n in args.sizes:
        copies = -(-n // BASE)
        passages = [replace(p, id=f"{k}-{p.id}") for k in range(copies) for p in base][:n]
        tokens = base_tokens
        for _ in range(copies - 1):
            tokens = tokens + base_tokens
        tokens = tokens.select(list(range(n)))
        rng = np.random.default_rng(n)
        vectors = rng.standard_normal((n, engine.embedder.dimension), dtype=np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        manifest = store.new_manifest(engine.embedder.name, engine.embedder.dimension, "bench", ["bench"])
        with tempfile.TemporaryDirectory(dir=engine.settings.index_dir.parent) as folder:  # same disk as the index
            folder = Path(folder)
            started = time.perf_counter()
            manifest = store.save(folder, store.StoredIndex(manifest, passages, DenseIndex.build(vectors), tokens))
            save_s = time.perf_counter() - started
            sizes = {name: (folder / name).stat().st_size / 1e6 for name in (store.PASSAGES, store.VECTORS, store.TOKENS)}
            del passages, tokens, vectors
            gc.collect()
            started = time.perf_counter()
            stored = store.load(folder, manifest)
            load_s = time.perf_counter() - started
            started = time.perf_counter()
            BM25Index(stored.tokens)
            bm25_s = time.perf_counter() - started
        row = {"size": n, "save_s": save_s, "load_s": load_s, "bm25_from_tokens_s": bm25_s,
               "bm25_with_jieba_s": tokenise_s * n / BASE + bm25_s, "files_mb": sizes, "peak_rss_mb": rss_mb()}
        rows.append(row)
        print(row, flush=True)
        del stored
        gc.collect()
    report(["passages", "save s", "load s (passages, vectors, tokens)", "BM25 from stored tokens s", "BM25 with jieba s",
            "tokens MB", "passages MB"],
           [[f"{r['size']:,}", f"{r['save_s']:.1f}", f"{r['load_s']:.1f}", f"{r['bm25_from_tokens_s']:.1f}",
             f"{r['bm25_with_jieba_s']:.0f}", f"{r['files_mb'][store.TOKENS]:.0f}",
             f"{r['files_mb'][store.PASSAGES]:.0f}"] for r in rows], rows, args.json)


if __name__ == "__main__":
    main()

"""The product's hybrid ranking at scale, in one process: `Searcher.rank` (BM25 + vectors fused, place and metric
factors) over n passages with the exact FAISS index and with HNSW (NEWSQA_FAISS_INDEX=hnsw), same run.

Passages are seed passages with a random two thirds of their sentences (realistic words for BM25, as in
scale.py); their vectors are real-text vectors from real_scale.py's cache (run that first) and blends of two
of them, so the HNSW graph has realistic neighbours. Vectors and texts do not correspond: this times the
ranking, it does not measure its quality (the tests and real_scale.py do). Queries: questions.jsonl.

    .venv/bin/python benchmarks/searcher_scale.py [--sizes 100000] [--json benchmarks/searcher_scale.json]
"""

from __future__ import annotations

import argparse
import random
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from real_scale import CACHE, blends
from scale import report

REPO = Path(__file__).resolve().parents[1]


def passages_like(seeds: list, n: int, rng: random.Random) -> list:
    """n passages, each a seed passage with a random two thirds of its sentences, under a new id."""
    out = []
    for i in range(n):
        p = rng.choice(seeds)
        sentences = [s for s in p.text.split("。") if s]
        text = "。".join(rng.sample(sentences, max(1, len(sentences) * 2 // 3)))
        out.append(replace(p, id=f"s{i}", text=text, runs=[]))
    return out


def timed(searcher, questions: list[str], vectors: np.ndarray) -> tuple[float, float]:
    times = []
    for q, v in zip(questions, vectors):
        started = time.perf_counter()
        searcher.rank(q, v[None, :], "hybrid", top_k=5)
        times.append((time.perf_counter() - started) * 1000)
    return float(np.percentile(times, 50)), float(np.percentile(times, 95))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    from embeddings import DEFAULT
    from retrieval.engine import Engine
    from retrieval.evaluation import load_questions
    from retrieval.index.bm25 import BM25Index
    from retrieval.index.dense import DenseIndex
    from retrieval.index.search import Searcher

    engine = Engine()
    engine.open()
    real = np.load(CACHE / f"real-{engine.settings.model or DEFAULT}.npy")
    questions = [q.question for q in load_questions(REPO / "tests" / "data" / "questions.jsonl")]
    qvecs = np.vstack([engine.embedder.encode_query(q) for q in questions]).astype(np.float32)
    rows = []
    for n in args.sizes:
        passages = passages_like(engine.passages, n, random.Random(n))
        started = time.perf_counter()
        bm25 = BM25Index([p.index_text for p in passages])
        bm25_s = time.perf_counter() - started
        vectors = np.vstack([real, blends(real, max(0, n - len(real)), np.random.default_rng(n))])[:n]
        for kind in ("flat", "hnsw"):
            started = time.perf_counter()
            dense = DenseIndex.build(vectors, kind)
            build = time.perf_counter() - started
            searcher = Searcher(passages, bm25, dense)
            timed(searcher, questions[:5], qvecs[:5])  # warm-up
            p50, p95 = timed(searcher, questions, qvecs)
            rows.append({"size": n, "index": kind, "bm25_build_s": bm25_s, "vector_build_s": build,
                         "p50_ms": p50, "p95_ms": p95})
            print(rows[-1], flush=True)
        del vectors, bm25, passages
    report(["passages", "vector index", "BM25 build s", "vector build s", "rank p50 ms", "rank p95 ms"],
           [[f"{r['size']:,}", r["index"], f"{r['bm25_build_s']:.1f}", f"{r['vector_build_s']:.1f}",
             f"{r['p50_ms']:.1f}", f"{r['p95_ms']:.1f}"] for r in rows], rows, args.json)


if __name__ == "__main__":
    main()

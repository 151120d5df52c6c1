"""Scale benchmark: FAISS exact vs approximate search, and BM25, on synthetic passages at 10k–1M.

Synthetic vectors are the real seed passage vectors plus Gaussian noise (so they cluster like real
text, unlike uniform random vectors), normalised; queries are the question-set vectors plus noise.
BM25 documents are seed passages with a random sample of their sentences, so vocabulary is realistic.

    .venv/bin/python benchmarks/scale.py [--sizes 10000 100000 1000000] [--queries 200]
    .venv/bin/python benchmarks/scale.py --store milvus [--milvus-sizes 10000 100000]

Prints one row per (size, index): build seconds, index MB, query p50/p95 ms, recall@10 against exact.
With --store milvus, the same synthetic passages also go through the product's Milvus store (Milvus Lite,
FLAT; vectors, BM25 text and passage JSON per row): insert+flush seconds, disk MB, the Lite server's RSS,
vector and BM25 query p50/p95 and vector recall@10 against FAISS exact, side by side in one run.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]


def rss_mb() -> float:
    """Peak resident memory of this process so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def report(header: list[str], cells: list[list[str]], rows: list[dict], json_path: Path | None) -> None:
    """The end of every scale benchmark: its figures as a markdown table, the peak RSS, and (json_path) the rows."""
    print("\n| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for line in cells:
        print("| " + " | ".join(line) + " |")
    print(f"\npeak RSS {rss_mb():.0f} MB")
    if json_path:
        json_path.write_text(json.dumps(rows, indent=2), "utf-8")


def synthetic(base: np.ndarray, n: int, noise: float, rng: np.random.Generator) -> np.ndarray:
    """n vectors: random rows of base plus noise, L2-normalised, float32."""
    out = np.empty((n, base.shape[1]), dtype=np.float32)
    step = 100_000
    for i in range(0, n, step):
        m = min(step, n - i)
        rows = base[rng.integers(0, len(base), m)] + rng.normal(0, noise, (m, base.shape[1])).astype(np.float32)
        rows /= np.linalg.norm(rows, axis=1, keepdims=True)
        out[i:i + m] = rows
    return out


def timed_queries(search, queries: np.ndarray) -> tuple[list[float], list[np.ndarray]]:
    times, ids = [], []
    for q in queries:
        started = time.perf_counter()
        _, found = search(q[None, :])
        times.append((time.perf_counter() - started) * 1000)
        ids.append(found[0])
    return times, ids


def recall_at_10(exact: list[np.ndarray], approx: list[np.ndarray]) -> float:
    return float(np.mean([len(set(a[:10]) & set(e[:10])) / 10 for a, e in zip(approx, exact)]))


def dense_rows(vectors: np.ndarray, queries: np.ndarray, hnsw_up_to: int = 200_000, ef_searches=(64,),
               nprobes=(8, 32)) -> list[dict]:
    """Exact, HNSW (up to hnsw_up_to vectors: its build is the slow one) and IVF rows for one set of vectors."""
    import faiss

    n, d = vectors.shape
    rows = []
    started = time.perf_counter()
    flat = faiss.IndexFlatIP(d)
    flat.add(vectors)
    build = time.perf_counter() - started
    times, exact = timed_queries(lambda q: flat.search(q, 10), queries)
    rows.append({"size": n, "index": "FlatIP (exact)", "build_s": build, "mb": n * d * 4 / 2**20,
                 "p50_ms": float(np.percentile(times, 50)), "p95_ms": float(np.percentile(times, 95)), "recall@10": 1.0})

    if n <= hnsw_up_to:
        started = time.perf_counter()
        hnsw = faiss.IndexHNSWFlat(d, 32, faiss.METRIC_INNER_PRODUCT)
        hnsw.hnsw.efConstruction = 80
        hnsw.add(vectors)
        build = time.perf_counter() - started
        for ef in ef_searches:
            hnsw.hnsw.efSearch = ef
            times, found = timed_queries(lambda q: hnsw.search(q, 10), queries)
            rows.append({"size": n, "index": f"HNSW32 ef{ef}", "build_s": build,
                         "mb": n * (d * 4 + 32 * 2 * 4) / 2**20, "p50_ms": float(np.percentile(times, 50)),
                         "p95_ms": float(np.percentile(times, 95)), "recall@10": recall_at_10(exact, found)})
        del hnsw

    nlist = max(16, int(4 * np.sqrt(n)))
    started = time.perf_counter()
    quantizer = faiss.IndexFlatIP(d)
    ivf = faiss.IndexIVFFlat(quantizer, d, nlist, faiss.METRIC_INNER_PRODUCT)
    sample = vectors[np.random.default_rng(0).choice(n, min(n, 40 * nlist), replace=False)]
    ivf.train(sample)
    ivf.add(vectors)
    build = time.perf_counter() - started
    for nprobe in nprobes:
        ivf.nprobe = nprobe
        times, found = timed_queries(lambda q: ivf.search(q, 10), queries)
        rows.append({"size": n, "index": f"IVF{nlist} nprobe{nprobe}", "build_s": build, "mb": n * d * 4 / 2**20,
                     "p50_ms": float(np.percentile(times, 50)), "p95_ms": float(np.percentile(times, 95)),
                     "recall@10": recall_at_10(exact, found)})
    return rows


def bm25_row(texts: list[str], n: int, questions: list[str], rng: random.Random) -> dict:
    from retrieval.index.bm25 import BM25Index

    docs = []
    for _ in range(n):
        sentences = [s for s in rng.choice(texts).split("。") if s]
        docs.append("。".join(rng.sample(sentences, max(1, len(sentences) * 2 // 3))))
    started = time.perf_counter()
    index = BM25Index(docs)
    build = time.perf_counter() - started
    times = []
    for q in questions:
        started = time.perf_counter()
        scores = index.scores(q)
        np.argpartition(-scores, 10)[:10]
        times.append((time.perf_counter() - started) * 1000)
    return {"size": n, "index": "BM25 (numpy, jieba)", "build_s": build, "mb": None,
            "p50_ms": float(np.percentile(times, 50)), "p95_ms": float(np.percentile(times, 95)), "recall@10": None}


def _tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (Milvus Lite runs as a child server), in MB."""
    total, pids = 0, [pid]
    while pids:
        p = pids.pop()
        try:
            with open(f"/proc/{p}/status") as fh:
                total += next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:"))
            with open(f"/proc/{p}/task/{p}/children") as fh:
                pids.extend(int(c) for c in fh.read().split())
        except (OSError, StopIteration):
            continue
    return total / 1024


def milvus_rows(vectors: np.ndarray, queries: np.ndarray, texts: list[str], questions: list[str],
                rng: random.Random, folder: Path) -> list[dict]:
    """Insert n synthetic passages into a fresh Milvus Lite store and time vector and BM25 queries."""
    import os
    import shutil

    import faiss

    from retrieval.config import MilvusSettings
    from retrieval.index.milvus import MilvusStore
    from retrieval.ingest.passages import Passage

    n, d = vectors.shape
    shutil.rmtree(folder, ignore_errors=True)
    store = MilvusStore(MilvusSettings(str(folder / "milvus.db"), collection="scale"))
    store.create(d)
    started = time.perf_counter()
    step = 5_000
    for i in range(0, n, step):
        batch = []
        for j in range(i, min(n, i + step)):
            sentences = [s for s in rng.choice(texts).split("。") if s]
            text = "。".join(rng.sample(sentences, max(1, len(sentences) * 2 // 3)))
            batch.append(Passage(f"p{j}", f"s{j // 50}.txt", 0, len(text), text, None, [], [], j % 50))
        store.insert(batch, vectors[i:i + len(batch)])
    store.flush()
    build = time.perf_counter() - started
    disk = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 2**20
    flat = faiss.IndexFlatIP(d)
    flat.add(vectors)
    _, exact = timed_queries(lambda q: flat.search(q, 10), queries)
    times, found = [], []
    for q in queries:
        began = time.perf_counter()
        hits = store.search_vector(q, 10)
        times.append((time.perf_counter() - began) * 1000)
        found.append(np.array([int(pid[1:]) for pid, _ in hits]))
    rss = _tree_rss_mb(os.getpid())
    rows = [{"size": n, "index": "Milvus Lite FLAT (vectors)", "build_s": build, "mb": disk,
             "p50_ms": float(np.percentile(times, 50)), "p95_ms": float(np.percentile(times, 95)),
             "recall@10": recall_at_10(exact, found), "rss_mb": rss}]
    times = []
    for q in questions:
        began = time.perf_counter()
        store.search_words(q, 10)
        times.append((time.perf_counter() - began) * 1000)
    rows.append({"size": n, "index": "Milvus Lite BM25 (whitespace over jieba tokens)", "build_s": build, "mb": disk,
                 "p50_ms": float(np.percentile(times, 50)), "p95_ms": float(np.percentile(times, 95)),
                 "recall@10": None, "rss_mb": rss})
    store.close()
    shutil.rmtree(folder, ignore_errors=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--bm25-sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--noise", type=float, default=0.04)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--store", choices=["faiss", "milvus"], default="faiss",
                        help="milvus: also measure the Milvus Lite store (the FAISS rows are measured in the same run)")
    parser.add_argument("--milvus-sizes", type=int, nargs="+", default=[10_000, 100_000])
    args = parser.parse_args()

    from retrieval.engine import Engine
    from retrieval.evaluation import load_questions

    engine = Engine()
    engine.open()
    base = np.vstack([engine.searcher.dense.index.reconstruct(i) for i in range(len(engine.passages))])
    questions = [q.question for q in load_questions(REPO / "tests" / "data" / "questions.jsonl")]
    qvecs = engine.embedder.encode(questions)
    rng = np.random.default_rng(42)
    queries = synthetic(qvecs, args.queries, args.noise, rng)

    rows = []
    for n in args.sizes:
        vectors = synthetic(base, n, args.noise, rng)
        rows.extend(dense_rows(vectors, queries))
        del vectors
        print(f"dense {n} done; peak RSS {rss_mb():.0f} MB", flush=True)
    texts = [p.text for p in engine.passages]
    if args.store == "milvus":
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            for n in args.milvus_sizes:
                vectors = synthetic(base, n, args.noise, rng)
                # A folder per size: Milvus Lite keeps serving a path for the life of the process.
                rows.extend(milvus_rows(vectors, queries, texts, questions, random.Random(n), Path(tmp) / f"milvus-{n}"))
                del vectors
                print(f"milvus {n} done; Lite server + this process RSS {rows[-1]['rss_mb']:.0f} MB", flush=True)
    for n in args.bm25_sizes:
        rows.append(bm25_row(texts, n, questions, random.Random(n)))
        print(f"bm25 {n} done; peak RSS {rss_mb():.0f} MB", flush=True)

    report(["passages", "index", "build s", "MB", "p50 ms", "p95 ms", "recall@10 vs exact", "RSS MB"],
           [[f"{r['size']:,}", r["index"], f"{r['build_s']:.1f}", "–" if r["mb"] is None else f"{r['mb']:.0f}",
             f"{r['p50_ms']:.2f}", f"{r['p95_ms']:.2f}", "–" if r["recall@10"] is None else f"{r['recall@10']:.3f}",
             f"{r['rss_mb']:.0f}" if r.get("rss_mb") else "–"] for r in rows], rows, args.json)


if __name__ == "__main__":
    main()

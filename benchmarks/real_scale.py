"""Approximate search on real text: recall@10 and latency of FAISS HNSW/IVF against exact search, with the
vectors of real Chinese passages and real questions instead of scale.py's noisy copies of 200 seed passages.

Real text here is every context of the three public sets in ../shared/benchmarks (CMRC 2018, DRCD,
DuReader-robust dev) and each of their sentences of 15+ characters, plus the seed passages: ~28.6k distinct
texts, encoded once with the default model and cached in var/bench/ (the encoding takes minutes). Queries are
real questions of the same sets (a fixed sample). Nothing here reads answers: DRCD's questions are only search
queries, as in the retrieval benchmark.

No real corpus of 1M passages exists on this machine (encoding one would take ~7 h at 41.6 passages/s), so
the larger sizes add blends of two real passages (a random mix of two real vectors, normalised: a passage
about two things, not a near-copy of one) to all the real ones. Rows say which they are.

    .venv/bin/python benchmarks/real_scale.py [--sizes 100000 1000000] [--queries 500] [--json benchmarks/real_scale.json]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import time
from pathlib import Path

import numpy as np
from scale import dense_rows, report, rss_mb

REPO = Path(__file__).resolve().parents[1]
SETS = REPO.parent / "shared" / "benchmarks"
CACHE = REPO / "var" / "bench"
MIN_SENTENCE = 15  # characters: shorter "sentences" are headings and list items


def real_texts() -> tuple[list[str], list[str]]:
    """(distinct passages and sentences, questions) of the public sets, in a fixed order."""
    texts: dict[str, None] = {}
    questions: list[str] = []
    for path in sorted(SETS.glob("*.json")):
        data = json.loads(path.read_text("utf-8"))
        for article in data["data"]:
            for paragraph in article["paragraphs"]:
                texts[paragraph["context"]] = None
                for sentence in re.split(r"(?<=[。！？!?])", paragraph["context"]):
                    if len(sentence.strip()) >= MIN_SENTENCE:
                        texts[sentence.strip()] = None
                questions += [qa["question"] for qa in paragraph["qas"]]
    return list(texts), questions


def encoded(name: str, texts: list[str], encode) -> np.ndarray:
    """The texts' vectors, from the cache when it holds these very texts."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path, key = CACHE / f"{name}.npy", CACHE / f"{name}.txt"
    fingerprint = hashlib.sha1("\n".join(texts).encode("utf-8")).hexdigest()
    if path.exists() and key.exists() and key.read_text() == fingerprint:
        return np.load(path)
    started = time.perf_counter()
    vectors = np.vstack([encode(texts[i:i + 512]) for i in range(0, len(texts), 512)]).astype(np.float32)
    print(f"encoded {len(texts)} {name} in {time.perf_counter() - started:.0f} s", flush=True)
    np.save(path, vectors)
    key.write_text(fingerprint)
    return vectors


def blends(real: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """n vectors, each a random mix (weights 0.3–0.7) of two real vectors, normalised."""
    out = np.empty((n, real.shape[1]), dtype=np.float32)
    for i in range(0, n, 100_000):
        m = min(100_000, n - i)
        a = rng.uniform(0.3, 0.7, (m, 1)).astype(np.float32)
        rows = a * real[rng.integers(0, len(real), m)] + (1 - a) * real[rng.integers(0, len(real), m)]
        out[i:i + m] = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    from retrieval.engine import Engine

    engine = Engine()
    engine.open()
    texts, questions = real_texts()
    texts += [p.text for p in engine.passages if p.text not in set(texts)]
    rng = np.random.default_rng(7)
    questions = [questions[i] for i in sorted(rng.choice(len(questions), args.queries, replace=False))]
    from embeddings import DEFAULT

    model = engine.settings.model or DEFAULT
    real = encoded(f"real-{model}", texts, engine.embedder.encode)
    queries = np.vstack([engine.embedder.encode_query(q) for q in questions]).astype(np.float32)
    print(f"{len(real)} real texts, {len(queries)} real questions ({model})", flush=True)

    rows = [{**r, "text": "real"} for r in dense_rows(real, queries, hnsw_up_to=10**7, ef_searches=(64, 128),
                                                         nprobes=(8, 32))]
    for n in args.sizes:
        vectors = np.vstack([real, blends(real, n - len(real), rng)])
        rows += [{**r, "text": f"{len(real):,} real + blends"} for r in
                 dense_rows(vectors, queries, hnsw_up_to=10**7, ef_searches=(64, 128, 256), nprobes=(8, 32, 64))]
        del vectors
        print(f"{n} done; peak RSS {rss_mb():.0f} MB", flush=True)

    report(["passages", "text", "index", "build s", "MB", "p50 ms", "p95 ms", "recall@10 vs exact"],
           [[f"{r['size']:,}", r["text"], r["index"], f"{r['build_s']:.1f}", f"{r['mb']:.0f}", f"{r['p50_ms']:.2f}",
             f"{r['p95_ms']:.2f}", f"{r['recall@10']:.3f}"] for r in rows], rows, args.json)


if __name__ == "__main__":
    main()

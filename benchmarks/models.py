"""Embedding models side by side: retrieval and answer quality, speed, and the hybrid weight fitted per model.

For every backend in `embeddings.BACKENDS`, in one run:
- cold index build of the seeds (s), passage encoding speed (passages/s), query encoding (ms, median);
- the hybrid weight swept 0.5–1.0 on tests/data/questions.jsonl (training) by MRR@10 and fitted (see
  fitted_weight); the figures below use the weight the registry holds, which is the fitted one (the
  held-out files and DRCD never choose it);
- dense and hybrid hit@1/hit@5/MRR and number accuracy on questions.jsonl, questions_heldout.jsonl and its
  English questions; dense and hybrid hit@1/hit@5 on DRCD (the first --drcd questions, all contexts).

    .venv/bin/python benchmarks/models.py [--drcd 500] [--json benchmarks/models.json]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from embeddings import BACKENDS, load_embedder  # noqa: E402
from retrieval.config import Settings  # noqa: E402
from retrieval.engine import Engine, in_memory_searcher  # noqa: E402
from retrieval.evaluation import (  # noqa: E402
    BENCHMARK_FILES,
    evaluate_answers,
    evaluate_retrieval,
    load_questions,
    load_squad,
    relevance,
)

WEIGHTS = [0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
# The fit: the smallest BM25 weight whose training MRR@10 is within TIE of the best. One question moves MRR
# by about 0.01, so closer weights are a tie; a tie goes to the larger dense share, because the training
# questions are all Chinese and only the dense side can read the English ones.
TIE = 0.005


def fitted_weight(mrr_by_weight: dict[float, float]) -> float:
    """The BM25 weight the registry should hold for a model, from its training sweep."""
    best = max(mrr_by_weight.values())
    return min(w for w, mrr in mrr_by_weight.items() if mrr >= best - TIE)
ENGLISH = re.compile(r"[A-Za-z]{3,}")


def retrieval_figures(engine: Engine, questions) -> dict:
    """hit@1, hit@5, MRR@10 for dense and hybrid."""
    texts = [p.text for p in engine.passages]
    modes, _ = evaluate_retrieval(questions, lambda text, mode, k: engine.search(text, top_k=k, mode=mode),
                                  lambda hit: hit.passage.text, lambda q: max(1, sum(relevance(texts, q.evidence))))
    return {f"{mode} {key}": round(modes[mode][key], 3) for mode in ("dense", "hybrid")
            for key in ("hit@1", "hit@5", "mrr@10")}


def answer_figures(engine: Engine, questions) -> dict:
    """Number accuracy and answered share of the answerable questions."""
    figures, _ = evaluate_answers(questions, engine.ask)
    return {"number_acc": round(figures["number_acc"], 3), "answered_ans": round(figures["answered_ans"], 3)}


def sweep(engine: Engine, questions) -> dict:
    """MRR@10 of hybrid ranking on the training questions for each BM25 weight."""
    searcher = engine.state.searcher
    kept = searcher.bm25_weight
    out = {}
    for weight in WEIGHTS:
        searcher.bm25_weight = weight
        out[weight] = retrieval_figures(engine, questions)["hybrid mrr@10"]
    searcher.bm25_weight = kept
    return out


def drcd_figures(embedder, folder: Path, limit: int) -> dict:
    """Dense and hybrid hit@1/hit@5 on DRCD (every context is one document)."""
    contexts, questions = load_squad(folder / BENCHMARK_FILES["drcd"], limit)
    searcher, _ = in_memory_searcher(contexts, embedder)

    def rank(text, mode, k):
        return searcher.rank(text, embedder.encode_query(text) if mode != "bm25" else None, mode=mode, top_k=k)

    modes, _ = evaluate_retrieval(questions, rank, lambda hit: f"#ctx{hit.passage.id}#", lambda q: 1)
    return {f"drcd {mode} {key}": round(modes[mode][key], 3) for mode in ("dense", "hybrid") for key in ("hit@1", "hit@5")}


def measure(name: str, folder: Path, drcd: int) -> dict:
    """Every figure for one backend."""
    embedder = load_embedder(name)
    row = {"model": name, "licence": embedder.licence, "bm25_weight": embedder.bm25_weight}
    with tempfile.TemporaryDirectory() as index_dir:
        started = time.perf_counter()
        engine = Engine(Settings(REPO / "seeds", Path(index_dir), name), embedder)
        engine.open(rebuild=True)
        row["build_s"] = round(time.perf_counter() - started, 1)
        texts = [p.index_text for p in engine.passages]
        started = time.perf_counter()
        embedder.encode(texts)
        row["passages_per_s"] = round(len(texts) / (time.perf_counter() - started), 1)
        training = load_questions(REPO / "tests" / "data" / "questions.jsonl")
        heldout = load_questions(REPO / "tests" / "data" / "questions_heldout.jsonl")
        timings = []
        for q in training[:50]:
            started = time.perf_counter()
            embedder.encode_query(q.question)
            timings.append((time.perf_counter() - started) * 1000)
        row["query_ms"] = round(float(np.median(timings)), 1)
        row["sweep (training MRR by BM25 weight)"] = mrr = sweep(engine, training)
        row["fitted bm25_weight"] = fitted_weight(mrr)
        english = [q for q in heldout if ENGLISH.search(q.question)]
        for label, questions in (("seeds", training), ("held-out", heldout), ("english", english)):
            for key, value in {**retrieval_figures(engine, questions), **answer_figures(engine, questions)}.items():
                row[f"{label} {key}"] = value
    row.update(drcd_figures(embedder, folder, drcd))
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", type=Path, default=REPO.parent / "shared" / "benchmarks")
    parser.add_argument("--drcd", type=int, default=500, help="DRCD questions (all contexts are indexed)")
    parser.add_argument("--models", nargs="*", default=list(BACKENDS))
    parser.add_argument("--json", type=Path, default=REPO / "benchmarks" / "models.json")
    args = parser.parse_args()
    rows = [measure(name, args.path, args.drcd) for name in args.models]
    args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1), "utf-8")
    keys = [k for k in rows[0] if not k.startswith("sweep")]
    print("| figure | " + " | ".join(r["model"] for r in rows) + " |")
    print("|---|" + "---|" * len(rows))
    for key in keys[1:]:
        print(f"| {key} | " + " | ".join(str(r.get(key)) for r in rows) + " |")
    for r in rows:
        print(r["model"], "training MRR@10 by BM25 weight:", r["sweep (training MRR by BM25 weight)"])


if __name__ == "__main__":
    main()

"""Fit the answer scorer (logistic regression) on training data only, and write retrieval/data/reader_model.json.

Training data: numeric-answer questions of CMRC 2018 dev and DuReader-robust dev (each over a corpus of
its own set's articles, some articles left out so that their questions teach refusal), plus the seed
questions in tests/data/questions.jsonl. Never DRCD, never tests/data/questions_heldout.jsonl.

    python -m retrieval.answering.train [--path ../shared/benchmarks] [--articles 120]

Deterministic: fixed article split (seed 0), lbfgs, no sampling.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from retrieval.answering.benchmark import bm25_searcher, load_set, mention_matches, split_articles
from retrieval.answering.candidates import FEATURES, candidates
from retrieval.answering.question import analyse
from retrieval.answering.scorer import MODEL_PATH

REPO = Path(__file__).resolve().parents[2]
TOP_K = 3


def external_rows(folder: Path, name: str, articles: int):
    """(feature rows, labels, per-question groups) from one external set."""
    contexts, questions, titles = load_set(folder, name)
    kept, _ = split_articles(titles, articles)
    keep = [i for i, t in enumerate(titles) if t in kept]
    searcher, _ = bm25_searcher([contexts[i] for i in keep])
    position = {c: j for j, c in enumerate(keep)}
    rows, labels, groups = [], [], []
    for q in questions:
        hits = searcher.rank(q.question, None, mode="bm25", top_k=TOP_K)
        analysis = analyse(q.question)
        cands = candidates(analysis, analysis.slots[0], hits, searcher.bm25.word_weight)
        in_corpus = q.context in position
        group = []
        for c in cands:
            rows.append(c.features)
            label = in_corpus and mention_matches(c.mention, q.value)
            labels.append(int(label))
            group.append(len(rows) - 1)
        groups.append((group, in_corpus))
    return rows, labels, groups


def seed_rows(path: Path):
    """Rows from the seed question set, answered over the seed corpus with the real engine."""
    from retrieval.engine import Engine
    from retrieval.evaluation import load_questions, squash

    engine = Engine()
    engine.open()
    rows, labels, groups = [], [], []
    for q in load_questions(path):
        hits = engine.search(q.question, top_k=5)
        analysis = analyse(q.question)
        if not analysis.numeric:
            continue
        cands = candidates(analysis, analysis.slots[0], hits, engine.searcher.bm25.word_weight)
        group = []
        for c in cands:
            rows.append(c.features)
            labels.append(int(bool(q.numbers) and squash(c.mention.text) in {squash(n) for n in q.numbers}))
            group.append(len(rows) - 1)
        groups.append((group, q.answerable and bool(q.numbers)))
    return rows, labels, groups


def choose_threshold(probabilities: np.ndarray, labels: np.ndarray, groups) -> float:
    """The threshold that makes most answer-or-refuse decisions right on the given (training) questions.

    A question is decided right when its best candidate is correct and given, or when no candidate is
    correct (unanswerable, or its article left out) and it is refused. When a correct candidate exists but
    is not ranked first, neither decision is right. Ties go to the higher threshold.
    """
    best = []
    for group, answerable in groups:
        top = max(group, key=lambda i: probabilities[i]) if group else None
        findable = answerable and any(labels[i] for i in group)
        correct = top is not None and bool(labels[top]) and answerable
        best.append((probabilities[top] if top is not None else 0.0, correct, findable))
    options = sorted({p for p, _, _ in best} | {0.0})

    def right(t):
        return sum(p >= t if ok else (p < t and not findable) for p, ok, findable in best)
    return float(max(options, key=lambda t: (right(t), t)))


def main() -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", type=Path, default=REPO.parent / "shared" / "benchmarks")
    parser.add_argument("--articles", type=int, default=120, help="articles of each set kept in its corpus")
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    args = parser.parse_args()
    started = time.perf_counter()
    rows, labels, groups, counts = [], [], [], {}
    for source in ("cmrc", "dureader", "seeds"):
        if source == "seeds":
            r, lab, g = seed_rows(REPO / "tests" / "data" / "questions.jsonl")
        else:
            r, lab, g = external_rows(args.path, source, args.articles)
        offset = len(rows)
        rows += r
        labels += lab
        groups += [([i + offset for i in group], ok) for group, ok in g]
        counts[source] = {"questions": len(g), "candidates": len(r), "positives": int(sum(lab))}
        seed_groups = len(g)
        print(f"{source}: {counts[source]}")
    x, y = np.asarray(rows, dtype=np.float64), np.asarray(labels)
    scaler = StandardScaler().fit(x)
    scale = np.where(scaler.scale_ > 0, scaler.scale_, 1.0)
    model = LogisticRegression(C=1.0, max_iter=2000).fit((x - scaler.mean_) / scale, y)
    probabilities = model.predict_proba((x - scaler.mean_) / scale)[:, 1]
    # The threshold is chosen on the in-domain training questions (the seed set): news pages like the corpus.
    threshold = choose_threshold(probabilities, y, groups[-seed_groups:])
    out = {"features": FEATURES, "mean": scaler.mean_.tolist(), "scale": scale.tolist(),
           "weights": model.coef_[0].tolist(), "bias": float(model.intercept_[0]), "threshold": threshold,
           "info": {"trained_on": counts, "threshold_on": "seeds (most right answer-or-refuse decisions)",
                    "articles_per_set": args.articles,
                    "top_k": TOP_K}}
    args.out.write_text(json.dumps(out, ensure_ascii=False, indent=1), "utf-8")
    for name, w in sorted(zip(FEATURES, model.coef_[0]), key=lambda kv: -abs(kv[1])):
        print(f"  {name:16s} {w:+.3f}")
    print(f"threshold {threshold:.3f} (chosen on the seed training questions); wrote {args.out} "
          f"in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()

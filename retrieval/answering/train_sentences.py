"""Fit the sentence reader (who/which/what questions): a pairwise ranker over SENTENCE_FEATURES and a decider.

Training data: the questions of CMRC 2018 dev and DuReader-robust dev whose gold answer is not a number and
that read as asking no figure, over the same corpus of some of each set's articles as the numeric reader's;
a sentence is right when it holds the gold phrase, and questions of the articles left out must be refused.
Never DRCD. Called by `python -m retrieval.answering.train`, which writes both readers into one file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from retrieval.answering.benchmark import benchmark_corpus, holds, load_text_set
from retrieval.answering.question import analyse
from retrieval.answering.scorer import Logistic, set_scores
from retrieval.answering.sentences import SentenceCandidate, sentence_candidates, sentence_decision
from retrieval.answering.train import _folds, cross_fitted_decisions, fit, fit_pairwise
from retrieval.index.search import Hit

# A sentence is given when the decider rates it above what it gives the left-out articles' questions (which the
# passages cannot answer) at this quantile: the reader refuses this share of them, the target. A sentence's
# probability of holding the answer is lower than a number's (CMRC out of fold: the best sentence holds the gold
# phrase for 0.73 of questions), so the numbers' rule, more likely right than wrong, refused a third of CMRC's
# answerable questions (CV × 2: answered 0.639, refused 0.974).
SENTENCE_REFUSAL = 0.85


@dataclass
class SentenceExample:
    """One training question: its candidate sentences, which hold the gold phrase, and its passages."""

    source: str
    candidates: list[SentenceCandidate]
    labels: list[int]
    hits: list[Hit]
    answerable: bool
    group: str = ""


def sentence_examples(folder: Path, name: str, keep: float, top_k: int) -> list[SentenceExample]:
    """Examples from one external set's who/which/what questions, over a corpus of a `keep` share of its
    articles (the split answer_benchmark and the numeric reader's training use)."""
    contexts, questions, titles = load_text_set(folder, name)
    inside, _, searcher, _ = benchmark_corpus(contexts, titles, int(keep * len(set(titles))))
    out = []
    for index, q in enumerate(questions):
        analysis = analyse(q.question)
        if analysis.numeric:
            continue
        hits = searcher.rank(q.question, None, mode="bm25", top_k=top_k)
        found = sentence_candidates(analysis, hits, searcher.word_weight)
        if not found:
            continue
        answerable = q.context in inside
        labels = [int(answerable and holds(c.text, q.gold)) for c in found]
        out.append(SentenceExample(name, found, labels, hits, answerable, group=f"{name} sentence {index}"))
    return out


def decisions(ranker: Logistic, examples: list[SentenceExample]) -> tuple[list[list[float]], list[int]]:
    """Under this ranker: each question's decision row, and whether its best sentence is right."""
    rows, right = [], []
    for e in examples:
        set_scores(ranker, e.candidates)
        found = e.candidates
        order = sorted(range(len(found)), key=lambda i: (-found[i].probability, found[i].hit_rank))  # as at run time
        rows.append(sentence_decision([e.candidates[i] for i in order], e.hits))
        right.append(e.labels[order[0]])
    return rows, right


def fit_sentence_reader(examples: list[SentenceExample], folds: int = 5, seed: int = 1
                        ) -> tuple[Logistic, Logistic, float]:
    """The ranker on every example (train.fit_pairwise); the decider (train.fit) on cross-fitted decision rows,
    each question scored by a ranker fitted without it, as at run time; and the threshold that refuses
    SENTENCE_REFUSAL of the left-out articles' questions."""
    rows, right = cross_fitted_decisions(examples, folds, seed, decide=decisions)
    decider = fit(rows, right, [e.source for e in examples])
    left_out = [row for row, e in zip(rows, examples) if not e.answerable]
    threshold = float(np.quantile(decider.probabilities(left_out), SENTENCE_REFUSAL)) if left_out else 0.5
    return fit_pairwise(examples), decider, threshold


def cross_validate_sentences(examples: list[SentenceExample], folds: int = 5, repeats: int = 4) -> dict:
    """End-to-end k-fold CV (ranker and decider refitted per fold), averaged over `repeats` fold assignments:
    per source, top1 (answered with a sentence holding the gold phrase), answered, and refused left-out."""
    runs = []
    for seed in range(repeats):
        fold = _folds(examples, folds, 100 * seed)
        tallies: dict[str, dict[str, list[int]]] = {}
        for f in range(folds):
            train = [e for e, k in zip(examples, fold) if k != f]
            test = [e for e, k in zip(examples, fold) if k == f]
            ranker, decider, threshold = fit_sentence_reader(train, seed=100 * seed + 1)
            rows, right = decisions(ranker, test)
            given = decider.probabilities(rows) >= threshold
            for e, y, g in zip(test, right, given):
                t = tallies.setdefault(e.source, {"top1": [], "answered": [], "refused": []})
                if e.answerable:
                    t["top1"].append(int(g and y))
                    t["answered"].append(int(g))
                else:
                    t["refused"].append(int(not g))
        runs.append({s: {k: float(np.mean(v)) for k, v in t.items()} for s, t in tallies.items()})
    return {s: {k: round(float(np.mean([r[s][k] for r in runs])), 3) for k in runs[0][s]} for s in runs[0]}

"""Who/which/what questions: every sentence of the ranked passages as a candidate answer, with its features.

A sentence, not a phrase, is the answer: the reader cites the sentence that says what is asked, and a fitted
ranker (the same pairwise logistic regression as the numbers', over SENTENCE_FEATURES) picks it; a fitted decider
says whether it is given at all (SENTENCE_DECISION_FEATURES).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from retrieval.answering.candidates import ngrams, synonyms_of, word_share
from retrieval.answering.question import QuestionAnalysis
from retrieval.index.search import Hit
from retrieval.language.tokenizer import simplify, simplify_chars

SENTENCE_END = re.compile(r"(?<=[。！？；!?;\n])")
MIN_SENTENCE_CHARS = 6  # shorter pieces are headings, list markers or OCR debris, not an answer
SENTENCE_FEATURES = [
    "words",  # IDF-weighted share of the question's words (or their synonyms) the sentence says
    "bigrams",  # share of the question's character bigrams in it: word forms the tokenizer cuts otherwise
    "trigrams",  # the same for trigrams: a name said whole
    "retrieval_rank",  # 1 / (1 + rank) of its passage
    "retrieval_score",  # its passage's score / the top passage's
    # Against the best sentence of the question: a reader compares sentences, not absolutes.
    "words_gap",
    "bigrams_gap",
    "trigrams_gap",
]
_COMPARED = [SENTENCE_FEATURES.index(name.removesuffix("_gap")) for name in SENTENCE_FEATURES if name.endswith("_gap")]
SENTENCE_DECISION_FEATURES = [
    "top_logit",  # the ranker's raw score for the best sentence
    "top_probability",  # its softmax share among the question's sentences
    "margin",  # best minus second-best share
    "top_words",  # how much of the question the best sentence says
    "top_bm25_share",  # its passage's BM25 share (Hit.bm25_share): low when the article is missing; the raw score
    # grows with the corpus (fitted on 70% of CMRC, the raw-score decider refused more over 100 articles)
]


@dataclass
class SentenceCandidate:
    """One sentence of a ranked passage, with its features and (after scoring) its probability."""

    text: str
    hit_rank: int
    features: list[float]
    probability: float = 0.0
    logit: float = 0.0


def sentence_candidates(analysis: QuestionAnalysis, hits: list[Hit], weight) -> list[SentenceCandidate]:
    """Every sentence of the hits as a candidate answer, with SENTENCE_FEATURES (the gaps filled in last)."""
    asked = simplify_chars(analysis.simplified)
    bigrams, trigrams = ngrams(asked, 2), ngrams(asked, 3)
    synonyms = synonyms_of(analysis.slots[0]) if analysis.slots else {}
    top = max((h.score for h in hits), default=0.0)
    out = []
    for rank, hit in enumerate(hits):
        for sentence in SENTENCE_END.split(hit.passage.text):
            if len(sentence.strip()) < MIN_SENTENCE_CHARS:
                continue
            said = simplify_chars(simplify(sentence))
            out.append(SentenceCandidate(sentence.strip(), rank, [
                word_share(analysis.words, said, weight, analysis.alternatives, synonyms),
                len(bigrams & ngrams(said, 2)) / len(bigrams) if bigrams else 0.0,
                len(trigrams & ngrams(said, 3)) / len(trigrams) if trigrams else 0.0,
                1.0 / (1 + rank),
                hit.score / top if top > 0 else 0.0,
            ]))
    best = [max((c.features[i] for c in out), default=0.0) for i in _COMPARED]
    for c in out:
        c.features += [c.features[i] - b for i, b in zip(_COMPARED, best)]
    return out


def sentence_decision(ranked: list[SentenceCandidate], hits: list[Hit]) -> list[float]:
    """The decider's inputs (SENTENCE_DECISION_FEATURES) for the best of a question's ranked sentences."""
    best = ranked[0]
    second = ranked[1].probability if len(ranked) > 1 else 0.0
    return [best.logit, best.probability, best.probability - second, best.features[0],
            hits[best.hit_rank].bm25_share]

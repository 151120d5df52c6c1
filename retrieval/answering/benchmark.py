"""Answer-level benchmarks on SQuAD-format sets: numeric questions, left-out articles, a simple baseline.

Shared by the scorer's training script (CMRC 2018, DuReader-robust) and `newsqa eval --answers`
(DRCD, never used for fitting).
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from retrieval.answering.candidates import passage_mentions, same_value
from retrieval.index.bm25 import BM25Index
from retrieval.index.dense import DenseIndex
from retrieval.index.search import Hit, Searcher
from retrieval.ingest.passages import Passage
from retrieval.language.numbers import NumberMention, extract_numbers
from retrieval.language.places import gazetteer
from retrieval.language.tokenizer import simplify, simplify_chars

FILES = {"dureader": "dureader_robust_dev.json", "cmrc": "cmrc2018_dev.json", "drcd": "drcd_dev.json"}


@dataclass
class NumericQuestion:
    """A question whose gold answer is a number, with its own context's index."""

    question: str
    gold: str
    value: float
    context: int


@dataclass
class TextQuestion:
    """A question whose gold answer is a name or phrase (谁, 哪个, 什么), with its own context's index."""

    question: str
    gold: str
    context: int


def number_value(text: str) -> float | None:
    """The value of a text that is one number (1,786 → 1786; 三十萬 → 300000; 83.4% → 83.4), else None."""
    simple = simplify_chars(text.strip())
    found = [m for m in extract_numbers(simple) if m.value is not None]
    if len(found) != 1 or len(found[0].text) < 0.6 * len(simple):
        return None
    return found[0].value


def mention_matches(mention: NumberMention, value: float) -> bool:
    """Whether a candidate states the gold value (a date 1786年2月2日 states the year 1786)."""
    return same_value(mention.value, value) or same_value(mention.value_max, value)


def load_set(folder: Path, name: str) -> tuple[list[str], list[NumericQuestion], list[str]]:
    """(contexts, numeric questions, article titles per context) of one set."""
    contexts, questions, titles = _read_set(folder, name)
    numeric = [NumericQuestion(q, gold, value, c) for q, gold, c in questions
               if (value := number_value(gold)) is not None]
    return contexts, numeric, titles


def load_text_set(folder: Path, name: str) -> tuple[list[str], list[TextQuestion], list[str]]:
    """(contexts, questions whose gold answer is not a number, article titles per context) of one set."""
    contexts, questions, titles = _read_set(folder, name)
    return contexts, [TextQuestion(q, gold, c) for q, gold, c in questions if number_value(gold) is None], titles


def _read_set(folder: Path, name: str) -> tuple[list[str], list[tuple[str, str, int]], list[str]]:
    """(contexts, (question, gold answer, context index) for every answered question, titles per context)."""
    data = json.loads((Path(folder) / FILES[name]).read_text("utf-8"))
    contexts: dict[str, int] = {}
    titles: list[str] = []
    questions = []
    for article in data["data"]:
        for paragraph in article["paragraphs"]:
            index = contexts.setdefault(paragraph["context"], len(contexts))
            if index == len(titles):
                titles.append(str(article.get("title") or article.get("id") or index))
            for qa in paragraph["qas"]:
                gold = (qa.get("answers") or [{}])[0].get("text", "")
                if gold:
                    questions.append((qa["question"], gold, index))
    return list(contexts), questions, titles


def split_articles(titles: list[str], articles: int, seed: int = 0) -> tuple[set[str], set[str]]:
    """A fixed random choice of `articles` articles for the corpus; the rest are left out."""
    names = sorted(set(titles))
    random.Random(seed).shuffle(names)
    return set(names[:articles]), set(names[articles:])


def benchmark_corpus(contexts: list[str], titles: list[str], articles: int
                     ) -> tuple[set[int], set[str], Searcher, list[Passage]]:
    """The contexts of `articles` articles (split_articles) as a BM25 corpus: (the indexes of the contexts in it,
    the titles left out, its searcher, its passages)."""
    kept, dropped = split_articles(titles, articles)
    keep = [i for i, t in enumerate(titles) if t in kept]
    searcher, passages = bm25_searcher([contexts[i] for i in keep])
    return set(keep), dropped, searcher, passages


def holds(text: str, gold: str) -> bool:
    """Whether a text says the gold phrase, both read in one normalised form (NFKC, simplified, lower-case)."""
    return simplify_chars(simplify(gold)) in simplify_chars(simplify(text))


def bm25_searcher(contexts: list[str]) -> tuple[Searcher, list[Passage]]:
    """A BM25-only searcher over contexts (one passage each, with the places it names); no model needed."""
    places = gazetteer()
    passages = [Passage(str(i), "benchmark", 0, len(t), t, None, places.find(simplify_chars(t)), [], i)
                for i, t in enumerate(contexts)]
    dense = DenseIndex.build(np.zeros((len(passages), 1), dtype=np.float32))
    return Searcher(passages, BM25Index(contexts), dense), passages


def known_places(passages: list[Passage]) -> set[str]:
    """The places the corpus names (as the engine computes them): a question about another is refused."""
    return {place for p in passages for place in (*p.places, *p.article_places)}


def _bigrams(text: str) -> set[str]:
    text = re.sub(r"\W", "", simplify_chars(text))
    return {text[i:i + 2] for i in range(len(text) - 1)}


def baseline(question: str, hits: list[Hit]) -> NumberMention | None:
    """The simple baseline: in the top passage, the number whose ±20-character window shares most
    character bigrams with the question."""
    if not hits:
        return None
    q = _bigrams(question)
    text = hits[0].passage.text
    best, best_overlap = None, -1
    for m in passage_mentions(hits[0]):
        overlap = len(q & _bigrams(text[max(0, m.start - 20):m.end + 20]))
        if overlap > best_overlap:
            best, best_overlap = m, overlap
    return best


def question_similarity(embedder, passages: list[Passage]):
    """question → the reader's cosines of it and texts under the embedder's model (the sentences of the passages'
    numbers encoded first, as Engine.warm_up does); None without an embedder (the cosine features are then 0)."""
    if embedder is None:
        return lambda question: None
    from retrieval.answering.candidates import candidate_sentences
    from retrieval.index.sentence_vectors import SentenceVectors

    vectors = SentenceVectors(embedder)
    vectors.vectors(candidate_sentences(passages))

    return lambda question: vectors.similarity(embedder.encode_query(question)[0])


def answer_benchmark(folder: Path, name: str, articles: int = 100, left_out: int = 100, top_k: int = 3,
                     embedder=None) -> dict:
    """Reader vs baseline on one set's numeric questions over a corpus of `articles` of its articles;
    questions from `left_out` other articles must be refused. BM25 retrieval; the embedder (optional, as the
    product always has one) gives the reader its question–sentence cosines."""
    import time

    from retrieval.answering.reader import read

    contexts, questions, titles = load_set(folder, name)
    in_corpus, dropped, searcher, passages = benchmark_corpus(contexts, titles, articles)
    known = known_places(passages)
    similarity_to = question_similarity(embedder, passages)
    inside = [q for q in questions if q.context in in_corpus]
    outside = [q for q in questions if titles[q.context] in dropped][:left_out]
    figures = {"reader_top1": 0, "reader_any": 0, "reader_answered": 0, "baseline_top1": 0, "refused_left_out": 0}
    times = []
    for q in inside + outside:
        hits = searcher.rank(q.question, None, mode="bm25", top_k=top_k)
        started = time.perf_counter()
        answer = read(q.question, hits, known, searcher.word_weight, similarity=similarity_to(q.question))
        times.append((time.perf_counter() - started) * 1000)
        if q in outside:
            figures["refused_left_out"] += not answer.answerable
            continue
        base = baseline(q.question, hits)
        figures["baseline_top1"] += base is not None and mention_matches(base, q.value)
        if answer.answerable:
            figures["reader_answered"] += 1
            figures["reader_top1"] += bool(answer.readings) and mention_matches(answer.readings[0].mention, q.value)
            figures["reader_any"] += any(mention_matches(r.mention, q.value) for r in answer.readings)
    n, m = max(1, len(inside)), max(1, len(outside))
    return {"set": name, "questions": len(inside), "left_out_questions": len(outside),
            "top1": figures["reader_top1"] / n, "any_reading": figures["reader_any"] / n,
            "answered": figures["reader_answered"] / n, "refused_left_out": figures["refused_left_out"] / m,
            "baseline_top1": figures["baseline_top1"] / n, "p50_ms": float(np.percentile(times, 50)) if times else 0.0}


def baseline_sentence(question: str, hits: list[Hit]) -> str:
    """The simple baseline for a who/which/what question: the top passage's sentence sharing most character
    bigrams with the question."""
    from retrieval.answering.sentences import SENTENCE_END

    if not hits:
        return ""
    q = _bigrams(question)
    return max(SENTENCE_END.split(hits[0].passage.text), key=lambda s: len(q & _bigrams(s)), default="")


def sentence_benchmark(folder: Path, name: str, articles: int = 100, left_out: int = 100, top_k: int = 3,
                       limit: int = 400) -> dict:
    """Who/which/what questions (gold not a number, read as asking no figure) over the same corpus as
    answer_benchmark: an answer counts when its sentence holds the gold phrase; left-out questions must be refused.
    limit caps the in-corpus questions (a fixed shuffle), as there are thousands."""
    from retrieval.answering.question import analyse
    from retrieval.answering.reader import read

    contexts, questions, titles = load_text_set(folder, name)
    in_corpus, dropped, searcher, passages = benchmark_corpus(contexts, titles, articles)
    known = known_places(passages)
    asked = [q for q in questions if not analyse(q.question).numeric]
    random.Random(0).shuffle(asked)
    inside = [q for q in asked if q.context in in_corpus][:limit]
    outside = [q for q in asked if titles[q.context] in dropped][:left_out]
    said = {"reader_top1": 0, "reader_answered": 0, "baseline_top1": 0, "refused_left_out": 0}
    for q in inside + outside:
        hits = searcher.rank(q.question, None, mode="bm25", top_k=top_k)
        answer = read(q.question, hits, known, searcher.word_weight)
        if q in outside:
            said["refused_left_out"] += not answer.answerable
            continue
        said["baseline_top1"] += holds(baseline_sentence(q.question, hits), q.gold)
        said["reader_answered"] += answer.answerable
        said["reader_top1"] += answer.answerable and holds(answer.answer, q.gold)
    n, m = max(1, len(inside)), max(1, len(outside))
    return {"set": name, "questions": len(inside), "left_out_questions": len(outside),
            "top1": said["reader_top1"] / n, "answered": said["reader_answered"] / n,
            "refused_left_out": said["refused_left_out"] / m, "baseline_top1": said["baseline_top1"] / n}

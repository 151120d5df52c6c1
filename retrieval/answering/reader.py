"""The answer pipeline: question analysis → candidates → fitted scorer → abstention → answer text."""

from __future__ import annotations

from retrieval.answer import Answer, Reading, check_grounded, not_found
from retrieval.answering.candidates import (
    Candidate,
    answer_set,
    candidates,
    compares_sentences,
    decision_features,
)
from retrieval.answering.compare import comparison_answer
from retrieval.answering.question import QuestionAnalysis, analyse
from retrieval.answering.scorer import Scorer, load_scorer
from retrieval.answering.sentences import sentence_candidates, sentence_decision
from retrieval.index.search import Hit


def read(question: str, hits: list[Hit], known_places: set[str], weight=len, scorer: Scorer | None = None,
         facts=None, passage_of=None, analysis: QuestionAnalysis | None = None, similarity=None) -> Answer:
    """Answer a question from its ranked passages, or say plainly that the articles do not.

    facts and passage_of (the facts table and a passage lookup) let questions over many figures at once
    (哪个区复工率最高) be answered from every figure the articles give, not only the top passages;
    similarity (cosines of the question and texts under the engine's model) lets an English question be matched
    with Chinese sentences.
    """
    analysis = analysis or analyse(question)
    if not hits:
        return not_found(question, hits, "语料为空")
    refusal = _hard_constraint(analysis, hits, known_places)
    if refusal:
        return not_found(question, hits, refusal)
    if facts is not None and analysis.comparison:
        table = comparison_answer(analysis, facts, passage_of)
        if table is not None:
            return table
    scorer = scorer or load_scorer()
    if not analysis.numeric:
        return _sentence_answer(question, analysis, hits, weight, scorer)
    chosen: list[list[Candidate]] = []
    for slot in analysis.slots:
        ranked = scorer.score(candidates(analysis, slot, hits, weight, similarity))
        taken = {(c.mention.text, c.hit_rank) for given in chosen for c in given}
        ranked = [c for c in ranked if (c.mention.text, c.hit_rank) not in taken]
        given = answer_set(ranked)
        decision = decision_features(ranked, given, hits, slot, weight, analysis.year)
        confident = bool(given) and scorer.confidence(decision, compares_sentences(slot, similarity)) >= scorer.threshold
        chosen.append(given if confident else [])
    if not any(chosen):
        return not_found(question, hits, "文章中没有能回答这个问题的数字")
    return _numeric_answer(question, analysis.slots, hits, chosen)


def _hard_constraint(analysis: QuestionAnalysis, hits: list[Hit], known_places: set[str]) -> str | None:
    """A reason to refuse whatever the scores say: a place or year the articles never name."""
    missing = [p for p in analysis.places if p not in known_places]
    if missing:
        return f"文章没有提到{'、'.join(missing)}"
    if analysis.places and not any(set(analysis.places) & (set(h.passage.places) | set(h.passage.article_places))
                                   for h in hits):
        return f"相关段落不涉及{'、'.join(analysis.places)}"
    if analysis.year and not any(analysis.year in h.passage.text or analysis.year in (h.passage.headline or "")
                                 for h in hits):
        return f"文章没有{analysis.year}年的数字"
    return None


def _reading_text(reading: Reading) -> str:
    m = reading.mention
    head = f"{m.subject}：" if m.subject else ""
    label = f"{m.label} " if m.label else ""
    note = f"（{m.date}）" if m.date and m.date not in m.text else ""
    return f"{head}{label}{m.text}{note}[{reading.citation}]"


def _numeric_answer(question: str, slots: list, hits: list[Hit], chosen: list[list[Candidate]]) -> Answer:
    used = sorted({c.hit_rank for given in chosen for c in given})
    renumber = {old: new for new, old in enumerate(used, 1)}
    cited = [hits[i] for i in used] + [h for i, h in enumerate(hits) if i not in renumber]
    readings, parts = [], []
    for slot, given in zip(slots, chosen):
        if not given:
            parts.append(f"文章没有给出“{slot.shown}”的数字")
            continue
        for c in given:
            reading = Reading(c.mention, renumber[c.hit_rank], c.probability)
            readings.append(reading)
            parts.append(_reading_text(reading))
    several = len(readings) > len(slots)
    text = ("文章中有几处相关的数字：" if several else "") + "；".join(parts) + "。"
    answer = Answer(question, text, True, readings, cited)
    check_grounded(answer)
    return answer


def _sentence_answer(question: str, analysis: QuestionAnalysis, hits: list[Hit], weight, scorer: Scorer) -> Answer:
    """Who/which/what questions: the sentence the fitted ranker rates best, if the decider gives it."""
    ranked = scorer.score_sentences(sentence_candidates(analysis, hits, weight))
    if not ranked or not scorer.gives_sentence(sentence_decision(ranked, hits)):
        return not_found(question, hits, "相关段落没有回答这个问题")
    best = ranked[0]
    cited = [hits[best.hit_rank]] + [h for i, h in enumerate(hits) if i != best.hit_rank]
    return Answer(question, f"{best.text}[1]", True, [], cited)

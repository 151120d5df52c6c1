"""Ranking on the labelled question set, and place awareness (綦江 ≠ 南岸)."""

from __future__ import annotations

import pytest

from retrieval.engine import QuestionError, check_question
from retrieval.evaluation import load_questions, relevance
from tests.conftest import REPO

QUESTIONS = [q for q in load_questions(REPO / "tests" / "data" / "questions.jsonl") if q.answerable and q.evidence]


def _hits(store_engine, mode, k):
    return [relevance([h.passage.text for h in store_engine.search(q.question, top_k=k, mode=mode)], q.evidence)
            for q in QUESTIONS]


def test_question_set_size():
    assert len(QUESTIONS) >= 30


def test_hybrid_top1_and_top5(store_engine):
    rels = _hits(store_engine, "hybrid", 5)
    top1 = sum(r[0] for r in rels) / len(rels)
    top5 = sum(any(r) for r in rels) / len(rels)
    print(f"hybrid on {len(rels)} questions: top-1 {top1:.3f}, top-5 {top5:.3f}")
    assert top1 >= 0.80, top1
    assert top5 >= 0.95, top5


def test_hybrid_is_not_worse_than_bm25(store_engine):
    hybrid = _hits(store_engine, "hybrid", 5)
    bm25 = _hits(store_engine, "bm25", 5)
    assert sum(r[0] for r in hybrid) >= sum(r[0] for r in bm25)
    assert sum(any(r) for r in hybrid) >= sum(any(r) for r in bm25)


def test_qijiang_passage_outranks_nanan(store_engine):
    hits = store_engine.search("綦江复工率多少", top_k=10)
    ranks = {name: next(i for i, h in enumerate(hits) if text in h.passage.text)
             for name, text in (("綦江", "复工复产率达100%"), ("南岸", "复工率99.26%"))
             if any(text in h.passage.text for h in hits)}
    assert "綦江" in ranks and ranks["綦江"] < 5
    assert ranks.get("南岸", 99) > ranks["綦江"]
    nanan = store_engine.search("南岸复工率多少", top_k=3)
    assert all("南岸" in h.passage.article_places for h in nanan)


@pytest.mark.parametrize("mode", ["bm25", "dense", "hybrid"])
def test_every_mode_returns_ranked_passages(store_engine, mode):
    hits = store_engine.search("小米未来5年投入多少", top_k=7, mode=mode)
    assert len(hits) == 7
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_traditional_characters_find_the_same_passage(store_engine):
    simplified = store_engine.search("綦江企业复工率是多少", top_k=1)[0].passage.id
    traditional = store_engine.search("綦江企業複工率是多少", top_k=1)[0].passage.id
    assert simplified == traditional


@pytest.mark.parametrize("bad", ["", "   ", "？？？", "😀😀", "x" * 501, None, 42])
def test_bad_questions_get_a_clear_error(bad):
    with pytest.raises(QuestionError):
        check_question(bad)


def test_odd_unicode_does_not_break_search(store_engine):
    for q in ["綦江\u200b复工率", "綦江\x00复工率", "ＱＩＪＩＡＮＧ 复工率", "綦江复工率\ud800".encode("utf-8", "replace").decode()]:
        store_engine.search(q)

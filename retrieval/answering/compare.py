"""Questions over many figures at once (哪个区复工率最高, 各区返岗率分别是多少), answered from the facts table.

The answer is a small table: place · metric as written · number · date · citation, sorted by value. It
names a highest or lowest figure only when the figures are comparable (same wording of the metric, same
date); otherwise it says so instead of ranking them blindly.
"""

from __future__ import annotations

from retrieval.answer import Answer, Reading, check_grounded
from retrieval.answering.question import QuestionAnalysis
from retrieval.facts import Fact, FactStore
from retrieval.index.search import Hit
from retrieval.language.metrics import SPECIFIC

MAX_ROWS = 8  # a chat reply, not a spreadsheet: `newsqa facts` and GET /facts list everything
TYPE_KINDS = {"percent": "percent", "money": "money", "count": "count", "measure": "measure", "duration": "duration"}


def comparison_answer(analysis: QuestionAnalysis, facts: FactStore, passage_of) -> Answer | None:
    """The table answer for a comparison/superlative/list question, or None when the facts cannot give one."""
    metrics = [m for m in analysis.metrics if m in SPECIFIC]
    if not analysis.comparison or not metrics:
        return None
    rows, _ = facts.query(metric=metrics[-1], limit=1000)
    kind = TYPE_KINDS.get(analysis.answer_type)
    rows = [f for f in rows if f.subject and f.value is not None and (kind is None or f.kind == kind)
            and (not analysis.places or f.subject in analysis.places)
            and (analysis.at_least is None or f.value > analysis.at_least)]
    if not rows:
        return None
    best = _one_per_place_and_wording(rows)
    best.sort(key=lambda f: f.value, reverse=analysis.comparison != "min")
    best = best[:MAX_ROWS]
    return _table(analysis, best, passage_of)


def _one_per_place_and_wording(rows: list[Fact]) -> list[Fact]:
    """Each (place, metric as written, number) once: the same figure repeated is one row."""
    seen, out = set(), []
    for f in rows:
        key = (f.subject, f.label, f.text)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def comparable(rows: list[Fact]) -> str | None:
    """Why these figures should not be ranked against each other, or None when they can be."""
    wordings = {f.label for f in rows}
    if len(wordings) > 1:
        return "口径不同（" + "、".join(sorted(w or "?" for w in wordings)) + "）"
    dates = {f.date_normalised or f.date for f in rows}
    if len(dates) > 1:
        return "日期不同"
    return None


def _table(analysis: QuestionAnalysis, rows: list[Fact], passage_of) -> Answer:
    passages = []
    for f in rows:
        if f.passage_id not in passages:
            passages.append(f.passage_id)
    hits = [Hit(passage_of(pid), 0.0, 0.0, 0.0) for pid in passages]
    readings = [Reading(f.mention(), passages.index(f.passage_id) + 1, 1.0) for f in rows]
    lines = []
    for f, r in zip(rows, readings):
        date = f"（{f.date}）" if f.date else ""
        lines.append(f"{f.subject} · {f.label or '—'} · {f.text}{date}[{r.citation}]")
    reason = comparable(rows)
    if len(rows) == 1:
        head = "文章中只有一处相关的数字："
    elif analysis.comparison in ("max", "min") and reason is None:
        word = "最高" if analysis.comparison == "max" else "最低"
        head = f"{word}的是{rows[0].subject}（{rows[0].text}）。各处数字："
    elif analysis.comparison in ("max", "min"):
        head = f"这些数字{reason}，不宜直接比较高低；按数值排列："
    else:
        head = "文章中的相关数字（按数值排列）："
    answer = Answer(analysis.text, head + "\n" + "\n".join(lines), True, readings, hits, [f.id for f in rows])
    check_grounded(answer)
    return answer

"""Follow-up questions in a conversation: a question that lacks a slot takes it from the previous turn.

綦江复工率多少 → 那南岸呢 is read as 南岸复工率多少 (place swap); → 返岗率呢 as 南岸返岗率多少 (metric swap).
A question that names its own place and metric, or asks something new, is answered as it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from retrieval.answering.question import analyse
from retrieval.language.metrics import METRICS

# Short questions that point back at the previous answer rather than ask something new.
ABOUT_LAST = re.compile(r"^(?:那)?(?:是)?(?:哪天|什么时候|何时)的(?:数据|数字)?[？?]?$|"
                        r"^(?:出处|来源)(?:是)?(?:哪里|什么)?[？?]?$|"
                        r"^为什么[？?]?$|^(?:根据|依据)是?什么[？?]?$")
FOLLOW_UP = re.compile(r"^(?:那|那么|还有|和)?(.{0,12}?)(?:的)?(?:呢|怎么样|如何)[？?]?$")


@dataclass
class Turn:
    """What the last question asked about (its slots) and what was answered."""

    question: str  # as understood (resolved)
    places: list[str] = field(default_factory=list)
    metric_words: list[str] = field(default_factory=list)  # the metric as the user wrote it (复工率)
    answer: dict | None = None  # the answer contract of that turn


def _metric_words(text: str) -> list[str]:
    forms = sorted((f for forms in METRICS.values() for f in forms if len(f) > 1), key=len, reverse=True)
    found = []
    for form in forms:
        if form in text and not any(form in f for f in found):
            found.append(form)
    return found


def resolve(question: str, last: Turn | None) -> tuple[str, bool]:
    """The question as understood, and whether it is about the last answer itself (出处/哪天的数据)."""
    text = question.strip()
    if last is None:
        return text, False
    if ABOUT_LAST.match(text):
        return last.question, True
    analysis = analyse(text)
    if analysis.comparison and not _metric_words(analysis.simplified) and last.metric_words:
        # 哪个区最高 after 綦江复工率多少: the comparison is about the metric in play.
        return last.metric_words[-1] + text, False
    follow = FOLLOW_UP.match(text)
    if not follow:
        return text, False
    places = analysis.places
    metrics = _metric_words(follow.group(1))
    if places and not metrics and last.metric_words:
        return "".join(places) + last.metric_words[-1] + "多少", False
    if metrics and not places and last.places:
        return "".join(last.places) + metrics[-1] + "多少", False
    if metrics and not places:
        return metrics[-1] + "多少", False
    return text, False


def turn_of(resolved: str, answer: dict | None) -> Turn:
    """The slots of a resolved question, kept for the next one."""
    analysis = analyse(resolved)
    return Turn(resolved, analysis.places, _metric_words(analysis.simplified), answer)


def about_last(question: str, last: Turn) -> str:
    """The reply to 哪天的数据 / 出处是哪里 / 为什么: the dates, sources and sentences of the last answer."""
    data = last.answer or {}
    numbers, citations = data.get("numbers", []), data.get("citations", [])
    if not numbers and not citations:
        return "上一个问题没有找到答案，所以没有出处可说。"
    if re.search(r"哪天|什么时候|何时", question):
        dated = [f"{n['text']}：{n['date']}" for n in numbers if n.get("date")]
        return ("；".join(dated) + "。") if dated else "文章没有写明这些数字的日期。"
    cited = {n["citation"] for n in numbers} or {1}
    lines = [f"[{i}] {citations[i - 1]['source']} 字符 {citations[i - 1]['start']}–{citations[i - 1]['end']}："
             f"{citations[i - 1]['text'][:120]}" for i in sorted(cited) if i <= len(citations)]
    return "\n".join(lines)


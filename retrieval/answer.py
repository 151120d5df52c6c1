"""The answer contract: what every face returns, and the check that every quoted number is in its citation.

The reader (`retrieval.answering`) fills it; nothing here chooses numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from retrieval.index.search import Hit
from retrieval.language.numbers import NumberMention


class GroundingError(AssertionError):
    """An answer quoted a number that is not verbatim in its cited passage (a bug, never shown to users)."""


@dataclass
class Reading:
    """One number that answers the question, with its context numbers and citation."""

    mention: NumberMention
    citation: int
    score: float
    context: list[NumberMention] = field(default_factory=list)


@dataclass
class Answer:
    """What every face returns: the answer text, its numbers, and the passages they come from."""

    question: str
    answer: str
    answerable: bool
    readings: list[Reading]
    citations: list[Hit]
    facts: list[int] = field(default_factory=list)  # ids in the facts table, for answers that are a table

    def to_dict(self) -> dict:
        """The shared JSON contract (CLI --json, HTTP /ask, Telegram formatting)."""
        numbers = []
        for r in self.readings:
            numbers.append(r.mention.to_dict(citation=r.citation))
            numbers.extend(c.to_dict(citation=r.citation) for c in r.context)
        return {
            "question": self.question,
            "answer": self.answer,
            "answerable": self.answerable,
            "numbers": numbers,
            "facts": self.facts,
            "citations": [
                {"id": h.passage.id, "source": h.passage.source, "title": h.passage.headline,
                 "text": h.passage.text, "score": round(h.score, 4),
                 "start": h.passage.start, "end": h.passage.end}
                for h in self.citations
            ],
        }


def check_grounded(answer: Answer) -> None:
    """Raise GroundingError unless every quoted number is verbatim in its cited passage."""
    for r in answer.readings:
        passage = answer.citations[r.citation - 1].passage
        for m in [r.mention, *r.context]:
            if passage.text[m.start:m.end] != m.text or m.text not in answer.answer:
                raise GroundingError(f"{m.text!r} is not at {m.start}:{m.end} of passage {passage.id}")


def not_found(question: str, hits: list[Hit], reason: str) -> Answer:
    """The honest reply: the articles do not say; the nearest passages are listed as related."""
    text = f"文章中没有找到这个问题的答案（{reason}）。" + ("以下是最相关的段落，供参考。" if hits else "")
    return Answer(question, text, False, [], hits)

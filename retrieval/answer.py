"""From ranked passages to an Answer: the numbers that answer the question, or an honest "not in the articles".

No language model: the answer text is assembled from extracted NumberMentions (quoted verbatim)
and sentences of the cited passages, so nothing is said that a cited passage does not say.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from retrieval.metrics import MONEY_WORDS, SPECIFIC, find_metrics
from retrieval.numbers import NumberMention, extract_numbers
from retrieval.places import GENERIC, gazetteer
from retrieval.search import Hit
from retrieval.tokenizer import simplify, tokenize

# Calibrated on tests/data/questions.jsonl (see `newsqa eval`): below this share of the question's
# content words found in the cited passages, the articles are taken not to answer it.
MIN_COVERAGE = 0.5
MIN_READING_COVERAGE = 0.6
MAX_READINGS = 4
NUMERIC_RE = re.compile(r"多少|几[个家名人户笔成项次亿万天月]|几成|多大|多高|多长|多久|比例|比率|占比|百分之|数量|规模|金额|总额|额度|"
                        r"率|how many|how much|percent|rate")
WHEN_RE = re.compile(r"什么时候|何时|哪天|哪一天|几月|几号|日期|when")
PERCENT_RE = re.compile(r"率|比例|比率|占比|百分|几成|percent|rate|增长|增速|下降")
COUNT_RE = re.compile(r"(?:多少|几)(个|家|名|人|户|笔|辆|项|件|台|片|口|条|座|次|批|位|只|张|份|场|吨|亩|支)")
ASKING_RE = re.compile(r"(?:是|有|为|达|共|一共|总共)?(?:多少|几)")


def _inside_word(text: str, position: int) -> bool:
    """Whether the character at position begins a longer jieba word (口 in 口罩)."""
    from retrieval.tokenizer import jieba_tokenizer

    jieba = jieba_tokenizer()
    return any(start == position and end - start > 1 for _, start, end in jieba.tokenize(text))


def _focus(q: str) -> tuple[list[str], list[str]]:
    """Content words just before and just after the question word."""
    m = ASKING_RE.search(q)
    if not m:
        return [], []
    def words(text):
        return [t for t in tokenize(text) if len(t) > 1 and t not in gazetteer().alias_to_place]
    before = words(q[:m.start()])[-2:]
    rest = q[m.end():]
    if rest and rest[0] in "个家名人户笔辆项件台片口条座次批位只张份场吨亩支天年月" and not _inside_word(rest, 0):
        rest = rest[1:]  # the measure word of 多少家, not part of the noun
    after = words(rest)[:2]
    return before, after


QUESTION_WORDS_RE = re.compile(r"(?:多少|几)[个家名人户笔辆项件台片口条座次批位只张份场吨亩支天年月号]?|是多少|一共|总共|分别|现在|目前|"
                               r"请问|告诉我|是谁|是什么|什么时候|叫什么名字|什么名字|名字|叫什么|多长时间|有什么|什么|哪些|哪个|哪家|哪里|哪天|怎么样|怎样|如何|了吗|吗|呢")
YEAR_RE = re.compile(r"(\d{4})年")


class GroundingError(AssertionError):
    """An answer quoted a number that is not verbatim in its cited passage (a bug, never shown to users)."""


@dataclass
class QuestionIntent:
    """What a question asks for: places, metrics, the kind of number, a year."""

    text: str
    places: list[str]
    metrics: list[str]
    numeric: bool
    kind: str | None  # percent | money | count | date | None
    kind_strict: bool  # said outright (多少钱, 多少家), not inferred from the metric
    measure: str | None  # 家 in 多少家
    year: str | None
    tokens: list[str]
    content: list[str]  # words that say what is asked about, without question words
    focus_split: tuple[list[str], list[str]]  # words just before / just after 多少/几 (协议引资多少; 多少片剂)

    @property
    def focus(self) -> list[str]:
        """The words right around 多少/几: what the number is of."""
        return self.focus_split[0] + self.focus_split[1]

    @classmethod
    def parse(cls, question: str) -> "QuestionIntent":
        """Read the question's places, metrics and wanted kind of number."""
        q = simplify(question)
        places = [p for p in gazetteer().find(q) if p not in GENERIC]
        metrics = find_metrics(q)
        count = COUNT_RE.search(q)
        if count and _inside_word(q, count.start(1)):
            count = None  # 多少口罩: 口 starts the noun 口罩, it is not a measure word
        strict = True
        if WHEN_RE.search(q):
            kind = "date"
        elif count:
            kind = "count"
        elif any(w in q for w in MONEY_WORDS):
            kind = "money"
        elif PERCENT_RE.search(q):
            kind = "percent"
        elif set(metrics) & {"贷款", "授信", "融资", "投资", "销售额", "资金", "电费", "价格"}:
            kind, strict = "money", False
        else:
            kind = None
        numeric = bool(NUMERIC_RE.search(q)) or kind in ("percent", "money", "count", "date")
        year = YEAR_RE.search(q)
        stripped = QUESTION_WORDS_RE.sub(" ", q)
        content = [t for t in dict.fromkeys(tokenize(stripped)) if len(t) > 1 and t not in gazetteer().alias_to_place
                   and t not in GENERIC and not find_metrics(t)]
        return cls(question, places, metrics, numeric, kind, strict, count.group(1) if count else None,
                   year.group(1) if year else None, tokenize(question), content, _focus(q))


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
            "citations": [
                {"id": h.passage.id, "source": h.passage.source, "title": h.passage.headline,
                 "text": h.passage.text, "score": round(h.score, 4),
                 "start": h.passage.start, "end": h.passage.end}
                for h in self.citations
            ],
        }


def _concerns(hit: Hit, places: list[str]) -> bool:
    named = set(hit.passage.places) | set(hit.passage.article_places)
    return not places or bool(named & set(places))


def _coverage(intent: QuestionIntent, hits: list[Hit]) -> float:
    """Share of the question's content words that the cited passages contain."""
    words = {t for t in intent.tokens if len(t) > 1 and t not in gazetteer().alias_to_place}
    chinese = {w for w in words if re.search(r"[\u4e00-\u9fff]", w)}
    words = chinese or words  # English glosses beside Chinese words ("who developed 渝康码") are not required
    if not words:
        return 1.0
    text = simplify(" ".join(h.passage.index_text for h in hits))
    return sum(1 for w in words if w in text) / len(words)


def _metric_match(mention: NumberMention, intent: QuestionIntent) -> bool:
    wanted = [m for m in intent.metrics if m in SPECIFIC] or intent.metrics
    if not wanted:
        return False
    label = simplify(" ".join([mention.label or "", mention.extras.get("lead", ""), mention.extras.get("after", "")]))
    return mention.metric in wanted or any(m in find_metrics(label) for m in wanted)


def _kind_match(mention: NumberMention, intent: QuestionIntent) -> bool:
    if intent.kind is None or not intent.kind_strict:
        return mention.kind != "date"
    if intent.kind == "count":
        return mention.kind == "count" and (intent.measure is None or intent.measure in mention.unit
                                             or intent.measure in ("个", "人") and mention.unit in ("个", "名", "人", "位"))
    return mention.kind == intent.kind


def _score(mention: NumberMention, hit_rank: int, hit: Hit, top: float, intent: QuestionIntent) -> float:
    score = (hit.score / top if top > 0 else 0.0) * (0.92 ** hit_rank)
    if _metric_match(mention, intent):
        # a specific metric (复工率, 贷款) decides; a generic one (企业, 生产) only leans
        score *= 3.0 if set(intent.metrics) & SPECIFIC else 1.3
    score *= 2.0 if mention.kind == intent.kind else 1.0
    if intent.places:
        score *= 1.5 if mention.subject in intent.places else 1.0
    if intent.year:
        score *= 1.3 if intent.year in (mention.date or "") else 1.0
    # How much of the question the number's own sentence says (小米…98英寸 → 2万元以下, not 10万元).
    words = _content_words(intent)
    near = simplify(" ".join([mention.label or "", mention.extras.get("lead", ""), mention.extras.get("after_near", "")]))
    if words:
        sentence = simplify(mention.extras.get("sentence", ""))
        total = sum(len(w) for w in words)
        score *= 1.0 + 2.0 * sum(len(w) for w in words if w in sentence) / total
        score *= 1.0 + 1.0 * sum(len(w) for w in words if w in near) / total
    # The words around 多少 name what is counted: after it (多少片剂) most of all.
    before, after_words = intent.focus_split
    score *= 1.0 + 0.5 * sum(w in near for w in before) + 1.0 * sum(w in near for w in after_words)
    return score


def reading_coverage(intent: QuestionIntent, reading: Reading) -> float:
    """Share (by characters) of the question's content words found in the reading's passage or headline."""
    words = _content_words(intent)
    if not words:
        return 1.0
    m = reading.mention
    text = simplify(" ".join([m.extras.get("sentence", ""), m.label or "", m.extras.get("passage", "")]))
    return sum(len(w) for w in words if w in text) / sum(len(w) for w in words)


def _content_words(intent: QuestionIntent) -> set[str]:
    """The question's words that say what it is about (not places, metrics or question words)."""
    return set(intent.content)


def unknown_words(intent: QuestionIntent, corpus_text: str) -> list[str]:
    """Chinese content words the corpus never uses (房价, 下载): the articles cannot answer about them."""
    out = []
    for word in intent.content:
        if not re.search(r"[\u4e00-\u9fff]", word) or word in corpus_text:
            continue
        core = re.sub(r"^[对给在把被向为从于和与]|[了的着过吗呢]$", "", word)
        if core and core in corpus_text:
            continue  # 发了, 对小微: a function character glued on by the tokenizer
        # A compound (互联网服务) is known when it splits into two known words.
        if any(word[:i] in corpus_text and word[i:] in corpus_text for i in range(2, len(word) - 1)):
            continue
        out.append(word)
    return out


def _mention_places(mention: NumberMention) -> set[str]:
    return {mention.subject, *mention.extras.get("places", [])} - {None}


def _context(mention: NumberMention, mentions: list[NumberMention], text: str) -> list[NumberMention]:
    """Counts in the same sentence that support a rate (上报企业6481家，复工复产6481家 → 100%)."""
    if mention.kind != "percent":
        return []
    start = max(text.rfind(c, 0, mention.start) for c in "。！？；\n") + 1
    return [m for m in mentions if m is not mention and m.kind in ("count", "money") and start <= m.start < mention.start
            and m.label][-2:]


def _reading_text(r: Reading) -> str:
    m = r.mention
    head = f"{m.subject}：" if m.subject else ""
    label = f"{m.label} " if m.label else ""
    notes = [m.date] if m.date else []
    notes += [f"{c.label}{c.text}" for c in r.context]
    note = f"（{'，'.join(notes)}）" if notes else ""
    return f"{head}{label}{m.text}{note}[{r.citation}]"


def _best_sentence(intent: QuestionIntent, hits: list[Hit]) -> tuple[str, int] | None:
    """The cited sentence sharing most question words (weighted by length), for who/where/which questions."""
    words = [t for t in set(intent.tokens) if len(t) > 1]
    best, best_score = None, 0.0
    for rank, hit in enumerate(hits):
        for sentence in re.split(r"(?<=[。！？；!?;\n])", hit.passage.text):
            s = simplify(sentence)
            if len(sentence.strip()) < 6:
                continue
            score = sum(len(w) for w in words if w in s) * (0.9 ** rank)
            if score > best_score:
                best, best_score = (sentence.strip(), rank + 1), score
    return best


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


def build_answer(question: str, hits: list[Hit], known_places: set[str], corpus_text: str = "") -> Answer:
    """Answer a question from its ranked passages; abstain when they do not answer it."""
    intent = QuestionIntent.parse(question)
    if not hits:
        return not_found(question, hits, "语料为空")
    unknown = unknown_words(intent, corpus_text) if corpus_text else []
    if unknown:
        return not_found(question, hits, f"文章里没有提到“{'、'.join(unknown)}”")
    missing = [p for p in intent.places if p not in known_places]
    if missing:
        return not_found(question, hits, f"文章没有提到{'、'.join(missing)}")
    relevant = [h for h in hits if _concerns(h, intent.places)]
    if not relevant:
        return not_found(question, hits, f"相关段落不涉及{'、'.join(intent.places)}")
    coverage = _coverage(intent, hits)
    if coverage < MIN_COVERAGE:
        return not_found(question, hits, "文章里没有问题中的关键词")
    if intent.numeric and intent.kind != "date":
        answer = _numeric_answer(question, intent, hits)
    else:
        answer = None
    if answer is None and (not intent.numeric or intent.kind in (None, "date")):
        answer = _sentence_answer(question, intent, hits)
    if answer is None:
        what = "、".join(m for m in intent.metrics if m in SPECIFIC) or "相应的数字"
        return not_found(question, hits, f"没有找到{what}")
    check_grounded(answer)
    return answer


def _numeric_answer(question: str, intent: QuestionIntent, hits: list[Hit]) -> Answer | None:
    top = max(h.score for h in hits)
    candidates: list[Reading] = []
    for rank, hit in enumerate(hits):
        p = hit.passage
        mentions = extract_numbers(p.text, p.article_places, p.headline)
        for m in mentions:
            if m.kind == "number" and not m.label:
                continue
            if not _kind_match(m, intent):
                continue
            if intent.metrics and [x for x in intent.metrics if x in SPECIFIC] and not _metric_match(m, intent):
                continue  # the question names a specific metric: only numbers of that metric answer it
            if intent.places and not _mention_places(m) & set(intent.places):
                continue
            m.extras["passage"] = p.index_text
            reading = Reading(m, rank + 1, _score(m, rank, hit, top, intent), _context(m, mentions, p.text))
            if reading_coverage(intent, reading) >= MIN_READING_COVERAGE:
                candidates.append(reading)
    if not candidates:
        return None
    candidates.sort(key=lambda r: -r.score)
    per_place: list[Reading] = []
    if len(intent.places) > 1:
        # 綦江和南岸的复工率: the best reading for each place asked about, in the question's order.
        per_place = [next((r for r in candidates if place in _mention_places(r.mention)), None) for place in intent.places]
        candidates = [r for r in per_place if r] + [r for r in candidates if r not in per_place]
    best = candidates[0]
    best_passage = hits[best.citation - 1].passage
    if intent.year and intent.year not in best_passage.text and intent.year not in (best_passage.headline or ""):
        return None  # the articles give this figure for another year
    readings = [best]
    # Several valid readings: other subjects (or other labels) whose numbers score close to the best.
    for r in candidates[1:]:
        if len(readings) >= MAX_READINGS:
            break
        if r.score < 0.5 * best.score and not (len(intent.places) > 1 and r in per_place):
            continue
        same = any(r.mention.text == x.mention.text and r.mention.subject == x.mention.subject for x in readings)
        if len(intent.places) > 1 and r in per_place and not same:
            readings.append(r)
        elif not same and (r.mention.subject != best.mention.subject or _metric_match(r.mention, intent)):
            readings.append(r)
    used = sorted({r.citation for r in readings})
    renumber = {old: new for new, old in enumerate(used, 1)}
    cited = [hits[i - 1] for i in used] + [h for i, h in enumerate(hits, 1) if i not in renumber]
    for r in readings:
        r.citation = renumber[r.citation]
    parts = [_reading_text(r) for r in readings]
    if len(parts) == 1:
        text = parts[0] + "。"
    else:
        text = "文章中有几处相关的数字：" + "；".join(parts) + "。"
    return Answer(question, text, True, readings, cited)


def _sentence_answer(question: str, intent: QuestionIntent, hits: list[Hit]) -> Answer | None:
    found = _best_sentence(intent, hits)
    if found is None:
        return None
    sentence, citation = found
    cited = [hits[citation - 1]] + [h for i, h in enumerate(hits, 1) if i != citation]
    return Answer(question, f"{sentence}[1]", True, [], cited)

"""Question analysis as data: which interrogative asks for which kind of answer, and how many answers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from retrieval.language.dimensions import asked_extent
from retrieval.language.english import to_chinese
from retrieval.language.metrics import find_metrics
from retrieval.language.numbers import CURRENCIES, MEASURE_KINDS
from retrieval.language.places import GENERIC, gazetteer
from retrieval.language.tokenizer import simplify, tokenize

# Interrogatives that say the answer type outright (simplified; questions are simplified before matching).
# Tried in order; the first match decides. English forms are matched lower-cased.
EXPLICIT: list[tuple[str, str]] = [
    (r"哪一年|何年|哪年|几几年|西元几年|公元几年|which year|what year|"
     r"(?:哪个|哪一|什么|几)(?:年代|世纪)|(?:which|what) (?:decade|century)", "year"),
    (r"哪一天|哪天|几月几[日号]|几号|什么时候|何时|什么时间|何日|哪个月|几月|日期|执行到|when|"
     r"(?:what|which) (?:day|date|month)|until what", "date"),
    (r"几岁|多大年纪|多少岁|年龄|how old", "age"),
    # 什么时期: a period, told by a date (1970年代初期) as often as by a span
    (r"(?:哪个|哪一|什么)时期|(?:what|which) period", "time"),
    (r"多久|多长时间|几年时间|how long (?:does|did|do|will|would|has|have|had|was it|is it|it)|"
     r"how many (?:days|weeks|months|years|hours|minutes)", "duration"),
    (r"第几|第多少|排名|排第|排多少|名次|位列|\branked?\b", "ordinal"),
]
# The measure word right after 多少/几 names the unit asked for (多少家 → 家), and with it the type: the
# measure words are the number extractor's own, so what a question asks for is what a passage can state.
MEASURE_TYPES = {**MEASURE_KINDS,
                 **dict.fromkeys(["万元", "亿元", "亿", "万", "块", "块钱", *CURRENCIES], "money"),
                 "岁": "age", "%": "percent"}
_MEASURE_WORDS = "|".join(sorted(map(re.escape, MEASURE_TYPES), key=len, reverse=True))
# 多少 or 几 asking for a figure; not 几 in 几乎, 几十 or 十几, which ask nothing (十几名销售人员卖了多少钱 asks for money).
HOW_MUCH = r"(?<![十百千万亿一二三四五六七八九两零\d])(?:多少|几(?![乎十百千万亿]))"
MEASURE_AFTER = re.compile(rf"{HOW_MUCH}({_MEASURE_WORDS})")
# A count named by its measure word and 数 (死亡人数, 户数, 比赛次数) asks for that unit as 多少人 does: 人数多少
# is answered by 3453人, not by 两条. Not 数字/数据/数码/数学/数值/数量, which are no counts, nor 人口数, which is no 口.
COUNT_NOUN = re.compile("(?<!人)(" + "|".join(k for k, kind in MEASURE_KINDS.items() if kind == "count" and len(k) == 1)
                        + ")数(?![字据码学值量])")
# Interrogatives of a size: each asks for a measure, and none is a word of what is asked about (多深 was, while
# only the head-noun list knew it). 多重 asks a weight too, but is also "multiple" (多重因素): a measure, kept as a word.
HOW_BIG = "多长|多高|多远|多深|多宽|多厚|多快"
# Without a measure word, the head noun decides (贷款多少 → money, 复工率多少 → percent); the noun named
# last wins, so 优惠利率贷款 is an amount and 贷款利率 a rate.
HEAD_NOUNS: list[tuple[str, str]] = [
    (r"百分之|百分比|%|比例|比率|占比|几成|率|增幅|增速|\b(?:percent|share|(?<!-)rate\b|ratio|proportion)", "percent"),
    (r"钱|额|资金|资助|奖励|贷款|融资|投资|引资|余额|价格|价|收入|销售额|营业额|成交额|补贴|补助|费|成本|产值|利润|债券|减负|"
     r"预算|工资|赔偿|罚款|罚金|奖金|租金|薪|税|"
     r"\b(?:money|cost|invest|price|loan|fund|credit|value|revenue|sales|bond|fee|payment|premium|tax|wage|salar|"
     r"income|profit|budget|spending|expenditure|capital|grant|subsid|(?:yuan|dollars?|euros?)\b)", "money"),
    (rf"{HOW_BIG}|多重|面积|占地|速度|多薄|尺寸|体长|身长|全长|总长|长度|高度|宽度|深度|厚度|身高|体重|"
     r"重量|海拔|距离|直径|半径|容量|排水量|水深|温度|气温|水温|体温|热量|卡路里|功率|体积|容积|周长|翼展|射程|航程|里程|排量|"
     r"how far|how tall|how big|"
     r"how (?:long|high|wide|deep|thick|heavy) (?:is|are|was|were)|\b(?:length|width|height|weight|depth|thickness)",
     "measure"),
    # Keyword questions without an interrogative (上映时间, 2016年客车销量, 喜欢你的票房) still name what they want.
    (r"票房", "money"),
    (r"电话|热线|手机号|phone number|hotline", "phone"),
    (r"销量|人数|数量|人口|产量|总数|次数|个数|number of", "count"),
    (r"年份", "year"),
    (r"日期", "date"),
    (r"时间", "time"),  # 上映时间 is a date, 办理时间 a duration: either fits
]
_EXPLICIT_RES = [(re.compile(p), kind) for p, kind in EXPLICIT]
_HEAD_RES = [(re.compile(p), kind) for p, kind in HEAD_NOUNS]
ASKS_NUMBER = re.compile(r"多少|几|多大|多高|多长|多远|多重|how many|how much|what number")
ASKS_ENTITY = re.compile(r"谁|哪位|哪家|哪个|哪些|什么|哪里|何处|何地|who|which|what|where")
# "What is the rate" asks for the rate's value: 什么/what leave the decision to the head noun.
ASKS_NAMED_ENTITY = re.compile(r"谁|哪位|哪家|哪个|哪些|哪里|何处|何地|who|which|where")
# "How many" counts the noun after it (How many companies got loans → companies), unless that is a unit or the
# question asks for a percentage (As a percentage, how many…).
HOW_MANY = re.compile(r"\bhow many (?!(?:yuan|dollars?|euros?|percent|percentage points?|times)\b)")
# The counted noun of an English question: after "how many", the words up to the first plural (the head: how
# many units received masks → units) or a word that ends the noun phrase (did, in, have …).
COUNTED_ENGLISH = re.compile(r"\bhow many ((?:(?!(?:did|do|does|are|is|were|was|have|has|had|will|would|can|in|of|at|"
                             r"from|for|on|to|by|with)\b)[a-z'-]+ ){0,3}?[a-z'-]+?(?:s\b(?<!ss\b)|(?= (?:did|do|does|"
                             r"are|is|were|was|have|has|had|will|would|can|in|of|at|from|for|on|to|by|with)\b)|(?=[?.,]|$)))")
ASKS_YESNO = re.compile(r"是否|有没有|是不是")
# Words that ask, not say what is asked about (dropped before matching the question against passages).
QUESTION_WORDS = re.compile(rf"(?:多少|几)(?:{_MEASURE_WORDS}|号)?|"
                            r"是多少|一共|总共|分别|"
                            r"现在|目前|请问|告诉我|是谁|是什么|什么时候|多长时间|什么|哪些|哪个|哪家|哪里|哪天|哪一天|哪一年|哪年|"
                            rf"哪位|何时|何年|多久|{HOW_BIG}|多大|怎么样|怎样|如何|为何|为什么|了吗|吗|呢|吧|\?|？")
# A question that asks several things: 多少家…，一共多少钱 / 分别 / 各.
SLOT_SPLIT = re.compile(r"[，,；;]|(?<=[多少几])(?:[个家名人户笔项件台]?)(?:和|以及|还有|并且)")
# Each 多少/几 (with its measure word) asks for a figure of its own, when a question asks two with no comma between
# (给多少家企业发放了多少贷款).
ASKED_FIGURE = re.compile(rf"百分之多少|{HOW_MUCH}(?:{_MEASURE_WORDS})?")
ASKED_FIGURE_ENGLISH = re.compile(r"\bhow (?:many|much)\b")
YEAR_IN_QUESTION = re.compile(r"((?:19|20)\d{2})年")
ENGLISH_WORD = re.compile(r"[a-z]{2,}")
LATIN_LETTER = re.compile(r"[a-z]")
CJK_CHAR = re.compile(r"[\u4e00-\u9fff]")


@dataclass
class Slot:
    """One thing the question asks for: its answer type, unit, and the words that say what it is about."""

    text: str
    answer_type: str
    measure: str | None
    places: list[str]
    words: list[str]
    # An English question's dictionary words, one group of interchangeable words per English term: a group
    # counts as said when any of its words is.
    alternatives: list[tuple[str, ...]] = field(default_factory=list)
    # What an English count question counts, in the articles' words (how many migrant workers → 农民工).
    counted: tuple[str, ...] = ()
    # The slot in the question's own words, when its text carries more (an English question's Chinese words).
    asked: str = ""
    # The extent a size question asks for (多宽 → 宽): a measure stating another (全长) does not answer it.
    extent: str | None = None

    @property
    def shown(self) -> str:
        """The slot as the reader asked it, to name a figure the articles do not give."""
        return (self.asked or self.text).strip()


# Questions over many figures at once, answered from the facts table: superlatives, comparisons, lists.
COMPARISONS: list[tuple[str, str]] = [
    (r"最高|最多|最大|最快|更高|更多|更大|highest|most|largest", "max"),
    (r"最低|最少|最小|最慢|更低|更少|更小|lowest|least|smallest", "min"),
    (r"(?:哪个|哪家|哪里|谁)[^，。？?]*?(?:高|多|大|快)", "max"),
    (r"(?:哪个|哪家|哪里|谁)[^，。？?]*?(?:低|少|小|慢)", "min"),
    (r"各区|各县|各地|各个|各家|哪些|列出|所有|全部|分别|every|each|list", "list"),
]
_COMPARISON_RES = [(re.compile(p), kind) for p, kind in COMPARISONS]
# A run of place names joined by 和/与/、 (南岸区和綦江区, 深圳、北京): split into one slot per place.
_PLACE_JOINERS = re.compile(r"(?:[和与及跟、,，\s]|以及)*")
AT_LEAST = re.compile(r"(?:超过|大于|高于|多于|不低于|不少于|在)\s*([\d.]+\s*[亿万]?)(?:元|%|家|人|个)?(?:以上)?")


@dataclass
class QuestionAnalysis:
    """What a question asks: one slot per requested figure, places and year as constraints."""

    text: str
    simplified: str
    slots: list[Slot]
    places: list[str]
    year: str | None
    words: list[str] = field(default_factory=list)  # content words of the whole question
    comparison: str | None = None  # max | min | list: a question about many figures at once
    metrics: list[str] = field(default_factory=list)  # canonical metrics the question names
    at_least: float | None = None  # 超过1亿元的: only figures above this value
    numbers: list[float] = field(default_factory=list)  # values the question itself states (雅思6.5相当于…)
    alternatives: list[tuple[str, ...]] = field(default_factory=list)  # as Slot.alternatives

    @property
    def answer_type(self) -> str:
        """The first slot's answer type."""
        return self.slots[0].answer_type

    @property
    def numeric(self) -> bool:
        """True when some slot asks for a number or a date."""
        return any(s.answer_type not in ("entity", "yesno") for s in self.slots)


def _english_clauses(parts: list[str]) -> list[str]:
    """An English part that asks nothing (As a percentage, … / In 2019, …) belongs to the next part, not a slot
    of its own; a Chinese part without 多少 may still be one (綦江的复工率，返岗率分别是多少)."""
    out: list[str] = []
    carried = ""
    for part in parts:
        part = f"{carried} {part}".strip() if carried else part
        asks = any(p.search(part) for p, _ in _EXPLICIT_RES) or ASKS_NUMBER.search(part) or ASKS_ENTITY.search(part)
        carried = part if is_english(part) and not asks else ""
        if not carried:
            out.append(part)
    return out + ([carried] if carried else [])


def split_figures(part: str) -> list[str]:
    """A question part asking for several figures, one text per figure: the words before the first interrogative
    go with every figure, the words between two interrogatives with both (给多少家企业发放了多少贷款 → 给多少家企业发放了
    / 给企业发放了多少贷款; how many projects … and how much investment …); a part asking one figure (or a date,
    几月几日) is kept whole."""
    if is_english(part):
        asked = list(ASKED_FIGURE_ENGLISH.finditer(part))
    else:
        dates = [m.span() for pattern, _ in _EXPLICIT_RES for m in pattern.finditer(part)]
        asked = [m for m in ASKED_FIGURE.finditer(part) if not any(a <= m.start() < b for a, b in dates)]
    if len(asked) < 2:
        return [part]
    lead = part[:asked[0].start()]
    bounds = [m.end() for m in asked[:-1]]
    out = []
    for i, m in enumerate(asked):
        before = part[bounds[i - 1]:m.start()] if i else ""
        after = part[m.end():asked[i + 1].start()] if i + 1 < len(asked) else part[m.end():]
        out.append(lead + before + m.group() + after)
    return out


def answer_type_of(text: str) -> str:
    """The answer type a question (or one part of it) asks for: explicit interrogative, then the measure
    word after 多少/几, then the head noun named last; 'count' for a bare 多少, 'entity' for 谁/什么."""
    for pattern, kind in _EXPLICIT_RES:
        if pattern.search(text):
            return kind
    measure = MEASURE_AFTER.search(text)
    if measure:
        return MEASURE_TYPES.get(measure.group(1), "count")
    heads = [(m.end(), kind) for pattern, kind in _HEAD_RES for m in pattern.finditer(text)]
    if HOW_MANY.search(text) and all(kind != "percent" for _, kind in heads):  # how many loans: a count of them
        return "count"
    if heads and (ASKS_NUMBER.search(text) or not ASKS_NAMED_ENTITY.search(text)):
        return max(heads)[1]
    if ASKS_NUMBER.search(text):
        return "count"
    if ASKS_YESNO.search(text):
        return "yesno"
    return "entity"


def asked_about(text: str) -> str:
    """The question without its question words and 的: 南岸的复工率是多少 and 南岸复工率多少 read alike."""
    return QUESTION_WORDS.sub(" ", text).replace("的", " ")


def is_english(text: str) -> bool:
    """Whether a question is written in English (more Latin letters than Chinese characters)."""
    return len(LATIN_LETTER.findall(text.lower())) > len(CJK_CHAR.findall(text))


def content_words(text: str) -> list[str]:
    """Words that say what is asked about: no question words, places or one-character particles."""
    stripped = QUESTION_WORDS.sub(" ", text)
    aliases = gazetteer().curated  # a CC-CEDICT place (永康) stays a word too: the passage must say it
    english = is_english(text)
    return [t for t in dict.fromkeys(tokenize(stripped)) if len(t) > 1 and t not in aliases and t not in GENERIC
            and not (english and t.isascii())]  # an English question's own words are not in Chinese articles


def english_to_chinese(text: str, document_frequency: Callable[[str], int] | None = None,
                       spelled: Callable[[str], tuple[str, ...]] | None = None
                       ) -> tuple[list[str], list[tuple[str, ...]]]:
    """The articles' words for the English words of a lower-cased question: the glossary's and the places it
    names, then the dictionary's, grouped by English term (document_frequency: the corpus's, so words it never
    uses are left out)."""
    glossary_words, groups = to_chinese(text, document_frequency, spelled)
    named = list(dict.fromkeys(glossary_words + [p for p in gazetteer().find(text) if p not in GENERIC]))
    groups = [tuple(w for w in group if w not in named) for group in groups]
    return named, [g for g in groups if g]


def analyse(question: str, document_frequency: Callable[[str], int] | None = None,
            spelled: Callable[[str], tuple[str, ...]] | None = None) -> QuestionAnalysis:
    """Read a question: its slots (answer type, unit, words), places and year. document_frequency (the
    index's) lets an English question borrow dictionary words the corpus uses."""
    simplified = simplify(question)
    borrowed: list[tuple[str, ...]] = []  # dictionary words: searched and matched, they do not decide the type
    lead = ""  # an English question's Chinese words, put before it: every figure it asks is about them
    if ENGLISH_WORD.search(simplified):
        named, borrowed = english_to_chinese(simplified, document_frequency, spelled)
        lead = " ".join(named)
        simplified = lead + " " + simplified
    places = [p for p in gazetteer().find(simplified) if p not in GENERIC]
    year = YEAR_IN_QUESTION.search(simplified)
    parts = [p for p in _english_clauses(SLOT_SPLIT.split(simplified)) for p in split_figures(p)
             if p and answer_type_of(p) != "entity"]
    if len(parts) < 2:
        parts = [simplified]
    elif lead:  # …lend to, and how much did it lend? is about the bank's loans too
        parts = [p if p.startswith(lead) else f"{lead} {p.strip()}" for p in parts]
    slots = []
    for part in parts:
        measure = MEASURE_AFTER.search(part)
        slot_places = [p for p in gazetteer().find(part) if p not in GENERIC] or places
        answer_type = answer_type_of(part)
        if not measure and answer_type == "count":
            measure = COUNT_NOUN.search(part)
        slots.append(Slot(part, answer_type, measure.group(1) if measure else None, slot_places,
                          content_words(part), borrowed, counted_words(part, document_frequency, spelled),
                          part.removeprefix(lead), asked_extent(part) if answer_type == "measure" else None))
    if len(places) > 1 and len(slots) == 1 and ("分别" in simplified or "和" in simplified or "各" in simplified):
        # 南岸区和綦江区的返岗率分别是多少: the same figure for each place, in the question's order.
        base = slots[0]
        slots = [Slot(_one_place(base.text, place), base.answer_type, base.measure, [place], base.words,
                      base.alternatives, base.counted, extent=base.extent) for place in places]
    comparison = next((kind for pattern, kind in _COMPARISON_RES if pattern.search(simplified)), None)
    if comparison in ("max", "min") and not (ASKS_ENTITY.search(simplified) or len(places) > 1):
        comparison = None  # 担保费最高收多少: 最高 bounds one figure; 哪个区最高 compares several
    if comparison == "list" and places:
        comparison = None  # 綦江各企业… / 南岸和綦江的…分别: each place's own figure, one slot per place
    at_least = AT_LEAST.search(simplified)
    metrics, words, stated = find_metrics(simplified), content_words(simplified), _stated_values(simplified)
    if borrowed:  # the word index reads them too
        simplified = " ".join(w for group in borrowed for w in group) + " " + simplified
    return QuestionAnalysis(question, simplified, slots, places, year.group(1) if year else None, words, comparison,
                            metrics, _value(at_least.group(1)) if at_least else None, stated, borrowed)


def counted_words(part: str, document_frequency: Callable[[str], int] | None = None,
                  spelled: Callable[[str], tuple[str, ...]] | None = None) -> tuple[str, ...]:
    """What an English part asks to count, in the articles' words: the noun phrase after "how many" up to its
    plural head (how many migrant workers did… → 农民工), read like the rest of the question. A Chinese question
    says it with its measure word and noun (多少家企业), which unit_match and noun_after already weigh (the noun
    as a feature of its own cost CMRC and DuReader in CV)."""
    english = COUNTED_ENGLISH.search(part)
    if not english or document_frequency is None:
        return ()
    phrase = english.group(1)
    head_words, head_groups = to_chinese(phrase.split()[-1], document_frequency, spelled)
    _, groups = to_chinese(phrase, document_frequency, spelled)  # the phrase's own word too: migrant workers → 农民工
    return tuple(dict.fromkeys([*head_words, *(w for g in head_groups for w in g), *(groups[-1] if groups else ())]))


def _one_place(text: str, place: str) -> str:
    """The question as asked of one of its places, for the reply's words about that slot: 南岸区和綦江区的返岗率分别
    是多少 → 綦江区的返岗率是多少 (the run of places and the 分别/各 that spread it, narrowed to one)."""
    named = gazetteer().spans(text)
    if len(named) < 2 or place not in {p for *_, p in named}:
        return text
    alias = next(text[a:b] for a, b, p in named if p == place)
    between = "".join(text[end:start] for (_, end, _), (start, _, _) in zip(named, named[1:]))
    if _PLACE_JOINERS.fullmatch(between) is None:
        return text  # the places are not one run (南岸的返岗率比綦江高多少): leave the question whole
    return (text[:named[0][0]] + alias + text[named[-1][1]:]).replace("分别", "").replace("各", "")


def _stated_values(text: str) -> list[float]:
    from retrieval.language.numbers import extract_numbers

    # Digits inside names count too: 迈巴赫62s多少钱 is not answered by a 62 in the passage.
    runs = [float(run) for run in re.findall(r"\d+(?:\.\d+)?", text)]
    return list(dict.fromkeys([m.value for m in extract_numbers(text) if m.value is not None] + runs))


def _value(text: str) -> float | None:
    from retrieval.language.numbers import parse_numeral

    magnitude = {"亿": 1e8, "万": 1e4}.get(text.strip()[-1:], 1.0)
    number = parse_numeral(text.strip().rstrip("亿万"))
    return number * magnitude if number is not None else None

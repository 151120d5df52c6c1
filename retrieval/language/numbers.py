"""Number mentions in Chinese news text: value, unit, kind, qualifier, and what they measure.

Recognition is a handful of regular expressions over the passage text (digits may be full-width
or Chinese numerals; OCR may put spaces or a line break inside a number). Chinese numerals are
converted with cn2an. Every mention keeps its exact span, so an answer can quote it verbatim.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache

import cn2an

from retrieval.ingest.text import CLAUSE_STOPS, normalize_char, sentence_bounds
from retrieval.language.metrics import canonical, last_metric
from retrieval.language.places import GENERIC, gazetteer

_WS = r"[ \t\u3000]*(?:\n[ \t\u3000]*)?"  # OCR spaces or one line break inside a number
_ARABIC = rf"\d+(?:[,，]\d{{3}})*(?:{_WS}[.．]{_WS}\d+)?"
_CN_DIGIT = "零〇一二两三四五六七八九"
_CN_NUMERAL = rf"[{_CN_DIGIT}十百千]+(?:点[{_CN_DIGIT}]+)?"
_NUM = rf"(?:{_ARABIC}|{_CN_NUMERAL})"
# 千 is no magnitude where it begins a unit: 1276千焦 is 1276 kilojoules, not 1276000 of nothing, and 20千瓦时 keeps 时.
_MAG = r"(?:万亿|千亿|百亿|十亿|亿|千万|百万|十万|万|千(?!焦|卡|瓦时)|百)"
# Currencies, before the measure words: 100万人民币 is money, not 100万 人 (people), 32亿日圆 not 32亿 日 (days).
CURRENCIES = ("元人民币 人民币元 人民币 元 美元 美金 欧元 英镑 港元 港币 澳门元 澳门币 新台币 台币 日元 日圆 日币 韩元 韩圆 "
              "澳元 澳币 加元 加币 新加坡元 新币 新西兰元 纽元 瑞士法郎 法郎 马克 卢布 泰铢 越南盾 比索 卢比 里拉 林吉特 令吉 "
              "兰特").split()
_CURRENCY = "(?:" + "|".join(sorted(CURRENCIES, key=len, reverse=True)) + ")"
_CURRENCY_WORDS = tuple(c for c in CURRENCIES if not c.endswith("元"))  # currencies not ending in 元
# Measure words, longest first; the kind each one gives.
_MEASURES = {
    "count": "个百分点 车道 家 名 人次 人 户 笔 口 辆 个 项 件 台 片 套 次 批 条 座 栋 所 位 只 张 份 场 部 根 支 款 单 枚 头 株 箱 包 车 架 艘 间 处 轮 期 届 种 类 类别 篇 本 封 余人 台套 粒 双 盒 瓶 袋 剂 份儿 窖 层 辆次 架次 对 组 集 码 首 颗".split(),
    "duration": "个月 小时 分钟 秒 天 周 年 日".split(),
    "measure": "平方公里 平方米 万平方米 立方米 公里 千米 米 厘米 毫米 英寸 寸 吨 公斤 千克 克 斤 亩 千瓦时 千瓦 兆瓦 瓦 度 升 GB TB MB kg km m".split()
    # Taiwan, Hong Kong and imperial units, and the smaller ones of science and food labels: without them
    # 12至55公尺 was a bare number, and a question about 水深 found no measure to answer it.
    + "公尺 平方公尺 立方公尺 公分 公厘 公顷 公亩 平方千米 平方厘米 立方厘米 英尺 英呎 呎 平方英尺 英里 平方英里 哩 英亩 海里 "
      "浬 光年 公吨 磅 盎司 加仑 公升 毫升 毫克 微克 微米 纳米 马力 千卡 大卡 卡路里 千焦 焦耳 摄氏度 华氏度 ℃ °C 分贝 "
      "赫兹 兆赫 像素".split(),
    "ratio": "倍".split(),
}
MEASURE_KINDS = {word: kind for kind, words in _MEASURES.items() for word in words}  # 家 → count, 吨 → measure
_MEASURE = "(?:" + "|".join(sorted(map(re.escape, MEASURE_KINDS), key=len, reverse=True)) + ")"
_UNIT = rf"(?:{_CURRENCY}|%|％|‰|成|{_MEASURE})"
_PREFIX_Q = r"(?:不高于|不低于|不超过|最高|最低|超过|超|将近|接近|近|约|大约|逾|不到|不足|不少于|至少|高达|多达|上|数|几)"
_SUFFIX_Q = r"(?:以上|以下|以内|左右|上下|之多|多|余)"
_DASH = r"(?:-|－|—|–|~|～|至|到)"

_NUMBER_RE = re.compile(
    rf"(?!{_DASH})(?P<pq>{_PREFIX_Q})?"
    rf"(?P<n1>{_NUM})?(?P<q1>余|多)?(?P<m1>{_MAG})?(?P<u1>%|％(?={_WS}{_DASH}))?"
    rf"(?:{_WS}(?P<dash>{_DASH}){_WS}(?P<n2>{_NUM})(?P<q2>余|多)?(?P<m2>{_MAG})?)?"
    rf"(?P<q3>余|多)?{_WS}(?P<unit>{_UNIT})?(?P<sq>{_SUFFIX_Q})?"
)
_PERCENT_WORDS_RE = re.compile(rf"(?P<pq>{_PREFIX_Q})?百分之(?P<n1>{_CN_NUMERAL}|{_ARABIC})(?P<sq>{_SUFFIX_Q})?")
_TENTHS_RE = re.compile(rf"(?P<pq>{_PREFIX_Q})?(?P<n1>[一二三四五六七八九])成(?P<n2>[一二三四五六七八九])?"
                        rf"(?![为功立员本果长交绩效熟品就年都不])(?P<sq>{_SUFFIX_Q})?")
_DATE_PART = rf"(?:(?:\d{{4}}|[{_CN_DIGIT}]{{4}}){_WS}年{_WS})?(?:(?:{_NUM}){_WS}月{_WS})?(?:{_NUM}){_WS}[日号]"
_DATE_RE = re.compile(
    rf"(?P<date>(?:\d{{4}}{_WS}年{_WS}(?:前三季度|前两季度|上半年|下半年|一季度|二季度|三季度|四季度|全年|前\d+个?月|"
    rf"\d{{1,2}}{_WS}(?:{_DASH}{_WS}\d{{1,2}}{_WS})?月(?:份)?(?:{_WS}\d{{1,2}}{_WS}[日号])?)?)"
    rf"|(?:\d{{1,2}}{_WS}(?:{_DASH}{_WS}\d{{1,2}}{_WS})?月(?:份)?{_WS}(?:\d{{1,2}}{_WS}[日号])?)"
    rf"|(?:\d{{1,2}}{_WS}[日号]))"
    rf"(?:{_WS}(?:{_DASH}|和|、){_WS}(?:\d{{1,2}}{_WS}月{_WS})?\d{{1,2}}{_WS}[日号])?"
    rf"(?:{_WS}(?:上午|下午|晚上|凌晨|中午)?{_WS}\d{{1,2}}{_WS}(?:点|时)(?:{_WS}\d{{1,2}}{_WS}分|半)?)?"
)
_DATE_START = re.compile(r"\d")
_CN_ONLY_RE = re.compile(rf"^{_CN_NUMERAL}$")
_SUBJECT_PRONOUNS = ("该区", "全区", "我区", "该县", "全县", "我县", "该市", "全市", "我市", "该镇", "全镇", "辖区")
_ORG_RE = re.compile(r"[^\s，。；！？、,;:：“”（）()将给的在了和与为是对向把从]{2,10}?(?:有限公司|股份公司|公司|集团|银行|支行|分行|工业园|园区|学院|大学|医院|协会|商会)")
# A number's clause ends at the enumeration comma 、 too, and its lead stops at the number before it. Two wider
# leads were screened for the reader's clause features on 2026-12-05 and not taken (CV × 4 top-1, CMRC / DuReader /
# seeds / English, from 0.865 / 0.525 / 0.924 / 0.679):
# - a listed number (…仅有90位教职员、四所学系、400余位学生) reading the clause that leads its list. This changed 943
#   candidates. It gave 0.865 / 0.526 / 0.902 / 0.634 with a 24-character lead, and the same with 48. In the seeds'
#   lists (口罩超36.5万片、红外线测温仪364支…) every item then said the lead's words, so only the item's own noun
#   told them apart.
# - a lead not cut at the previous number (7,560 candidates; dates left as they were): 0.865 / 0.526 / 0.921 / 0.675.
_CLAUSE_BREAK = re.compile(r"[，。；！？,;!?：:、（）()\n]")
_FILLER_TAIL = re.compile(r"(?:只有|仅有|分别|已经|已|共计|共|累计|总计|合计|均|全部|仅|就|也|都|还|将|可|同比|环比|达到|达|为|是|有|约|超过|超|近|逾|到|至|在|占|的|了|从|由|降低|减少)+$")
_FILLER_HEAD = re.compile("^(?:" + "|".join([*(p for p in _SUBJECT_PRONOUNS if p != "辖区"),
                                          *"该公司 公司 共计 总计 累计 其中 截至目前 截至 目前 同时 此外 另外 今年 去年 全年 共 并 和 及 与 其 该 在 对 为 是 给 向 已 将 有 把 让 使".split()]) + ")+")
_DATE_LEAD = re.compile(r"截至|截止|截止到|到|至")


@dataclass
class MentionContext:
    """The words around a number, for matching questions against: its clause before and after it, its
    sentence, and the places that sentence names."""

    lead: str = ""
    after: str = ""
    sentence: str = ""
    places: list[str] = field(default_factory=list)


@dataclass
class NumberMention:
    """One number in a text: where it is, what it is worth, and what it measures."""

    text: str
    start: int
    end: int
    value: float | None
    value_max: float | None
    unit: str
    kind: str
    qualifier: str | None = None
    label: str | None = None
    metric: str | None = None
    subject: str | None = None
    date: str | None = None
    context: MentionContext = field(default_factory=MentionContext)

    def to_dict(self, citation: int | None = None) -> dict:
        """The contract's number object (metric and context are internal)."""
        data = asdict(self)
        for key in ("start", "end", "metric", "context"):
            data.pop(key)
        if citation is not None:
            data["citation"] = citation
        return data


def _squash(text: str) -> str:
    """Full-width to half-width and OCR whitespace removed, for parsing only."""
    return re.sub(r"\s+", "", "".join(normalize_char(c) for c in text))


def parse_numeral(text: str) -> float | None:
    """'6,481' → 6481, '99.26' → 99.26, '三十五' → 35, '十二点五' → 12.5; None if it is not a number."""
    text = _squash(text).replace(",", "")
    if not text:
        return None
    if text[0] in "十百千万亿":
        text = "一" + text  # 千 in 上千家, 百 in 逾百家
    try:
        return float(text)
    except ValueError:
        pass
    try:
        return float(cn2an.cn2an(text.replace("〇", "零"), "smart"))
    except Exception:  # cn2an raises ValueError or its own errors on malformed numerals
        return None


_MAG_VALUE = {"万亿": 1e12, "千亿": 1e11, "百亿": 1e10, "十亿": 1e9, "亿": 1e8, "千万": 1e7, "百万": 1e6,
              "十万": 1e5, "万": 1e4, "千": 1e3, "百": 1e2}


def _scaled(base: float, magnitude: str | None) -> float:
    """base × 万/亿…, rounded so 611.3亿 is 61130000000.0 and not 61129999999.99999."""
    return round(base * _MAG_VALUE.get(magnitude or "", 1.0), 6)


def _qualifier(*parts: str | None) -> str | None:
    found = [p for p in parts if p]
    return "".join(found) if found else None


def _number_mentions(text: str) -> list[NumberMention]:
    mentions = []
    for m in _NUMBER_RE.finditer(text):
        g = m.groupdict()
        n1, m1, unit = g["n1"], g["m1"], g["unit"] or g["u1"]
        if not n1 and not m1:
            continue
        if n1 is None:
            # Only a magnitude: 上千家, 近亿元, 数万人 need a qualifier and a unit.
            if not (g["pq"] and (unit or g["sq"])) or g["pq"] in ("至少", "高达", "多达"):
                continue
        if not unit and not m1 and not g["m2"] and g["sq"] not in ("余", "多") and not g["q1"] and not g["q3"]:
            unit_needed = bool(n1 and _CN_ONLY_RE.match(_squash(n1)))
            if unit_needed:  # a bare Chinese numeral is a word (一手, 一定), not a number
                continue
        span_start, span_end = m.start(), m.end()
        # A prefix 上/数/几 only qualifies a bare magnitude (上千家); otherwise it is a word.
        pq = g["pq"]
        if pq in ("上", "数", "几") and n1 is not None and _squash(n1) not in ("十", "百", "千", "万"):
            span_start = m.start("n1")
            pq = None
        unit = unit or ""
        unit = {"％": "%"}.get(unit, unit)
        if n1 is not None and _CN_ONLY_RE.match(_squash(n1)):
            # Chinese numerals need a unit or a magnitude, and single 一 is too often a word (一家企业 = a firm).
            if not (unit or m1 or pq) or (_squash(n1) in ("一", "零", "〇") and not m1):
                continue
        if unit in ("年", "日", "月") and n1 and not m1:
            # Dates are read by the date pattern; durations use 个月/天. A number of years (15年, 3-5年) is therefore
            # never read, and 多少年 finds nothing to answer it. Reading it as a span (tried 2026-12-03, see the #10
            # note; 公元618年 and 211年2月 as years, 80年代 as a decade) gave no CV gain on the questions both
            # extractors read (top-1 CMRC 0.862 → 0.862, DuReader 0.497 → 0.490, seeds 0.912 → 0.912, English
            # 0.713 → 0.709). Left for a reader that keeps spans from crowding date and time questions.
            continue
        if unit == "成" and (not n1 or not re.fullmatch(r"[一二三四五六七八九]", _squash(n1))):
            if not n1 or parse_numeral(n1) is None or parse_numeral(n1) >= 10:
                continue
        base = parse_numeral(n1) if n1 else 1.0
        if base is None:
            continue
        pair = re.fullmatch(r"([一二三四五六七八九])([二三四五六七八九])", _squash(n1)) if n1 else None
        if pair and not g["n2"]:
            # 五六欧元 is "five or six", not 56
            low, high = parse_numeral(pair.group(1)), parse_numeral(pair.group(2))
            if high == low + 1:
                base = low
                g["n2"], g["m2"] = pair.group(2), None
        value = _scaled(base, m1)
        value_max = None
        if g["n2"]:
            top = parse_numeral(g["n2"])
            if top is None:
                continue
            value_max = _scaled(top, g["m2"] or m1)
            if not m1 and g["m2"]:
                value = _scaled(base, g["m2"])
        kind, out_unit = _kind_and_unit(unit)
        if unit == "成":
            value, value_max = value * 10, (value_max * 10 if value_max is not None else None)
            out_unit = "%"
        if kind == "number" and (m1 or g["m2"]):
            out_unit = ""
        qualifier = _qualifier(pq, g["q1"], g["q2"], g["q3"], g["sq"])
        mention = NumberMention(text[span_start:span_end], span_start, span_end, value, value_max, out_unit, kind,
                                qualifier)
        mentions.append(mention)
    return mentions


def _kind_and_unit(unit: str) -> tuple[str, str]:
    if unit in ("%", "‰"):
        return "percent", unit
    if unit == "成":
        return "percent", "%"
    if unit == "个百分点":
        return "percent_point", unit
    if unit.endswith("元") or unit in _CURRENCY_WORDS:
        return "money", "元" if unit in ("元人民币", "人民币元", "人民币") else unit
    if unit in MEASURE_KINDS:
        return MEASURE_KINDS[unit], unit
    return "number", unit


def _word_percents(text: str) -> list[NumberMention]:
    mentions = []
    for m in _PERCENT_WORDS_RE.finditer(text):
        value = parse_numeral(m.group("n1"))
        if value is not None:
            mentions.append(NumberMention(m.group(), m.start(), m.end(), value, None, "%", "percent",
                                          _qualifier(m.group("pq"), m.group("sq"))))
    for m in _TENTHS_RE.finditer(text):
        value = parse_numeral(m.group("n1")) * 10
        if m.group("n2"):
            value += parse_numeral(m.group("n2"))
        pq = m.group("pq") if m.group("pq") not in ("上", "数", "几") else None
        start = m.start() if pq else m.start("n1")
        mentions.append(NumberMention(text[start:m.end()], start, m.end(), value, None, "%", "percent",
                                      _qualifier(pq, m.group("sq"))))
    return mentions


# A decade or a century is a time, not a count: 1990年代 (not the year 1990), 19世纪末 (not the number 19).
_ERA_RE = re.compile(rf"(?:(?<!\d)(?P<decade>\d{{4}}){_WS}年代|(?<![\d{_CN_DIGIT}十])(?P<century>\d{{1,2}}|[{_CN_DIGIT}十]{{1,3}})"
                     rf"{_WS}世纪)(?:初期|中期|末期|中叶|上半叶|下半叶|初|中|末)?")


def _dates(text: str) -> list[NumberMention]:
    mentions = []
    for m in _ERA_RE.finditer(text):
        value = float(m.group("decade")) if m.group("decade") else parse_numeral(m.group("century"))
        if value is not None:
            mentions.append(NumberMention(m.group(), m.start(), m.end(), value, None,
                                          "" if m.group("decade") else "世纪", "date"))
    for m in _DATE_RE.finditer(text):
        if not m.group().strip() or not _DATE_START.match(m.group()):
            continue
        squashed = _squash(m.group())
        if re.fullmatch(r"\d+[日号]", squashed) and not re.match(r"[和、至到-]", text[max(0, m.start() - 1):m.start()]):
            # A lone day needs a month before it (unless it continues 3日和4日).
            continue
        year = re.match(r"(\d{4})年", squashed)
        mentions.append(NumberMention(m.group(), m.start(), m.end(), float(year.group(1)) if year else None, None,
                                      "", "date"))
    return mentions


# Telephone numbers are names, not quantities: a landline with its area code (021-62091226, 0771-3866-361),
# a 400/800 service line, an 11-digit mobile; a short service number (95543, 12345) only after a word
# that says it is one.
_PHONE_RE = re.compile(r"(?<![\d.\-])(?:\(?0\d{2,3}\)?[-－—\s]?\d{3,4}[-－—\s]?\d{3,4}|[48]00\d?[-－—\s]?\d{2,4}[-－—\s]?\d{3,4}|"
                       r"1[3-9]\d{9})(?![\d.])")
_SHORT_PHONE_RE = re.compile(r"(?:电话|热线|拨打|致电|客服|服务号码)[^\d\n。；]{0,6}?(\d{3,8})(?![\d.])"
                             rf"(?!\s*(?:元|块|万|亿|%|{_MEASURE}))")


def _phones(text: str) -> list[NumberMention]:
    """Telephone numbers, kind "phone"; their value is their digits, so two spellings of one number match."""
    spans = [(m.start(), m.end()) for m in _PHONE_RE.finditer(text)
             if not m.group().startswith(("4", "8")) or len(re.sub(r"\D", "", m.group())) == 10]  # 400/800 lines: 10 digits
    spans += [(m.start(1), m.end(1)) for m in _SHORT_PHONE_RE.finditer(text)]
    return [NumberMention(text[a:b], a, b, float(re.sub(r"\D", "", text[a:b])), None, "", "phone") for a, b in spans]


def _resolve_overlaps(mentions: list[NumberMention]) -> list[NumberMention]:
    """Keep the longest mention where spans overlap (dates and phone numbers before counts at equal length)."""
    order = sorted(mentions, key=lambda m: (-(m.end - m.start), m.kind not in ("date", "phone"), m.start))
    kept: list[NumberMention] = []
    for m in order:
        if all(m.end <= k.start or m.start >= k.end for k in kept):
            kept.append(m)
    return sorted(kept, key=lambda m: m.start)


def _clause_before(text: str, start: int, limit: int = 24) -> str:
    """The text of the clause that leads up to position start."""
    window = text[max(0, start - limit):start]
    parts = _CLAUSE_BREAK.split(window)
    return parts[-1] if parts else ""


def _clause_after(text: str, end: int, limit: int = 16) -> str:
    """The rest of the number's clause (发放500万元信用贷款 → 信用贷款)."""
    rest = _CLAUSE_BREAK.split(text[end:end + limit], maxsplit=1)
    return rest[0] if rest else ""


def _sentence_of(text: str, position: int) -> str:
    """The sentence around position."""
    first, stop = sentence_bounds(text, position, stops=CLAUSE_STOPS)
    return text[first:stop + 1]


def _label(text: str, mention: NumberMention, previous_end: int) -> tuple[str | None, str | None]:
    """What the number measures: the metric named just before it in its clause, else the clause's noun."""
    lead = _clause_before(text, mention.start)
    lead = lead[max(0, len(lead) - (mention.start - previous_end)):] if mention.start - previous_end < len(lead) else lead
    mention.context.lead = lead  # the whole clause before the number, for matching questions against
    found = last_metric(lead)
    if not found:
        sentence_start, _ = sentence_bounds(text, mention.start, stops=CLAUSE_STOPS)
        wider = text[max(sentence_start, previous_end, mention.start - 30):mention.start].split("、")[-1]
        found = last_metric(wider)
        if found:
            clause = [c for c in _CLAUSE_BREAK.split(wider) if found[0] in c]
            lead = clause[-1] if clause else found[0]
    lead = _FILLER_TAIL.sub("", lead)
    lead = _FILLER_HEAD.sub("", lead)
    lead = lead.strip("的了")
    place = gazetteer().prefix(lead)
    if place and len(lead) - len(place) >= 2:
        lead = lead[len(place):].lstrip("区县市")
    if found:
        form, canon = found
        # Prefer the full term that ends with the metric (规模以上工业企业复工率 → 复工率 is the metric).
        return form if len(lead) > 12 or not lead else lead, canon
    if lead and len(lead) >= 2:
        label = _tail_words(lead, 10)
        return label, canonical(label)
    return None, None


def _tail_words(text: str, limit: int) -> str:
    """The last whole words of text, at most limit characters (no half words in labels)."""
    if len(text) <= limit:
        return text
    from retrieval.language.tokenizer import jieba_tokenizer

    jieba = jieba_tokenizer()
    out = ""
    for word in reversed(jieba.lcut(text)):
        if len(out) + len(word) > limit:
            break
        out = word + out
    return out or text[-limit:]


class SubjectResolver:
    """Finds the place or organisation a number is about, from its sentence or the article."""

    def __init__(self, article_places: list[str] | None = None, headline: str | None = None):
        places = [p for p in (article_places or []) if p not in GENERIC]
        self.article_places = places
        self.default_place = places[0] if places else ((article_places or [None])[0])
        orgs = _ORG_RE.findall(headline or "")
        self.default_org = orgs[0] if orgs else None

    def places(self, text: str, position: int) -> list[str]:
        """Every specific place the number's sentence names (before or after it), else the article's places."""
        first, stop = sentence_bounds(text, position)
        sentence = text[first:stop]
        named = [p for p in gazetteer().find(sentence) if p not in GENERIC]
        return named or list(self.article_places)

    def __call__(self, text: str, position: int) -> str | None:
        """The nearest place named before position in its sentence, or the article's."""
        sentence_start, _ = sentence_bounds(text, position)
        before = text[sentence_start:position]
        best = gazetteer().last(before)
        if best and best not in GENERIC:
            return best
        if any(p in before for p in ("全市", "我市")) and "重庆" in self.article_places:
            return "重庆"
        if any(p in before for p in ("该公司", "企业负责人")) and self.default_org:
            return self.default_org
        if any(p in before for p in _SUBJECT_PRONOUNS) or not best:
            return self.default_place or best
        return best


def _date_for(text: str, mention: NumberMention, dates: list[NumberMention]) -> str | None:
    """The date a number holds for: 截至X in its sentence first, else the nearest date before it there."""
    sentence_start, sentence_end = sentence_bounds(text, mention.start, mention.end)
    in_sentence = [d for d in dates if d.start >= sentence_start and d.end <= sentence_end and d is not mention]
    if not in_sentence:
        return None
    for d in in_sentence:
        if _DATE_LEAD.search(text[max(sentence_start, d.start - 3):d.start]):
            lead = _DATE_LEAD.search(text[max(sentence_start, d.start - 3):d.start]).group()
            return lead + d.text
    before = [d for d in in_sentence if d.end <= mention.start]
    return (before[-1] if before else in_sentence[0]).text


# A middle dot between digits is an OCR'd decimal point before a unit (3·5%, 1·5倍); a month and a day joined by one,
# with no unit, name an event (“3·8”女神节, 5·12地震, 6·18购物节): a date, not two numbers.
_DOT_BETWEEN_DIGITS = re.compile(r"(?<=\d)[·•・](?=\d)")
_EVENT_DATE = re.compile(r"(?:1[0-2]|0?[1-9])[·•・](?:3[01]|[12]\d|0?[1-9])")


def _event_date(text: str, mention: NumberMention) -> NumberMention:
    """The mention quoted from text (its middle dots kept); a bare month·day is an event's date."""
    quoted = text[mention.start:mention.end]
    if mention.kind == "number" and not mention.unit and _EVENT_DATE.fullmatch(quoted):
        return NumberMention(quoted, mention.start, mention.end, None, None, "", "date")
    return replace(mention, text=quoted) if quoted != mention.text else mention


def extract_numbers(text: str, article_places: list[str] | None = None, headline: str | None = None) -> list[NumberMention]:
    """Every number mention in text, labelled with its metric, subject and date."""
    dotted = _DOT_BETWEEN_DIGITS.sub(".", text)  # same length, so offsets into text hold
    mentions = _resolve_overlaps(_number_mentions(dotted) + _word_percents(dotted) + _dates(dotted) + _phones(dotted))
    mentions = [_event_date(text, m) for m in mentions if not _inside_word(dotted, m)]
    text = dotted
    dates = [m for m in mentions if m.kind == "date" and not _EVENT_DATE.fullmatch(m.text)]  # 3·8 names a day, not when
    subject_of = SubjectResolver(article_places, headline)
    previous_end = 0
    for m in mentions:
        if m.kind not in ("date", "phone"):
            m.label, m.metric = _label(text, m, previous_end)
            m.subject = subject_of(text, m.start)
            m.date = _date_for(text, m, dates)
        else:  # a date or phone number measures nothing, but its clause says what it is (1995年加入…, 客服电话)
            lead = _clause_before(text, m.start)
            m.context.lead = lead[max(0, len(lead) - (m.start - previous_end)):]
        m.context.places = subject_of.places(text, m.start)
        m.context.after = _clause_after(text, m.end)
        m.context.sentence = _sentence_of(text, m.start)
        previous_end = m.end
    return mentions


@lru_cache(maxsize=200_000)
def _cached_mentions(text: str, places: tuple[str, ...], headline: str | None) -> tuple[NumberMention, ...]:
    from retrieval.language.tokenizer import simplify_chars

    # Extracted on a character-for-character simplified copy (億 → 亿, 個 → 个), quoted from the original.
    found = extract_numbers(simplify_chars(text), list(places), headline)
    for m in found:
        m.text = text[m.start:m.end]
    return tuple(found)


def mentions_of_passage(passage) -> list[NumberMention]:
    """The number mentions of a passage, extracted once per passage text and cached; callers get copies,
    so nothing a caller changes reaches the next caller."""
    found = _cached_mentions(passage.text, tuple(passage.article_places), passage.headline)
    return [replace(m, context=replace(m.context, places=list(m.context.places))) for m in found]


_NAME_AFTER = re.compile(r"号(?:线|楼|院|馆|航站楼|公路)|路(?:公交|车|线|巴士)")


def _inside_word(text: str, mention: NumberMention) -> bool:
    """Digits glued to Latin letters (COVID-19, G75, 5G) are names, not quantities; so are line, building and
    route numbers (7号线, 5号楼, 101路公交)."""
    before = text[mention.start - 1:mention.start] if mention.start else ""
    after = text[mention.end:mention.end + 1]
    if mention.kind in ("number", "date") and not mention.unit and _NAME_AFTER.match(text, mention.end) and \
            re.fullmatch(r"\d+号?", mention.text.strip()):
        return True
    if mention.kind == "number" and (re.match(r"[A-Za-z\-]", before) or re.match(r"[A-Za-z]", after)):
        return True
    return bool(re.match(r"[A-Za-z]", before)) and mention.kind not in ("money", "percent")

"""Dimensions: which extent a size question asks for (多宽 → 宽) and which extent a number states (原宽22米 → 宽).

A road's 全长4.63公里 and its 总宽64米 are both lengths in metres, and a question 多宽 is answered by only one of
them; 8万平方米 answers no 多高 at all. The extent named right before a number, and its unit's family, tell.
"""

from __future__ import annotations

import re

# What a question asks, tried in order (simplified, lower-cased). 多长时间 asks a duration, not a length; 宽多少米
# says the extent before its interrogative. English size questions read as the Chinese ones.
ASKED: list[tuple[str, str]] = [
    (r"多宽|宽度|宽(?=多少|几)|how wide|\bwidth", "宽"),
    (r"多高|高度|海拔|身高|(?<![提升增])高(?=多少|几)|how (?:tall|high)|\bheight|altitude", "高"),
    # 纵深 is how far a street or a front runs: a length (杨树浦路纵深多少米 → 全长5586米).
    (r"纵深", "长"),
    (r"多深|深度|水深|深(?=多少|几)|how deep|\bdepth", "深"),
    (r"多厚|厚度|厚(?=多少|几)|how thick|thickness", "厚"),
    (r"多远|距离|how far|distance", "远"),
    (r"多长(?!时间)|全长|总长|长度|体长|身长|(?<![增成延])长(?=多少米|多少公里|几米|几公里)|"
     r"how long (?:is|are|was|were) (?:the|a|an|it)\b(?! (?:time|period|delay|wait))|\blength", "长"),
    (r"多重|重量|体重|how heavy|\bweigh", "重"),
    # Not a bare "area": a low-risk area is a place.
    (r"面积|占地|\b(?:floor|land|total|surface) area\b|how (?:big|large) an area", "面积"),
    # Quantities that are no extent but are asked the same way, each answered only in its own units: a 热量
    # question by 305大卡, not by the 100克 it is counted per; a 水温 question by 18℃, not by the 3米 of depth.
    (r"热量|卡路里|how many calories|\bcalori", "热量"),
    (r"温度|气温|水温|体温|how (?:hot|cold|warm)|temperature", "温度"),
    (r"容量|容积|体积|排量|\bvolume\b|\bcapacity\b", "容量"),
]
_ASKED_RES = [(re.compile(pattern), extent) for pattern, extent in ASKED]

# The words of a passage that state an extent, with the extent each states.
STATED: dict[str, str] = {
    "宽": "宽", "宽度": "宽", "高": "高", "高度": "高", "海拔": "高", "身高": "高", "深": "深", "深度": "深",
    "水深": "深", "厚": "厚", "厚度": "厚", "长": "长", "长度": "长", "全长": "长", "总长": "长", "体长": "长",
    "身长": "长", "纵深": "长", "距离": "远", "相距": "远", "远": "远", "重": "重", "重量": "重", "体重": "重", "面积": "面积",
    "占地": "面积", "热量": "热量", "温度": "温度", "气温": "温度", "水温": "温度", "体温": "温度", "容量": "容量",
    "容积": "容量", "体积": "容量", "排量": "容量",
}
# Words between the extent and its number (总宽为64米, 杯壁厚只有0.11毫米).
_LINK = r"(?:约为|约|达到|达|为|是|有|只有|仅有|仅|近|超过|超|逾|共计|共|大约)*"
# A verb ending in 长 or 高 is a change, not an extent (增长3米, 提高2米); 比重 is a share.
_NOT_EXTENT = r"(?<![增成延生提升抬拔比])"
_STATED_RE = re.compile(rf"{_NOT_EXTENT}(?P<word>{'|'.join(sorted(STATED, key=len, reverse=True))}){_LINK}$")
# Extents a reader takes for one another: how far one walked is the length of the walk.
ALIKE = {"远": "长"}
# Which family of unit each extent is measured in.
EXTENT_FAMILY = {"宽": "length", "高": "length", "深": "length", "厚": "length", "长": "length", "远": "length",
                 "重": "weight", "面积": "area", "热量": "energy", "温度": "temperature", "容量": "volume"}
# A unit's family, by the words it is built from, tried in order: 平方米 is an area before it is metres,
# 卡路里 energy before it is 里.
UNIT_FAMILIES: list[tuple[str, str]] = [
    ("area", r"平方|亩|公顷"),
    ("volume", r"立方|升|加仑"),
    ("energy", r"卡|焦|瓦"),
    ("weight", r"吨|斤|克|磅|盎司|^kg$"),
    ("length", r"米|里|尺|寸|呎|哩|浬|公分|公厘|光年|^k?m$"),
    ("temperature", r"度|℃|°"),  # after energy: 千瓦时 is sold as 度 too, but says 瓦
]
_UNIT_FAMILY_RES = [(family, re.compile(pattern)) for family, pattern in UNIT_FAMILIES]


def asked_extent(question: str) -> str | None:
    """The extent a size question asks for (茶园大道多宽 → 宽, how thick → 厚), None when it asks none."""
    text = question.lower()
    return next((extent for pattern, extent in _ASKED_RES if pattern.search(text)), None)


def stated_extent(lead: str) -> str | None:
    """The extent named right before a number (是将全长 → 长, 、原宽 → 宽), None when it names none."""
    found = _STATED_RE.search(lead.strip())
    return STATED[found.group("word")] if found else None


def unit_family(unit: str) -> str | None:
    """What a unit measures (米 → length, 平方米 → area, 吨 → weight), None when not known."""
    return next((family for family, pattern in _UNIT_FAMILY_RES if pattern.search(unit)), None) if unit else None


def answers_extent(unit: str, lead: str, asked: str | None) -> bool:
    """Whether a measure (its unit and the clause before it) can answer a question asking for an extent: not when
    it states another extent (全长 for 多宽) or is in a unit of another family (平方米 for 多高)."""
    if asked is None:
        return True
    stated = stated_extent(lead)
    if stated and ALIKE.get(stated, stated) != ALIKE.get(asked, asked):
        return False
    family = unit_family(unit)
    return family is None or family == EXTENT_FAMILY[asked]

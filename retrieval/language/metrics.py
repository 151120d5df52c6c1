"""What numbers measure: metric names and the synonyms users ask with (复工率 ≈ 复工复产率 ≈ 开工率)."""

from __future__ import annotations

import re

# canonical metric → surface forms in articles and questions (longest forms are matched first).
METRICS: dict[str, list[str]] = {
    "复工率": ["复工复产率", "复工开工率", "复工达产率", "复工率", "复产率", "开工率", "复工复业率", "复业率"],
    "返岗率": ["返岗率", "到岗率", "人员复工率", "返岗复工率"],
    "达产率": ["达产率", "产能恢复率"],
    "增长": ["同比增长", "增长", "增速", "增幅", "增加", "提高", "上涨", "涨"],
    "下降": ["同比下降", "下降", "下滑", "减少", "跌幅", "降低"],
    "利率": ["利率", "贷款利率", "费率", "担保费率", "利息", "贴息"],
    "贷款": ["贷款", "信贷", "再贷款", "信用贷款", "贷"],
    "授信": ["授信", "授信额度", "新增授信"],
    "融资": ["融资", "社会融资规模", "融资贷款", "质押融资", "融资额"],
    "专利": ["专利"],
    "投资": ["总投资", "投资", "投入", "协议引资", "引资"],
    "销售额": ["销售额", "营业额", "销售", "成交额", "交易额", "出口贸易额", "贸易额", "进出口额", "收入"],
    "资金": ["资金", "补助", "补贴", "奖励", "返还资金", "专项资金", "资助"],
    "企业数": ["企业", "商户", "市场主体", "家"],
    "人数": ["农民工", "员工", "工人", "人员", "职工", "务工人员", "志愿者", "人"],
    "项目数": ["项目", "重点项目"],
    "电费": ["电费", "用电成本"],
    "产量": ["产量", "生产", "月产量", "产能"],
    "价格": ["价格", "价位", "售价", "身价"],
    "占比": ["占比", "占", "比重", "份额"],
    "订单": ["订单", "包裹量", "订单量"],
    "面积": ["面积", "建仓面积"],
    "措施": ["措施", "条", "项措施", "政策"],
}

_FORMS = sorted(((form, canon) for canon, forms in METRICS.items() for form in forms), key=lambda x: -len(x[0]))
_FORM_RE = re.compile("|".join(re.escape(f) for f, _ in _FORMS))
_CANON = dict(_FORMS)
# Metrics specific enough to decide between readings; the generic ones (企业, 人) only help ranking.
SPECIFIC = {"利率", "复工率", "返岗率", "达产率", "贷款", "授信", "融资", "专利", "电费", "销售额", "投资", "价格",
            "面积", "订单"}


def canonical(form: str) -> str | None:
    """The canonical metric for a surface form, or None."""
    return _CANON.get(form)


def metrics_within(word: str) -> set[str]:
    """Canonical metrics whose surface forms contain the word (复工 → 复工率 and 返岗率, for 人员复工率)."""
    return {canon for form, canon in _FORMS if word and word in form}


def find_metrics(text: str) -> list[str]:
    """Canonical metrics named in text, in order, without repeats (longest form wins)."""
    seen: dict[str, None] = {}
    for match in _FORM_RE.finditer(text):
        seen.setdefault(_CANON[match.group()], None)
    return list(seen)


def last_metric(text: str) -> tuple[str, str] | None:
    """(surface form, canonical) of the metric named last in text: what a following number measures."""
    last = None
    for match in _FORM_RE.finditer(text):
        last = (match.group(), _CANON[match.group()])
    return last

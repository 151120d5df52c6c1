"""The number table: every case states the exact mention text, value(s), unit, kind and qualifier."""

from __future__ import annotations

import pytest

from retrieval.language.numbers import extract_numbers, parse_numeral

# (text, mention text, value, value_max, unit, kind, qualifier)
CASES = [
    # percentages
    ("复工率99.26%", "99.26%", 99.26, None, "%", "percent", None),
    ("复工复产率达100%。", "100%", 100, None, "%", "percent", None),
    ("增长百分之十二点五", "百分之十二点五", 12.5, None, "%", "percent", None),
    ("九成企业复工", "九成", 90, None, "%", "percent", None),
    ("七成五的员工", "七成五", 75, None, "%", "percent", None),
    ("返岗率74%。", "74%", 74, None, "%", "percent", None),
    ("开工率超97%", "超97%", 97, None, "%", "percent", "超"),
    ("复工率已近90%", "近90%", 90, None, "%", "percent", "近"),
    ("同比增长60.9%", "60.9%", 60.9, None, "%", "percent", None),
    ("占全县的93%；", "93%", 93, None, "%", "percent", None),
    ("收入跌幅超90%。", "超90%", 90, None, "%", "percent", "超"),
    ("下浮10%以上", "10%以上", 10, None, "%", "percent", "以上"),
    ("利率3%左右", "3%左右", 3, None, "%", "percent", "左右"),
    ("原则上不高于1%。", "不高于1%", 1, None, "%", "percent", "不高于"),
    ("降低0.5个百分点", "0.5个百分点", 0.5, None, "个百分点", "percent_point", None),
    ("复工率９９．２６％", "９９．２６％", 99.26, None, "%", "percent", None),
    ("贷款利率2.65%", "2.65%", 2.65, None, "%", "percent", None),
    ("从20%提高到至40%", "20%", 20, None, "%", "percent", None),
    # money
    ("累计发放贷款9.89亿元", "9.89亿元", 9.89e8, None, "元", "money", None),
    ("增量累计达到4926.13亿元", "4926.13亿元", 4926.13e8, None, "元", "money", None),
    ("发放500万元信用贷款", "500万元", 5e6, None, "元", "money", None),
    ("返还资金294.94万元；", "294.94万元", 2949400, None, "元", "money", None),
    ("价位拉到2万元以下", "2万元以下", 20000, None, "元", "money", "以下"),
    ("每辆可卖到25欧元", "25欧元", 25, None, "欧元", "money", None),
    ("累计实现8000余万美元撮合交易", "8000余万美元", 8e7, None, "美元", "money", "余"),
    ("成功融资近亿元", "近亿元", 1e8, None, "元", "money", "近"),
    ("出口贸易额达1.5亿元", "1.5亿元", 1.5e8, None, "元", "money", None),
    ("资金611.3亿元", "611.3亿元", 611.3e8, None, "元", "money", None),
    ("缓缴社会保险费1830万余元", "1830万余元", 1830e4, None, "元", "money", "余"),
    ("总投资300多亿元的", "300多亿元", 300e8, None, "元", "money", "多"),
    ("获得超过2亿元的融资贷款", "超过2亿元", 2e8, None, "元", "money", "超过"),
    ("年产值约1亿元", "约1亿元", 1e8, None, "元", "money", "约"),
    ("授信额度9700万元", "9700万元", 9700e4, None, "元", "money", None),
    ("减负超600亿元", "超600亿元", 600e8, None, "元", "money", "超"),
    ("过去一辆只能卖五六欧元", "五六欧元", 5, 6, "欧元", "money", None),
    ("共计三千万元", "三千万元", 3e7, None, "元", "money", None),
    ("融资15.76亿\n元", "15.76亿\n元", 15.76e8, None, "元", "money", None),
    ("资金1,200万元", "1,200万元", 1200e4, None, "元", "money", None),
    # counts with measure words
    ("该区上报企业6481家", "6481家", 6481, None, "家", "count", None),
    ("518名农民工", "518名", 518, None, "名", "count", None),
    ("企业已开工4307户", "4307户", 4307, None, "户", "count", None),
    ("共完成2187笔订单", "2187笔", 2187, None, "笔", "count", None),
    ("扩宽为双向8车道", "8车道", 8, None, "车道", "count", None),  # not 8车: lanes, not cars
    ("对8口工厂井", "8口", 8, None, "口", "count", None),
    ("成车有700多辆。", "700多辆", 700, None, "辆", "count", "多"),
    ("永康有3200多家跨境电商", "3200多家", 3200, None, "家", "count", "多"),
    ("口罩超36.5万片", "超36.5万片", 365000, None, "片", "count", "超"),
    ("返岗员工已达108620人", "108620人", 108620, None, "人", "count", None),
    ("为10万余企业", "10万余", 100000, None, "", "number", "余"),
    ("销量一举突破1000万台", "1000万台", 1e7, None, "台", "count", None),
    ("有上千家企业正在使用", "上千家", 1000, None, "家", "count", "上"),
    ("逾百家企业", "逾百家", 100, None, "家", "count", "逾"),
    ("14名民营医院医护人员", "14名", 14, None, "名", "count", None),
    ("三十五家企业", "三十五家", 35, None, "家", "count", None),
    ("两个站点", "两个", 2, None, "个", "count", None),
    ("约3000人", "约3000人", 3000, None, "人", "count", "约"),
    ("50个左右", "50个左右", 50, None, "个", "count", "左右"),
    ("不到20家", "不到20家", 20, None, "家", "count", "不到"),
    ("超过1000人", "超过1000人", 1000, None, "人", "count", "超过"),
    ("累计走访44.1万户市场主体", "44.1万户", 441000, None, "户", "count", None),
    ("６４８１家", "６４８１家", 6481, None, "家", "count", None),
    ("10多名技术人员", "10多名", 10, None, "名", "count", "多"),
    ("解决各类难题80余个", "80余个", 80, None, "个", "count", "余"),
    ("获得了20余件专利", "20余件", 20, None, "件", "count", "余"),
    ("提出11条硬举措", "11条", 11, None, "条", "count", None),
    ("包裹量达223668单", "223668单", 223668, None, "单", "count", None),
    ("共14个项目", "14个", 14, None, "个", "count", None),
    # measures, durations, ratios
    ("全长4.63公里", "4.63公里", 4.63, None, "公里", "measure", None),
    ("84消毒液1000公斤", "1000公斤", 1000, None, "公斤", "measure", None),
    ("鲜鸡蛋3000吨", "3000吨", 3000, None, "吨", "measure", None),
    ("建仓面积近8万平方米", "近8万平方米", 80000, None, "平方米", "measure", "近"),
    ("杯壁只有0.11毫米", "0.11毫米", 0.11, None, "毫米", "measure", None),
    ("增长达5.5倍", "5.5倍", 5.5, None, "倍", "ratio", None),
    ("仅用时4天", "4天", 4, None, "天", "duration", None),
    ("担保期限为24个月", "24个月", 24, None, "个月", "duration", None),
    ("不到24小时", "不到24小时", 24, None, "小时", "duration", "不到"),
    # ranges
    ("预计可获得资金补助3亿-5亿元", "3亿-5亿元", 3e8, 5e8, "元", "money", None),
    ("培育3-5个国家级服务平台", "3-5个", 3, 5, "个", "count", None),
    ("10%-20%的企业", "10%-20%", 10, 20, "%", "percent", None),
    # dates (value is the year when one is given)
    ("截至3月17日，", "3月17日", None, None, "", "date", None),
    ("2月23日下午1点，搭载", "2月23日下午1点", None, None, "", "date", None),
    ("2022年前三季度，全市", "2022年前三季度", 2022, None, "", "date", None),
    ("仅12月3日和4日我们", "12月3日和4日", None, None, "", "date", None),
    ("执行时间为2月1日至6月30日。", "2月1日至6月30日", None, None, "", "date", None),
    ("1-2月，广东", "1-2月", None, None, "", "date", None),
    ("3 月 20 日，以", "3 月 20 日", None, None, "", "date", None),
    ("2019年4月，哈尔斯", "2019年4月", 2019, None, "", "date", None),
    # currencies written after the number: 人民币 is not 人 (people)
    ("共计100万人民币", "100万人民币", 1e6, None, "元", "money", None),
    ("43000韩元=259.04人民币元", "259.04人民币元", 259.04, None, "元", "money", None),
    ("售价5000新台币", "5000新台币", 5000, None, "新台币", "money", None),
    ("以41,210亿越南盾的代价", "41,210亿越南盾", 4.121e12, None, "越南盾", "money", None),
    ("票房达32亿日圆", "32亿日圆", 3.2e9, None, "日圆", "money", None),  # not 32亿 日 (days)
    ("售价为9.9新加坡元", "9.9新加坡元", 9.9, None, "新加坡元", "money", None),
    ("1月1日元旦放假", "1月1日", None, None, "", "date", None),  # 日元 is not read across a date
    ("5号楼共有120户", "120户", 120, None, "户", "count", None),  # 5号楼 names a building
    ("地铁8号线于2008年开通", "2008年", 2008, None, "", "date", None),  # 8号线 names a line
    ("有5人参加", "5人", 5, None, "人", "count", None),
    # Taiwan, Hong Kong, imperial and scientific units are measures, not bare numbers
    ("生活在水深12至55公尺的海域", "12至55公尺", 12, 55, "公尺", "measure", None),
    ("體長可達46.5公分", "46.5公分", 46.5, None, "公分", "measure", None),
    ("距离地球440多光年", "440多光年", 440, None, "光年", "measure", "多"),
    ("适宜水温23~28℃", "23~28℃", 23, 28, "℃", "measure", None),
    ("1千焦=0.239大卡", "0.239大卡", 0.239, None, "大卡", "measure", None),
    # 千 begins the unit here, it is no magnitude (1276千焦 was read as 1276000 with no unit)
    ("是305大卡(1276千焦)", "1276千焦", 1276, None, "千焦", "measure", None),
    ("每天摄入1800千卡", "1800千卡", 1800, None, "千卡", "measure", None),
    ("年用电20千瓦时", "20千瓦时", 20, None, "千瓦时", "measure", None),
    ("重3千克", "3千克", 3000, None, "克", "measure", None),  # a magnitude still, before a unit of its own
    ("每件容积不得超过100毫升", "超过100毫升", 100, None, "毫升", "measure", "超过"),
    ("全长5英里", "5英里", 5, None, "英里", "measure", None),
    # a decade or a century is a time, quoted whole
    ("于1880年代走向商业化", "1880年代", 1880, None, "", "date", None),
    ("西元1970年代初期", "1970年代初期", 1970, None, "", "date", None),
    ("在19世纪末期开始流行", "19世纪末期", 19, None, "世纪", "date", None),
    ("二十一世纪以来", "二十一世纪", 21, None, "世纪", "date", None),
]


@pytest.mark.parametrize("text,mention,value,value_max,unit,kind,qualifier", CASES, ids=[c[0] for c in CASES])
def test_number_table(text, mention, value, value_max, unit, kind, qualifier):
    found = [m for m in extract_numbers(text) if m.text == mention]
    assert found, f"{mention!r} not found in {text!r}: {[m.text for m in extract_numbers(text)]}"
    m = found[0]
    assert text[m.start:m.end] == mention
    assert m.value == pytest.approx(value) if value is not None else m.value is None
    assert m.value_max == pytest.approx(value_max) if value_max is not None else m.value_max is None
    assert (m.unit, m.kind, m.qualifier) == (unit, kind, qualifier)


@pytest.mark.parametrize("text, phone", [
    ("售后维修电话：021-62091226，欢迎致电", "021-62091226"),
    ("南宁美的空调售后电话0771-3866-361", "0771-3866-361"),
    ("全国客服热线4006-554-868", "4006-554-868"),
    ("请拨打客服电话95543转人工", "95543"),
    ("联系人手机13812345678", "13812345678"),
])
def test_telephone_numbers_are_one_mention_and_not_a_quantity(text, phone):
    found = [m for m in extract_numbers(text) if m.kind == "phone"]
    assert [m.text for m in found] == [phone]
    assert not any(m.kind != "phone" and phone.startswith(m.text) for m in extract_numbers(text))


@pytest.mark.parametrize("text", ["热线电话费用1349元", "客服共接听电话3200次", "2017年共有95000人"])
def test_amounts_near_the_word_phone_are_not_phone_numbers(text):
    assert not [m for m in extract_numbers(text) if m.kind == "phone"]


def test_table_is_large_enough():
    assert len(CASES) >= 80


@pytest.mark.parametrize("text", ["一手抓疫情防控", "COVID-19疫情", "5G时代", "零部件企业", "一定能化危为机", "成为各地必须解决的难题"])
def test_words_that_look_like_numbers_are_not_numbers(text):
    assert [m.text for m in extract_numbers(text) if m.kind != "date"] == []


def test_labels_subject_and_date():
    text = "截至3月17日，该区上报企业6481家，复工复产6481家，复工复产率达100%。"
    by_text = {}
    for m in extract_numbers(text, ["綦江", "重庆"]):
        by_text.setdefault(m.text, m)
    rate = by_text["100%"]
    assert (rate.label, rate.metric, rate.subject, rate.date) == ("复工复产率", "复工率", "綦江", "截至3月17日")
    assert by_text["6481家"].label == "上报企业"


def test_a_label_names_the_measure_not_the_verb_before_it():
    text = "南岸茶园大道改扩建工程,是将全长4.63公里、原宽22米的南滨路扩宽为双向8车道。一个杯壁只有0.11毫米的轻量杯"
    labels = {m.text: m.label for m in extract_numbers(text)}
    assert (labels["4.63公里"], labels["22米"], labels["0.11毫米"]) == ("全长", "原宽", "一个杯壁")


def test_nearest_place_is_the_subject():
    text = "到3月13日,南岸区、经开区纳入市上统计的10人以上企业已开工4307户,复工率99.26%。"
    rate = next(m for m in extract_numbers(text, ["南岸", "重庆经开区"]) if m.text == "99.26%")
    assert rate.metric == "复工率" and rate.subject in ("南岸", "重庆经开区")
    assert {"南岸", "重庆经开区"} <= set(rate.context.places)


@pytest.mark.parametrize("numeral,value", [("三十五", 35), ("十二点五", 12.5), ("6,481", 6481), ("千", 1000), ("两", 2)])
def test_parse_numeral(numeral, value):
    assert parse_numeral(numeral) == value


def test_parse_numeral_rejects_words():
    assert parse_numeral("abc") is None


@pytest.mark.parametrize("text, name", [("九龙巴士7号线是一条日间巴士路线", "7"), ("5号楼共有120户", "5"),
                                        ("乘坐101路公交车到站", "101"), ("地铁8号线于2008年开通", "8")])
def test_line_building_and_route_numbers_are_names_not_quantities(text, name):
    assert all(m.text.rstrip("号") != name for m in extract_numbers(text)), [m.text for m in extract_numbers(text)]


@pytest.mark.parametrize("text, event", [("3月5日至8日的“3·8女神节”，成交同比增长850%", "3·8"), ("5·12汶川地震", "5·12"),
                                         ("“6·18”购物节期间销售额达12亿元", "6·18")])
def test_a_month_and_day_joined_by_a_middle_dot_name_an_event_not_two_numbers(text, event):
    found = extract_numbers(text)
    assert event in [m.text for m in found if m.kind == "date"]
    assert not [m for m in found if m.kind == "number"]  # not 3 and 8
    assert all(m.date != event for m in found)  # it names a day, it does not date the other figures


@pytest.mark.parametrize("text, quoted, value", [("同比增长3·5%", "3·5%", 3.5), ("价格涨了1·5倍", "1·5倍", 1.5)])
def test_a_middle_dot_before_a_unit_is_a_decimal_point(text, quoted, value):
    (found,) = extract_numbers(text)
    assert (found.text, found.value) == (quoted, value)  # quoted as printed, read as a decimal

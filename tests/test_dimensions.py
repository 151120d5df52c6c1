"""Dimensions: the extent a size question asks for, the extent a number states, and whether one answers the other."""

from __future__ import annotations

import pytest

from retrieval.language.dimensions import answers_extent, asked_extent, stated_extent, unit_family


@pytest.mark.parametrize("question, extent", [
    ("茶园大道改造完有多宽", "宽"), ("宽多少米", "宽"), ("How wide was Nanbin Road", "宽"),
    ("这栋楼有多高", "高"), ("海拔多少米", "高"), ("提高多少", None),
    ("水有多深", "深"), ("墙有多厚", "厚"), ("走了多远", "远"),
    ("南滨路有多长", "长"), ("用了多长时间", None), ("杨树浦路纵深多少米", "长"),
    ("有多重", "重"), ("占地多少亩", "面积"), ("a low-risk area", None),
    ("柚子茶的热量大概是多少", "热量"), ("How many calories are in a banana", "热量"), ("泡澡水温多少合适", "温度"),
    ("冰箱容量多大", "容量"), ("发动机排量是多少", "容量"),
])
def test_the_asked_extent(question, extent):
    assert asked_extent(question) == extent


@pytest.mark.parametrize("lead, extent", [
    ("是将全长", "长"), ("、原宽", "宽"), ("总宽为", "宽"), ("杯壁厚只有", "厚"), ("海拔约", "高"),
    # A verb of change or a share states no extent.
    ("增长", None), ("提高", None), ("比重为", None), ("这条路", None),
    ("热量为", "热量"), ("体温达到", "温度"), ("总容积", "容量"),
])
def test_the_stated_extent(lead, extent):
    assert stated_extent(lead) == extent


@pytest.mark.parametrize("unit, family", [
    ("米", "length"), ("公里", "length"), ("平方米", "area"), ("亩", "area"), ("立方米", "volume"),
    ("吨", "weight"), ("千克", "weight"), ("千瓦时", "energy"), ("大卡", "energy"), ("毫升", "volume"),
    ("℃", "temperature"), ("摄氏度", "temperature"), ("家", None), ("GB", None), ("", None),
])
def test_a_units_family(unit, family):
    assert unit_family(unit) == family


def test_a_measure_answers_only_its_own_extent():
    assert not answers_extent("公里", "全长", "宽")
    assert answers_extent("米", "总宽", "宽")
    assert answers_extent("公里", "全长", "远")  # how far one went is the length of the way
    assert not answers_extent("平方米", "", "高")
    assert answers_extent("米", "", "高")
    assert answers_extent("平方米", "全长", None)  # a question asking no extent keeps every measure


def test_a_quantity_that_is_no_extent_is_answered_in_its_own_units():
    assert answers_extent("大卡", "是", "热量") and not answers_extent("克", "以", "热量")  # per 100克 it is 305大卡
    assert answers_extent("℃", "", "温度") and not answers_extent("米", "水深", "温度")
    assert answers_extent("升", "", "容量") and not answers_extent("公斤", "", "容量")
    assert answers_extent("GB", "", "容量")  # a unit of no known family is left to the scorer
    assert not answers_extent("度", "", "高")  # a temperature is no height

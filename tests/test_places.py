"""The gazetteer: curated places, CC-CEDICT's counties, cities and districts, and what is not a place."""

import pytest

from retrieval.language.places import cedict_places, gazetteer


@pytest.mark.parametrize("text, places", [
    ("部署在新和县和库车县境内的8口井", ["新和", "库车"]),  # CC-CEDICT counties, full names
    ("有3200多家永康企业", ["永康"]),  # a short name jieba cuts as a word
    ("南阳市社旗县赊店镇", ["南阳", "社旗"]),
    ("长寿区复工率", ["长寿"]),  # places.txt's canonical name wins
    ("綦江和南岸", ["綦江", "南岸"]),
])
def test_places_are_found(text, places):
    assert gazetteer().find(text) == places


@pytest.mark.parametrize("text", [
    "天山南地区是西北油田新的产能区",  # 山南 (a Tibetan prefecture) inside 天山南
    "穿过茂密的红柳林",  # 柳林 (a county) inside 红柳林
    "维护世界和平与发展",  # 和平 is peace: only 和平区 names a place
    "东方明珠塔",  # 东方 is east: only 东方市
    "县委书记到企业调研",  # "CCP county committee" is not a place
])
def test_words_that_only_look_like_places_are_not_places(text):
    assert gazetteer().find(text) == []


def test_cedict_places_keep_a_short_name_only_when_it_is_only_a_place():
    entries = [{"simplified": "永康", "definitions": ["Yongkang, county-level city in Jinhua 金華|金华, Zhejiang"]},
               {"simplified": "永康市", "definitions": ["Yongkang, county-level city in Jinhua 金華|金华, Zhejiang"]},
               {"simplified": "和平", "definitions": ["peace", "peaceful"]},
               {"simplified": "和平", "definitions": ["Heping District of Shenyang city, Liaoning"]},
               {"simplified": "和平区", "definitions": ["Heping district of Tianjin municipality"]},
               {"simplified": "县委", "definitions": ["CCP county committee"]}]
    assert cedict_places(entries) == {"永康": ["永康", "永康市"], "和平": ["和平区"]}


@pytest.mark.parametrize("text, alias", [("南岸区复工率", "南岸区"), ("永康企业3200多家", "永康"), ("qijiang rate", "qijiang"),
                                         ("新和平路", None)])  # 新和 (a county) is not the word here
def test_prefix_follows_the_same_rules_as_find(text, alias):
    assert gazetteer().prefix(text) == alias

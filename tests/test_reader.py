"""The reader's parts: question analysis as data, candidate features, and the benchmark's corpus rules."""

from __future__ import annotations

import pytest

from retrieval.answering.benchmark import bm25_searcher, known_places
from retrieval.answering.candidates import (
    DECISION_FEATURES,
    FEATURES,
    candidates,
    decision_features,
    synonyms_of,
    word_share,
)
from retrieval.answering.question import analyse, asked_about
from retrieval.answering.reader import read
from retrieval.answering.sentences import SENTENCE_FEATURES, sentence_candidates


@pytest.mark.parametrize("question, answer_type, measure", [
    ("綦江有多少家企业复工", "count", "家"),
    ("綦江送工人数一共多少", "count", "人"),  # a count named by its measure word and 数 asks for that unit
    ("这个小区的户数是多少", "count", "户"),
    ("数据有多少条", "count", "条"),  # 数据 is no count of 数; the measure after 多少 says what is asked
    ("吴姓人口数量", "count", None),  # 人口 is no 口, 数量 no measure
    ("全市人口数是多少", "count", None),
    ("每集大约多少分钟", "duration", "分钟"),  # a measure word of the number extractor: a duration
    ("需要几个月", "duration", "个月"),
    ("43000韩元等于多少人民币", "money", "人民币"),  # 人民币, not 人
    ("花费多少越南盾取得了10%的股权", "money", "越南盾"),  # the currency asked for, not the 10% stated
    ("斯韦阿兰占地多大", "measure", None),
    ("背吸盘有多少对鳍瓣", "count", "对"),
    ("茶园大道总宽多少米", "measure", "米"),
    ("这种鱼生活在水深多少的海域", "measure", None),  # 水深 names a measure, as 全长 does
    ("距离地球多少光年", "measure", "光年"),
    ("哪一年合并", "year", None),
    ("奥斯曼大道在什么年代完成", "year", None),  # a decade (1920年代) or a century names a time, not a thing
    ("这座教堂建于哪个世纪", "year", None),
    ("秧鸡什么时期从关岛南部消失了", "time", None),
    ("復工率是多少", "percent", None),  # traditional characters read as simplified
    # Keyword questions without an interrogative name what they want by a head noun.
    ("军师联盟 播出时间", "time", None),
    ("2016年客车销量", "count", None),
    ("喜欢你的票房", "money", None),
    ("赊店老酒是哪家企业", "entity", None),
    ("区长热线电话是多少", "phone", None),
    ("滴滴投诉电话", "phone", None),
    ("卫星电话多少钱一部", "money", None),  # the head noun named last decides
    ("谭志源参与了第多少届港区人大代表选举", "ordinal", "届"),  # 第多少 asks for a rank, as 第几 does
    ("石山麟在福布斯富豪榜上排名多少", "ordinal", None),
])
def test_answer_type_and_measure(question, answer_type, measure):
    slot = analyse(question).slots[0]
    assert (slot.answer_type, slot.measure) == (answer_type, measure)


def test_two_slots_in_question_order():
    slots = analyse("綦江金融机构给多少家企业发了贷款，一共多少钱").slots
    assert [(s.answer_type, s.measure) for s in slots] == [("count", "家"), ("money", None)]


@pytest.mark.parametrize("question, asked", [
    # Two figures with no comma between them: one slot each, in the question's order.
    ("农行北京分行给多少家小微企业发放了多少贷款", [("count", "家"), ("money", None)]),
    ("南岸的工作组给多少个单位投放了多少片口罩", [("count", "个"), ("count", "片")]),
    ("云阳有多少家企业复工，占全县的百分之多少", [("count", "家"), ("percent", None)]),
    ("綦江集中開工了多少個項目總投資多少", [("count", "个"), ("money", None)]),
    # One figure: a date asked as 几月几日, 几 in 十几 / 几乎 / 几十, which ask nothing.
    ("赊店老酒几月几日复工", [("date", "日")]),
    ("十几名销售人员卖了多少钱", [("money", None)]),
    ("几十家企业的复工率几乎都是多少", [("percent", None)]),
])
def test_each_figure_asked_is_a_slot(question, asked):
    assert [(s.answer_type, s.measure) for s in analyse(question).slots] == asked


def test_an_english_question_asks_a_figure_per_how_many_or_how_much():
    slots = analyse("How many companies in Qijiang received loans and how much was lent?").slots
    assert [s.answer_type for s in slots] == ["count", "money"]
    first, second = analyse("How many companies did the bank lend to in Qijiang, and how much did it lend?").slots
    assert "綦江" in first.text and "綦江" in second.text  # the Chinese words of the question go with every figure
    assert second.shown == "and how much did it lend?"  # a figure not given is named in the reader's words
    assert [s.answer_type for s in analyse("As a percentage, how many workers returned in Nanan?").slots] == ["percent"]


def test_a_slot_keeps_the_words_it_shares_with_the_other():
    first, second = analyse("农行北京分行给多少家小微企业发放了多少贷款").slots
    assert "小微企业" in first.text and "发放" in first.text  # the words between the two figures go with both
    assert "农行北京分行" in second.text and "小微企业" in second.text and "多少家" not in second.text


def test_question_words_and_particles_do_not_change_what_is_asked():
    assert "".join(asked_about("南岸复工率多少").split()) == "".join(asked_about("南岸的复工率是多少").split())


def test_how_wide_or_deep_asks_a_measure_and_is_no_word_of_the_question():
    # 多深 was read as a content word no passage says, lowering every candidate's share of the question's words.
    for question in ("马里亚纳海沟多深", "茶园大道多宽", "这块钢板多厚", "这列高铁多快"):
        slot = analyse(question).slots[0]
        assert slot.answer_type == "measure"
        assert not any(w.startswith("多") for w in slot.words)


@pytest.mark.parametrize("question,extent", [
    ("茶园大道多宽", "宽"), ("南滨路改造前宽多少米", "宽"), ("How wide was the road?", "宽"), ("这座山海拔多少米", "高"),
    ("杯壁有多厚", "厚"), ("How thick is the wall of the cup?", "厚"), ("他们徒步走了多远", "远"),
    ("南滨路有多长", "长"), ("杨树浦路纵深多少米", "长"), ("仓库占地面积多少", "面积"), ("这头大象有多重", "重"),
    ("担保期限多长时间", None), ("复工率是多少", None), ("产值提高多少", None),
    ("柚子茶的热量是多少", "热量"), ("冬泳的水温一般多少", "温度")])
def test_a_size_question_asks_for_one_extent(question, extent):
    assert analyse(question).slots[0].extent == extent


def test_a_measure_of_another_extent_is_no_candidate():
    contexts = ["南岸茶园大道改扩建工程,是将全长4.63公里、原宽22米的南滨路扩宽为双向8车道加双辅道、总宽64米的城市主干道，"
                "项目占地8万平方米，每天运走渣土300吨。"]
    searcher, _ = bm25_searcher(contexts)
    hits = searcher.rank(contexts[0], None, mode="bm25", top_k=1)

    def found(question: str) -> set[str]:
        analysis = analyse(question)
        return {c.mention.text for c in candidates(analysis, analysis.slots[0], hits, searcher.word_weight)}

    wide, long, high = found("茶园大道多宽"), found("南滨路有多长"), found("茶园大道有多高")
    assert {"22米", "64米"} <= wide and not wide & {"4.63公里", "8万平方米", "300吨"}
    assert "4.63公里" in long and not long & {"22米", "64米", "8万平方米"}
    assert not high & {"4.63公里", "22米", "64米", "8万平方米", "300吨"}
    assert {"4.63公里", "22米", "64米", "8万平方米", "300吨"} <= found("这个工程的规模有多大")  # no extent asked


def test_a_measure_in_another_quantitys_units_is_no_candidate():
    contexts = ["蜂蜜柚子茶的热量(以100克可食部分计)是305大卡(1276千焦)。冬泳的水温一般在5℃左右，水深2米。"]
    searcher, _ = bm25_searcher(contexts)
    hits = searcher.rank(contexts[0], None, mode="bm25", top_k=1)

    def found(question: str) -> set[str]:
        analysis = analyse(question)
        return {c.mention.text for c in candidates(analysis, analysis.slots[0], hits, searcher.word_weight)}

    heat, cold = found("柚子茶的热量是多少"), found("冬泳的水温一般多少")
    assert {"305大卡", "1276千焦"} <= heat and not heat & {"100克", "5℃左右", "2米"}
    assert "5℃左右" in cold and not cold & {"100克", "305大卡", "2米"}


def test_a_word_said_in_other_words_counts_as_said():
    synonyms = synonyms_of(analyse("茶园大道改扩建以后总宽多少米").slots[0])
    assert "之后" in synonyms["以后"]
    assert word_share(["以后", "总宽"], "改造之后总宽64米", lambda w: 1.0, (), synonyms) == 1.0
    assert word_share(["以后", "总宽"], "改造之后总宽64米", lambda w: 1.0) == 0.5


def test_a_synonym_is_close_in_form_and_names_no_other_metric():
    assert "返岗" not in synonyms_of(analyse("綦江复工了多少企业").slots[0]).get("复工", ())  # 返岗率 is not 复工率
    assert "补给站" not in synonyms_of(analyse("那家车厂一天能下线多少辆车").slots[0]).get("车厂", ())
    assert synonyms_of(analyse("How many companies resumed work in Qijiang?").slots[0]) == {}


def test_a_figure_of_another_year_is_flagged_for_the_decider():
    contexts = ["2019年永康全市申请专利11271件，比上年增长12%。", "永康有跨境电商企业500余家。"]
    searcher, _ = bm25_searcher(contexts)
    column = DECISION_FEATURES.index("top_year_clash")

    def clash(question: str) -> float:
        analysis = analyse(question)
        slot = analysis.slots[0]
        hits = searcher.rank(question, None, mode="bm25", top_k=2)
        ranked = sorted(candidates(analysis, slot, hits, searcher.word_weight), key=lambda c: -c.features[0])
        given = [c for c in ranked if c.mention.text == "11271件"]
        return decision_features(ranked, given, hits, slot, searcher.word_weight, analysis.year)[column]

    assert clash("永康2018年申请专利多少件") == 1.0  # the sentence names 2019, not 2018
    assert clash("永康2019年申请专利多少件") == 0.0
    assert clash("永康申请专利多少件") == 0.0  # no year asked


def test_values_the_question_states_are_known():
    assert analyse("雅思6.5相当于托福多少分").numbers == [6.5]
    assert 62.0 in analyse("迈巴赫62s多少钱").numbers  # digits inside a name are stated too


def test_a_phone_question_is_answered_with_the_phone_number():
    # A few articles, not two: over two passages BM25's IDF (the decider's evidence that the article is there)
    # says little, and the decider refuses (confidence 0.48 with the 2026-12-02 reader).
    contexts = ["綦江区人社局开通就业服务热线，咨询电话：023-48612345，工作日9时至17时接听，今年已接听来电3200余次。",
                "南岸区新增就业岗位1.2万个，招聘会共有86家企业参加。",
                "江津区规模以上工业企业复工率达98%，返岗员工5.6万人。",
                "巴南区发放稳岗补贴1200万元，惠及企业430家。",
                "渝北区累计接待游客12万人次，旅游收入同比下降30%。",
                "北碚区新建5G基站260个，覆盖主要街镇。"]
    searcher, passages = bm25_searcher(contexts)
    question = "綦江就业咨询电话是多少"
    answer = read(question, searcher.rank(question, None, mode="bm25", top_k=2), known_places(passages),
                  searcher.word_weight)
    assert answer.readings and answer.readings[0].mention.text == "023-48612345", answer.answer
    other = "綦江今年已接听来电多少次"
    answer = read(other, searcher.rank(other, None, mode="bm25", top_k=2), known_places(passages), searcher.word_weight)
    assert all(r.mention.kind != "phone" for r in answer.readings), answer.answer


def test_a_rank_answers_which_one_not_how_many():
    contexts = ["2008–09年香港甲组足球联赛是二战后第64届赛事，本届赛事有13队球队参与角逐。"]
    searcher, _ = bm25_searcher(contexts)
    hits = searcher.rank(contexts[0], None, mode="bm25", top_k=1)
    type_match = FEATURES.index("type_match")

    def matches(question: str) -> dict[str, float]:
        analysis = analyse(question)
        return {c.mention.text: c.features[type_match] for c in candidates(analysis, analysis.slots[0], hits,
                                                                           searcher.word_weight)}

    count, rank = matches("联赛有多少个球队参加"), matches("联赛是第几届赛事")
    assert (count["64届"], count["13"]) == (0.0, 1.0)
    assert (rank["64届"], rank["13"]) == (1.0, 0.0)


def test_sentence_candidates_say_how_much_of_the_question_each_sentence_holds():
    contexts = ["长城始建于春秋战国时期。明长城东起鸭绿江，西至嘉峪关。长城是世界文化遗产。"]
    searcher, _ = bm25_searcher(contexts)
    analysis = analyse("明长城西至哪里")
    hits = searcher.rank(analysis.simplified, None, mode="bm25", top_k=1)
    found = {c.text: c.features for c in sentence_candidates(analysis, hits, searcher.word_weight)}
    words, gap = SENTENCE_FEATURES.index("words"), SENTENCE_FEATURES.index("bigrams_gap")
    west = found["明长城东起鸭绿江，西至嘉峪关。"]
    assert west[words] > found["长城是世界文化遗产。"][words]
    assert west[gap] == 0.0 and found["长城始建于春秋战国时期。"][gap] < 0.0  # compared with the best sentence


def test_the_fitted_sentence_reader_answers_and_refuses():
    """The committed sentence ranker picks the sentence that says what is asked; its decider refuses a question the
    passages do not touch."""
    contexts = ["长城始建于春秋战国时期。明长城东起鸭绿江，西至嘉峪关。长城是世界文化遗产。",
                "故宫位于北京中轴线的中心，是明清两代的皇家宫殿。", "西湖位于杭州市西部，湖中有白堤和苏堤。",
                "黄山以奇松、怪石、云海、温泉著称。", "泰山位于山东省泰安市，古称岱宗。", "秦始皇陵位于陕西省西安市临潼区。"]
    searcher, passages = bm25_searcher(contexts)
    asked = "明长城西至何处"
    answer = read(asked, searcher.rank(asked, None, mode="bm25", top_k=2), known_places(passages),
                  searcher.word_weight)
    assert answer.answerable and "嘉峪关" in answer.answer
    other = "泰姬陵是谁下令修建的"
    answer = read(other, searcher.rank(other, None, mode="bm25", top_k=2), known_places(passages), searcher.word_weight)
    assert not answer.answerable


@pytest.fixture(scope="module")
def tiny_corpus():
    contexts = ["香港的轻艇水球队每队有五名队员，比赛于1974年引入香港，当年共有12支球队参加。",
                "雅思6.5分相当于托福80分左右，雅思7分相当于托福95分。"]
    searcher, passages = bm25_searcher(contexts)
    return searcher, passages


def test_a_number_the_question_states_is_flagged_and_not_the_answer(tiny_corpus):
    searcher, _ = tiny_corpus
    question = "雅思6.5相当于托福多少分"
    hits = searcher.rank(question, None, mode="bm25", top_k=2)
    analysis = analyse(question)
    found = {c.mention.text: c.features[FEATURES.index("in_question")]
             for c in candidates(analysis, analysis.slots[0], hits, searcher.word_weight)}
    assert found["6.5"] == 1.0 and found["80"] == 0.0
    answer = read(question, hits, set(), searcher.word_weight)
    assert not answer.readings or answer.readings[0].mention.text != "6.5"


def test_benchmark_corpus_knows_the_places_its_articles_name(tiny_corpus):
    """A question about 香港 over articles about 香港 is not refused for naming an unknown place."""
    searcher, passages = tiny_corpus
    assert known_places(passages) == {"香港"}
    question = "轻艇水球在哪一年引入香港？"
    answer = read(question, searcher.rank(question, None, mode="bm25", top_k=2), known_places(passages),
                  searcher.word_weight)
    assert "没有提到香港" not in answer.answer


@pytest.mark.parametrize("pair", [("南岸复工率多少", "南岸的复工率是多少"), ("綦江返岗率多少", "綦江返岗率是多少")])
def test_phrasing_variants_get_the_same_answer(engine, pair):
    first, second = (engine.ask(q) for q in pair)
    assert first.answerable == second.answerable
    assert [r.mention.text for r in first.readings] == [r.mention.text for r in second.readings]


def test_only_compared_slots_are_decided_with_the_sentence_cosine():
    """English slots (their sentences compared by the model) have a decider that weighs top_similarity; the
    Chinese decider never sees it, so the cosine cannot act as a language flag on Chinese questions."""
    from retrieval.answering.candidates import DECISION_FEATURES
    from retrieval.answering.scorer import load_scorer

    scorer = load_scorer()
    column = DECISION_FEATURES.index("top_similarity")
    row = list(scorer.compared_decider.mean)  # an average question
    close, far = list(row), list(row)
    close[column], far[column] = 0.9, 0.1
    assert scorer.confidence(close, compared=True) > scorer.confidence(far, compared=True)
    assert scorer.confidence(close) == scorer.confidence(far)


def test_a_scorer_file_without_the_compared_decider_is_refused(tmp_path):
    import json

    from retrieval.answering.scorer import MODEL_PATH, ScorerError, load_scorer

    data = json.loads(MODEL_PATH.read_text("utf-8"))
    del data["compared_decider"]
    old = tmp_path / "old_model.json"
    old.write_text(json.dumps(data), "utf-8")
    with pytest.raises(ScorerError, match="refit"):
        load_scorer(old)


def test_a_paraphrase_swaps_one_word_for_a_listed_synonym_and_keeps_places_and_metrics():
    import difflib
    import random
    from pathlib import Path

    from retrieval.answering.paraphrase import paraphrase
    from retrieval.evaluation import load_questions
    from retrieval.language.metrics import find_metrics
    from retrieval.language.places import gazetteer
    from retrieval.language.synonyms import synonyms
    from retrieval.language.tokenizer import simplify

    questions = load_questions(Path(__file__).parent / "data" / "questions.jsonl")
    rng = random.Random(0)
    made = 0
    for q in questions:
        text, other = simplify(q.question), paraphrase(q.question, rng)
        if other is None:
            continue
        made += 1
        changes = [op for op in difflib.SequenceMatcher(None, text, other, autojunk=False).get_opcodes() if op[0] != "equal"]
        assert changes, other
        start, end = changes[0][1], changes[-1][2]
        assert any(text[a:b] in synonyms() for a in range(start + 1) for b in range(end, len(text) + 1)), (text, other)
        assert gazetteer().find(other) == gazetteer().find(text), (text, other)
        assert find_metrics(other) == find_metrics(text), (text, other)
    assert made > len(questions) // 2  # most seed questions have a word CC-CEDICT lists a synonym for
    assert [paraphrase(q.question, random.Random(1)) for q in questions[:20]] == \
           [paraphrase(q.question, random.Random(1)) for q in questions[:20]]  # deterministic for a seed
    assert paraphrase("How many companies got loans?", rng) is None  # English words are not the articles'


def test_a_paraphrase_is_cross_validated_in_the_fold_of_its_original():
    from retrieval.answering.train import Example, _folds

    examples = [Example("s", [], [], [], None, len, True, paraphrased=p, group=f"s {n}")
                for n in range(200) for p in (False, True)]
    fold = _folds(examples, 5, 0)
    assert all(fold[i] == fold[i + 1] for i in range(0, len(examples), 2))
    assert len(set(fold)) == 5


def test_cedict_tables_are_built_once_then_read_from_the_cache(tmp_path, monkeypatch):
    """A table derived from CC-CEDICT is kept in the cache folder: the next process reads it instead of parsing
    ~120,000 entries; a damaged cache is built again and one that cannot be written costs nothing but time."""
    from retrieval.language import cedict, english

    built = []

    def build():
        built.append(1)
        return {"work resumption": ("复工", "复产")}

    monkeypatch.setattr(cedict, "cache_dir", lambda: tmp_path / "cache")
    first = cedict.cached_table("test", english.__file__, build)
    assert cedict.cached_table("test", english.__file__, build) == first == {"work resumption": ("复工", "复产")}
    assert len(built) == 1
    (kept,) = (tmp_path / "cache").glob("test-*.json")
    kept.write_text('["not", "a", "table"]', "utf-8")
    assert cedict.cached_table("test", english.__file__, build) == first and len(built) == 2
    assert cedict.cached_table("test", cedict.__file__, build) == first and len(built) == 3  # other code: rebuilt
    assert [p.name for p in (tmp_path / "cache").glob("test-*.json")] != [kept.name]  # the stale one is removed
    monkeypatch.setattr(cedict, "cache_dir", lambda: kept)  # a file where the folder should be: not writable
    assert cedict.cached_table("test", english.__file__, build) == first and len(built) == 4


def test_training_questions_are_also_asked_over_small_corpora(tmp_path):
    """CV can also ask the training questions over small corpora (as people index their own few articles): each
    set's kept articles in corpora of corpus_size, a question over the corpus holding its article, a left-out
    article's question over one of them, unanswerable; the same articles and labels as over one large corpus."""
    import json

    from retrieval.answering.benchmark import FILES
    from retrieval.answering.train import external_examples

    places = ["綦江", "南岸", "涪陵", "永川", "江津", "合川", "长寿", "璧山", "铜梁", "大足"]
    data = {"data": [{"title": f"t{n}", "paragraphs": [{
        "context": f"{place}区今年新建了{n + 3}座桥梁，全区共有学校{40 + n}所。",
        "qas": [{"question": f"{place}区今年新建了多少座桥梁", "answers": [{"text": f"{n + 3}座"}]}]}]}
        for n, place in enumerate(places)]}
    (tmp_path / FILES["cmrc"]).write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    large = [e for e in external_examples(tmp_path, "cmrc", 0.6, corpus_size=None) if not e.paraphrased]
    small = [e for e in external_examples(tmp_path, "cmrc", 0.6, corpus_size=2) if not e.paraphrased]
    assert {e.source for e in large} == {"cmrc"} and {e.source for e in small} == {"cmrc-small"}
    assert [e.answerable for e in small] == [e.answerable for e in large] and sum(e.answerable for e in small) == 6
    assert [e.group for e in small] == [e.group for e in large]  # a question's CV fold is the same in both
    for e in small:
        assert len(e.weight.__self__.passages) == 2  # 6 kept articles in 3 corpora of 2
        assert any(e.labels) == e.answerable  # its own article answers it; a left-out one's question has no answer
    assert {len(e.weight.__self__.passages) for e in large} == {6}

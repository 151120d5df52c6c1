"""The index on disk: a real FAISS file and manifest, rebuilt when stale or damaged."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from retrieval.config import Settings
from retrieval.engine import Engine


def test_index_files_and_manifest(built, engine, embedder):
    _, index = built
    manifest = json.loads((index / "manifest.json").read_text("utf-8"))
    assert manifest["model"] == embedder.name and manifest["dimension"] == embedder.dimension
    assert manifest["passages"] == len(engine.passages) > 0
    assert (index / "dense.faiss").stat().st_size > embedder.dimension * 4 * len(engine.passages)


def test_round_trip_gives_the_same_ranking(engine, built, embedder):
    corpus, index = built
    again = Engine(Settings(corpus, index), embedder=embedder)
    assert not again.open().rebuilt
    q = "綦江复工率多少"
    assert [h.passage.id for h in again.search(q)] == [h.passage.id for h in engine.search(q)]


def test_model_change_rebuilds(page_engine, embedder):
    index = page_engine.settings.index_dir
    manifest = json.loads((index / "manifest.json").read_text("utf-8"))
    manifest["model"] = "some-other-model"
    (index / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    report = Engine(page_engine.settings, embedder=embedder).open()
    assert report.rebuilt and "model" in report.reason


def test_an_index_built_with_another_gazetteer_rebuilds(fresh_engine, embedder):
    """Articles' places come from the gazetteer: an index built with other place files (or before the manifest
    recorded them) is read again, without anyone bumping a version."""
    index = fresh_engine.settings.index_dir
    manifest = json.loads((index / "manifest.json").read_text("utf-8"))
    assert manifest["ingest_data"]
    for stale in ("0" * 64, None):
        if stale is None:
            manifest.pop("ingest_data")
        else:
            manifest["ingest_data"] = stale
        (index / "manifest.json").write_text(json.dumps(manifest), "utf-8")
        report = Engine(fresh_engine.settings, embedder=embedder).open()
        assert report.rebuilt and "gazetteer" in report.reason
        assert report.embedded == 0  # same model, same texts: every vector is reused
    assert not Engine(fresh_engine.settings, embedder=embedder).open().rebuilt


def test_truncated_vectors_are_detected_and_rebuilt(page_engine, embedder):
    vectors = page_engine.settings.index_dir / "dense.faiss"
    vectors.write_bytes(vectors.read_bytes()[:1000])
    warnings = []
    engine = Engine(page_engine.settings, embedder=embedder, warn=warnings.append)
    report = engine.open()
    assert report.rebuilt and warnings
    assert engine.search("綦江复工率多少")


def test_corpus_change_rebuilds(fresh_engine, engine, embedder):
    """A file added or removed by hand: the index follows the corpus, and only text it has never seen is encoded."""
    corpus = fresh_engine.settings.corpus_dir
    (corpus / "005_new.txt").write_text("本报讯 成都市复工率达到95%。", "utf-8")
    grown = Engine(fresh_engine.settings, embedder=embedder)
    report = grown.open()
    assert report.rebuilt and "corpus" in report.reason
    new = [p for p in grown.passages if p.source == "005_new.txt"]
    assert new and report.embedded == len(new)
    assert grown.ask("成都复工率多少").answer.count("95%") == 1
    (corpus / "005_new.txt").unlink()
    shrunk = Engine(fresh_engine.settings, embedder=embedder)
    report = shrunk.open()
    assert report.rebuilt and report.embedded == 0 and len(shrunk.passages) == len(engine.passages)
    for q in ("綦江复工率多少", "南岸区返岗率", "赊店老酒复工"):  # reused vectors and tokens rank as freshly built ones
        assert [h.passage.id for h in shrunk.search(q)] == [h.passage.id for h in engine.search(q)]
        assert [round(h.score, 5) for h in shrunk.search(q)] == [round(h.score, 5) for h in engine.search(q)]


def test_a_requested_rebuild_encodes_everything(page_engine, embedder):
    report = Engine(page_engine.settings, embedder=embedder).open(rebuild=True)
    assert report.rebuilt and report.embedded == len(page_engine.passages)


def test_an_interrupted_build_resumes_from_its_checkpoints(page_built, page_engine, embedder, tmp_path, monkeypatch):
    """Encoding is saved every CHECKPOINT_PASSAGES passages: a build stopped half-way (Ctrl-C, a crash) encodes
    only the rest when run again, and ranks as an uninterrupted build."""
    from retrieval.index import builder
    from tests.conftest import CountingEmbedder

    total = len(page_engine.passages)
    chunk = total // 4  # three chunks saved before the interruption, the rest left to encode
    monkeypatch.setattr(builder, "CHECKPOINT_PASSAGES", chunk)
    settings = Settings(page_built[0], tmp_path / "resumed")
    with pytest.raises(KeyboardInterrupt):
        Engine(settings, embedder=CountingEmbedder(embedder, fail_after=3)).open()
    assert not (tmp_path / "resumed" / "manifest.json").exists()
    assert len(list((tmp_path / "resumed" / "pending").glob("*.npz"))) == 3
    counting = CountingEmbedder(embedder)
    resumed = Engine(settings, embedder=counting)
    report = resumed.open()
    assert report.embedded == counting.passages == total - 3 * chunk > 0
    assert not (tmp_path / "resumed" / "pending").exists()
    for q in ("綦江复工率多少", "綦江区返岗率", "綦江企业贷款"):
        assert [h.passage.id for h in resumed.search(q)] == [h.passage.id for h in page_engine.search(q)]
    # Checkpoints of another model are never taken for this one's vectors.
    with pytest.raises(KeyboardInterrupt):
        Engine(Settings(page_built[0], tmp_path / "other"), embedder=CountingEmbedder(embedder, 1, "another")).open()
    counting = CountingEmbedder(embedder)
    assert Engine(Settings(page_built[0], tmp_path / "other"), embedder=counting).open().embedded == total


def test_bm25_is_built_from_the_stored_tokens(fresh_engine, embedder, monkeypatch):
    """A restart does not run jieba over the corpus: the passages' tokens are stored with the index."""
    from retrieval.index import tokens

    index = fresh_engine.settings.index_dir
    assert json.loads((index / "manifest.json").read_text("utf-8"))["checksums"]["tokens.npz"]
    expected = [h.passage.id for h in fresh_engine.search("綦江复工率多少")]

    def no_jieba(text):
        raise AssertionError("the corpus was tokenised again")

    monkeypatch.setattr(tokens, "tokenize", no_jieba)
    again = Engine(fresh_engine.settings, embedder=embedder)
    assert not again.open().rebuilt
    assert [h.passage.id for h in again.search("綦江复工率多少")] == expected


@pytest.mark.parametrize("damage", ["missing", "truncated", "other tokenizer"])
def test_lost_or_stale_tokens_are_made_again_without_encoding(fresh_engine, embedder, damage):
    """Tokens are derived data: losing them costs a tokenising pass, never the vectors or a question."""
    index = fresh_engine.settings.index_dir
    path = index / "tokens.npz"
    expected = [h.passage.id for h in fresh_engine.search("南岸区返岗率")]
    if damage == "missing":
        path.unlink()
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[:500])
    else:
        manifest = json.loads((index / "manifest.json").read_text("utf-8"))
        manifest["tokenizer"] = "0" * 64
        (index / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    again = Engine(fresh_engine.settings, embedder=embedder)
    assert not again.open().rebuilt
    assert [h.passage.id for h in again.search("南岸区返岗率")] == expected
    from retrieval.index import store

    reread = store.load(index, store.read_manifest(index))
    assert reread.tokens is not None and len(reread.tokens) == len(again.passages)  # stored again


def test_tokenized_corpus_joins_selects_and_round_trips(tmp_path):
    from retrieval.index.tokens import TokenizedCorpus

    texts = ["綦江区复工率达到100%", "南岸区返岗率", "", "綦江区企业复工"]
    whole = TokenizedCorpus.of_texts(texts)
    joined = TokenizedCorpus.of_texts(texts[:2]) + TokenizedCorpus.of_texts(texts[2:])

    def words(corpus):
        return [[corpus.vocab[i] for i in corpus.ids[s:e]] for s, e in zip(corpus.offsets[:-1], corpus.offsets[1:])]

    assert words(joined) == words(whole) and words(whole)[2] == [""]
    picked = whole.select([3, 0])
    assert words(picked) == [words(whole)[3], words(whole)[0]] and "返岗率" not in picked.vocab
    assert whole.document_frequencies()["綦江"] == 2
    whole.write(tmp_path / "t.npz")
    assert words(TokenizedCorpus.read(tmp_path / "t.npz")) == words(whole)
    import numpy as np

    np.savez(tmp_path / "bad.npz", vocab=np.asarray(["a"]), ids=np.asarray([0, 5], dtype=np.int32),
             offsets=np.asarray([0, 2]))
    with pytest.raises(ValueError):
        TokenizedCorpus.read(tmp_path / "bad.npz")


def test_missing_index_folder_is_built(tmp_path, built, embedder):
    corpus, _ = built
    engine = Engine(Settings(corpus, tmp_path / "nowhere" / "index"), embedder=embedder)
    assert engine.open().rebuilt and (tmp_path / "nowhere" / "index" / "manifest.json").exists()


def test_add_article_is_incremental_and_searchable(fresh_engine):
    before = len(fresh_engine.passages)
    new = fresh_engine.add_article("沙坪坝", "本报讯 沙坪坝区规上工业企业复工率达到96.5%，返岗员工3.2万人。")
    assert new and len(fresh_engine.passages) == before + len(new)
    answer = fresh_engine.ask("沙坪坝复工率多少")
    assert answer.answerable and "96.5%" in answer.answer
    restarted = Engine(fresh_engine.settings, embedder=fresh_engine.embedder)
    assert not restarted.open().rebuilt and len(restarted.state.tokens) == before + len(new)
    assert "96.5%" in restarted.ask("沙坪坝复工率多少").answer


def _top_passages(engine, questions) -> list[list[str]]:
    return [[h.passage.id for h in engine.search(q.question)] for q in questions]


def test_an_hnsw_index_ranks_as_the_exact_one(fresh_engine, engine, embedder, monkeypatch):
    """NEWSQA_FAISS_INDEX=hnsw: the stored vectors move into an HNSW index (nothing is encoded again), and the
    hybrid ranking runs over the top passages by words and by vector instead of every passage."""
    from retrieval.evaluation import load_questions
    from retrieval.index import search
    from tests.conftest import REPO

    settings = replace(fresh_engine.settings, faiss_index="hnsw")
    hnsw = Engine(settings, embedder=embedder)
    report = hnsw.open()
    assert report.rebuilt and report.reason == "vector index flat → hnsw" and report.embedded == 0
    assert hnsw.state.dense.kind == "hnsw" and not Engine(settings, embedder=embedder).open().rebuilt
    questions = load_questions(REPO / "tests" / "data" / "questions.jsonl")
    exact = _top_passages(engine, questions)
    assert _top_passages(hnsw, questions) == exact  # the seeds' 200 passages are all candidates
    monkeypatch.setattr(search, "CANDIDATES", 10)  # fewer candidates than passages: the approximate path
    narrow = Engine(settings, embedder=embedder)
    narrow.open()
    top1 = [a[:1] == b[:1] for a, b in zip(_top_passages(narrow, questions), exact)]
    assert sum(top1) >= 0.95 * len(top1)
    narrow.add_article("沙坪坝", "本报讯 沙坪坝区规上工业企业复工率达到96.5%，返岗员工3.2万人。")
    assert "96.5%" in narrow.ask("沙坪坝复工率多少").answer


def test_an_unknown_vector_index_is_a_configuration_error(monkeypatch):
    from pydantic import ValidationError

    from retrieval.config import Config

    monkeypatch.setenv("NEWSQA_FAISS_INDEX", "ivf")
    with pytest.raises(ValidationError, match="NEWSQA_FAISS_INDEX"):
        Config()
    monkeypatch.setenv("NEWSQA_FAISS_INDEX", "HNSW")
    assert Config().engine().faiss_index == "hnsw"


def test_bm25_scores_are_bm25s_lucene_scores(engine):
    """The numpy BM25 gives bm25s's scores (k1 1.2, b 0.75, Lucene idf), which the reader was fitted on."""
    import bm25s
    import numpy as np

    from retrieval.evaluation import load_questions
    from retrieval.index.bm25 import BM25Index
    from retrieval.language.tokenizer import tokenize
    from tests.conftest import REPO

    texts = [p.index_text for p in engine.passages] + [""]
    ours = BM25Index(texts)
    reference = bm25s.BM25(k1=1.2, b=0.75)
    reference.index([tokenize(t) or [""] for t in texts], show_progress=False)
    questions = [q.question for q in load_questions(REPO / "tests" / "data" / "questions.jsonl")]
    for question in questions + ["綦江 綦江 复工率", "zzz"]:
        words = [t for t in tokenize(question) if t in reference.vocab_dict]
        expected = reference.get_scores(words) if words else np.zeros(len(texts))
        np.testing.assert_allclose(ours.scores(question), expected, rtol=1e-5, atol=1e-6)
    assert ours.terms.document_frequency("綦江") == sum("綦江" in tokenize(t) for t in texts) > 0


def test_bm25_share_reads_alike_over_a_small_and_a_large_corpus():
    """A passage's BM25 share (score / what the question's words could reach) barely moves when unrelated
    passages are added, while the raw score grows with the corpus: the sentence decider reads the share."""
    from retrieval.index.bm25 import BM25Index

    about = ["綦江区规模以上工业企业复工率达到100%，返岗员工4497人。", "南岸区企业复工复产，返岗率97.2%。"]
    unrelated = [f"第{i}篇：某地举办运动会，选手{i}名参加比赛，天气晴朗。" for i in range(400)]
    small, large = BM25Index(about + unrelated[:4]), BM25Index(about + unrelated)
    question = "綦江复工率多少"
    raw = [index.scores(question)[0] for index in (small, large)]
    share = [index.scores(question)[0] / index.attainable(question) for index in (small, large)]
    assert raw[1] > 1.5 * raw[0]
    assert 0 < share[0] <= 1 and abs(share[1] - share[0]) < 0.1 * share[0]
    assert large.scores("火星移民计划")[0] == 0 and large.attainable("火星移民计划") > 0


def test_hits_carry_their_bm25_share(engine):
    """Every hit's bm25_share is its raw BM25 score over the searcher's attainable score for the question."""
    question = "綦江复工率多少"
    hits = engine.searcher.rank(question, None, mode="bm25", top_k=3)
    attainable = engine.searcher.attainable(question)
    assert hits and attainable > 0
    for hit in hits:
        assert hit.bm25_share == pytest.approx(hit.bm25 / attainable) and 0 < hit.bm25_share <= 1

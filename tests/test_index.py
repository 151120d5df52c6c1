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


def test_model_change_rebuilds(fresh_engine, embedder):
    index = fresh_engine.settings.index_dir
    manifest = json.loads((index / "manifest.json").read_text("utf-8"))
    manifest["model"] = "some-other-model"
    (index / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    report = Engine(fresh_engine.settings, embedder=embedder).open()
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
    assert not Engine(fresh_engine.settings, embedder=embedder).open().rebuilt


def test_truncated_vectors_are_detected_and_rebuilt(fresh_engine, embedder):
    vectors = fresh_engine.settings.index_dir / "dense.faiss"
    vectors.write_bytes(vectors.read_bytes()[:1000])
    warnings = []
    engine = Engine(fresh_engine.settings, embedder=embedder, warn=warnings.append)
    report = engine.open()
    assert report.rebuilt and warnings
    assert engine.search("綦江复工率多少")


def test_corpus_change_rebuilds(fresh_engine, embedder):
    (fresh_engine.settings.corpus_dir / "005_new.txt").write_text("本报讯 成都市复工率达到95%。", "utf-8")
    engine = Engine(fresh_engine.settings, embedder=embedder)
    report = engine.open()
    assert report.rebuilt and "corpus" in report.reason
    assert any(p.source == "005_new.txt" for p in engine.passages)


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

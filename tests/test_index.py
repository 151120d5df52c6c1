"""The index on disk: a real FAISS file and manifest, rebuilt when stale or damaged."""

from __future__ import annotations

import json

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

"""The Milvus store (Milvus Lite, the embedded Milvus core): same rankings and answers as FAISS, incremental
and durable updates, resumable imports, and one-line errors when Milvus cannot be used."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import httpx
import pytest

from bot.http import create_app
from retrieval.engine import Engine
from retrieval.evaluation import evaluate_answers, evaluate_retrieval, load_questions
from retrieval.index import milvus_sync
from tests.conftest import REPO, SEEDS, CountingEmbedder, milvus_settings
from tests.http_server import LiveServer

QUESTION_FILES = ["questions.jsonl", "questions_heldout.jsonl"]
# The two smallest seed pages: enough articles for updates, a few seconds to embed.
SMALL = sorted(SEEDS.glob("*.txt"), key=lambda p: p.stat().st_size)[:2]
ARTICLE = ("渝北区新建充电桩\n"
           "截至11月20日，渝北区今年新建公共充电桩1260个，覆盖率达到92%。区交通局表示，明年还将新建800个。")


@pytest.fixture
def small(tmp_path):
    """A corpus of two seed pages and an empty index folder."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for page in SMALL:
        shutil.copy(page, corpus / page.name)
    return corpus, tmp_path / "index"


def _open(corpus, index, embedder):
    engine = Engine(milvus_settings(corpus, index), embedder=embedder)
    return engine, engine.open()


@pytest.mark.parametrize("name", QUESTION_FILES)
def test_same_hit_at_5_and_number_accuracy_as_faiss(engine, milvus_engine, name):
    questions = load_questions(REPO / "tests" / "data" / name)
    figures = {}
    for store, e in (("faiss", engine), ("milvus", milvus_engine)):
        retrieval, _ = evaluate_retrieval(questions, lambda q, mode, k, e=e: e.search(q, k, mode),
                                          lambda hit: hit.passage.text, lambda q: 1, modes=["hybrid"])
        answers, _ = evaluate_answers(questions, e.ask)
        figures[store] = (retrieval["hybrid"]["hit@5"], answers["number_acc"], answers["answered_ans"])
    print(f"{name}: faiss hit@5/number_acc/answered {figures['faiss']}, milvus {figures['milvus']}")
    for a, b in zip(figures["faiss"], figures["milvus"]):
        assert abs(a - b) <= 0.01, figures


def test_a_restart_reuses_what_is_stored(small, embedder):
    corpus, index = small
    first, report = _open(corpus, index, CountingEmbedder(embedder))
    assert report.rebuilt and report.embedded == len(first.passages) > 0
    ids = [p.id for p in first.passages]
    first.close()
    counting = CountingEmbedder(embedder)
    second, report = _open(corpus, index, counting)
    assert not report.rebuilt and report.reason is None and counting.passages == 0
    assert [p.id for p in second.passages] == ids
    assert second.search("复工", top_k=1)
    second.close()


def test_a_restart_reads_the_stored_words_instead_of_running_jieba(small, embedder, monkeypatch):
    """The words Milvus' BM25 indexes are our jieba tokens: a restart counts them for the question-word weights
    instead of tokenising every passage again, and the weights are the in-process store's."""
    from retrieval.config import Settings
    from retrieval.index import tokens

    corpus, index = small
    first, _ = _open(corpus, index, embedder)
    first.close()
    in_process = Engine(Settings(corpus, index / "faiss"), embedder=embedder)
    in_process.open()

    def no_jieba(text):
        raise AssertionError("the corpus was tokenised again")

    monkeypatch.setattr(tokens, "tokenize", no_jieba)
    again, report = _open(corpus, index, embedder)
    assert not report.rebuilt and again.search("复工", top_k=1)
    for word in ("复工", "企业", "綦江", "南岸", "没有这个词"):
        assert again.searcher.document_frequency(word) == in_process.searcher.document_frequency(word)
        assert again.searcher.word_weight(word) == pytest.approx(in_process.searcher.word_weight(word))
    again.close()


def test_an_added_article_is_searchable_and_survives_a_restart(small, embedder):
    corpus, index = small
    engine, _ = _open(corpus, index, embedder)
    new = engine.add_article("yubei.txt", ARTICLE)
    answer = engine.ask("渝北区今年新建了多少公共充电桩").to_dict()
    assert answer["answerable"] and "1260个" in answer["answer"], answer["answer"]
    engine.close()
    counting = CountingEmbedder(embedder)
    again, report = _open(corpus, index, counting)
    assert counting.passages == 0 and not report.rebuilt
    assert {p.id for p in new} <= {p.id for p in again.passages}
    assert again.search("渝北区充电桩", top_k=1)[0].passage.source == "yubei.txt"
    again.close()


def test_removed_and_changed_files_are_brought_in_step(small, embedder):
    corpus, index = small
    engine, _ = _open(corpus, index, embedder)
    engine.close()
    removed, changed = sorted(corpus.glob("*.txt"))
    removed.unlink()
    (corpus / "yubei.txt").write_text(ARTICLE, "utf-8")
    counting = CountingEmbedder(embedder)
    engine, report = _open(corpus, index, counting)
    assert report.rebuilt and "1 file(s) added or changed, 1 removed" in report.reason
    assert counting.passages == sum(1 for p in engine.passages if p.source == "yubei.txt")
    assert {p.source for p in engine.passages} == {changed.name, "yubei.txt"}
    assert all(h.passage.source != removed.name for h in engine.search("复工 企业", top_k=20))
    engine.close()


def test_an_interrupted_import_resumes_without_re_embedding(small, embedder, monkeypatch):
    corpus, index = small
    monkeypatch.setattr(milvus_sync, "ENCODE_CHARS", 1)  # one file per batch
    monkeypatch.setattr(milvus_sync, "CHECKPOINT_PASSAGES", 1)  # record after every batch
    failing = CountingEmbedder(embedder, fail_after=1)
    with pytest.raises(KeyboardInterrupt):
        _open(corpus, index, failing)
    first_batch = failing.passages
    counting = CountingEmbedder(embedder)
    engine, report = _open(corpus, index, counting)
    assert 0 < first_batch and counting.passages == len(engine.passages) - first_batch
    assert len({p.id for p in engine.passages}) == len(engine.passages)  # nothing stored twice
    engine.close()


def test_another_model_rebuilds_the_collection(small, embedder):
    corpus, index = small
    engine, _ = _open(corpus, index, embedder)
    engine.close()
    engine, report = _open(corpus, index, CountingEmbedder(embedder, name="another-model"))
    assert report.rebuilt and "model changed" in report.reason
    assert engine.manifest.model == "another-model"
    engine.close()


def _cli(args, env_extra, timeout=120):
    env = {**os.environ, **env_extra}
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], capture_output=True, text=True, env=env,
                          timeout=timeout, cwd=REPO)


def test_a_second_process_on_a_lite_file_gets_a_clear_error(milvus_engine):
    settings = milvus_engine.settings
    result = _cli(["index"], {"NEWSQA_STORE": "milvus", "NEWSQA_CORPUS": str(settings.corpus_dir),
                              "NEWSQA_INDEX_DIR": str(settings.index_dir), "NEWSQA_MILVUS_URI": settings.milvus.uri})
    assert result.returncode == 1, result.stderr
    assert "one process per data file" in result.stderr and "Traceback" not in result.stderr


def test_an_unreachable_server_is_one_line(tmp_path):
    result = _cli(["index"], {"NEWSQA_STORE": "milvus", "NEWSQA_INDEX_DIR": str(tmp_path),
                              "NEWSQA_MILVUS_URI": "http://127.0.0.1:9"})
    assert result.returncode == 1
    assert "cannot open Milvus at http://127.0.0.1:9" in result.stderr and "Traceback" not in result.stderr


def test_an_unknown_store_is_a_configuration_error(tmp_path):
    result = _cli(["index"], {"NEWSQA_STORE": "elastic", "NEWSQA_INDEX_DIR": str(tmp_path)}, timeout=60)
    assert result.returncode == 2 and "NEWSQA_STORE" in result.stderr and "Traceback" not in result.stderr


def test_a_failed_search_is_a_503_not_a_traceback(small, embedder):
    corpus, index = small
    engine, _ = _open(corpus, index, embedder)
    live = LiveServer(create_app(engine)).start()
    try:
        engine.milvus.client.close()  # Milvus goes away under a running server
        r = httpx.post(f"{live.url}/ask", json={"question": "复工率多少"}, timeout=30)
        assert r.status_code == 503 and "search store is unavailable" in r.json()["error"], r.text
    finally:
        live.stop()
        engine.close()


def test_articles_added_over_http_land_in_milvus(small, embedder, monkeypatch):
    corpus, index = small
    monkeypatch.setenv("NEWSQA_API_KEY", "k")
    engine, _ = _open(corpus, index, embedder)
    live = LiveServer(create_app(engine)).start()
    try:
        r = httpx.post(f"{live.url}/articles", json={"source": "yubei.txt", "text": ARTICLE},
                       headers={"X-API-Key": "k"}, timeout=60)
        assert r.status_code == 201, r.text
        body = httpx.post(f"{live.url}/ask", json={"question": "渝北区充电桩覆盖率是多少"}, timeout=30).json()
        assert "92%" in body["answer"], body["answer"]
        assert httpx.get(f"{live.url}/health").json()["store"] == "milvus"
    finally:
        live.stop()
        engine.close()
    again, report = _open(corpus, index, CountingEmbedder(embedder))  # what a restart reads back
    assert "yubei.txt" in {p.source for p in again.passages} and not report.rebuilt
    again.close()


def test_import_copies_new_articles_skips_bad_ones_and_resumes(small, embedder, tmp_path):
    corpus, index = small
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "yubei.txt").write_text(ARTICLE, "utf-8")
    (inbox / "scan.txt").write_bytes(b"\x00\x01binary")
    (inbox / SMALL[0].name).write_text("另一篇同名文章，内容不同。", "utf-8")  # a different file of a stored name
    counting = CountingEmbedder(embedder)
    engine = Engine(milvus_settings(corpus, index), embedder=counting)
    engine.open()
    before = counting.passages
    report = engine.import_folder(inbox)
    assert report.copied == ["yubei.txt"] and report.present == []
    assert {name for name, _ in report.rejected} == {"scan.txt", SMALL[0].name}
    assert report.build.embedded == counting.passages - before > 0  # only the new article was embedded
    assert (corpus / "yubei.txt").read_text("utf-8") == ARTICLE
    again = engine.import_folder(inbox)
    assert again.copied == [] and again.present == ["yubei.txt"] and again.build.embedded == 0
    engine.close()


def test_import_command_reports_progress_and_rate(small, tmp_path):
    corpus, index = small
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "yubei.txt").write_text(ARTICLE, "utf-8")
    env = {"NEWSQA_STORE": "milvus", "NEWSQA_CORPUS": str(corpus), "NEWSQA_INDEX_DIR": str(index)}
    result = _cli(["import", str(inbox)], env, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "imported 1 new, 0 already in the corpus, 0 skipped" in result.stdout
    assert "passages embedded at" in result.stdout and "passages/s" in result.stdout
    missing = _cli(["import", str(tmp_path / "nope")], env, timeout=60)
    assert missing.returncode == 2 and "is not a folder" in missing.stderr


def test_a_lite_server_that_does_not_answer_is_started_again(tmp_path, monkeypatch):
    # Cold, the Milvus Lite binary may open its socket after pymilvus stops waiting; a second try starts anew.
    import pymilvus

    from retrieval.config import MilvusSettings
    from retrieval.index import milvus

    calls, released = [], []

    def client(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise pymilvus.MilvusException(2, "Fail connecting to server on unix:/tmp/x.sock")
        return "client"

    monkeypatch.setattr(pymilvus, "MilvusClient", client)
    monkeypatch.setattr(milvus, "_release_lite", released.append)
    uri = str(tmp_path / "milvus.db")
    assert milvus._connect(MilvusSettings(uri)) == "client"
    assert len(calls) == 2 and released == [uri]
    assert calls[0]["timeout"] == milvus.LITE_CONNECT_SECONDS  # a cold start gets longer than pymilvus' 10 s


def test_a_lite_file_held_by_another_process_is_not_retried(tmp_path, monkeypatch):
    import pymilvus
    from pymilvus.exceptions import ConnectionConfigException

    from retrieval.config import MilvusSettings
    from retrieval.index import milvus

    calls = []

    def client(**kwargs):
        calls.append(kwargs)
        raise ConnectionConfigException(message="Open local milvus failed")

    monkeypatch.setattr(pymilvus, "MilvusClient", client)
    with pytest.raises(milvus.MilvusStoreError, match="one process per data file"):
        milvus._connect(MilvusSettings(str(tmp_path / "milvus.db")))
    assert len(calls) == 1

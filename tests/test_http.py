"""The HTTP API over real TCP: contract, errors, API key, adding an article."""

from __future__ import annotations

import logging
import re
import threading
import time

import httpx
import pytest

from bot.http import create_app
from tests.http_server import LiveServer


@pytest.fixture(scope="module")
def server(store_engine):
    """The read API on a real server, over each store in turn (FAISS, Milvus Lite)."""
    live = LiveServer(create_app(store_engine)).start()
    yield live
    live.stop()


@pytest.fixture
def writable_server(fresh_engine, monkeypatch):
    monkeypatch.setenv("NEWSQA_API_KEY", "s3cret-key")
    live = LiveServer(create_app(fresh_engine)).start()
    yield live
    live.stop()


def test_health(server, store_engine, embedder):
    r = httpx.get(f"{server.url}/health")
    assert r.status_code == 200
    body = r.json()
    assert body["store"] == store_engine.settings.store
    assert body["status"] == "ok" and body["passages"] == len(store_engine.passages) and body["model"] == embedder.name
    assert body["model_licence"] == embedder.licence


def test_ask_post_and_get_agree(server):
    post = httpx.post(f"{server.url}/ask", json={"question": "綦江复工率多少", "top_k": 5}, timeout=30)
    get = httpx.get(f"{server.url}/ask", params={"q": "綦江复工率多少"}, timeout=30)
    assert post.status_code == get.status_code == 200
    def strip(d):
        return {k: v for k, v in d.items() if k != "conversation_id"}  # each starts a conversation

    assert strip(post.json()) == strip(get.json()) and post.json()["conversation_id"] != get.json()["conversation_id"]
    data = post.json()
    assert data["answerable"] and "100%" in data["answer"] and len(data["citations"]) == 5
    assert post.headers["x-request-id"]


def test_unanswerable_over_http(server):
    data = httpx.post(f"{server.url}/ask", json={"question": "成都复工率多少"}, timeout=30).json()
    assert data["answerable"] is False and data["numbers"] == []


@pytest.mark.parametrize("body,status", [
    ({"question": ""}, 422),
    ({"question": "   "}, 422),
    ({"question": "x" * 501}, 422),
    ({"question": 42}, 422),
    ({"question": ["綦江"]}, 422),
    ({"question": "綦江复工率", "top_k": 0}, 422),
    ({"question": "綦江复工率", "top_k": 21}, 422),
    ({"question": "綦江复工率", "extra": 1}, 422),
    ({}, 422),
    ({"question": "？？？"}, 422),
])
def test_bad_requests_are_4xx_json(server, body, status):
    r = httpx.post(f"{server.url}/ask", json=body, timeout=30)
    assert r.status_code == status
    assert r.json()["error"] and r.json()["request_id"]


def test_invalid_utf8_and_not_json(server):
    r = httpx.post(f"{server.url}/ask", content=b'{"question": "\xff\xfe"}', headers={"content-type": "application/json"})
    assert r.status_code in (400, 422) and r.json()["error"]
    r = httpx.post(f"{server.url}/ask", content=b"not json", headers={"content-type": "application/json"})
    assert r.status_code in (400, 422) and r.json()["error"]


def test_body_over_one_megabyte(server):
    r = httpx.post(f"{server.url}/ask", content=b"{" + b" " * 1_100_000 + b"}", headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["error"]


def test_passages_and_articles(server, store_engine):
    articles = httpx.get(f"{server.url}/articles").json()
    assert len(articles) == store_engine.articles and all({"source", "headline", "passages"} <= set(a) for a in articles)
    pid = store_engine.passages[1].id
    p = httpx.get(f"{server.url}/passages/{pid}").json()
    assert p["id"] == pid and p["text"] and p["end"] > p["start"] and p["neighbours"]
    missing = httpx.get(f"{server.url}/passages/nope")
    assert missing.status_code == 404 and missing.json()["error"]


def test_page_is_served(server):
    r = httpx.get(f"{server.url}/")
    assert r.status_code == 200 and "text/html" in r.headers["content-type"] and "/ask" in r.text
    assert "http://" not in r.text and "https://" not in r.text  # no CDN


def test_health_answers_during_a_slow_question(server):
    done = threading.Event()

    def slow():
        for _ in range(5):
            httpx.post(f"{server.url}/ask", json={"question": "南岸复工率多少", "top_k": 20}, timeout=60)
        done.set()

    threading.Thread(target=slow).start()
    time.sleep(0.05)
    started = time.perf_counter()
    assert httpx.get(f"{server.url}/health", timeout=5).status_code == 200
    assert time.perf_counter() - started < 5
    done.wait(60)


def test_503_while_loading():
    from retrieval.engine import Engine

    class NotReady(Engine):
        ready = False

    live = LiveServer(create_app(NotReady.__new__(NotReady), load=False)).start()
    try:
        assert httpx.get(f"{live.url}/health").status_code == 503
        r = httpx.post(f"{live.url}/ask", json={"question": "綦江复工率多少"})
        assert r.status_code == 503 and "loading" in r.json()["error"]
    finally:
        live.stop()


def test_api_key_guards_writes(writable_server, caplog):
    url = writable_server.url
    article = {"source": "沙坪坝复工", "text": "本报讯 沙坪坝区规上工业企业复工率达到96.5%，返岗员工3.2万人。"}
    with caplog.at_level(logging.INFO, logger="newsqa.http"):
        assert httpx.post(f"{url}/articles", json=article).status_code == 401
        assert httpx.post(f"{url}/articles", json=article, headers={"Authorization": "Bearer wrong"}).status_code == 401
        # reads stay open
        assert httpx.get(f"{url}/articles").status_code == 200
        r = httpx.post(f"{url}/articles", json=article, headers={"Authorization": "Bearer s3cret-key"}, timeout=60)
        assert r.status_code == 201 and r.json()["passages"] >= 1
        again = httpx.post(f"{url}/articles", json=article, headers={"X-API-Key": "s3cret-key"}, timeout=60)
        assert again.status_code == 409
    assert "s3cret-key" not in caplog.text
    assert any("POST /articles 201" in m for m in caplog.messages)
    data = httpx.post(f"{url}/ask", json={"question": "沙坪坝复工率多少"}, timeout=30).json()
    assert data["answerable"] and "96.5%" in data["answer"]
    assert data["citations"][0]["source"] == "沙坪坝复工.txt"


def test_a_batch_of_articles_reports_each_one(writable_server):
    url, key = writable_server.url, {"X-API-Key": "s3cret-key"}
    batch = {"articles": [
        {"source": "北碚复工", "text": "本报讯 北碚区规上工业企业复工率达到97.1%。"},
        {"source": "北碚复工", "text": "同名的第二篇。"},
        {"source": "空白", "text": "本报讯 大渡口区新增就业岗位1200个。"},
    ]}
    assert httpx.post(f"{url}/articles/batch", json=batch).status_code == 401
    r = httpx.post(f"{url}/articles/batch", json=batch, headers=key, timeout=60)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["added"] == 2
    assert [x["status"] for x in body["results"]] == ["added", "duplicate", "added"]
    assert body["results"][0]["source"] == "北碚复工.txt" and body["results"][0]["passages"] >= 1
    data = httpx.post(f"{url}/ask", json={"question": "北碚复工率多少"}, timeout=30).json()
    assert "97.1%" in data["answer"]
    empty = httpx.post(f"{url}/articles/batch", json={"articles": []}, headers=key)
    assert empty.status_code == 422


# The spaces of an ECMAScript regex's \s, how a client validating by the JSON schema reads the schema's patterns.
ECMA_SPACES = "\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"


def test_article_text_a_schema_client_accepts_the_server_accepts():
    """Schemathesis found "\u0085" accepted by the schema's pattern (\\S, read as ECMAScript) and rejected by the
    server (a 422 for a schema-valid article); every other space is checked too."""
    from pydantic import ValidationError

    from bot.http.schemas import ArticleIn

    pattern = ArticleIn.model_json_schema()["properties"]["text"]["pattern"]
    as_ecma = re.compile(pattern.replace(r"\S", f"[^{ECMA_SPACES}]").replace(r"\s", ECMA_SPACES))
    for text in ["\u0085", "\u0085\u3000", "\u180e", "\ufeff", " \u0085 ", "\u200b", "x\u0085"]:
        if as_ecma.search(text):
            try:
                ArticleIn(source="a", text=text)
            except ValidationError as exc:
                pytest.fail(f"{text!r}: schema-valid, rejected: {exc}")
    assert as_ecma.search("本报讯") and not as_ecma.search(" \u0085\n")


@pytest.mark.parametrize("spelling", ["1", "true", "YES", "on"])
def test_api_key_for_reads(engine, monkeypatch, spelling):
    monkeypatch.setenv("NEWSQA_API_KEY", "s3cret-key")
    monkeypatch.setenv("NEWSQA_API_KEY_READS", spelling)
    live = LiveServer(create_app(engine, load=False)).start()
    try:
        assert httpx.get(f"{live.url}/articles").status_code == 401
        assert httpx.post(f"{live.url}/ask", json={"question": "綦江复工率多少"}).status_code == 401
        assert httpx.get(f"{live.url}/articles", headers={"X-API-Key": "s3cret-key"}).status_code == 200
        assert httpx.get(f"{live.url}/health").status_code == 200
    finally:
        live.stop()


def test_unknown_reads_flag_fails_closed(engine, monkeypatch):
    from retrieval.config import ConfigError

    monkeypatch.setenv("NEWSQA_API_KEY_READS", "sometimes")
    with pytest.raises(ConfigError, match="NEWSQA_API_KEY_READS"):
        create_app(engine, load=False)


def test_internal_error_is_a_generic_500_with_request_id(caplog):
    class Exploding:
        ready = True
        passages, articles, manifest = [], 0, {}

        def ask(self, question, top_k):
            raise RuntimeError("secret internals")

    live = LiveServer(create_app(Exploding(), load=False)).start()
    try:
        with caplog.at_level(logging.INFO, logger="newsqa.http"):
            r = httpx.post(f"{live.url}/ask", json={"question": "綦江复工率多少"})
        body = r.json()
        assert r.status_code == 500 and body["error"] == "internal error" and "secret" not in r.text
        assert body["request_id"] in caplog.text and "Traceback" in caplog.text
    finally:
        live.stop()

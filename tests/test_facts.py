"""The facts table: every figure of every passage, queryable from the CLI and HTTP, and comparison answers."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

import httpx
import pytest

from bot.http import create_app
from retrieval.facts import FACTS_FILE, normalised_date
from tests.http_server import LiveServer


def test_every_fact_is_verbatim_in_its_passage_and_file(engine, built):
    corpus, _ = built
    rows, total = engine.state.facts.query(limit=100000)
    assert total == len(rows) > 300
    by_id = {p.id: p for p in engine.passages}
    for f in rows:
        assert by_id[f.passage_id].text[f.start:f.end] == f.text
        source = (corpus / f.source).read_text("utf-8-sig")
        assert source[f.file_start:f.file_end].replace("\n", "").replace(" ", "") == f.text.replace(" ", "")
    assert len({(f.source, f.file_start) for f in rows}) == total  # overlapping passages give one row


def test_filters_match_synonyms_and_place_names(engine):
    facts = engine.state.facts
    rows, _ = facts.query(metric="复工率", place="綦江")
    assert {"100%", "99.3%"} <= {f.text for f in rows} and all(f.subject == "綦江" for f in rows)
    assert {f.label for f in rows} >= {"复工复产率"}  # 复工率 finds 复工复产率
    money, _ = facts.query(place="綦江区", kind="money")
    assert money and all(f.kind == "money" and f.subject == "綦江" for f in money)
    page, total = facts.query(limit=5, offset=5)
    assert len(page) == 5 and page[0].id > 5 and total > 300


def test_date_normalisation():
    assert normalised_date("截至3月17日", "2020") == "2020-03-17"
    assert normalised_date("2019年4月", "2020") == "2019-04"
    assert normalised_date("截至目前", "2020") is None and normalised_date("3月17日", None) is None


def test_missing_or_damaged_facts_file_is_rebuilt(fresh_engine):
    from retrieval.engine import Engine

    path = fresh_engine.settings.index_dir / FACTS_FILE
    path.write_bytes(b"not a database")
    engine = Engine(fresh_engine.settings, embedder=fresh_engine.embedder)
    assert not engine.open().rebuilt  # the vectors are reused; only the facts table is rebuilt
    assert engine.state.facts.query(metric="返岗率")[1] > 0
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT COUNT(*) FROM facts").fetchone()[0] > 300


def test_added_article_adds_its_facts(fresh_engine):
    before = fresh_engine.state.facts.query()[1]
    fresh_engine.add_article("沙坪坝", "本报讯 沙坪坝区规上工业企业复工率达到96.5%，返岗员工3.2万人。")
    rows, after = fresh_engine.state.facts.query(place="沙坪坝")
    assert after and {"96.5%", "3.2万人"} <= {f.text for f in rows}
    assert fresh_engine.state.facts.query()[1] == before + after


def test_facts_cli_formats(built, tmp_path):
    import os

    corpus, index = built
    env = {**os.environ, "NEWSQA_CORPUS": str(corpus), "NEWSQA_INDEX_DIR": str(index)}

    def run(*args):
        return subprocess.run([sys.executable, "-m", "bot.cli", "facts", *args], capture_output=True, text=True,
                              env=env, cwd=tmp_path, timeout=120)

    data = json.loads(run("--metric", "返岗率", "--format", "json").stdout)
    assert data["total"] >= 3 and all("返岗" in (f["label"] or "") or f["metric"] == "返岗率" for f in data["facts"])
    csv_out = run("--place", "綦江", "--format", "csv").stdout.splitlines()
    assert csv_out[0].startswith("subject,label,text") and len(csv_out) > 10
    assert run("--kind", "bogus").returncode == 2


@pytest.fixture(scope="module")
def server(engine):
    live = LiveServer(create_app(engine, load=False)).start()
    yield live
    live.stop()


def test_facts_route(server, engine):
    r = httpx.get(f"{server.url}/facts", params={"metric": "复工率", "place": "綦江", "limit": 2})
    assert r.status_code == 200
    body = r.json()
    expected, total = engine.state.facts.query(metric="复工率", place="綦江", limit=2)
    assert body["total"] == total and [f["id"] for f in body["facts"]] == [f.id for f in expected]
    everything = httpx.get(f"{server.url}/facts", params={"limit": 1000}).json()
    assert everything["total"] == engine.state.facts.query()[1]
    assert httpx.get(f"{server.url}/facts", params={"colour": "red"}).status_code == 422
    assert httpx.get(f"{server.url}/facts", params={"kind": "bogus"}).status_code == 422
    assert httpx.get(f"{server.url}/facts", params={"limit": 0}).status_code == 422


def test_superlative_is_answered_from_the_facts_table(engine):
    answer = engine.ask("哪个区复工率最高")
    data = answer.to_dict()
    assert data["answerable"]
    rows, _ = engine.state.facts.query(metric="复工率", kind="percent", limit=1000)
    given = {n["text"] for n in data["numbers"]}
    assert given <= {f.text for f in rows} and {"100%", "99.26%"} <= given
    values = [n["value"] for n in data["numbers"]]
    assert values == sorted(values, reverse=True)
    assert "不宜直接比较" in data["answer"]  # the wordings differ (复工复产率, 规上工业企业复工率 …)


def test_comparison_of_two_places_and_a_list(engine):
    data = engine.ask("綦江和九龙坡哪个复工率高").to_dict()
    assert {n["subject"] for n in data["numbers"]} == {"綦江", "九龙坡"}
    listing = engine.ask("各区返岗率分别是多少").to_dict()
    assert {"97.2%", "88.5%", "74%"} <= {n["text"] for n in listing["numbers"]}
    big = engine.ask("列出所有贷款金额超过1亿元的").to_dict()
    assert big["numbers"] and all(n["value"] > 1e8 and n["kind"] == "money" for n in big["numbers"])

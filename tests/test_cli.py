"""The console script, run as a user runs it (a subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest


def _run(args, built, timeout=300):
    corpus, index = built
    env = {**os.environ, "NEWSQA_CORPUS": str(corpus), "NEWSQA_INDEX_DIR": str(index), "HF_HUB_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], capture_output=True, text=True, env=env,
                          timeout=timeout)


def test_ask_json_contract(built):
    result = _run(["ask", "綦江复工率多少", "--json"], built)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["answerable"] and "100%" in data["answer"]
    assert any(c["source"].startswith("004") and "复工复产率达100%" in c["text"] for c in data["citations"])


def test_ask_prints_answer_and_sources(built):
    result = _run(["ask", "綦江复工率多少", "--top-k", "2"], built)
    assert result.returncode == 0
    assert "100%" in result.stdout and "004_3cf21d11649839e1.txt" in result.stdout
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("question", ["", "   ", "？？？", "x" * 600])
def test_bad_questions_exit_2_without_traceback(built, question):
    result = _run(["ask", question], built)
    assert result.returncode == 2
    assert "error:" in result.stderr and "Traceback" not in result.stderr


def test_top_k_out_of_range(built):
    result = _run(["ask", "綦江", "--top-k", "50"], built)
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_index_command(built, embedder):
    result = _run(["index"], built)
    assert result.returncode == 0 and "passages" in result.stdout and embedder.name in result.stdout
    assert embedder.licence in result.stdout


def test_missing_model_is_a_clear_error(built, tmp_path):
    corpus, index = built
    env = {**os.environ, "NEWSQA_CORPUS": str(corpus), "NEWSQA_INDEX_DIR": str(tmp_path), "NEWSQA_MODEL": str(tmp_path / "nope")}
    result = subprocess.run([sys.executable, "-m", "bot.cli", "ask", "綦江复工率多少"], capture_output=True, text=True,
                            env=env, timeout=120)
    assert result.returncode == 1 and "model" in result.stderr and "Traceback" not in result.stderr


def test_eval_measures_another_model_beside_the_served_index(built):
    _, index = built
    manifest = (index / "manifest.json").read_bytes()
    result = _run(["eval", "--model", "use-multilingual", "--limit", "3", "--json", str(index.parent / "use.json")], built)
    assert result.returncode == 0, result.stderr
    assert (index.parent / f"{index.name}-use_multilingual" / "manifest.json").is_file()
    assert (index / "manifest.json").read_bytes() == manifest  # the served index was not rebuilt
    unknown = _run(["eval", "--model", "no-such-model", "--limit", "1"], built)
    assert unknown.returncode == 2 and "unknown model" in unknown.stderr and "Traceback" not in unknown.stderr


def test_eval_over_one_page_per_corpus(tmp_path):
    """`newsqa eval --one-page`: each page indexed on its own; a question over the page holding its evidence is
    answered from it, and over a page that lacks its figures it must be refused."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "shapingba.txt").write_text(
        "本报讯 沙坪坝区规上工业企业复工率达到96.5%，返岗员工3.2万人。\n"
        "区经信委表示，下一步将帮助企业解决原材料供应问题。\n", "utf-8")
    (corpus / "beibei.txt").write_text(
        "本报讯 北碚区今年新增就业岗位1200个，城镇登记失业率控制在4%以内。\n"
        "北碚区人社局表示，将继续开展线上招聘活动。\n", "utf-8")
    questions = tmp_path / "questions.jsonl"
    questions.write_text("\n".join(json.dumps(q, ensure_ascii=False) for q in [
        {"id": "a", "question": "沙坪坝区规上工业企业复工率是多少", "type": "numeric",
         "evidence": ["复工率达到96.5%"], "numbers": ["96.5%"]},
        {"id": "b", "question": "北碚区今年新增多少个就业岗位", "type": "numeric",
         "evidence": ["新增就业岗位1200个"], "numbers": ["1200个"]}]), "utf-8")
    report = tmp_path / "report.json"
    result = _run(["eval", "--one-page", "--questions", str(questions), "--json", str(report)],
                  (corpus, tmp_path / "index"))
    assert result.returncode == 0, result.stderr
    data = json.loads(report.read_text("utf-8"))
    assert data["questions"] == 4  # each over its own page, and over the other one
    answer = data["modes"]["answer"]
    assert answer["number_acc"] == 1.0 and answer["abstain_unans"] == 1.0 and answer["grounded"] == 1.0
    assert not (tmp_path / "index").exists()  # the served index is not touched: pages are indexed in a temporary folder

"""Corpus → articles → passages on the real seed pages."""

from __future__ import annotations

import re

import pytest

from retrieval.engine import passages_of
from retrieval.ingest.corpus import read_corpus, split_articles
from tests.conftest import SEEDS


@pytest.fixture(scope="module")
def files():
    return read_corpus(SEEDS)


@pytest.fixture(scope="module")
def passages(files):
    return passages_of(files)[0]


def test_reads_all_five_seed_files(files):
    assert sorted(f.name[:3] for f in files) == ["000", "001", "002", "003", "004"]


def test_offsets_map_back_to_the_source_file(files, passages):
    sources = {f.name: f.text for f in files}
    for p in passages:
        original = sources[p.source]
        for i, ch in enumerate(p.text):
            if ch == "\n":
                continue
            src = original[p.original_offset(i)]
            # normalisation maps full-width digits/letters/％ to ASCII; everything else is verbatim
            assert src == ch or (ord(src) - 0xFEE0 == ord(ch)), (p.id, i, src, ch)
        assert 0 <= p.start < p.end <= len(original)


def test_passages_are_a_few_sentences(passages):
    lengths = sorted(len(p.text) for p in passages)
    assert len(passages) >= 150
    assert 80 <= lengths[len(lengths) // 2] <= 300  # median
    assert max(lengths) <= 420


def test_lines_broken_mid_sentence_are_joined(passages):
    # 004 prints "没有一个春天不会到" / "来。" on two lines.
    text = "".join(p.text for p in passages if p.source.startswith("004"))
    assert "没有一个春天不会到来。" in text
    assert "总投资300多亿元的50个项目" in text  # "3 月 20 日" spaces and line breaks removed too
    assert "重庆机床(集团)有限公司,自2月17日复工后" in "".join(p.text for p in passages)  # 003, blank line between
    # A newline inside a passage is a paragraph break: it follows sentence-final punctuation, except after
    # photo captions and sub-headings (a handful on these pages).
    unfinished = [line for p in passages for line in p.text.split("\n")[:-1]
                  if line and line[-1] not in "。！？!?；;…”’\"）)》:："]
    print(f"{len(unfinished)} paragraph breaks after unfinished text: {unfinished}")
    assert len(unfinished) <= 8


def test_duplicated_paragraphs_are_dropped(passages):
    # file 001 prints the 涂佐军 paragraph twice
    count = sum(p.text.count("主营雨伞骨架的刘桂全打算开发新模具") for p in passages)
    assert count <= 2  # once, plus at most one sentence overlap between neighbouring passages


def test_articles_are_split_and_headlines_attached(files):
    by_name = {f.name[:3]: split_articles(f) for f in files}
    assert len(by_name["000"]) >= 10
    headlines = [a.headline or "" for a in by_name["000"]]
    assert any("荣昌" in h for h in headlines)
    assert any("梁平" in h for h in headlines)
    assert len(by_name["004"]) == 1 and "綦江" in by_name["004"][0].places


def test_place_of_the_article_travels_with_its_passages(passages):
    qijiang = [p for p in passages if "复工复产率达100%" in p.text and p.source.startswith("004")]
    assert qijiang and all("綦江" in p.article_places for p in qijiang)
    assert all("綦江" in p.index_text for p in qijiang)


def test_bad_files_are_skipped_with_a_warning(tmp_path):
    (tmp_path / "good.txt").write_text("本报讯 綦江复工复产率达100%。", "utf-8")
    (tmp_path / "empty.txt").write_text("  \n", "utf-8")
    (tmp_path / "latin1.txt").write_bytes("caf\xe9 au lait".encode("latin-1"))
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02PNG")
    warnings = []
    files = read_corpus(tmp_path, warn=warnings.append)
    assert [f.name for f in files] == ["good.txt"]
    assert len(warnings) == 3 and any("UTF-8" in w for w in warnings)


def test_ids_are_stable(files):
    first = [p.id for p in passages_of(files)[0]]
    again = [p.id for p in passages_of(read_corpus(SEEDS))[0]]
    assert first == again and len(set(first)) == len(first)
    assert all(re.fullmatch(r"[\w.]+-\d+-[0-9a-f]{8}", i) for i in first)


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from retrieval.ingest.corpus import SourceFile  # noqa: E402
from retrieval.ingest.passages import chunk_article  # noqa: E402

ODD = st.text(alphabet=st.sampled_from(list("綦江复工率达100%。，\n \u3000\u0085\u2028\x0c\r□■本报讯ＡＢ１２．") + ["\x00", "😀"]),
              max_size=400)


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(ODD, st.text(max_size=300)))
def test_any_text_ingests_without_crashing(text):
    source = SourceFile("fuzz.txt", text, "0")
    for article in split_articles(source):
        for p in chunk_article(article):
            assert 0 <= p.start <= p.end <= len(text)
            for i, ch in enumerate(p.text):
                if ch != "\n":
                    assert 0 <= p.original_offset(i) < len(text)

"""Reliability: adding articles never breaks answering, secrets never leak, bad configuration fails closed.

Each test reproduces one defect found by probing the running product (issue "Reliability").
"""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import numpy as np
import pytest

from bot.http import create_app
from retrieval.config import Settings
from retrieval.engine import CorpusError, Engine
from tests.fake_telegram import FakeTelegram
from tests.http_server import LiveServer

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_test"
ARTICLE = "本报讯 {place}区规上工业企业复工率达到{rate}%，返岗员工{n}万人。"


def _article(i: int) -> dict:
    return {"source": f"新闻{i:03d}", "text": ARTICLE.format(place=f"测试{i}", rate=90 + i % 10, n=i)}


# ---- 1. asking while articles are added ----------------------------------------------------------

def test_questions_while_articles_are_added_never_fail(fresh_engine):
    live = LiveServer(create_app(fresh_engine, load=False)).start()
    errors, answered, stop = [], [], threading.Event()

    def asker():
        with httpx.Client(base_url=live.url, timeout=60) as client:
            while not stop.is_set():
                r = client.post("/ask", json={"question": "綦江复工率多少"})
                (answered if r.status_code == 200 and r.json()["answer"] else errors).append(r.status_code)

    threads = [threading.Thread(target=asker) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        with httpx.Client(base_url=live.url, timeout=60) as client:
            for i in range(8):
                assert client.post("/articles", json=_article(i)).status_code == 201
    finally:
        stop.set()
        for t in threads:
            t.join(60)
        live.stop()
    assert errors == [] and len(answered) >= 8
    assert len({p.source for p in fresh_engine.passages}) == 5 + 8


# ---- 2. a failed index write ----------------------------------------------------------------------

def test_failed_index_write_changes_nothing(fresh_engine):
    settings = fresh_engine.settings
    corpus_before = sorted(p.name for p in settings.corpus_dir.iterdir())
    passages_before = len(fresh_engine.passages)
    # The vectors file cannot be replaced (a directory stands in its way): a real OSError from the write.
    blocker = settings.index_dir / "dense.faiss"
    blocker.unlink()
    blocker.mkdir()
    live = LiveServer(create_app(fresh_engine, load=False)).start()
    try:
        r = httpx.post(f"{live.url}/articles", json=_article(1), timeout=60)
        assert r.status_code == 507 and "not added" in r.json()["error"]
        assert sorted(p.name for p in settings.corpus_dir.iterdir()) == corpus_before
        assert len(fresh_engine.passages) == passages_before
        ask = httpx.post(f"{live.url}/ask", json={"question": "綦江复工率多少"}, timeout=60)
        assert ask.status_code == 200 and "100%" in ask.json()["answer"]
        blocker.rmdir()  # the disk is fixed: the same article can be added (no 409 for a failed add)
        again = httpx.post(f"{live.url}/articles", json=_article(1), timeout=60)
        assert again.status_code == 201
    finally:
        live.stop()
    reopened = Engine(settings, embedder=fresh_engine.embedder)
    assert not reopened.open().rebuilt and len(reopened.passages) == len(fresh_engine.passages)


# ---- 3. the token is never printed ------------------------------------------------------------------

@pytest.fixture
def rejecting_telegram():
    """A Bot API that knows another token, so it answers 401 Unauthorized to ours."""
    fake = FakeTelegram("999:another-token-entirely-aaaaaaaaaaaaaaaaaaaa")
    live = LiveServer(fake.app).start()
    yield live.url
    live.stop()


def _cli(args, env_extra, cwd, timeout=180):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM", "NEWSQA"))}
    env.update(env_extra)
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=timeout)


@pytest.mark.parametrize("args", [["telegram"], ["serve", "--port", "0", "--telegram-webhook-url", "https://example.org"]])
def test_rejected_token_is_never_printed(rejecting_telegram, built, tmp_path, args):
    corpus, index = built
    result = _cli(args, {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": f"{rejecting_telegram}/bot",
                         "NEWSQA_CORPUS": str(corpus), "NEWSQA_INDEX_DIR": str(index)}, tmp_path)
    assert result.returncode == 2
    assert TOKEN not in result.stdout + result.stderr
    assert TOKEN.split(":")[1] not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "rejected" in result.stderr


def test_redaction_covers_exception_text_and_tracebacks():
    from telegram.error import InvalidToken

    from bot.logs import RedactSecret

    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(self.format(record))

    logger = logging.getLogger("test.redaction")
    handler = Keep()
    handler.addFilter(RedactSecret(TOKEN))
    logger.addHandler(handler)
    try:
        try:
            raise InvalidToken(f"The token `{TOKEN}` was rejected by the server.")
        except InvalidToken:
            logger.exception("start-up failed")
    finally:
        logger.removeHandler(handler)
    assert records and "InvalidToken" in records[0] and TOKEN not in records[0] and "<token>" in records[0]


# ---- 4. body limits before work ---------------------------------------------------------------------

def _rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _raw_chunked_post(port: int, path: str, total: int, headers: str = "") -> tuple[int, int]:
    """Stream `total` bytes as a chunked body; return (status, bytes sent before the server answered)."""
    chunk = b"x" * 65536
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall((f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n{headers}"
                   "Transfer-Encoding: chunked\r\n\r\n").encode())
        s.setblocking(False)
        reply = b""
        while sent < total and b"\r\n\r\n" not in reply:
            try:
                s.send(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                sent += len(chunk)
            except (BlockingIOError, BrokenPipeError, ConnectionResetError):
                time.sleep(0.01)
            try:
                reply += s.recv(65536)
            except BlockingIOError:
                pass
            except ConnectionResetError:
                break
        s.setblocking(True)
        deadline = time.monotonic() + 10
        while b"\r\n\r\n" not in reply and time.monotonic() < deadline:
            try:
                data = s.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not data:
                break
            reply += data
    status = int(reply.split(b" ", 2)[1]) if reply.startswith(b"HTTP/1.1") else 0
    return status, sent


def test_chunked_oversize_body_is_refused_without_buffering(engine, monkeypatch):
    monkeypatch.setenv("NEWSQA_API_KEY", "s3cret-key")
    live = LiveServer(create_app(engine, load=False)).start()
    try:
        before = _rss_kib()
        status, sent = _raw_chunked_post(live.port, "/ask", 200 << 20)
        grown_mib = (_rss_kib() - before) / 1024
        assert status == 413
        assert sent < 64 << 20, f"the server let {sent >> 20} MiB in before answering"
        assert grown_mib < 100, f"memory grew by {grown_mib:.0f} MiB"
        # A write without the key is refused before a byte of its body is read.
        status, sent = _raw_chunked_post(live.port, "/articles", 200 << 20)
        assert status == 401 and sent < 64 << 20
        with socket.create_connection(("127.0.0.1", live.port), timeout=10) as s:
            s.sendall(b"POST /articles HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999\r\n\r\n{")
            assert s.recv(1024).startswith(b"HTTP/1.1 401")
    finally:
        live.stop()


def test_half_open_connections_are_closed(engine):
    from bot.server import HeadTimeoutH11

    class Quick(HeadTimeoutH11):
        head_timeout = 1.0

    live = LiveServer(create_app(engine, load=False), http=Quick).start()
    try:
        with socket.create_connection(("127.0.0.1", live.port), timeout=10) as s:
            s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")  # the head never ends
            started = time.monotonic()
            assert s.recv(1024) == b""  # closed by the server
            assert time.monotonic() - started < 8
        assert httpx.get(f"{live.url}/health").status_code == 200
    finally:
        live.stop()


# ---- 5. the allow-list fails closed ------------------------------------------------------------------

@pytest.mark.parametrize("raw", ["@mygroup", "1001;2002", "1001, abc"])
def test_unreadable_allow_list_is_an_error(raw):
    from bot.telegram.app import AllowListError, allowed_chats

    with pytest.raises(AllowListError, match="TELEGRAM_ALLOWED_CHATS"):
        allowed_chats(raw)


def test_allow_list_spellings():
    from bot.telegram.app import allowed_chats

    assert allowed_chats("1001, -1002 1003") == {1001, -1002, 1003}
    assert allowed_chats(" ") is None


def test_cli_refuses_to_start_with_a_bad_allow_list(tmp_path):
    result = _cli(["telegram"], {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_ALLOWED_CHATS": "@mygroup",
                                 "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9/bot"}, tmp_path)
    assert result.returncode == 2 and "@mygroup" in result.stderr and "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0


# ---- 6. a mistyped corpus path ------------------------------------------------------------------------

@pytest.mark.parametrize("make_corpus", [lambda tmp: tmp / "nonexistent", lambda tmp: (tmp / "empty").mkdir() or tmp / "empty"])
def test_missing_or_empty_corpus_leaves_the_index_alone(fresh_engine, tmp_path, make_corpus):
    index = fresh_engine.settings.index_dir
    before = {p.name: p.read_bytes() for p in index.iterdir()}
    with pytest.raises(CorpusError):
        Engine(Settings(make_corpus(tmp_path), index), embedder=fresh_engine.embedder).open()
    assert {p.name: p.read_bytes() for p in index.iterdir()} == before


def test_cli_with_missing_corpus_exits_1_in_one_line(fresh_engine, tmp_path):
    index = fresh_engine.settings.index_dir
    manifest = (index / "manifest.json").read_bytes()
    result = _cli(["ask", "綦江复工率多少"], {"NEWSQA_CORPUS": str(tmp_path / "nonexistent"),
                                            "NEWSQA_INDEX_DIR": str(index)}, tmp_path)
    assert result.returncode == 1 and "does not exist" in result.stderr and "Traceback" not in result.stderr
    assert (index / "manifest.json").read_bytes() == manifest


# ---- 7. damaged index files ---------------------------------------------------------------------------

def _edit_manifest(index: Path, change) -> None:
    manifest = json.loads((index / "manifest.json").read_text("utf-8"))
    change(manifest)
    (index / "manifest.json").write_text(json.dumps(manifest), "utf-8")


def _rewrite_passages(index: Path, change) -> None:
    import hashlib

    rows = json.loads((index / "passages.json").read_text("utf-8"))
    change(rows)
    (index / "passages.json").write_text(json.dumps(rows, ensure_ascii=False), "utf-8")
    digest = hashlib.sha256((index / "passages.json").read_bytes()).hexdigest()
    _edit_manifest(index, lambda m: m["checksums"].__setitem__("passages.json", digest))


def _other_dimension(index: Path) -> None:
    import faiss

    n = json.loads((index / "manifest.json").read_text("utf-8"))["passages"]
    small = faiss.IndexFlatIP(256)
    small.add(np.random.default_rng(0).standard_normal((n, 256)).astype("float32"))
    faiss.write_index(small, str(index / "dense.faiss"))
    import hashlib

    digest = hashlib.sha256((index / "dense.faiss").read_bytes()).hexdigest()
    _edit_manifest(index, lambda m: (m.__setitem__("dimension", 256), m["checksums"].__setitem__("dense.faiss", digest)))


DAMAGE = {
    "checksums not a dict": lambda index: _edit_manifest(index, lambda m: m.__setitem__("checksums", "oops")),
    "manifest not an object": lambda index: (index / "manifest.json").write_text("[1, 2, 3]", "utf-8"),
    "deeply nested manifest": lambda index: (index / "manifest.json").write_text('{"model": ' + "[" * 200000 + "]" * 200000 + "}", "utf-8"),
    "manifest fields of the wrong type": lambda index: _edit_manifest(index, lambda m: m.__setitem__("dimension", "512")),
    "huge manifest": lambda index: (index / "manifest.json").write_text(json.dumps({"x": "a" * (5 << 20)}), "utf-8"),
    "passage text not a string": lambda index: _rewrite_passages(index, lambda rows: rows[0].__setitem__("text", 42)),
    "passage field missing": lambda index: _rewrite_passages(index, lambda rows: rows[1].pop("places")),
    "passages not a list": lambda index: _rewrite_passages(index, lambda rows: rows.clear() or rows.append("x")),
    "vectors of another dimension, manifest agreeing": _other_dimension,
    "vectors truncated": lambda index: (index / "dense.faiss").write_bytes((index / "dense.faiss").read_bytes()[:1000]),
    "vectors missing": lambda index: (index / "dense.faiss").unlink(),
}


@pytest.mark.parametrize("case", list(DAMAGE))
def test_damaged_index_is_rebuilt_cleanly(page_engine, case):
    settings = page_engine.settings
    DAMAGE[case](settings.index_dir)
    warnings = []
    engine = Engine(settings, embedder=page_engine.embedder, warn=warnings.append)
    report = engine.open()
    assert report.rebuilt, case
    assert "100%" in engine.ask("綦江区复工复产率是多少").answer


def test_damaged_index_under_serve_recovers(page_engine):
    DAMAGE["checksums not a dict"](page_engine.settings.index_dir)
    engine = Engine(page_engine.settings, embedder=page_engine.embedder)
    live = LiveServer(create_app(engine)).start()
    try:
        app_holder = live.server.config.app.state.holder
        app_holder.wait(120)
        assert httpx.get(f"{live.url}/health").json()["status"] == "ok"
    finally:
        live.stop()


# ---- 8. smaller defects --------------------------------------------------------------------------------

def test_cli_question_with_undecodable_bytes(built, tmp_path):
    corpus, index = built
    env = {**os.environ, "NEWSQA_CORPUS": str(corpus), "NEWSQA_INDEX_DIR": str(index)}
    result = subprocess.run([sys.executable.encode(), b"-m", b"bot.cli", b"ask", b"\xff\xfe\xe7\xb6\xa6"],
                            capture_output=True, env=env, cwd=tmp_path, timeout=120)
    assert result.returncode == 2 and b"Traceback" not in result.stderr


def test_cli_on_an_ascii_terminal(built, tmp_path):
    corpus, index = built
    env = {**os.environ, "NEWSQA_CORPUS": str(corpus), "NEWSQA_INDEX_DIR": str(index), "PYTHONIOENCODING": "ascii"}
    result = subprocess.run([sys.executable, "-m", "bot.cli", "ask", "綦江复工率多少"], capture_output=True,
                            env=env, cwd=tmp_path, timeout=180)
    assert result.returncode == 0, result.stderr[-500:]
    assert b"Traceback" not in result.stderr and b"100%" in result.stdout


def test_fifo_in_the_corpus_is_skipped(tmp_path):
    from retrieval.ingest.corpus import read_corpus

    (tmp_path / "a.txt").write_text("本报讯 綦江区复工率达到100%。", "utf-8")
    os.mkfifo(tmp_path / "x.txt")
    warnings = []
    done = []
    reader = threading.Thread(target=lambda: done.append(read_corpus(tmp_path, warn=warnings.append)), daemon=True)
    reader.start()
    reader.join(20)
    if reader.is_alive():  # unblock the reader so the test run does not hang
        with open(tmp_path / "x.txt", "wb"):
            pass
        pytest.fail("reading the corpus blocked on a FIFO")
    assert [f.name for f in done[0]] == ["a.txt"] and any("x.txt" in w for w in warnings)


@pytest.fixture(scope="module")
def writable(built, embedder, tmp_path_factory):
    from tests.conftest import _engine_copy

    engine = _engine_copy(built, embedder, tmp_path_factory.mktemp("reliability"))
    live = LiveServer(create_app(engine, load=False)).start()
    yield live, engine
    live.stop()


def test_article_with_nul_is_refused_like_a_rebuild_would(writable):
    live, engine = writable
    r = httpx.post(f"{live.url}/articles", json={"source": "nul", "text": "本报讯 綦江\u0000区复工率100%。"}, timeout=60)
    assert r.status_code == 422 and "NUL" in r.json()["error"]
    assert not (engine.settings.corpus_dir / "nul.txt").exists()


def test_article_without_passages_is_refused_and_the_name_stays_free(writable):
    live, engine = writable
    r = httpx.post(f"{live.url}/articles", json={"source": "empty-ish", "text": "——  ……  ——"}, timeout=60)
    assert r.status_code == 422
    ok = httpx.post(f"{live.url}/articles", json={"source": "empty-ish", "text": ARTICLE.format(place="北碚", rate=95, n=2)},
                    timeout=60)
    assert ok.status_code == 201


def test_control_characters_never_reach_the_log(writable, caplog):
    live, _ = writable
    with caplog.at_level(logging.INFO, logger="newsqa.http"):
        httpx.get(f"{live.url}/passages/a%1b%5b31mred%00x")
    line = next(m for m in caplog.messages if "/passages/" in m)
    assert "\x1b" not in line and "\x00" not in line and "\\x1b" in line


def test_webhook_rejects_a_body_that_is_not_an_object(engine):
    from bot.telegram.app import TelegramWebhook, build_application

    fake = FakeTelegram(TOKEN)
    bot_api = LiveServer(fake.app).start()
    hook = TelegramWebhook(build_application(TOKEN, engine, base_url=f"{bot_api.url}/bot"), "https://example.org", "s")
    live = LiveServer(create_app(engine, load=False, extensions=[hook])).start()
    try:
        for body in ([1, 2], "text", 42, None):
            r = httpx.post(f"{live.url}/telegram/webhook", json=body, headers={"X-Telegram-Bot-Api-Secret-Token": "s"})
            assert r.status_code == 400, body
    finally:
        live.stop()
        bot_api.stop()


def test_inline_queries_go_through_the_gate(engine):
    """Inline mode used to skip the allow-list: a user outside it gets no results and no answer is computed."""
    from tests.test_telegram import run_bot

    class Counting:
        calls = 0

        def ask(self, question, top_k):
            Counting.calls += 1
            return engine.ask(question, top_k)

        def article_list(self):
            return engine.article_list()

    fake = FakeTelegram(TOKEN)
    live = LiveServer(fake.app).start()
    fake.url = live.url
    try:
        def scenario():
            fake.push({"inline_query": {"id": "iq1", "from": {"id": 555, "is_bot": False, "first_name": "u"},
                                        "query": "綦江复工率", "offset": ""}})
            fake.push({"inline_query": {"id": "iq2", "from": {"id": 999, "is_bot": False, "first_name": "u"},
                                        "query": "綦江复工率", "offset": ""}})
            fake.wait_for(lambda: len(fake.sent("answerInlineQuery")) >= 2)

        run_bot(fake, Counting(), scenario, allowed={999})
    finally:
        live.stop()
    by_id = {a["inline_query_id"]: a for a in fake.sent("answerInlineQuery")}
    assert by_id["iq1"]["results"] == [] and by_id["iq2"]["results"]
    assert Counting.calls == 1


def test_ask_usage_is_not_sent_outside_the_allow_list(engine):
    from tests.test_telegram import run_bot, texts

    fake = FakeTelegram(TOKEN)
    live = LiveServer(fake.app).start()
    fake.url = live.url
    try:
        def scenario():
            fake.message("/ask", chat_id=555)
            fake.wait_for(lambda: fake.sent(chat_id=555))
            time.sleep(0.3)

        run_bot(fake, engine, scenario, allowed={999})
    finally:
        live.stop()
    assert texts(fake, 555) == ["抱歉，这个机器人只在指定的聊天中使用。"]


"""The Telegram bot against a local fake Bot API server: real PTB, real HTTP, no mocks of PTB."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import time
from html.parser import HTMLParser

import pytest

from bot.logs import configure_logging
from bot.telegram.app import TokenError, build_application, load_token
from bot.telegram.format import answer_messages, pack
from tests.fake_telegram import FakeTelegram
from tests.http_server import LiveServer

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_test"


class TagChecker(HTMLParser):
    """Checks that HTML uses only Telegram's tags and that they are balanced."""

    ALLOWED = {"b", "i", "u", "s", "code", "pre", "a", "blockquote"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors = [], []

    def handle_starttag(self, tag, attrs):
        if tag not in self.ALLOWED:
            self.errors.append(f"tag {tag}")
        self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.errors.append(f"unbalanced {tag}")


def assert_telegram_html(text: str) -> None:
    checker = TagChecker()
    checker.feed(text)
    checker.close()
    assert not checker.errors and not checker.stack, (checker.errors, checker.stack, text[:200])
    assert len(text) <= 4096


@pytest.fixture
def fake():
    server = FakeTelegram(TOKEN)
    live = LiveServer(server.app).start()
    server.url = live.url
    yield server
    live.stop()


def run_bot(fake, engine, scenario, **options):
    """Start the application polling the fake server, run scenario() in a thread, then stop."""
    top_k = options.pop("top_k", 3)

    async def main():
        app = build_application(TOKEN, engine, base_url=f"{fake.url}/bot", **options)
        app.bot_data["top_k"] = top_k
        async with app:
            await app.post_init(app)  # what run_polling does after initialize()
            await app.start()
            await app.updater.start_polling(poll_interval=0.0, timeout=0)
            try:
                await asyncio.to_thread(scenario)
            finally:
                await app.updater.stop()
                await app.stop()

    asyncio.run(main())


def texts(fake, chat_id=1001):
    return [p["text"] for p in fake.sent("sendMessage", chat_id)]


def test_start_help_and_commands(fake, engine):
    def scenario():
        fake.message("/start")
        fake.wait_for(lambda: fake.sent())
        fake.message("/help")
        fake.wait_for(lambda: len(fake.sent()) >= 2)

    run_bot(fake, engine, scenario)
    commands = fake.sent("setMyCommands")[0]["commands"]
    assert {c["command"] for c in commands} == {"start", "help", "sources", "ask", "new"}
    start, help_text = fake.sent()[:2]
    assert "渝问" in start["text"] and "綦江复工率多少" in str(start["reply_markup"])
    assert "/sources" in help_text["text"] and "綦江复工率多少" in help_text["text"]


def test_question_is_answered_with_numbers_in_bold_and_a_citation(fake, engine, caplog):
    caplog.set_level(logging.DEBUG)
    configure_logging(logging.DEBUG, secret=TOKEN)

    def scenario():
        fake.message("綦江复工率多少")
        fake.wait_for(lambda: fake.sent())

    run_bot(fake, engine, scenario)
    reply = fake.sent()[0]
    assert reply["parse_mode"] == "HTML"
    assert "<b>100%</b>" in reply["text"] and "<blockquote>" in reply["text"] and "[1]" in reply["text"]
    assert "004_3cf21d11649839e1.txt" in reply["text"]
    assert_telegram_html(reply["text"])
    assert fake.sent("sendChatAction")[0]["action"] == "typing"
    assert TOKEN not in caplog.text
    assert all(TOKEN not in r.getMessage() for r in caplog.records)


def test_long_answer_is_split_into_valid_parts(fake, engine):
    def scenario():
        fake.message("复工率多少")
        fake.wait_for(lambda: len(fake.sent()) >= 2)
        time.sleep(0.5)

    run_bot(fake, engine, scenario, top_k=20)
    parts = texts(fake)
    assert len(parts) >= 2
    for part in parts:
        assert_telegram_html(part)


def test_pack_never_cuts_a_tag():
    data = {"question": "q", "answer": "答 <b>假</b> & 100%", "answerable": True,
            "numbers": [{"text": "100%", "citation": 1}],
            "citations": [{"id": str(i), "source": "s.txt", "title": "<标题>", "text": ("段落文字100%。" * 60),
                           "score": 1.0, "start": 0, "end": 1} for i in range(40)]}
    html_parts, plain_parts = answer_messages(data)
    assert len(html_parts) > 1 and all(len(p) <= 4096 for p in html_parts + plain_parts)
    for part in html_parts:
        assert_telegram_html(part)
    assert "&lt;b&gt;假&lt;/b&gt; &amp; <b>100%</b>" in html_parts[0]
    huge = pack(["<b>" + "字&lt;" * 5000 + "</b>"])
    assert all(len(p) <= 4096 for p in huge) and len(huge) >= 3
    for part in huge:
        assert_telegram_html(part)


def test_plain_text_fallback_after_cant_parse_entities(fake, engine):
    fake.reject_html_once = True

    def scenario():
        fake.message("綦江复工率多少")
        fake.wait_for(lambda: any("parse_mode" not in p for p in fake.sent()))

    run_bot(fake, engine, scenario)
    plain = [p for p in fake.sent() if "parse_mode" not in p]
    assert "100%" in plain[0]["text"] and "<b>" not in plain[0]["text"]


def test_retry_after_is_honoured(fake, engine):
    fake.flood_once = 1

    def scenario():
        fake.message("南岸返岗率是多少")
        fake.wait_for(lambda: len([c for c in fake.calls if c[0] == "sendMessage"]) >= 2)

    run_bot(fake, engine, scenario)
    attempts = [t for m, _, t in fake.calls if m == "sendMessage"]
    assert attempts[1] - attempts[0] >= 0.95
    assert any("97.2%" in p["text"] for p in fake.sent())
    assert not any("抱歉" in p["text"] for p in fake.sent())


def test_allow_list_refuses_other_chats(fake, engine):
    def scenario():
        fake.message("綦江复工率多少", chat_id=555)
        fake.message("綦江复工率多少", chat_id=999)
        fake.wait_for(lambda: fake.sent(chat_id=555) and fake.sent(chat_id=999))

    run_bot(fake, engine, scenario, allowed={999})
    assert "指定的聊天" in texts(fake, 555)[0]
    assert "100%" in texts(fake, 999)[0]


def test_per_chat_rate_limit(fake, engine):
    def scenario():
        fake.message("綦江复工率多少")
        fake.message("南岸复工率多少")
        fake.wait_for(lambda: len(fake.sent()) >= 2)

    run_bot(fake, engine, scenario, min_interval=30)
    assert any("请慢一点" in t for t in texts(fake))


def test_bad_input(fake, engine):
    sticker = {"file_id": "x", "file_unique_id": "y", "width": 512, "height": 512, "is_animated": False,
               "is_video": False, "type": "regular"}

    def scenario():
        fake.message(None, chat_id=1, sticker=sticker)
        fake.message("😀😀😀", chat_id=2)
        fake.message("綦" * 4000, chat_id=3)
        fake.push({"edited_message": {"message_id": 9, "date": 1, "edit_date": 2, "text": "綦江复工率多少",
                                      "chat": {"id": 4, "type": "private"}}})
        fake.message(None, chat_id=5, photo=[{"file_id": "p", "file_unique_id": "q", "width": 1, "height": 1}],
                     caption="")
        fake.message("成都复工率多少", chat_id=6)
        fake.wait_for(lambda: all(fake.sent(chat_id=c) for c in (1, 2, 3, 5, 6)))
        time.sleep(0.5)

    run_bot(fake, engine, scenario, min_interval=0)
    assert "文字" in texts(fake, 1)[0]
    assert "文字" in texts(fake, 2)[0]
    assert "太长" in texts(fake, 3)[0]
    assert texts(fake, 4) == []  # edits are ignored
    assert "文字" in texts(fake, 5)[0]
    assert "没有" in texts(fake, 6)[0]


def test_groups_answer_mentions_and_ask_only(fake, engine):
    def scenario():
        fake.message("大家好", chat_id=-100, chat_type="group")
        fake.message("@yuwen_test_bot 綦江复工率多少", chat_id=-101, chat_type="group")
        fake.message("/ask 南岸返岗率是多少", chat_id=-102, chat_type="supergroup")
        fake.wait_for(lambda: fake.sent(chat_id=-101) and fake.sent(chat_id=-102))
        time.sleep(0.5)

    run_bot(fake, engine, scenario, min_interval=0)
    assert texts(fake, -100) == []
    assert "100%" in texts(fake, -101)[0]
    assert "97.2%" in texts(fake, -102)[0]


def test_inline_query(fake, engine):
    def scenario():
        fake.push({"inline_query": {"id": "iq1", "from": {"id": 77, "is_bot": False, "first_name": "u"},
                                    "query": "綦江复工率", "offset": ""}})
        fake.wait_for(lambda: fake.sent("answerInlineQuery"))

    run_bot(fake, engine, scenario)
    results = fake.sent("answerInlineQuery")[0]["results"]
    assert 1 <= len(results) <= 3 and all(r["type"] == "article" for r in results)


def test_errors_reach_the_log_not_the_user(fake, caplog):
    class Broken:
        def ask(self, question, top_k):
            raise RuntimeError("index exploded")

        def article_list(self):
            return []

    def scenario():
        fake.message("綦江复工率多少")
        fake.wait_for(lambda: fake.sent())

    with caplog.at_level(logging.ERROR, logger="newsqa.telegram"):
        run_bot(fake, Broken(), scenario)
    assert texts(fake)[0] == "抱歉，出了点问题，请稍后再试。"
    assert "index exploded" in caplog.text


def test_token_checks(tmp_path, monkeypatch):
    from retrieval.config import load_config

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    with pytest.raises(TokenError, match="not set"):
        load_token(load_config().telegram())
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "hello")
    with pytest.raises(TokenError, match="does not look like"):
        load_token(load_config().telegram())
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN")
    (tmp_path / ".env").write_text(f"TELEGRAM_BOT_TOKEN='{TOKEN}'\n", "utf-8")
    settings = load_config().telegram()
    assert load_token(settings) == TOKEN and TOKEN not in repr(settings)


def test_cli_without_token_exits_2_before_any_network_call(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM")}
    env["TELEGRAM_API_BASE_URL"] = "http://127.0.0.1:9/bot"  # nothing listens there
    result = subprocess.run([sys.executable, "-m", "bot.cli", "telegram"], capture_output=True, text=True,
                            env=env, cwd=tmp_path, timeout=120)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "TELEGRAM_BOT_TOKEN" in result.stderr


def test_webhook_route_on_the_http_server(fake, engine):
    import httpx

    from bot.http import create_app
    from bot.telegram.app import TelegramWebhook

    hook = TelegramWebhook(build_application(TOKEN, engine, base_url=f"{fake.url}/bot"), "https://example.org/", "s3cret")
    live = LiveServer(create_app(engine, extensions=[hook])).start()
    try:
        registered = fake.sent("setWebhook")[0]
        assert registered["url"] == "https://example.org/telegram/webhook" and registered["secret_token"] == "s3cret"
        update = {"update_id": 7, "message": {"message_id": 1, "date": int(time.time()), "text": "綦江复工率多少",
                                              "chat": {"id": 1001, "type": "private"},
                                              "from": {"id": 77, "is_bot": False, "first_name": "u"}}}
        assert httpx.post(f"{live.url}/telegram/webhook", json=update).status_code == 403
        wrong = httpx.post(f"{live.url}/telegram/webhook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "x"})
        assert wrong.status_code == 403
        ok = httpx.post(f"{live.url}/telegram/webhook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret"})
        assert ok.status_code == 200
        fake.wait_for(lambda: fake.sent())
        assert "<b>100%</b>" in fake.sent()[0]["text"]
        assert httpx.get(f"{live.url}/health").status_code == 200  # the API is served beside it
    finally:
        live.stop()

"""The chat page in headless Chromium (Debian's package), driven by Playwright."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.http import create_app
from tests.http_server import LiveServer

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium is not installed (apt-get install -y chromium)")
# Flags for a root user on a machine with no outside network (see the machine notes).
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


@pytest.fixture(scope="module")
def page_server(module_engine):
    live = LiveServer(create_app(module_engine)).start()
    yield live
    live.stop()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield b
        b.close()


def test_ask_on_the_page(page_server, browser):
    page = browser.new_page()
    page.goto(page_server.url + "/")
    page.fill("#question", "綦江复工率多少")
    page.click("button[type=submit]")
    page.wait_for_selector(".citation", timeout=30_000)
    answer = page.inner_text(".turn .answer")
    assert "100%" in answer
    assert "100%" in page.locator(".turn .answer mark").all_inner_texts()
    citations = page.inner_text(".turn .citations")
    assert "复工复产率达100%" in citations and "004_" in citations
    page.close()


def _ask(page, question: str, turns: int) -> None:
    page.fill("#question", question)
    page.click("button[type=submit]")
    page.wait_for_function(f"document.querySelectorAll('.turn .citation').length > 0 && "
                           f"document.querySelectorAll('.turn').length == {turns} && "
                           f"!document.querySelector('.turn:last-child .answer').textContent.startsWith('正在')",
                           timeout=30_000)


def test_a_three_turn_conversation_stays_on_screen(page_server, browser, tmp_path):
    page = browser.new_page(viewport={"width": 900, "height": 1400})
    page.goto(page_server.url + "/")
    _ask(page, "綦江复工率多少", 1)
    _ask(page, "那南岸呢", 2)
    _ask(page, "哪个区复工率最高", 3)
    turns = page.locator(".turn")
    assert turns.count() == 3
    assert "100%" in turns.nth(0).locator(".answer").inner_text()
    assert "南岸复工率多少" in turns.nth(1).locator(".resolved").inner_text()
    assert "99.26%" in turns.nth(1).locator(".answer").inner_text()
    assert "不宜直接比较" in turns.nth(2).locator(".answer").inner_text()
    shot = tmp_path / "conversation.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    Path(__file__).resolve().parents[1].joinpath("var").mkdir(exist_ok=True)
    shutil.copy(shot, Path(__file__).resolve().parents[1] / "var" / "conversation.png")  # for a person to look at
    page.click("#new")
    assert page.locator(".turn").count() == 0
    page.close()


def test_passage_text_is_escaped(page_server, browser, module_engine):
    module_engine.add_article("xss", "本报讯 <script>window.pwned=1</script><b>巫溪</b>区复工率达到88%。")
    page = browser.new_page()
    page.goto(page_server.url + "/")
    page.fill("#question", "巫溪复工率多少")
    page.click("button[type=submit]")
    page.wait_for_selector(".citation", timeout=30_000)
    assert "<script>" in page.inner_text(".turn .citations")
    assert page.evaluate("window.pwned") is None
    assert page.locator(".turn .citations b").count() == 0
    page.close()


def test_error_is_shown_for_an_empty_question(page_server, browser):
    page = browser.new_page()
    page.goto(page_server.url + "/")
    page.fill("#question", "   ")
    page.click("button[type=submit]")
    assert "请输入问题" in page.inner_text("#error")
    page.close()

"""The chat page in headless Chromium (Debian's package), driven by Playwright."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.api import create_app
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
    answer = page.inner_text("#answer")
    assert "100%" in answer
    assert "100%" in page.locator("#answer mark").all_inner_texts()
    citations = page.inner_text("#citations")
    assert "复工复产率达100%" in citations and "004_" in citations
    page.close()


def test_passage_text_is_escaped(page_server, browser, module_engine):
    module_engine.add_article("xss", "本报讯 <script>window.pwned=1</script><b>巫溪</b>区复工率达到88%。")
    page = browser.new_page()
    page.goto(page_server.url + "/")
    page.fill("#question", "巫溪复工率多少")
    page.click("button[type=submit]")
    page.wait_for_selector(".citation", timeout=30_000)
    assert "<script>" in page.inner_text("#citations")
    assert page.evaluate("window.pwned") is None
    assert page.locator("#citations b").count() == 0
    page.close()


def test_error_is_shown_for_an_empty_question(page_server, browser):
    page = browser.new_page()
    page.goto(page_server.url + "/")
    page.fill("#question", "   ")
    page.click("button[type=submit]")
    assert "请输入问题" in page.inner_text("#error")
    page.close()

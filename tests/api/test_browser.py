"""The web page in headless Chromium (Debian's, driven by Playwright): type a question, see
the answer and a citation, follow the citation, save a screenshot."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="needs Debian's chromium at /usr/bin/chromium (make install puts it there)",
    ),
]


def test_ask_on_the_web_page(
    make_app: Callable[..., FastAPI], serve: Callable[[FastAPI], Any], tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    with serve(make_app()) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            page.goto(url + "/")
            expect(page.locator("h1")).to_have_text("citeqa")
            expect(page.locator("#collection")).to_be_hidden()  # one collection: no selector

            page.fill("#question", "煤炭产业占工业比重下降到多少")
            page.press("#question", "Enter")
            answer = page.locator("#answer")
            expect(answer).to_contain_text("2021年煤炭产业占工业比重下降到6.1%。")
            marker = answer.locator("a.marker").first
            expect(marker).to_have_text("[1]")

            first = page.locator("#passage-1")
            expect(first.locator(".title")).to_have_text("一、推动传统产业转型")
            expect(first.locator("mark")).to_contain_text("6.1%")
            marker.click()
            expect(first).to_have_class("passage flash")
            page.screenshot(path=str(tmp_path / "answer-simplified.png"), full_page=True)

            page.fill("#question", "晉城培育了什麼產業集群")
            page.click("#ask")
            expect(page.locator("#passage-1 .text")).to_contain_text("晉城以新質生產力激活轉型勢能")
            expect(answer.locator("a.marker").first).to_be_visible()

            page.fill("#question", "How much public green space is there per person?")
            page.click("#ask")
            expect(page.locator("#passages .passage").first).to_be_visible()
            expect(page.locator("#status")).not_to_have_class("error")

            # over the limit (past the box's own maxlength): the server's message is shown
            page.evaluate("document.getElementById('question').removeAttribute('maxlength')")
            page.fill("#question", "煤" * 1001)
            page.click("#ask")
            expect(page.locator("#status")).to_have_text(
                "question: String should have at most 1000 characters"
            )
            page.screenshot(path=str(tmp_path / "error.png"))
        finally:
            browser.close()
    assert (tmp_path / "answer-simplified.png").stat().st_size > 10_000


HOSTILE = (
    '<img src=x onerror="window.pwned=1">煤炭报告\n'
    "煤炭产业占工业比重下降到6.1%。<script>window.pwned=2</script>"
    '<a href="javascript:window.pwned=3">点这里</a><svg onload="window.pwned=4"></svg>\n'
)


def test_markup_in_documents_renders_inert_on_the_web_page(
    make_app: Callable[..., FastAPI], serve: Callable[[FastAPI], Any], tmp_path: Path,
    open_test: Callable[[Path], Any],
) -> None:  # fmt: skip
    from playwright.sync_api import expect, sync_playwright

    from index.embedder import HashingEmbedder
    from index.pipeline import ingest

    docs = tmp_path / "hostile"
    docs.mkdir()
    (docs / "evil.txt").write_text(HOSTILE, encoding="utf-8")
    (docs / "evil.md").write_text("# <img src=x onerror=window.pwned=5>\n\n" + HOSTILE, "utf-8")
    folder = tmp_path / "hostile-index"
    ingest([docs], folder, HashingEmbedder(64), cross=HashingEmbedder(32))
    dialogs: list[str] = []
    with serve(make_app(open_test(folder))) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            page = browser.new_page()
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.goto(url + "/")
            page.fill("#question", "煤炭产业占工业比重下降到多少")
            page.press("#question", "Enter")
            passages = page.locator("#passages")
            expect(passages).to_contain_text("<script>window.pwned=2</script>")  # shown as text
            expect(page.locator("#passages .title").first).to_contain_text("<img")
            for where in ("#passages", "#answer"):
                for tag in ("img", "script", "svg", "a[href^='javascript']"):
                    assert page.locator(f"{where} {tag}").count() == 0, (where, tag)
            page.locator("#answer a.marker").first.click()
            page.wait_for_timeout(200)
            assert page.evaluate("window.pwned") is None and dialogs == []
        finally:
            browser.close()

"""Open pictures and reports in headless Chromium as a reader would, and
read back what the browser laid out (import as ``from chromium import ...``).

Chromium comes from the system (Debian's ``chromium``), driven by
Playwright, which is told its path so that it never downloads a browser of
its own. Without either, tests skip with the reason; under CI (``CI=true``)
they fail instead, so a missing install step cannot pass unseen.
"""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if found := shutil.which(name):
            return found
    return None


def require_chromium() -> str:
    path = chromium_path()
    problem = None if path else "no chromium on PATH (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        problem = "playwright is not installed (pip install -e '.[test]')"
    if problem:
        if IN_CI:
            pytest.fail(f"CI needs the browser checks: {problem}", pytrace=False)
        pytest.skip(problem)
    return path


@dataclass
class Visit:
    """What happened while a page loaded: console messages, page errors and
    every request other than the file itself (all of them refused)."""

    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


# Every <text> of every <svg>: its box in page pixels, its words, and the box
# of the <rect> it is drawn on (the first rect of its enclosing group), if any.
TEXT_BOXES_JS = """() => [...document.querySelectorAll('svg')].map((svg, figure) => {
  const box = r => ({x: r.x, y: r.y, right: r.right, bottom: r.bottom});
  return {figure, svg: box(svg.getBoundingClientRect()), texts: [...svg.querySelectorAll('text')].map(t => {
    const g = t.closest('g.part');
    const rect = g ? g.querySelector('rect') : null;
    return {text: t.textContent, box: box(t.getBoundingClientRect()),
            container: rect ? box(rect.getBoundingClientRect()) : null};
  })};
})"""


@contextmanager
def browser():
    path = require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chrome = p.chromium.launch(executable_path=path, args=FLAGS)
        try:
            yield chrome
        finally:
            chrome.close()


@contextmanager
def visit(chrome, file: Path, viewport=(1400, 900), font: str | None = None):
    """Open ``file`` from disk with the network refused; yield (page, Visit).
    ``font``: draw every figure in this font instead of the stack's choice."""
    page = chrome.new_page(viewport={"width": viewport[0], "height": viewport[1]})
    seen = Visit()
    url = file.resolve().as_uri()
    page.on("console", lambda m: seen.console.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: seen.errors.append(str(e)))

    def route(r):
        if r.request.url == url:
            r.continue_()
        else:
            seen.requests.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.goto(url, wait_until="load")
    if font:
        page.evaluate("f => document.querySelectorAll('svg').forEach(s => s.setAttribute('font-family', f))",
                      f"'{font}'")
    try:
        yield page, seen
    finally:
        page.close()


def overlaps(a: dict, b: dict, slack: float = 0.5) -> bool:
    return (a["x"] + slack < b["right"] and b["x"] + slack < a["right"]
            and a["y"] + slack < b["bottom"] and b["y"] + slack < a["bottom"])


def inside(inner: dict, outer: dict, slack: float = 0.5) -> bool:
    return (inner["x"] >= outer["x"] - slack and inner["right"] <= outer["right"] + slack
            and inner["y"] >= outer["y"] - slack and inner["bottom"] <= outer["bottom"] + slack)


def layout_problems(page) -> list[str]:
    """Texts that overlap another text, leave their figure, or leave the box they are drawn on."""
    problems = []
    for figure in page.evaluate(TEXT_BOXES_JS):
        texts = figure["texts"]
        for i, a in enumerate(texts):
            if not inside(a["box"], figure["svg"]):
                problems.append(f"figure {figure['figure']}: {a['text']!r} leaves the figure")
            if a["container"] and not inside(a["box"], a["container"]):
                problems.append(f"figure {figure['figure']}: {a['text']!r} leaves its box")
            for b in texts[i + 1:]:
                if overlaps(a["box"], b["box"]):
                    problems.append(f"figure {figure['figure']}: {a['text']!r} overlaps {b['text']!r}")
    return problems

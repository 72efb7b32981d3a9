"""Run the notebooks in real JupyterLab in headless Chromium and click their widgets.

nbval runs notebooks through a kernel only; these tests catch what only a browser
shows: a missing ipywidgets front end, a widget that renders nothing or stays
"Loading widget...", a progress bar that falls back to "IProgress not found", and a
widget callback that does nothing when the real button is clicked.

Run: ``.ci/install-browser && .venv/bin/pytest -m browser tests/browser -v``
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from .environment import REPO_ROOT, in_ci
from .lab_page import (
    PROGRESS_BAR,
    expects_progress_bar,
    notebook_page,
    run_all,
    screenshot,
    settled_problems,
)
from .lab_server import LabServer

try:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
except ImportError:
    if in_ci():
        raise
    pytest.skip("playwright is not installed: pip install -e '.[test]'", allow_module_level=True)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page

    from .lab_page import PageLog

pytestmark = pytest.mark.browser

NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
GENRES_NOTEBOOK = NOTEBOOKS_DIR / "02_tmdb_genres.ipynb"
API_NOTEBOOK = NOTEBOOKS_DIR / "06_your_own_api.ipynb"
OTHER_NOTEBOOKS = sorted(
    p for p in NOTEBOOKS_DIR.glob("*.ipynb") if p not in (GENRES_NOTEBOOK, API_NOTEBOOK)
)

# German movie genre names that differ from the English ones (TMDB has named 10749 both
# "Liebesfilm" and "Romanze"), and the English names they replace.
GERMAN_ONLY = {"Abenteuer", "Komödie", "Liebesfilm", "Romanze", "Krimi", "Dokumentarfilm"}
GERMAN_ONLY |= {"Familie", "Historie", "Musik", "Kriegsfilm", "TV-Film"}
ENGLISH_ONLY = {"Adventure", "Comedy", "Romance", "Crime", "Documentary", "Family"}
ENGLISH_ONLY |= {"History", "Music", "War", "TV Movie"}
# Genres only on TMDB's TV list: their presence means the "Movie" choice was ignored.
TV_ONLY = {"Action & Adventure", "Kids", "News", "Reality", "Soap", "Talk", "War & Politics"}
FETCH_TIMEOUT_MS = 30_000


def smoke_run(page: Page, log: PageLog, notebook: Path) -> None:
    """Run all cells and assert no error, no stuck widget and the expected progress bars."""
    run_all(page)
    found = settled_problems(page)
    found += [f"uncaught browser error: {e}" for e in log.page_errors]
    if expects_progress_bar(notebook) and page.locator(PROGRESS_BAR).count() == 0:
        found.append("the stored notebook has a progress bar, but none rendered as a widget")
    details = log.summary()
    assert not found, (
        f"{notebook.name} in JupyterLab:\n"
        + "\n".join(found)
        + (f"\nbrowser log:\n{details}" if details else "")
    )


def table_names(table: Locator) -> list[str]:
    """Return every cell text (index and values) of a pandas HTML table."""
    return [t.strip() for t in table.locator("tbody td, tbody th").all_inner_texts()]


def choose_language(explorer: Locator, code: str) -> str:
    """Select the Language option labelled like "Deutsch (de)" and return its label."""
    select = explorer.locator(".bk-language select")
    labels = [t.strip() for t in select.locator("option").all_inner_texts()]
    wanted = [label for label in labels if label.replace("\xa0", " ").endswith(f"({code})")]
    assert wanted, f"no '({code})' option in the Language dropdown: {labels}"
    # ipywidgets 8 uses the label as the <option> value (with a regular space).
    select.select_option(value=wanted[0].replace("\xa0", " "))
    return wanted[0]


def wait_for_text(locator: Locator, pattern: re.Pattern[str], what: str) -> None:
    """Wait until one element of ``locator`` matches ``pattern``; fail saying what is shown."""
    try:
        locator.filter(has_text=pattern).first.wait_for(timeout=FETCH_TIMEOUT_MS)
    except PlaywrightTimeout:
        shown = [t[:300] for t in locator.all_inner_texts()] or ["(nothing)"]
        raise AssertionError(
            f"{what} within {FETCH_TIMEOUT_MS // 1000} s; the page shows: {shown}"
        ) from None


def exercise_genre_explorer(page: Page) -> None:
    """Pick Deutsch + Movie in the first GenreExplorer, click Fetch, check the result."""
    explorer = page.locator(".bk-genre-explorer").first
    explorer.wait_for(state="visible")
    table = explorer.locator(".bk-table table.dataframe")
    before = table_names(table.first) if table.count() else []
    assert not GERMAN_ONLY & set(before), (
        f"the explorer shows German names before Fetch, so Fetch cannot be tested: {before}"
    )

    choose_language(explorer, "de")
    explorer.locator(".bk-kind button", has_text=re.compile(r"^\s*Movie\s*$")).click()
    explorer.locator(".bk-fetch").filter(has_text="Fetch").click()

    german = re.compile("|".join(sorted(GERMAN_ONLY)))
    wait_for_text(explorer.locator(".bk-table"), german, "no German genre names in .bk-table")
    error = explorer.locator(".bk-error")
    error_text = error.first.inner_text().strip() if error.count() else ""
    assert not error_text, f"the explorer shows an error after Fetch: {error_text!r}"
    assert table.count() == 1, f"expected one table in .bk-table, found {table.count()}"
    names = set(table_names(table))
    assert len(GERMAN_ONLY & names) >= 3, f"not German movie genres: {sorted(names)}"
    assert not ENGLISH_ONLY & names, f"English names left in the table: {sorted(names)}"
    assert not TV_ONLY & names, f"TV genres in a Movie fetch: {sorted(names)}"

    # The status line may be written after the table: give it time to catch up.
    rows = table.locator("tbody tr").count()
    row_count = re.compile(rf"\b{rows}\s+rows?\b")
    wait_for_text(explorer.locator(".bk-status"), row_count, f"no '{rows} rows' in .bk-status")

    image = explorer.locator(".bk-chart img")
    image.first.wait_for(state="visible", timeout=FETCH_TIMEOUT_MS)
    loaded = image.first.evaluate("img => img.complete && img.naturalWidth > 0")
    assert loaded, "the chart <img> is there but holds no decoded image"


def test_genre_explorer_fetches_german_movie_genres(
    browser: Browser, lab: LabServer, screenshot_dir: Path
) -> None:
    """The rendered GenreExplorer fetches German movie genres when its real controls are used."""
    run_in_lab(browser, lab, screenshot_dir, GENRES_NOTEBOOK, exercise=exercise_genre_explorer)


def exercise_api_explorer(page: Page) -> None:
    """Type a path and parameters into the first ApiExplorer, click Fetch, open the code."""
    explorer = page.locator(".bk-api-explorer").first
    explorer.wait_for(state="visible")
    explorer.locator(".bk-path input").fill("github/items")
    explorer.locator(".bk-params input").fill("per_page=5")
    checkbox = explorer.locator(".bk-all-pages input[type='checkbox']")
    if not checkbox.is_checked():
        checkbox.check()
    explorer.locator(".bk-fetch").filter(has_text="Fetch").click()

    # 57 records in pages of 5: twelve requests, one table.
    wait_for_text(
        explorer.locator(".bk-status"), re.compile(r"github/items.*\b57 rows\b"), "no '57 rows'"
    )
    error = explorer.locator(".bk-error")
    error_text = error.first.inner_text().strip() if error.count() else ""
    assert not error_text, f"the explorer shows an error after Fetch: {error_text!r}"
    table = explorer.locator(".bk-table table.dataframe")
    assert table.count() == 1, f"expected one table in .bk-table, found {table.count()}"
    assert "Item 01" in table_names(table), table_names(table)[:10]
    assert "12 pages" in explorer.locator(".bk-status").first.inner_text()

    # The code is folded away until asked for.
    explorer.locator(".bk-code").get_by_text("Code", exact=True).first.click()
    code = explorer.locator(".bk-code pre")
    wait_for_text(code, re.compile(r"github/items"), "no code for the fetched view")
    text = code.first.inner_text()
    assert "bk.sandbox.start()" in text and "per_page" in text, text  # no port, no token
    assert "df = " in text, text

    exercise_stop_and_a_fresh_view(page)
    exercise_post_paging_and_columns(page)


def exercise_stop_and_a_fresh_view(page: Page) -> None:
    """The rate-limited explorer: progress while it runs, Stop keeps the pages, no stale table."""
    slow = page.locator(".bk-api-explorer").nth(2)
    status = slow.locator(".bk-status")
    table = slow.locator(".bk-table table.dataframe")
    slow.locator(".bk-fetch").filter(has_text="Fetch").click()
    progress = re.compile(r"Fetching… ([3-9]|\d\d) pages · \d+ rows so far")
    wait_for_text(status, progress, "no page count in .bk-status while fetching")
    assert table.count() == 0, "a table is shown while the fetch runs"
    slow.locator(".bk-stop").filter(has_text="Stop").click()
    wait_for_text(status, re.compile(r"\(stopped\)"), "no '(stopped)' in .bk-status after Stop")
    rows = int(re.search(r"(\d+) rows", status.first.inner_text())[1])  # type: ignore[index]
    assert 6 <= rows < 57, f"Stop kept {rows} rows"
    assert table.count() == 1 and table.locator("tbody tr").count() == rows
    assert "Stopped after" in slow.locator(".bk-note").first.inner_text()

    slow.locator(".bk-path input").fill("github/5/1/no-such-items")
    slow.locator(".bk-fetch").filter(has_text="Fetch").click()
    wait_for_text(slow.locator(".bk-error"), re.compile("404"), "no 404 in .bk-error")
    assert table.count() == 0, "the previous table is still shown under the error"


def exercise_post_paging_and_columns(page: Page) -> None:
    """All pages by POST (the Notion-style query), then the column picker."""
    explorer = page.locator(".bk-api-explorer").first
    explorer.locator(".bk-method select").select_option(value="POST")
    explorer.locator(".bk-path input").fill(
        "notion/databases/d9824bdc-8445-4327-be8b-5b47500af6ce/query"
    )
    explorer.locator(".bk-params input").fill('{"page_size": 20}')
    checkbox = explorer.locator(".bk-all-pages input[type='checkbox']")
    if not checkbox.is_checked():
        checkbox.check()
    explorer.locator(".bk-fetch").filter(has_text="Fetch").click()
    status = explorer.locator(".bk-status")
    wait_for_text(status, re.compile(r"^POST .* 57 rows · 3 pages"), "no POST paging status")
    table = explorer.locator(".bk-table table.dataframe")
    headers = [t.strip() for t in table.locator("thead th").all_inner_texts() if t.strip()]
    assert headers[:2] == ["id", "name"], headers

    explorer.locator(".bk-columns").get_by_text("Columns", exact=True).first.click()
    explorer.locator(".bk-columns select").select_option(value=["name", "owner.login"])
    # The table is redrawn by the kernel: wait for it (the old one has these columns too).
    deadline = time.monotonic() + FETCH_TIMEOUT_MS / 1000
    while True:
        headers = [t.strip() for t in table.locator("thead th").all_inner_texts() if t.strip()]
        if headers == ["name", "owner.login"] or time.monotonic() > deadline:
            break
        page.wait_for_timeout(100)
    assert headers == ["name", "owner.login"], headers


def test_api_explorer_fetches_what_is_typed_and_shows_its_code(
    browser: Browser, lab: LabServer, screenshot_dir: Path
) -> None:
    """06 runs clean in JupyterLab, and its ApiExplorer works with the real controls."""
    run_in_lab(browser, lab, screenshot_dir, API_NOTEBOOK, exercise=exercise_api_explorer)


@pytest.mark.parametrize("notebook", OTHER_NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_clean_in_lab(
    browser: Browser, lab: LabServer, screenshot_dir: Path, notebook: Path
) -> None:
    """Run All in JupyterLab leaves no error output and every widget rendered."""
    run_in_lab(browser, lab, screenshot_dir, notebook)


def run_in_lab(
    browser: Browser,
    lab: LabServer,
    screenshot_dir: Path,
    notebook: Path,
    *,
    exercise: Callable[[Page], None] | None = None,
) -> None:
    """Open ``notebook``, Run All, use its widget with ``exercise``, and save a screenshot."""
    assert notebook.exists(), f"{notebook} is missing"
    with notebook_page(browser, lab, notebook) as (page, log):
        smoke_run(page, log, notebook)
        if exercise is not None:
            exercise(page)
            assert not log.page_errors, f"uncaught browser errors: {log.page_errors}"
        shot = screenshot(page, screenshot_dir / f"{notebook.stem}.png")
        print(f"screenshot: {shot}")

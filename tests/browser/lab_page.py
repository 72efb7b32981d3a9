"""Drive a notebook in JupyterLab through Playwright: open, run all, inspect, screenshot.

Selectors are JupyterLab 4's and ipywidgets 8's CSS classes (``.jp-NotebookPanel``,
``.jp-Notebook-ExecutionIndicator`` ...).
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .lab_server import LabServer

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Playwright, ViewportSize

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--no-proxy-server",
]
VIEWPORT: ViewportSize = {"width": 1280, "height": 900}
MAX_SCREENSHOT_HEIGHT = 12_000  # px; a very long notebook is cut here

DEFAULT_TIMEOUT_MS = 30_000  # any single Playwright action or wait
OPEN_TIMEOUT_MS = 60_000  # first page load also compiles JupyterLab's bundles
KERNEL_TIMEOUT_MS = 60_000  # kernel start and connect
RUN_START_TIMEOUT_MS = 10_000  # the first "[*]" after choosing Run All
RUN_ALL_TIMEOUT_MS = 120_000  # every cell of one notebook
QUIET_SECONDS = 1.5  # idle with no "[*]" for this long means Run All is over
POLL_MS = 250
WIDGETS_TIMEOUT_MS = 20_000  # widget views render after the kernel went idle

PROGRESS_BAR = ".jp-OutputArea .widget-hprogress, .jp-OutputArea .widget-progress"
# Texts that mean a widget or progress bar did not make it to the page.
STUCK_TEXTS = ("IProgress not found", "Error displaying widget", "Loading widget...")
# tqdm's text bar, as stored in a notebook's outputs: "  0%|          | 0/5 [...]".
TQDM_TEXT = re.compile(r"\d+%\|")

# One pass over the open notebook. Error outputs come from JupyterLab's notebook model
# (exposed with --LabApp.expose_app_in_browser): JupyterLab 4 renders them with the
# stderr mime type, so the DOM cannot tell a traceback from a warning. Tracebacks that
# a widget's Output captured are not in the model: find those in the DOM.
_SCAN_JS = """
() => {
  const status = document.querySelector('#jp-main-statusbar');
  const app = window.jupyterapp;
  const panel = app && [...app.shell.widgets('main')].find(
    (w) => w.content && w.content.model && Array.isArray(w.content.widgets));
  if (!panel) return {status: status ? status.textContent : '', cells: null};
  // ipywidgets' renderer sets no data-mime-type; a widget output that another renderer
  // took (its text/plain repr, e.g. "VBox(children=...)") means the ipywidgets front
  // end is missing.
  const W = 'application/vnd.jupyter.widget-view+json';
  const widgetsAsText = (cell) => {
    const rendered = [...cell.outputArea.node.querySelectorAll(
      ':scope > .jp-OutputArea-child > .jp-OutputArea-output')]
      .map((e) => e.getAttribute('data-mime-type'));
    return cell.model.outputs.toJSON()
      .map((o, i) => [o, rendered[i]])
      .filter(([o, mime]) => o.data && o.data[W] && mime && mime !== W)
      .map(([o]) => [].concat(o.data['text/plain'] || '').join('').slice(0, 120));
  };
  const texts = (node, selector) => [...node.querySelectorAll(selector)].map((e) => e.innerText);
  const cells = panel.content.widgets.filter((c) => c.model.type === 'code').map((cell) => {
    const node = cell.node;
    const prompt = node.querySelector('.jp-InputPrompt');
    const wrapper = node.querySelector('.jp-Cell-outputWrapper');
    const errors = cell.model.outputs.toJSON()
      .filter((o) => o.output_type === 'error')
      .map((o) => [`${o.ename}: ${o.evalue}`, ...(o.traceback || [])].join('\\n'));
    errors.push(...texts(node, "[data-mime-type='application/vnd.jupyter.error']"));
    errors.push(...texts(node, ".widget-output [data-mime-type='application/vnd.jupyter.stderr']")
      .filter((t) => t.includes('Traceback (most recent call last)')));
    const source = cell.model.sharedModel.getSource();
    const tags = cell.model.getMetadata('tags') || [];
    return {
      prompt: prompt ? prompt.textContent.trim() : '',
      empty: source.trim() === '',
      raises: tags.includes('raises-exception') || /^#\\s*NBVAL_RAISES_EXCEPTION/m.test(source),
      errors,
      widgetsAsText: widgetsAsText(cell),
      text: wrapper ? wrapper.innerText : '',
    };
  });
  return {status: status ? status.textContent : '', cells};
}
"""
_STARTED_JS = """
() => [...document.querySelectorAll('.jp-Notebook .jp-InputPrompt')]
  .some((p) => /[*\\d]/.test(p.textContent))
"""
_FINISHED_JS = """
() => {
  const prompts = [...document.querySelectorAll('.jp-Notebook .jp-InputPrompt')];
  const status = document.querySelector('#jp-main-statusbar');
  return !prompts.some((p) => p.textContent.includes('*'))
    && /\\|\\s*Idle/.test(status ? status.textContent : '');
}
"""
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@dataclass
class PageLog:
    """Browser-side failures seen while a page was open."""

    page_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """Return the collected messages as indented lines (empty when none)."""
        lines = [f"  page error: {m}" for m in self.page_errors]
        lines += [f"  console error: {m}" for m in self.console_errors[:10]]
        return "\n".join(lines)


def launch_chromium(playwright: Playwright) -> Browser:
    """Launch Debian's chromium headless; Playwright never downloads a browser here."""
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )


def file_digest(path: Path) -> str:
    """Return the SHA-256 of a file, to prove the browser run did not rewrite it."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


@contextmanager
def notebook_page(
    browser: Browser, lab: LabServer, notebook: Path
) -> Iterator[tuple[Page, PageLog]]:
    """Open ``notebook`` in a fresh browser context with a fresh kernel; clean up after.

    Kernels are shut down through the REST API before and after, so JupyterLab never
    re-attaches to the previous run's kernel. On exit the notebook file must be
    byte-identical and no checkpoint folder may have appeared: the tests must not
    write into the repository.
    """
    before = file_digest(notebook)
    checkpoints = notebook.parent / ".ipynb_checkpoints"
    had_checkpoints = checkpoints.exists()
    lab.shutdown_kernels()
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    page = context.new_page()
    log = PageLog()
    page.on("pageerror", lambda exc: log.page_errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: log.console_errors.append(msg.text) if msg.type == "error" else None,
    )
    try:
        page.goto(lab.notebook_url(notebook), timeout=OPEN_TIMEOUT_MS)
        page.locator(".jp-NotebookPanel").first.wait_for(timeout=OPEN_TIMEOUT_MS)
        yield page, log
    finally:
        context.close()
        lab.shutdown_kernels()
    if file_digest(notebook) != before:
        raise AssertionError(f"the browser run modified {notebook}; autosave must stay off")
    if checkpoints.exists() and not had_checkpoints:
        raise AssertionError(f"the browser run left {checkpoints} behind")


def scan(page: Page) -> dict[str, Any]:
    """Return the status bar text and, per code cell, prompt, emptiness and outputs."""
    state: dict[str, Any] = page.evaluate(_SCAN_JS)
    if state["cells"] is None:
        raise AssertionError(
            "no notebook in JupyterLab's main area (or window.jupyterapp not exposed)"
        )
    return state


def wait_for_kernel_idle(page: Page) -> None:
    """Wait until the kernel is connected and idle.

    The toolbar indicator says idle before the kernel is connected, so also wait for
    the status bar's "| Idle".
    """
    page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").first.wait_for(
        timeout=KERNEL_TIMEOUT_MS
    )
    page.wait_for_function(
        "() => /\\|\\s*Idle/.test(document.querySelector('#jp-main-statusbar')?.textContent)",
        timeout=KERNEL_TIMEOUT_MS,
    )


def _menu(page: Page, menu: str, command: str) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(rf"^{menu}$")).first.click()
    page.locator(f"li.lm-Menu-item[data-command='{command}']:not(.lm-mod-disabled)").click()


def run_all(page: Page) -> None:
    """Clear all outputs, run all cells from the Run menu, and wait until it finished.

    Clearing first resets the prompts to "[ ]", so a number proves this run executed
    the cell. Run All stops at the first error; the remaining cells stay "[ ]".
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    wait_for_kernel_idle(page)
    _menu(page, "Edit", "editmenu:clear-all")
    for attempt in range(2):  # Run All sometimes races the kernel connection: retry once
        _menu(page, "Run", "runmenu:run-all")
        try:
            page.wait_for_function(_STARTED_JS, timeout=RUN_START_TIMEOUT_MS)
            break
        except PlaywrightTimeout:
            if attempt:
                raise AssertionError("Run All did not start any cell") from None
    # The kernel reports idle between two cells, and after an error JupyterLab blanks
    # the queued prompts before the kernel has run them (raises-exception cells): only
    # a state that holds for a while is the end.
    deadline = time.monotonic() + RUN_ALL_TIMEOUT_MS / 1000
    quiet_since: float | None = None
    while time.monotonic() < deadline:
        if page.evaluate(_FINISHED_JS):
            quiet_since = quiet_since or time.monotonic()
            if time.monotonic() - quiet_since >= QUIET_SECONDS:
                return
        else:
            quiet_since = None
        page.wait_for_timeout(POLL_MS)
    state = scan(page)
    prompts = [c["prompt"] for c in state["cells"]]
    raise AssertionError(
        f"Run All did not finish within {RUN_ALL_TIMEOUT_MS // 1000} s; "
        f"status bar {state['status']!r}; prompts {prompts}"
    )


def problems(page: Page) -> list[str]:
    """Return readable descriptions of everything wrong with the notebook on the page."""
    found = []
    for number, cell in enumerate(scan(page)["cells"], start=1):
        where = f"code cell {number} {cell['prompt'].rstrip(':')}"
        if not cell["empty"] and not re.search(r"\d", cell["prompt"]):
            found.append(f"{where}: did not run")
        # A cell tagged raises-exception shows its error on purpose (JupyterLab's Run All
        # goes on past it, and nbval expects it).
        for error in [] if cell["raises"] else cell["errors"]:
            found.append(f"{where}: error output:\n{_indent(ANSI_ESCAPE.sub('', error))}")
        for text in STUCK_TEXTS:
            if text in cell["text"]:
                found.append(f"{where}: shows {text!r}")
        for text in cell["widgetsAsText"]:
            found.append(
                f"{where}: a widget shown as text (is the ipywidgets front end installed?): "
                f"{text!r}"
            )
    return found


def settled_problems(page: Page) -> list[str]:
    """Return ``problems(page)``, giving widget views and late prompts time to settle.

    A clean notebook returns at once; problems are re-checked until WIDGETS_TIMEOUT_MS.
    """
    deadline = time.monotonic() + WIDGETS_TIMEOUT_MS / 1000
    while True:
        found = problems(page)
        if not found or time.monotonic() > deadline:
            return found
        page.wait_for_timeout(POLL_MS)


def expects_progress_bar(notebook: Path) -> bool:
    """Tell from the stored notebook whether a run shows a tqdm/ipywidgets progress bar.

    Evidence: a stored widget output whose text is a tqdm bar, or a progress model in
    the saved widget state (nbclient stores it by default).
    """
    data = json.loads(notebook.read_text(encoding="utf-8"))
    state = data.get("metadata", {}).get("widgets", {})
    if "ProgressModel" in json.dumps(state):
        return True
    for cell in data.get("cells", []):
        for output in cell.get("outputs", []):
            bundle = output.get("data", {})
            if "application/vnd.jupyter.widget-view+json" not in bundle:
                continue
            plain = bundle.get("text/plain", "")
            if TQDM_TEXT.search("".join(plain) if isinstance(plain, list) else plain):
                return True
    return False


def screenshot(page: Page, path: Path) -> Path:
    """Save the whole notebook (not just the visible part) as a PNG at ``path``."""
    # The left sidebar (file browser) only steals width from the notebook.
    current = page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current")
    if current.count():
        current.first.click()
    # JupyterLab scrolls inside the notebook, so a "full page" is one viewport: make the
    # viewport as tall as the notebook's content instead.
    height = page.evaluate(
        """() => {
          const outer = document.querySelector('.jp-NotebookPanel .jp-WindowedPanel-outer');
          if (!outer) return window.innerHeight;
          outer.scrollTop = 0;
          return outer.scrollHeight + (window.innerHeight - outer.clientHeight);
        }"""
    )
    size = page.viewport_size or VIEWPORT
    page.set_viewport_size(
        {
            "width": size["width"],
            "height": max(size["height"], min(int(height), MAX_SCREENSHOT_HEIGHT)),
        }
    )
    page.wait_for_timeout(300)  # let the notebook relayout
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)
    return path


def _indent(text: str, limit: int = 1500) -> str:
    body = text if len(text) <= limit else text[:limit] + " ..."
    return "\n".join("    " + line for line in body.splitlines())

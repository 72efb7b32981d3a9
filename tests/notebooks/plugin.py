"""pytest plugin (pyproject's ``addopts`` loads it): nbval's kernels start in the harness.

nbval starts one kernel per notebook, when the notebook's first cell is set up, and
the kernel inherits this process's environment. Around that set-up only, the
environment is the tutorial harness's (harness.py): no ``.env``, no token, cassettes
replay only; so the fresh outputs match the stored ones and no token gets near them.
The unit tests in the same run keep the environment they were started with.
"""

from __future__ import annotations

import os
from collections.abc import Generator

import pytest

from .harness import kernel_env


def _is_notebook_cell(item: pytest.Item) -> bool:
    """True for nbval's cell items (a collected ``.ipynb`` file's cells)."""
    return item.path.suffix == ".ipynb" and type(item).__module__.startswith("nbval")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, None, None]:
    """Set up nbval's cells (and so start their kernel) in the harness environment."""
    if not _is_notebook_cell(item):
        return (yield)
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(kernel_env(saved))
    try:
        return (yield)
    finally:
        os.environ.clear()
        os.environ.update(saved)

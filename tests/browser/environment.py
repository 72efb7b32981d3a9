"""Where the repository is, and how a missing prerequisite is reported (skip or fail)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import pytest

from tests.notebooks.harness import kernel_env

REPO_ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"


def notebook_kernel_env(base: Mapping[str, str]) -> dict[str, str]:
    """``base`` as the tutorial harness sets it up for kernels (tests/notebooks/harness.py)."""
    return dict(kernel_env(base))


def in_ci() -> bool:
    """Return True when the CI environment variable is set (to anything but 0/false/no)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def skip_or_fail(reason: str) -> None:
    """Skip the test locally; fail it under CI, which must not go green by skipping."""
    if in_ci():
        pytest.fail(f"{reason} (CI is set, so this is a failure, not a skip)", pytrace=False)
    pytest.skip(reason)

"""Fake secrets and file builders shared by the scanner's tests.

Every fake is built at run time from pieces, so no file of this repository holds a
token-shaped string (CI scans the repository; ``test_cli.py`` checks it stays clean).
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import nbformat
from nbformat.v4 import new_code_cell, new_notebook


def segment(obj: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


def signature(seed: str) -> str:
    digest = hashlib.sha256(seed.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


JWT = ".".join(
    [
        segment({"alg": "HS256", "typ": "JWT"}),
        segment({"sub": "bk-scan-canary", "aud": "scan-tests"}),
        signature("bk-scan-canary"),
    ]
)
OPAQUE = "bkOpaque" + hashlib.sha1(b"opaque-canary").hexdigest()[:24] + "Zq"
V3_KEY = hashlib.md5(b"bk-scan-v3-canary").hexdigest()
ENV_SECRET = "plain-words-but-secret-9"

# One fake per provider shape, (provider kind, token); prefixes and bodies are joined
# here so that this source file itself holds none of the shapes.
_MIX = "A1b2C3d4"
PROVIDER_FAKES: list[tuple[str, str]] = [
    *[("github", p + "_" + "A1b2" * 9) for p in ("ghp", "gho", "ghu", "ghs", "ghr")],
    ("github", "github" + "_pat_" + ("A1b2" * 21)[:82]),
    ("huggingface", "hf" + "_" + ("AbCd" * 9)[:34]),
    ("openai", "sk" + "-" + _MIX * 6),
    ("openai", "sk" + "-proj-" + ("A1b2_C3d4-" * 8)),
    ("anthropic", "sk" + "-ant-api03-" + _MIX * 10),
    ("slack", "xoxb" + "-1234567890-1234567890123-" + _MIX * 3),
    ("slack", "xoxp" + "-1234567890-1234567890123-" + _MIX * 3),
    ("stripe", "sk" + "_live_" + _MIX * 3),
    ("stripe", "rk" + "_live_" + _MIX * 3),
    ("aws", "AK" + "IA" + "Z7Q2" * 4),
    ("aws", "AS" + "IA" + "QWERTYUIOPASDFGH"),  # no digit: real key ids can look so
    ("google", "AI" + "za" + ("A1b2_c3D4-" * 4)[:35]),
    ("notion", "secret" + "_" + ("A1b2C3" * 8)[:43]),
    ("notion", "ntn" + "_" + ("A1b2C3" * 8)[:46]),
]
PROVIDER_IDS = [f"{kind}-{token[:4]}" for kind, token in PROVIDER_FAKES]

ALL_SECRETS = (JWT, OPAQUE, V3_KEY, ENV_SECRET, *(token for _, token in PROVIDER_FAKES))


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def write_nb(path: Path, cells: list[Any], metadata: dict[str, Any] | None = None) -> Path:
    nb = new_notebook(cells=cells, metadata=metadata or {})
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


def code_cell(source: str = "x", outputs: list[Any] | None = None) -> Any:
    return new_code_cell(source=source, outputs=outputs or [], execution_count=1)


def mask(secret: str) -> str:
    return f"{secret[:4]}…{secret[-2:]}"


def assert_no_leak(*texts: str) -> None:
    for text in texts:
        for secret in ALL_SECRETS:
            assert secret not in text

"""The environment the tutorial notebooks run in, for nbval (plugin.py), regenerate.py and the browser tests.

One place for it, so the stored outputs, the strict nbval check and JupyterLab all
see what a reader without a token sees:

- no ``TMDB_*``/``OAUTH_*``/``BEARERKIT_*`` settings from the developer's shell;
- ``BEARERKIT_ENV_FILE`` names a file that does not exist, so no ``.env`` is found
  even when one above the repository holds a real token: ``bk.tmdb.connect()``
  then picks the embedded sandbox and prints the same notice a reader gets;
- ``BEARERKIT_RECORD_MODE=none``: cassettes replay and never record (as in CI);
- loopback traffic never goes through a proxy.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = REPO / "notebooks"
CASSETTES = NOTEBOOKS / "cassettes"
# A path that never exists: the folder is never created by anything.
NO_ENV_FILE = Path(tempfile.gettempdir()) / "bearerkit-notebooks-no-such-folder" / ".env"
DROPPED_PREFIXES = ("TMDB_", "OAUTH_", "BEARERKIT_")
HARNESS_SETTINGS = {
    "BEARERKIT_ENV_FILE": str(NO_ENV_FILE),
    "BEARERKIT_RECORD_MODE": "none",
    "NO_PROXY": "127.0.0.1,localhost",
    "no_proxy": "127.0.0.1,localhost",
}


def kernel_env(base: Mapping[str, str] | None = None, *, record: bool = False) -> dict[str, str]:
    """Return ``base`` (default ``os.environ``) as a tutorial kernel should see it.

    Args:
        base: the environment to start from.
        record: leave ``BEARERKIT_RECORD_MODE`` unset, so a notebook's
            ``record_mode="once"`` records a missing cassette (regenerate.py).

    >>> kernel_env({"TMDB_TOKEN": "x", "HOME": "/h"})["BEARERKIT_RECORD_MODE"]
    'none'
    """
    source = os.environ if base is None else base
    env = {k: v for k, v in source.items() if not k.upper().startswith(DROPPED_PREFIXES)}
    env.update(HARNESS_SETTINGS)
    if record:
        del env["BEARERKIT_RECORD_MODE"]
    return env

"""A fake TMDB v3 API on 127.0.0.1, for learning and testing without a token or internet.

Same paths, JSON shapes, errors and bearer check as api.themoviedb.org, over a
deterministic generated catalogue, plus an OAuth client-credentials endpoint
and knobs to inject faults (errors, resets, truncated bodies, HTML pages,
delays) and a rate limit.

Importing this package is cheap: its data files are read on the first start().

>>> from bearerkit import sandbox
>>> with sandbox.start() as sb:
...     sb.url == f"http://127.0.0.1:{sb.port}/3"
True
"""

from __future__ import annotations

from bearerkit.sandbox.server import Sandbox, serve_forever_cli, start

__all__ = ["Sandbox", "serve_forever_cli", "start"]

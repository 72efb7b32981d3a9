"""TMDB (The Movie Database) on top of :class:`bearerkit.Client`: genres and discover as DataFrames.

:func:`connect` picks the backend: with a token (argument, environment or
``.env``) the real API at ``https://api.themoviedb.org/3``; without one the
embedded sandbox (a local server that answers like TMDB), saying so in one line,
so every notebook and command runs offline. :class:`TMDB` turns TMDB's answers
into DataFrames and trusts none of them blindly: a body of the wrong shape becomes
a :class:`~bearerkit.ResponseFormatError` naming the endpoint and what was
expected. TMDB's vocabulary (per-kind field names, languages) lives in
:mod:`bearerkit.tmdb_kinds`.

- ``api``: the :class:`TMDB` class (genres, discover, counts);
- ``backend``: :func:`connect` and the choice between TMDB and the sandbox;
- ``checks``: the shape checks on TMDB's answers.

>>> import bearerkit as bk
>>> tmdb = bk.tmdb.connect()                # doctest: +SKIP
>>> tmdb.genre_table(languages=("en", "de")).head(3)  # doctest: +SKIP
"""

from __future__ import annotations

from ..tmdb_kinds import DEFAULT_LANGUAGE
from .api import MAX_PAGES, TMDB, TMDB_API, TMDB_RATE_LIMIT
from .backend import BACKENDS, connect

__all__ = [
    "BACKENDS",
    "DEFAULT_LANGUAGE",
    "MAX_PAGES",
    "TMDB",
    "TMDB_API",
    "TMDB_RATE_LIMIT",
    "connect",
]

"""bearerkit: call bearer-token APIs from Jupyter notebooks and get pandas DataFrames back.

>>> import bearerkit as bk
>>> tmdb = bk.tmdb.connect()              # doctest: +SKIP
>>> tmdb.genre_table(languages=("en", "de"))  # doctest: +SKIP

The core (token, client, errors) is imported eagerly; everything heavier (the
sandbox and its data, the TMDB layer, widgets, OAuth) loads on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from . import paging  # light (the client uses it); tqdm loads only when a bar is shown
from ._version import __version__
from .cassette import Cassette, use_cassette
from .client import Client
from .errors import (
    ApiError,
    AuthError,
    BearerkitError,
    CassetteError,
    InsecureTransportError,
    NetworkError,
    NotFoundError,
    PagingError,
    RateLimitError,
    RecordPathError,
    ResponseFormatError,
    ServerError,
    TokenError,
)

# Eager on purpose (about 9 ms): the package bearerkit/scan/ shares its name with the
# function. Importing bearerkit.scan.<anything> sets the attribute bearerkit.scan to the
# package; bound here, after that import, `bk.scan` is the function whatever loads later.
from .scan import scan
from .token import Token, load_token

if TYPE_CHECKING:
    from . import sandbox as sandbox
    from . import tmdb as tmdb
    from . import widgets as widgets
    from .oauth import ClientCredentials

__all__ = [
    "ApiError",
    "AuthError",
    "BearerkitError",
    "Cassette",
    "CassetteError",
    "Client",
    "ClientCredentials",
    "InsecureTransportError",
    "NetworkError",
    "NotFoundError",
    "PagingError",
    "RateLimitError",
    "RecordPathError",
    "ResponseFormatError",
    "ServerError",
    "Token",
    "TokenError",
    "__version__",
    "load_token",
    "paging",
    "sandbox",
    "scan",
    "tmdb",
    "use_cassette",
    "widgets",
]

_LAZY_MODULES = {"sandbox", "tmdb", "widgets"}
_LAZY_NAMES = {"ClientCredentials": "oauth"}


def __getattr__(name: str) -> Any:
    # PEP 562: keeps `import bearerkit` light; the heavy parts load when first touched.
    if name in _LAZY_MODULES:
        return importlib.import_module(f".{name}", __name__)
    if name in _LAZY_NAMES:
        value = getattr(importlib.import_module(f".{_LAZY_NAMES[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'bearerkit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

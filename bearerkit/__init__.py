"""bearerkit: call bearer-token APIs from Jupyter notebooks and get pandas DataFrames back.

>>> import bearerkit as bk
>>> tmdb = bk.tmdb.connect()              # doctest: +SKIP
>>> tmdb.genre_table(languages=("en", "de"))  # doctest: +SKIP

``import bearerkit`` loads only the version and the error classes; every other
public name (the client, tokens, paging, the scanner, cassettes, OAuth, the
sandbox, the TMDB layer, widgets) loads on first use, so ``bearerkit scan`` in a
pre-commit hook never pays for pandas and a notebook pays only for what it touches.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

from ._version import __version__
from .errors import (
    ApiError,
    AuthError,
    BearerkitError,
    CassetteError,
    FolderError,
    InsecureTransportError,
    NetworkError,
    NotFoundError,
    PagingError,
    PagingInterrupted,
    RateLimitError,
    RecordPathError,
    ResponseFormatError,
    ServerError,
    TokenError,
)

if TYPE_CHECKING:  # what mypy and editors see; at run time _LAZY below does the loading
    from . import bulk as bulk
    from . import dlt as dlt
    from . import oauth as oauth
    from . import paging as paging
    from . import sandbox as sandbox
    from . import tmdb as tmdb
    from . import widgets as widgets
    from .cassette import Cassette as Cassette
    from .cassette import use_cassette as use_cassette
    from .client import Client as Client
    from .oauth import BrowserLogin as BrowserLogin
    from .oauth import ClientCredentials as ClientCredentials
    from .oauth import DeviceLogin as DeviceLogin
    from .oauth import RefreshLogin as RefreshLogin
    from .oauth import logout as logout
    from .scan import scan as scan
    from .token import Token as Token
    from .token import load_token as load_token

# The lazy table: public name -> the module it lives in; a row "x": ".x" is the
# subpackage or module bearerkit.x itself. To add a public name, edit three places:
#   1. a row here:                    "DeviceLogin": ".oauth",
#   2. the TYPE_CHECKING block above: from .oauth import DeviceLogin as DeviceLogin
#   3. __all__ below (sorted).
# Error classes are the exception: import them eagerly from .errors above (no dependencies).
# tests/test_public_api.py checks that the three agree and that every name resolves.
_LAZY: dict[str, str] = {
    "Cassette": ".cassette",
    "Client": ".client",
    "bulk": ".bulk",
    "dlt": ".dlt",
    "ClientCredentials": ".oauth",
    "DeviceLogin": ".oauth",
    "BrowserLogin": ".oauth",
    "RefreshLogin": ".oauth",
    "logout": ".oauth",
    "oauth": ".oauth",
    "Token": ".token",
    "load_token": ".token",
    "paging": ".paging",
    "sandbox": ".sandbox",
    "scan": ".scan.api",
    "tmdb": ".tmdb",
    "use_cassette": ".cassette",
    "widgets": ".widgets",
}

__all__ = [
    "ApiError",
    "AuthError",
    "BearerkitError",
    "BrowserLogin",
    "Cassette",
    "CassetteError",
    "Client",
    "ClientCredentials",
    "DeviceLogin",
    "FolderError",
    "InsecureTransportError",
    "NetworkError",
    "NotFoundError",
    "PagingError",
    "PagingInterrupted",
    "RateLimitError",
    "RecordPathError",
    "RefreshLogin",
    "ResponseFormatError",
    "ServerError",
    "Token",
    "TokenError",
    "__version__",
    "bulk",
    "dlt",
    "load_token",
    "logout",
    "oauth",
    "paging",
    "sandbox",
    "scan",
    "tmdb",
    "use_cassette",
    "widgets",
]


def __getattr__(name: str) -> Any:
    # PEP 562: called only for names not yet in the module's globals.
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'bearerkit' has no attribute {name!r}")
    module = importlib.import_module(module_name, __name__)
    value = module if module_name == f".{name}" else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


class _Package(types.ModuleType):
    """The bearerkit module, keeping ``bearerkit.scan`` the function.

    The subpackage bearerkit/scan/ shares its name with the function ``bk.scan``.
    Whenever the subpackage is first imported (``bk.scan`` itself, ``bearerkit scan``,
    ``import bearerkit.scan.cli``), the import system sets the attribute
    ``bearerkit.scan`` to the package; refusing that one assignment keeps
    ``bk.scan(path)`` callable whatever loads first.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "scan" and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package

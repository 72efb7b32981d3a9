"""The public facade: exported names, and what `import bearerkit` does not import."""

from __future__ import annotations

import subprocess
import sys

import bearerkit as bk

EXPECTED = {
    "ApiError", "AuthError", "BearerkitError", "Cassette", "CassetteError", "Client", "ClientCredentials",
    "InsecureTransportError", "use_cassette",
    "NetworkError", "NotFoundError", "PagingError", "RateLimitError", "RecordPathError", "ResponseFormatError",
    "ServerError", "Token", "TokenError", "__version__", "load_token", "paging", "sandbox", "scan", "tmdb", "widgets",
}  # fmt: skip


def test_all_is_exactly_the_public_api() -> None:
    assert set(bk.__all__) == EXPECTED
    for name in bk.__all__:
        assert getattr(bk, name) is not None


def test_error_tree() -> None:
    for cls in (
        bk.TokenError,
        bk.InsecureTransportError,
        bk.NetworkError,
        bk.ResponseFormatError,
        bk.PagingError,
        bk.CassetteError,
        bk.ApiError,
    ):
        assert issubclass(cls, bk.BearerkitError)
    for cls in (bk.AuthError, bk.NotFoundError, bk.RateLimitError, bk.ServerError):
        assert issubclass(cls, bk.ApiError)
        assert cls.__doc__ and "Raised" in cls.__doc__


def test_import_is_light() -> None:
    code = (
        "import sys, bearerkit\n"
        "heavy = [m for m in ('ipywidgets', 'matplotlib', 'tqdm', 'IPython', 'requests_cache',"
        " 'vcr', 'bearerkit.sandbox', 'bearerkit.tmdb', 'bearerkit.widgets') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_lazy_attributes_load_on_first_use() -> None:
    code = "import sys, bearerkit as bk\nbk.tmdb\nprint('bearerkit.tmdb' in sys.modules)\n"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"

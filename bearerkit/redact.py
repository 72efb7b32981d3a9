"""What counts as a credential, and how bearerkit hides one: the single place for it.

Every module that writes a URL, a body snippet or a header into a message, a log
line, a cache key or a cassette asks this module. Nothing else keeps its own list.

>>> mask_url("https://me:pw@api.example.com/x?api_key=abc&page=2")
'https://***@api.example.com/x?api_key=***&page=2'
>>> snippet("  an   <html>  page  ", limit=10)
'an <html> …'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

__all__ = [
    "MASK",
    "SECRET_BODY_FIELDS",
    "SECRET_HEADERS",
    "SECRET_PARAMS",
    "SNIPPET_CHARS",
    "MaskedURL",
    "Secret",
    "header_secrets",
    "is_secret_param",
    "mask_headers",
    "mask_params",
    "mask_query_text",
    "mask_url",
    "scrub",
    "snippet",
]

MASK = "***"
SNIPPET_CHARS = 160  # how much of an unexpected body a message quotes
_SCRUB_WINDOW = 65_536  # bytes of a body looked at for a snippet (bounds the cost)

# Query or form parameter names whose values are credentials (lower case).
SECRET_PARAMS = frozenset(
    {
        "api_key",
        "apikey",
        "api-key",
        "access_token",
        "refresh_token",
        "id_token",
        "token",
        "key",
        "client_secret",
        "session_id",
        "password",
        "secret",
        "auth",
        "signature",
        "sig",
    }
)
# Header names whose values are credentials (lower case).
SECRET_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-api-key",
        "x-auth-token",
        "api-key",
    }
)
# Fields of a token endpoint's JSON answer (or a token request's form) that are secrets.
# ("code", an authorization code, is left out: APIs use that name for error codes.)
SECRET_BODY_FIELDS = frozenset(
    {"access_token", "refresh_token", "id_token", "client_secret", "password", "assertion"}
)


def is_secret_param(name: str) -> bool:
    """Whether a query/form parameter called ``name`` carries a credential."""
    return name.lower() in SECRET_PARAMS


def mask_params(params: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The pairs with credential values replaced by ``***``."""
    return [(k, MASK if is_secret_param(k) else v) for k, v in params]


def mask_url(url: str | None) -> str:
    """The URL with ``user:password@`` and credential-like query values masked.

    Never raises: a URL that cannot be parsed is reduced to what can be shown safely.
    """
    if not url:
        return ""
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if "@" in netloc:
            netloc = f"{MASK}@{netloc.rsplit('@', 1)[1]}"
        query = parts.query
        if query:
            query = urlencode(mask_params(parse_qsl(query, keep_blank_values=True)), safe=",|*")
        return urlunsplit(parts._replace(netloc=netloc, query=query))
    except ValueError:
        # An unparsable URL (bad port, bad IPv6 literal): keep only what precedes the query
        # and any userinfo, which cannot carry a credential.
        head = url.split("?", 1)[0].split("#", 1)[0]
        if "@" in head:
            scheme, _, rest = head.partition("://")
            head = f"{scheme}://{MASK}@{rest.rsplit('@', 1)[1]}" if rest else MASK
        return head


def mask_headers(headers: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``headers`` with credential headers' values replaced by ``***``."""
    return {k: (MASK if k.lower() in SECRET_HEADERS else v) for k, v in headers.items()}


def header_secrets(headers: Mapping[str, Any]) -> list[str]:
    """The credential values in ``headers``, to :func:`scrub` from text a server sent back.

    Each credential header's whole value and, for ``Scheme credentials`` forms
    (``Bearer abc``), the credentials alone: a server echoes the token, not the header.
    """
    found: list[str] = []
    for name, value in headers.items():
        if name.lower() in SECRET_HEADERS and isinstance(value, str) and value:
            found.append(value)
            scheme, _, credentials = value.partition(" ")
            if credentials.strip() and scheme.isalpha():
                found.append(credentials.strip())
    return found


# A credential query/form pair inside free text (a log line's request line): name=value.
_SECRET_PAIR_IN_TEXT = re.compile(
    r"(?<![A-Za-z0-9_-])("
    + "|".join(sorted(map(re.escape, SECRET_PARAMS), key=len, reverse=True))
    + r")=([^&\s\"'#;,)]*)",
    re.IGNORECASE,
)
_USERINFO_IN_TEXT = re.compile(r"(://)[^/\s@:]+:[^/\s@]+@")


def mask_query_text(text: str) -> str:
    """``text`` with ``api_key=…``-style credential pairs and ``user:pw@`` in URLs masked.

    For text that holds URLs or request lines rather than one URL (log messages).

    >>> mask_query_text('"GET /3/x?api_key=abc&page=2 HTTP/1.1" 200')
    '"GET /3/x?api_key=***&page=2 HTTP/1.1" 200'
    """
    if "=" in text:
        text = _SECRET_PAIR_IN_TEXT.sub(lambda m: f"{m.group(1)}={MASK}", text)
    if "@" in text:
        text = _USERINFO_IN_TEXT.sub(lambda m: f"{m.group(1)}{MASK}@", text)
    return text


def scrub(text: str, secrets: Iterable[str | None]) -> str:
    """``text`` with every occurrence of each (non-empty) secret replaced by ``***``."""
    # Longest first: "Bearer abc" must go whole, not leave "Bearer ***" behind.
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        if len(secret) >= 4 and secret in text:
            text = text.replace(secret, MASK)
    return text


def snippet(
    text: str | bytes, *, secrets: Iterable[str | None] = (), limit: int = SNIPPET_CHARS
) -> str:
    """A one-line excerpt of ``text`` for an error message, secrets scrubbed, ``…`` if cut."""
    # Scrub before cutting, so a secret that straddles the cut cannot leave a prefix.
    if isinstance(text, bytes):
        text = text[:_SCRUB_WINDOW].decode("utf-8", "replace")
    text = scrub(text[:_SCRUB_WINDOW], secrets)
    text = " ".join(text[: limit * 4].split())
    return text[:limit] + ("…" if len(text) > limit else "")


class MaskedURL(str):
    """A URL (or path) that is a plain ``str`` to every use but whose repr masks credentials.

    For locals that must hold a URL as sent: a next link can carry ``access_token=``
    (Facebook's ``paging.next``), and a verbose traceback prints each frame's locals.

    >>> MaskedURL("https://x/items?access_token=abc&page=2")
    'https://x/items?access_token=***&page=2'
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return repr(mask_url(str(self)))


class Secret:
    """A credential string that never shows itself: repr and str are ``Secret('***')``.

    Hold a secret in one of these rather than in a plain ``str`` local, so a verbose
    traceback (IPython ``%xmode Verbose`` prints every frame's locals) or a log line
    shows the mask; call :meth:`reveal` only inside the expression that uses the value.

    >>> Secret("s3cr3t-value")
    Secret('***')
    >>> Secret("s3cr3t-value").reveal()
    's3cr3t-value'
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The value itself; use it in place, never store it in a variable."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret({MASK!r})"

    __str__ = __repr__

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("Secret values cannot be pickled")

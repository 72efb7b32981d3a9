"""What counts as a credential, and how bearerkit hides one: the single place for it.

Every module that writes a URL, a body snippet or a header into a message, a log
line, a cache key or a cassette asks this module. Nothing else keeps its own list.

>>> mask_url("https://me:pw@api.example.com/x?api_key=abc&page=2")
'https://***@api.example.com/x?api_key=***&page=2'
>>> snippet("  an   <html>  page  ", limit=10)
'an <html> …'
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urlsplit, urlunsplit

__all__ = [
    "MASK",
    "SECRET_BODY_FIELDS",
    "SECRET_HEADERS",
    "SECRET_PARAMS",
    "SNIPPET_CHARS",
    "MaskedURL",
    "Secret",
    "contains_secret",
    "form_pattern",
    "header_secrets",
    "is_secret_field",
    "is_secret_header",
    "is_secret_param",
    "mask_body",
    "mask_headers",
    "mask_params",
    "mask_query_text",
    "mask_url",
    "scrub",
    "scrub_bytes",
    "secret_forms",
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


# The same names in any spelling: ``apiKey``, ``API-KEY``, ``api_key`` are one name.
_NORMAL_PARAMS = frozenset(re.sub(r"[^a-z0-9]", "", name) for name in SECRET_PARAMS) | {
    "privatetoken",
    "apitoken",
    "authtoken",
    "accesskey",
    "secretkey",
    "privatekey",
    "subscriptionkey",
    "clientsecret",
    "devicecode",
    "codeverifier",
    "passwd",
    "assertion",
}
# Names ending so are credentials too (``x_access_token``, ``userPassword``) unless
# they name a paging cursor (``nextPageToken``, ``continuationToken``, ``syncToken``).
_SECRET_ENDINGS = ("token", "secret", "password", "apikey")
_NOT_SECRET_PARTS = ("page", "cursor", "next", "continuation", "sync", "csrf")
# Token answers and token requests: fields whose values are secrets (normalised names).
_NORMAL_FIELDS = frozenset(re.sub(r"[^a-z0-9]", "", name) for name in SECRET_BODY_FIELDS) | {
    "devicecode",
    "codeverifier",
}


def _normal(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


@lru_cache(maxsize=1024)
def is_secret_param(name: str) -> bool:
    """Whether a query, form or JSON-request parameter called ``name`` carries a credential.

    One rule for query strings, forms and JSON request bodies, in any spelling:

    >>> [is_secret_param(n) for n in ("api_key", "apiKey", "private_token", "nextPageToken")]
    [True, True, True, False]
    """
    normal = _normal(str(name))
    if normal in _NORMAL_PARAMS:
        return True
    return normal.endswith(_SECRET_ENDINGS) and not any(p in normal for p in _NOT_SECRET_PARTS)


def is_secret_field(name: str) -> bool:
    """Whether a token answer's field ``name`` holds a secret (``access_token``, ``accessToken``...).

    Narrower than :func:`is_secret_param`: an answer's ``key`` (a video's YouTube id) stays.
    """
    return _normal(str(name)) in _NORMAL_FIELDS


def is_secret_header(name: str) -> bool:
    """Whether a header called ``name`` carries a credential (``Private-Token``, ``X-Api-Key``...)."""
    lower = str(name).lower()
    if lower in SECRET_HEADERS:
        return True
    return is_secret_param(lower.removeprefix("x-"))


def mask_params(params: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The pairs with credential values replaced by ``***``."""
    return [(k, MASK if is_secret_param(k) else v) for k, v in params]


def mask_body(body: bytes | str) -> bytes | str:
    """A request body with credential fields masked by name: JSON (any Content-Type,
    nested) or a form. Anything else comes back unchanged, as does a body with no
    credential field.

    >>> mask_body(b'{"user": "ann", "apiKey": "k-123"}')
    b'{"user": "ann", "apiKey": "***"}'
    >>> mask_body("grant_type=password&password=hunter2&username=ann")
    'grant_type=password&password=%2A%2A%2A&username=ann'
    """
    try:
        text = body.decode("utf-8") if isinstance(body, bytes) else body
    except UnicodeDecodeError:
        return body
    stripped = text.strip()
    masked: str | None = None
    if stripped[:1] in ("{", "["):
        try:
            data = json.loads(stripped)
        except (ValueError, RecursionError):
            return body
        found = [False]
        data = _mask_json(data, found)
        if found[0]:
            masked = json.dumps(data, ensure_ascii=False)
    elif "=" in stripped and not any(c.isspace() for c in stripped):
        try:
            pairs = parse_qsl(stripped, keep_blank_values=True, strict_parsing=True)
        except ValueError:
            return body
        if any(is_secret_param(k) for k, _ in pairs):
            masked = urlencode(mask_params(pairs))
    if masked is None:
        return body
    return masked.encode("utf-8") if isinstance(body, bytes) else masked


def _mask_json(value: Any, found: list[bool], depth: int = 0) -> Any:
    if depth > 200:  # json.loads already bounds it; this keeps the walk from recursing far
        return value
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if is_secret_param(str(key)) and isinstance(item, (str, int, float)) and item != "":
                found[0] = True
                out[key] = MASK
            else:
                out[key] = _mask_json(item, found, depth + 1)
        return out
    if isinstance(value, list):
        return [_mask_json(item, found, depth + 1) for item in value]
    return value


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
    return {k: (MASK if is_secret_header(k) else v) for k, v in headers.items()}


def header_secrets(headers: Mapping[str, Any]) -> list[str]:
    """The credential values in ``headers``, to :func:`scrub` from text a server sent back.

    Each credential header's whole value and, for ``Scheme credentials`` forms
    (``Bearer abc``), the credentials alone: a server echoes the token, not the header.
    """
    found: list[str] = []
    for name, value in headers.items():
        if is_secret_header(name) and isinstance(value, str) and value:
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


MIN_SECRET_CHARS = 4  # shorter values would mask ordinary words and numbers


@lru_cache(maxsize=4096)
def secret_forms(secret: str) -> tuple[str, ...]:
    """Every spelling of ``secret`` a server or a file may carry, longest first.

    Raw; percent-encoded (``quote`` with and without ``/`` kept, ``quote_plus``, twice
    encoded); JSON-escaped (``\\/``, ``\\uXXXX``); base64 (standard and URL-safe,
    with and without padding). Basic credentials (``base64(id:secret)``) are forms of
    the pair, not of the secret: :func:`bearerkit.secrets.basic_blobs` gives those.

    >>> sorted(secret_forms("a+b/c=d"))[:4]
    ['YStiL2M9ZA', 'YStiL2M9ZA==', 'a%252Bb%252Fc%253Dd', 'a%2Bb%2Fc%3Dd']
    """
    forms = {
        secret,
        quote(secret, safe=""),
        quote(secret, safe="/"),
        quote_plus(secret, safe=""),
        quote(quote(secret, safe=""), safe=""),
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        json.dumps(secret)[1:-1].replace("/", "\\/"),
    }
    raw = secret.encode("utf-8", "surrogatepass")
    for encoded in (base64.b64encode(raw), base64.urlsafe_b64encode(raw)):
        forms.add(encoded.decode("ascii"))
        forms.add(encoded.decode("ascii").rstrip("="))
    return tuple(sorted((f for f in forms if len(f) >= MIN_SECRET_CHARS), key=len, reverse=True))


def form_pattern(form: str) -> str:
    """A regex for ``form`` whose percent escapes match in either case (``%2b``, ``%2B``)."""
    return re.sub(
        r"%([0-9A-F])([0-9A-F])",
        lambda m: "%" + "".join(f"[{c}{c.lower()}]" if c.isalpha() else c for c in m.groups()),
        re.escape(form),
    )


@lru_cache(maxsize=64)
def _text_pattern(secrets: frozenset[str]) -> re.Pattern[str] | None:
    forms = sorted({f for s in secrets for f in secret_forms(s)}, key=len, reverse=True)
    return re.compile("|".join(map(form_pattern, forms))) if forms else None


@lru_cache(maxsize=64)
def _bytes_pattern(secrets: frozenset[str]) -> re.Pattern[bytes] | None:
    forms: set[bytes] = set()
    for secret in secrets:
        for form in secret_forms(secret):
            forms.add(form.encode("utf-8", "surrogatepass"))
            with contextlib.suppress(UnicodeEncodeError):  # a Latin-1 page, a non-ASCII secret
                forms.add(form.encode("latin-1"))
    ordered = sorted(forms, key=len, reverse=True)
    return (
        re.compile(b"|".join(form_pattern(f.decode("latin-1")).encode("latin-1") for f in ordered))
        if ordered
        else None
    )


def _usable(secrets: Iterable[str | None]) -> frozenset[str]:
    return frozenset(
        s for s in secrets if isinstance(s, str) and len(s) >= MIN_SECRET_CHARS and s != MASK
    )


def scrub(text: str, secrets: Iterable[str | None]) -> str:
    """``text`` with each secret replaced by ``***``, in every form :func:`secret_forms` lists.

    >>> scrub('next=https://x/?t=a%2bb%2Fc%3Dd, {"t": "a+b\\\\/c=d"}', ["a+b/c=d"])
    'next=https://x/?t=***, {"t": "***"}'
    """
    pattern = _text_pattern(_usable(secrets))
    return pattern.sub(MASK, text) if pattern is not None else text


def scrub_bytes(data: bytes, secrets: Iterable[str | None]) -> bytes:
    """``data`` with each secret's forms replaced by ``***``; every other byte kept as is."""
    pattern = _bytes_pattern(_usable(secrets))
    return pattern.sub(MASK.encode(), data) if pattern is not None else data


def contains_secret(data: str | bytes, secrets: Iterable[str | None]) -> bool:
    """Whether ``data`` holds any of ``secrets`` in any of their forms."""
    usable = _usable(secrets)
    if isinstance(data, bytes):
        pattern_b = _bytes_pattern(usable)
        return pattern_b is not None and pattern_b.search(data) is not None
    pattern = _text_pattern(usable)
    return pattern is not None and pattern.search(data) is not None


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

"""Which secrets an exchange carries: the one rule errors, the cache, cassettes and logs ask.

:mod:`bearerkit.redact` knows how to remove a secret from text or bytes in every
form it can take (raw, percent-encoded, JSON-escaped, base64); this module knows
*which* values are secret. It learns them from two places:

- the auth objects themselves, through one small protocol: any auth object
  (``BearerAuth``, ``ClientCredentials``, the user logins) defines

  .. code-block:: python

      def bearerkit_secrets(self) -> Iterable[str]:
          '''The credential values this auth holds now (client secret, current and
          earlier access and refresh tokens, device codes, PKCE verifiers...).'''

  The method must be cheap, do no I/O, never raise, and return plain strings.
  :func:`secrets_of` calls it. A client registers its auth with :func:`register`
  (objects that send requests of their own register themselves), and
  :func:`known_secrets` is the union over every live registered object: what a
  cassette scrubs from what it records, and what an error message scrubs.
- the request as sent (:func:`request_secrets`): credential headers (and the
  credentials inside ``Bearer``/``Basic`` values, decoded), and credential query
  parameters. A server may echo any of them.
- the bodies (:func:`body_secrets`, :func:`url_secrets`): credential fields of JSON
  and form bodies, token fields of token answers (JSON or form-encoded), and
  credential parameters of URLs inside a body or a header (``Location: ...?access_token=``).

Limits, honestly: a secret is found by value, so a value shorter than
:data:`~bearerkit.redact.MIN_SECRET_CHARS` characters, one the server transformed
(hashed, truncated, split, re-encoded in another way) or one no auth object or
request ever named is not recognised.

>>> from bearerkit.auth import BearerAuth
>>> from bearerkit.token import Token
>>> auth = BearerAuth(Token("abc-123-def"))
>>> secrets_of(auth), sorted(secrets_of(auth))
(SecretSet(<1 secret>), ['abc-123-def'])
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Protocol, runtime_checkable
from urllib.parse import parse_qsl, quote_plus, unquote_plus, urlsplit

from .redact import MIN_SECRET_CHARS, is_secret_header, is_secret_param, mask_url, scrub

__all__ = [
    "SecretSet",
    "SecretsProvider",
    "basic_blobs",
    "body_secrets",
    "distinctive",
    "known_secrets",
    "register",
    "request_secrets",
    "secrets_of",
    "shown_url",
    "url_secrets",
]


class SecretSet(frozenset[str]):
    """A frozenset of secret values whose repr and str never show them.

    What this module's functions return: a notebook cell that displays one shows a count.

    >>> SecretSet({"abc-123-def"})
    SecretSet(<1 secret>)
    """

    def __repr__(self) -> str:
        return f"SecretSet(<{len(self)} secret{'' if len(self) == 1 else 's'}>)"

    __str__ = __repr__


@runtime_checkable
class SecretsProvider(Protocol):
    """An object that can list the credential values it holds now."""

    def bearerkit_secrets(self) -> Iterable[str]:
        """The credential values this object holds (plain strings)."""
        ...


# A value under a credential *name* is scrubbed everywhere only if it looks like one:
# ``key=title`` (a sort key) must not turn every "title" in a cassette into ***.
# (It is still masked where it stands, by its name.)
_ORDINARY = re.compile(r"[a-z]+(?:[-_. ][a-z]+)*|[A-Z]+(?:[-_. ][A-Z]+)*|[0-9]+|true|false")
MIN_NAMED_CHARS = 8


def distinctive(value: str) -> bool:
    """Whether a value found under a credential name looks like a credential, not a word.

    >>> [distinctive(v) for v in ("title", "popularity.desc", "12345678", "k3y-9f8e7d6c")]
    [False, False, False, True]
    """
    return len(value) >= MIN_NAMED_CHARS and not _ORDINARY.fullmatch(value)


def basic_blobs(user: str, password: str) -> list[str]:
    """The base64 blobs of HTTP Basic for ``user``/``password``: as is, and form-encoded
    first as RFC 6749 §2.3.1 asks of OAuth clients.

    >>> basic_blobs("id", "pw")
    ['aWQ6cHc=']
    """
    blobs: list[str] = []
    for pair in (f"{user}:{password}", f"{quote_plus(user)}:{quote_plus(password)}"):
        blob = base64.b64encode(pair.encode("utf-8", "surrogatepass")).decode("ascii")
        if blob not in blobs:
            blobs.append(blob)
    return blobs


def secrets_of(auth: object) -> SecretSet:
    """The secrets ``auth`` holds now (:class:`SecretsProvider`, or requests' ``HTTPBasicAuth``).

    Never raises: an auth object that fails to answer contributes nothing.
    """
    found: set[str] = set()
    try:
        if isinstance(auth, SecretsProvider):
            found.update(s for s in auth.bearerkit_secrets() if isinstance(s, str))
        else:  # requests' HTTPBasicAuth / HTTPDigestAuth and look-alikes
            password = getattr(auth, "password", None)
            if isinstance(password, (str, bytes)):
                user = getattr(auth, "username", "")
                password = password.decode() if isinstance(password, bytes) else password
                user = user.decode() if isinstance(user, bytes) else str(user)
                found.add(password)
                found.update(basic_blobs(user, password))
    except Exception:  # a scrubber must never be the thing that fails
        return SecretSet()
    return SecretSet(s for s in found if len(s) >= MIN_SECRET_CHARS)


# id(obj) -> weak reference: weak so registering never keeps an auth (and its secrets)
# alive; by id because BearerAuth is not hashable.
_registry: dict[int, weakref.ReferenceType[Any]] = {}
_registry_lock = threading.Lock()


def register(auth: object) -> None:
    """Let :func:`known_secrets` ask ``auth`` for its secrets while it is alive (idempotent)."""
    if auth is None:
        return
    key = id(auth)

    # The lock and the registry are bound now: at interpreter exit this callback can run
    # after the module's globals were set to None.
    def forget(
        _: object,
        key: int = key,
        lock: threading.Lock = _registry_lock,
        registry: dict[int, weakref.ReferenceType[Any]] = _registry,
    ) -> None:
        with lock:
            if registry.get(key) is ref:
                del registry[key]

    try:
        ref = weakref.ref(auth, forget)
    except TypeError:  # no weak references to this type: ask it only when passed in
        return
    with _registry_lock:
        current = _registry.get(key)
        if current is None or current() is not auth:
            _registry[key] = ref


def known_secrets() -> SecretSet:
    """Every secret held by a live registered auth object, now."""
    with _registry_lock:
        refs = list(_registry.values())
    found: set[str] = set()
    for ref in refs:
        auth = ref()
        if auth is not None:
            found |= secrets_of(auth)
    return SecretSet(found)


def shown_url(url: str | None) -> str:
    """``url`` for a message or a log line: credential parameters and ``user:pw@`` masked,
    and every known secret (a token in the path) scrubbed in any encoding.

    >>> shown_url("https://api.example.com/x?api_key=abc&page=2")
    'https://api.example.com/x?api_key=***&page=2'
    """
    return scrub(mask_url(url), known_secrets())


def request_secrets(headers: Mapping[str, Any] | None, url: str | None = None) -> SecretSet:
    """The credentials a request carries: credential headers and credential query values.

    For ``Scheme credentials`` header values the credentials alone count too, and a
    Basic value is decoded into its password (raw and form-decoded).

    >>> sorted(request_secrets({"Authorization": "Basic aWQ6cGFzc3dvcmQ="}, "/x?api_key=k123-4567"))
    ['Basic aWQ6cGFzc3dvcmQ=', 'aWQ6cGFzc3dvcmQ=', 'k123-4567', 'password']
    """
    found: set[str] = set()
    for name, value in (headers or {}).items():
        if isinstance(value, bytes):
            value = value.decode("latin-1")
        if not (isinstance(value, str) and value and is_secret_header(str(name))):
            continue
        found.add(value)
        scheme, _, credentials = value.partition(" ")
        credentials = credentials.strip()
        if credentials and scheme.isalpha():
            found.add(credentials)
            if scheme.lower() == "basic":
                found.update(_basic_password(credentials))
    if url:
        try:
            query = urlsplit(url).query
        except ValueError:
            query = ""
        found.update(
            v
            for k, v in parse_qsl(query, keep_blank_values=True)
            if is_secret_param(k) and distinctive(v)
        )
    return SecretSet(s for s in found if len(s) >= MIN_SECRET_CHARS)


def _basic_password(blob: str) -> list[str]:
    try:
        pair = base64.b64decode(blob, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return []
    _, sep, password = pair.partition(":")
    return [password, unquote_plus(password)] if sep and password else []


# name=value inside free text: a next link in an HTML page, a query in a message.
_PAIR_IN_TEXT = re.compile(r"[?&#;]([A-Za-z0-9_.\-\[\]]+)=([^&\s\"'<>#;,\\]+)")


def body_secrets(body: bytes | str, is_secret: Callable[[str], bool]) -> Iterator[str]:
    """The values a body gives secret names: JSON fields, form fields, URL query pairs.

    ``is_secret`` decides for JSON and form fields: :func:`~bearerkit.redact.is_secret_param`
    for a request's parameters (pass those values through :func:`distinctive` before
    scrubbing them everywhere), :func:`~bearerkit.redact.is_secret_field` for a token
    answer's fields. Pairs in URLs inside the body go by the query rule and
    :func:`distinctive`.

    >>> sorted(body_secrets(b"access_token=t0k3n&scope=repo", is_secret_param))
    ['t0k3n']
    """
    if isinstance(body, bytes):
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return  # binary: only values learned elsewhere are scrubbed from it
    else:
        text = body
    stripped = text.strip()
    if stripped[:1] in ("{", "["):
        try:
            data = json.loads(stripped)
        except (ValueError, RecursionError):
            data = None
        if data is not None:
            yield from _json_secrets(data, is_secret)
    elif "=" in stripped and not any(c.isspace() for c in stripped):
        # A form: a token request, or a form-encoded token answer (GitHub's default).
        try:
            pairs = parse_qsl(stripped, keep_blank_values=True, strict_parsing=True)
        except ValueError:
            pairs = []
        yield from (v for k, v in pairs if v and is_secret(k))
    yield from url_secrets(text)


def url_secrets(text: str) -> Iterator[str]:
    """Values of credential parameters in URLs inside ``text`` (``?access_token=...``).

    >>> sorted(set(url_secrets('</x?page=2&key=title&api_key=k%2B1-9f8e>; rel="next"')))
    ['k%2B1-9f8e', 'k+1-9f8e']
    """
    if "=" not in text:
        return
    for m in _PAIR_IN_TEXT.finditer(text):
        if is_secret_param(m.group(1)) and distinctive(unquote_plus(m.group(2))):
            yield m.group(2)
            yield unquote_plus(m.group(2))


def _json_secrets(data: Any, is_secret: Callable[[str], bool]) -> Iterator[str]:
    stack = [data]
    while stack:  # iterative: a deeply nested answer must not exhaust the stack
        value = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                if isinstance(item, str) and item and is_secret(str(key)):
                    yield item
                else:
                    stack.append(item)
        elif isinstance(value, list):
            stack.extend(value)

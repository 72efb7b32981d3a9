"""Every error bearerkit raises, in one tree.

    BearerkitError                      anything bearerkit raises on purpose
     ├── TokenError (ValueError)        no usable token: no .env, missing, placeholder, malformed
     ├── InsecureTransportError         a token would travel over plain http to a remote host
     ├── NetworkError (ConnectionError) no answer: connection refused, DNS, reset, timeout
     ├── ResponseFormatError (ValueError)  an answer that is not the JSON it claims to be
     ├── RecordPathError (KeyError)     a DataFrame record path that the JSON does not have
     ├── CassetteError                  a replay-only cassette lacks the request (nothing sent)
     ├── PagingError                    paging cannot go on safely, or more pages than it can follow
     ├── FolderError                    a streaming folder (to=/resume=) of another request, or not bearerkit's
     └── ApiError                       the API answered with an HTTP error status
          ├── AuthError                 401 / 403, or a token endpoint that refused
          ├── NotFoundError             404
          ├── RateLimitError            429 left after the retries (``.retry_after``)
          └── ServerError               5xx left after the retries

    KeyboardInterrupt
     └── PagingInterrupted              Ctrl-C during ``Client.paginate``: ``.partial`` keeps the pages

Messages say what happened and what to do next. They never contain a token: the
client builds them from the status, the API's own message and a URL that never
carries credentials.

Any of them escaping ``Client.paginate`` after its first page carries ``.partial``:
a DataFrame of every record fetched so far, whose ``attrs["paging"]`` says where
to continue; ``client.paginate(..., resume=err)`` fetches only what is missing.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ApiError",
    "AuthError",
    "BearerkitError",
    "CassetteError",
    "FolderError",
    "InsecureTransportError",
    "NetworkError",
    "NotFoundError",
    "PagingError",
    "PagingInterrupted",
    "RateLimitError",
    "RecordPathError",
    "ResponseFormatError",
    "ServerError",
    "TokenError",
]


class BearerkitError(Exception):
    """Base class: catch this to handle every error bearerkit raises on purpose.

    Attributes:
        partial: set when the error escaped ``Client.paginate`` after its first page:
            a DataFrame of the records fetched so far (else ``None``).
    """

    partial: Any = None


class TokenError(BearerkitError, ValueError):
    """Raised by :func:`bearerkit.load_token` when no usable token can be found.

    Covers: no ``.env`` file, the variable missing or empty, the value still the
    placeholder from ``.env.example``, a character a header cannot carry (whitespace,
    curly quotes, invisible or non-ASCII characters), or a ``.env`` that cannot be read
    or is not UTF-8 (UTF-16 as PowerShell writes it).

    Attributes:
        reason: ``"missing"`` (no file, unset or empty), ``"placeholder"``,
            ``"malformed"`` (the value or the file's encoding), ``"unreadable"``
            (permissions, not a regular file) or ``"v3_key"`` (TMDB's v3 API Key where
            its API Read Access Token belongs; :func:`bearerkit.tmdb.connect`).
    """

    def __init__(self, message: str, *, reason: str = "missing") -> None:
        super().__init__(message)
        self.reason = reason


class InsecureTransportError(BearerkitError):
    """Raised before sending when a token would go over ``http://`` to a non-loopback host."""


class NetworkError(BearerkitError, ConnectionError):
    """Raised when the server could not be reached or did not answer in time."""


class ResponseFormatError(BearerkitError, ValueError):
    """Raised when a response body is not valid JSON (an HTML error page, a truncated body).

    Also for JSON nested too deeply to decode, and a body that does not decompress as
    its ``Content-Encoding`` declares. The message shows the content type and a short
    snippet of the body.
    """


class PagingError(BearerkitError):
    """Raised when paging cannot go on: the API shows more pages in a way ``auto`` cannot
    follow (the message names the field and the paginator to pass), a next link
    points at another host (the token never goes there), or the API goes round in circles.
    """


class FolderError(BearerkitError):
    """Raised when a folder cannot take a streaming run (``to=``, ``resume=``): it holds a
    run of another request, a run already (``to=``; ``resume=`` continues it), or files
    bearerkit did not write.
    """


class PagingInterrupted(KeyboardInterrupt):
    """Raised when Ctrl-C stops ``Client.paginate``: still a ``KeyboardInterrupt`` (so a loop
    stops too), carrying the pages fetched before it.

    Attributes:
        partial: a DataFrame of the records fetched so far, marked incomplete;
            ``client.paginate(..., resume=err)`` fetches only the rest.

    >>> try:                                                     # doctest: +SKIP
    ...     df = api.paginate("items")
    ... except KeyboardInterrupt as stop:
    ...     df = stop.partial     # later: api.paginate("items", resume=stop)
    """

    partial: Any = None


class RecordPathError(BearerkitError, KeyError):
    """Raised when ``record_path`` names a key the JSON does not have; lists the keys it has."""

    def __str__(self) -> str:  # KeyError would repr() the message, quotes and all
        return str(self.args[0]) if self.args else ""


class CassetteError(BearerkitError):
    """Raised when a replay-only cassette has no recording of a request; nothing was sent.

    Attributes:
        path: the cassette file.
    """

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path


class ApiError(BearerkitError):
    """Raised when the API answers with an HTTP error status (4xx/5xx).

    Attributes:
        status_code: the HTTP status.
        api_message: the API's own words (TMDB's ``status_message``, or a generic
            ``message``/``error``/``errors`` field), or ``None``.
        url: the request URL (without credentials).
        api_code: TMDB's numeric ``status_code`` from the body, when present.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        api_message: str | None = None,
        url: str | None = None,
        api_code: int | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.api_message = api_message
        self.url = url
        self.api_code = api_code


class AuthError(ApiError):
    """Raised on 401/403, and when an OAuth token endpoint refuses the client credentials."""


class NotFoundError(ApiError):
    """Raised on 404: an unknown endpoint or id."""


class RateLimitError(ApiError):
    """Raised on 429 when retries are used up or the server asks to wait too long.

    Attributes:
        retry_after: seconds the server asked to wait, or ``None`` if it did not say.
    """

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.retry_after = retry_after


class ServerError(ApiError):
    """Raised on 5xx left after the retries (idempotent methods are retried first)."""

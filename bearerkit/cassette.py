"""Record once, replay offline: vcrpy cassettes with bearerkit's secret hygiene.

Record a notebook's HTTP traffic once with a real token, commit the cassette, and
let CI replay it with no token and no network. vcrpy does the recording, matching
and YAML files; this module adds what a notebook needs on top:

- secrets never reach the file: credential headers are dropped, credential query
  and body parameters masked, token fields of token-endpoint answers masked, and
  every bearer token the recorded requests carried is scrubbed from every recorded
  body (APIs echo tokens back). All of it happens before the file is written;
- matching ignores credentials (headers, secret parameters) and the host, so a
  replay with other secrets, or against the sandbox on another port, still matches;
- in replay-only mode no secret is needed: :func:`bearerkit.load_token` hands out
  a placeholder when nothing is configured;
- a request the cassette lacks raises :class:`~bearerkit.CassetteError` and sends nothing;
- ``BEARERKIT_RECORD_MODE`` overrides every mode (CI sets ``none``).

>>> with bk.use_cassette("cassettes/github.yaml"):          # doctest: +SKIP
...     issues = bk.Client("https://api.github.com", bk.load_token("GITHUB_TOKEN")
...                        ).paginate("repos/pandas-dev/pandas/issues", max_pages=2)
"""

from __future__ import annotations

import copy
import json
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .errors import CassetteError
from .redact import (
    MASK,
    SECRET_BODY_FIELDS,
    SECRET_HEADERS,
    SECRET_PARAMS,
    is_secret_param,
    mask_url,
    scrub,
)

__all__ = [
    "RECORD_MODES",
    "RECORD_MODE_ENV",
    "Cassette",
    "active_cassettes",
    "cassette_miss",
    "recording",
    "replaying",
    "use_cassette",
]

RECORD_MODES = ("once", "none", "new_episodes", "all")  # vcrpy's names and meanings
RECORD_MODE_ENV = "BEARERKIT_RECORD_MODE"
# Host, port and scheme are left out of matching: a cassette recorded against the real
# API replays against the sandbox, and one recorded on a random loopback port replays
# on the next. Credentials never take part (they are masked before matching).
MATCH_ON = ("method", "path", "query", "body")
# Absolute links to the recorded API (a Link header, a body's "next" URL) are stored with
# this origin and given the replaying request's origin back, so paging replays anywhere.
RECORDED_ORIGIN = "http://recorded-origin.bearerkit.invalid"

_active: list[Cassette] = []
_active_lock = threading.Lock()


def effective_mode(record_mode: str) -> str:
    """The mode in force: ``BEARERKIT_RECORD_MODE`` if set, else ``record_mode``; validated."""
    mode = (os.environ.get(RECORD_MODE_ENV) or record_mode).strip().lower()
    if mode not in RECORD_MODES:
        source = RECORD_MODE_ENV if os.environ.get(RECORD_MODE_ENV) else "record_mode"
        raise ValueError(f"{source} must be one of {', '.join(RECORD_MODES)}, not {mode!r}")
    return mode


class Cassette:
    """One cassette file, active while started: every HTTP request in the process is
    recorded to it or replayed from it.

    Use :func:`use_cassette` (or ``Client(cassette=...)``) rather than this class.

    Attributes:
        path: the YAML file.
        mode: the record mode in force (after ``BEARERKIT_RECORD_MODE``).
        replay_only: ``True`` when nothing may be recorded: mode ``none``, or ``once``
            with an existing file.
    """

    def __init__(self, path: str | os.PathLike[str], *, record_mode: str = "once") -> None:
        self.path = Path(path)
        self.mode = effective_mode(record_mode)
        self.replay_only = self.mode == "none" or (self.mode == "once" and self.path.exists())
        self._secrets: set[str] = set()
        self._lock = threading.RLock()
        self._context: Any = None
        self._vcr_cassette: Any = None
        self._recording = threading.local()  # the origin of the request being recorded

    # -- lifecycle ------------------------------------------------------------------
    def start(self) -> Cassette:
        """Start recording or replaying (idempotent)."""
        with self._lock:
            if self._context is not None:
                return self
            if self.mode == "none" and not self.path.exists():
                raise CassetteError(
                    f"Cassette {self.path} does not exist and the record mode is 'none' "
                    f"(replay only{self._mode_origin()}). Record it first with a real token "
                    "and record_mode='once', then commit it."
                )
            import vcr  # late: only notebooks that record or replay pay for it

            if self.mode != "none":
                self.path.parent.mkdir(parents=True, exist_ok=True)
            recorder = vcr.VCR(
                record_mode=self.mode,
                match_on=MATCH_ON,
                decode_compressed_response=True,
                filter_post_data_parameters=[
                    (name, MASK) for name in sorted(SECRET_PARAMS | SECRET_BODY_FIELDS)
                ],
                filter_nested_post_data_parameters=True,
                before_record_request=self._clean_request,
                before_record_response=self._clean_response,
            )
            context = recorder.use_cassette(str(self.path))
            broken: str | None = None
            try:
                if self.path.exists():  # vcrpy takes undecodable bytes for an empty cassette
                    self.path.read_bytes().decode("utf-8")
                self._vcr_cassette = context.__enter__()
            except Exception as exc:  # YAML syntax, bad bytes, a file that is not a cassette
                broken = type(exc).__name__
            if broken is not None:  # raised here, so the parser's error is not chained
                raise CassetteError(
                    f"Cassette {self.path} cannot be read ({broken}): it is not a cassette "
                    "bearerkit wrote, or it was damaged. Restore it from version control, or "
                    "delete it and record it again with a real token.",
                    path=str(self.path),
                )
            self._context = context
            self._save_after_each_recording()
            self._replay_with_current_origin()
        with _active_lock:
            _active.append(self)
        return self

    def stop(self) -> None:
        """Write what was recorded and stop intercepting requests."""
        with self._lock:
            if self._context is None:
                return
            context, self._context, self._vcr_cassette = self._context, None, None
            context.__exit__(None, None, None)
        with _active_lock:
            if self in _active:
                _active.remove(self)

    def __enter__(self) -> Cassette:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def active(self) -> bool:
        """Whether requests are being recorded or replayed now."""
        return self._context is not None

    def __len__(self) -> int:
        return len(self._vcr_cassette) if self._vcr_cassette is not None else 0

    def __repr__(self) -> str:
        state = "active" if self.active else "stopped"
        return f"<bearerkit.Cassette {str(self.path)!r} mode={self.mode!r} {state}>"

    # -- secrets --------------------------------------------------------------------
    def add_secret(self, value: str | None) -> None:
        """Scrub ``value`` from everything this cassette records (a token, a client secret)."""
        if value and len(value) >= 4 and value != MASK:
            self._secrets.add(value)

    def _clean_request(self, request: Any) -> Any:
        # vcrpy hands a deep copy; this runs before matching too, so matching sees the
        # same masked request that the file stores.
        for name in list(request.headers):
            if name.lower() in SECRET_HEADERS:
                value = request.headers[name]
                if isinstance(value, str):
                    self.add_secret(value)
                    scheme, _, credential = value.partition(" ")
                    self.add_secret(credential.strip() if credential else scheme)
                del request.headers[name]
        for name, value in parse_qsl(urlsplit(request.uri).query, keep_blank_values=True):
            if is_secret_param(name):
                self.add_secret(value)  # an API may echo a query key back in its body
        request.uri = mask_url(request.uri)
        body = request.body
        if body and self._secrets:
            text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
            cleaned = scrub(text, self._secrets)
            if cleaned != text:
                request.body = cleaned.encode("utf-8") if isinstance(body, bytes) else cleaned
        return request

    def _clean_response(self, response: dict[str, Any]) -> dict[str, Any]:
        origin = getattr(self._recording, "origin", None)
        if origin:
            response = _replace_text(response, origin, RECORDED_ORIGIN)
        headers = response.get("headers") or {}
        for name in list(headers):
            if name.lower() in SECRET_HEADERS:
                del headers[name]
            else:
                headers[name] = [scrub(str(v), self._secrets) for v in _as_list(headers[name])]
        body = response.get("body") or {}
        raw = body.get("string")
        if raw:
            text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
            text = _mask_json_fields(text, self.add_secret)
            text = scrub(text, self._secrets)
            body["string"] = text.encode("utf-8") if isinstance(raw, bytes) else text
            _fix_length(headers, body["string"])
        return response

    # -- plumbing -------------------------------------------------------------------
    def _save_after_each_recording(self) -> None:
        # A notebook keeps a cassette open for the kernel's life and may never call
        # stop(): write after every recorded interaction so nothing is lost.
        cassette = self._vcr_cassette
        append = cassette.append
        lock = self._lock

        def append_and_save(request: Any, response: Any) -> None:
            with lock:
                self._recording.origin = _origin(request.uri)
                try:
                    append(request, response)
                finally:
                    self._recording.origin = None
                cassette._save()

        cassette.append = append_and_save

    def _replay_with_current_origin(self) -> None:
        cassette = self._vcr_cassette
        play = cassette.play_response

        def play_here(request: Any) -> Any:
            response = copy.deepcopy(play(request))  # the stored one is played again later
            return _replace_text(response, RECORDED_ORIGIN, _origin(request.uri))

        cassette.play_response = play_here

    def _mode_origin(self) -> str:
        return f", set by {RECORD_MODE_ENV}" if os.environ.get(RECORD_MODE_ENV) else ""

    def miss_error(self, method: str, url: str) -> CassetteError:
        """The error for a request this replay-only cassette does not hold."""
        return CassetteError(
            f"{method} {mask_url(url)} is not in the cassette {self.path} (record mode "
            f"{self.mode!r}{self._mode_origin()}); nothing was sent. Record it once with a real "
            "token (record_mode='new_episodes' adds requests to an existing cassette), or "
            "check that the notebook makes the same requests as when it was recorded.",
            path=str(self.path),
        )


def use_cassette(path: str | os.PathLike[str], *, record_mode: str = "once") -> Cassette:
    """Record every HTTP request to ``path``, or replay them from it.

    Works as a context manager, or left active for the kernel's life (call
    ``.stop()`` to end it). Covers every bearerkit client, ``bk.tmdb.connect()``
    and ``ClientCredentials``' token exchange.

    Args:
        path: the cassette file (YAML); commit it next to the notebook.
        record_mode: ``"once"`` (record if the file does not exist, else replay only),
            ``"none"`` (replay only), ``"new_episodes"`` (replay, record what is new)
            or ``"all"`` (record everything anew). ``BEARERKIT_RECORD_MODE`` overrides it.

    >>> with bk.use_cassette("cassettes/tmdb.yaml"):          # doctest: +SKIP
    ...     genres = bk.tmdb.connect().genres()
    >>> tape = bk.use_cassette("cassettes/notebook.yaml")     # doctest: +SKIP
    >>> tape.stop()                                           # doctest: +SKIP
    """
    return Cassette(path, record_mode=record_mode).start()


def active_cassettes() -> list[Cassette]:
    """The cassettes active now, innermost last."""
    with _active_lock:
        return list(_active)


def recording() -> bool:
    """Whether an active cassette may record (paging then fetches one page at a time:
    vcrpy loses interactions recorded from several threads at once)."""
    return any(not c.replay_only for c in active_cassettes())


def replaying() -> bool:
    """Whether a replay-only cassette is active (so no real secret is needed)."""
    return any(c.replay_only for c in active_cassettes())


def cassette_miss(exc: BaseException, method: str, url: str) -> CassetteError | None:
    """The :class:`CassetteError` for vcrpy's "not in the cassette" exception, else ``None``."""
    errors = sys.modules.get("vcr.errors")  # only loaded once a cassette was started
    if errors is None or not isinstance(exc, errors.CannotOverwriteExistingCassetteException):
        return None
    path = str(getattr(getattr(exc, "cassette", None), "_path", "") or "")
    for cassette in reversed(active_cassettes()):
        if not path or str(cassette.path) == path:
            return cassette.miss_error(method, url)
    return CassetteError(f"{method} {mask_url(url)} is not in the cassette; nothing was sent.")


def _origin(uri: str) -> str:
    parts = urlsplit(uri)
    return f"{parts.scheme}://{parts.netloc}"


def _replace_text(response: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    """``response`` (vcrpy's dict) with ``old`` replaced by ``new`` in headers and body."""
    if not old or old == new:
        return response
    headers = response.get("headers") or {}
    for name in list(headers):
        values = _as_list(headers[name])
        if any(old in str(v) for v in values):
            headers[name] = [str(v).replace(old, new) for v in values]
    body = response.get("body") or {}
    raw = body.get("string")
    if isinstance(raw, bytes) and old.encode() in raw:
        body["string"] = raw.replace(old.encode(), new.encode())
        _fix_length(headers, body["string"])
    elif isinstance(raw, str) and old in raw:
        body["string"] = raw.replace(old, new)
        _fix_length(headers, body["string"])
    return response


def _fix_length(headers: dict[str, Any], body: bytes | str) -> None:
    # A body that shrank or grew with a stale Content-Length would be cut short on replay.
    for name in list(headers):
        if name.lower() == "content-length":
            headers[name] = [str(len(body.encode("utf-8") if isinstance(body, str) else body))]


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _mask_json_fields(text: str, remember: Callable[[str], None]) -> str:
    """Mask token fields (``access_token``...) of a JSON body, remembering their values."""
    if not any(field in text for field in SECRET_BODY_FIELDS):
        return text
    try:
        data = json.loads(text)
    except ValueError:
        return text

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            out = {}
            for key, item in value.items():
                if key.lower() in SECRET_BODY_FIELDS and isinstance(item, str) and item:
                    remember(item)
                    out[key] = MASK
                else:
                    out[key] = walk(item)
            return out
        if isinstance(value, list):
            return [walk(item) for item in value]
        return value

    return json.dumps(walk(data), ensure_ascii=False)

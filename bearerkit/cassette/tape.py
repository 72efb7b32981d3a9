"""The cassette itself: start and stop vcrpy around a file, clean what it records
before matching and writing, and explain a miss. See :mod:`bearerkit.cassette`."""

from __future__ import annotations

import copy
import os
import sys
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

from ..errors import CassetteError
from ..redact import (
    MASK,
    MIN_SECRET_CHARS,
    is_secret_field,
    is_secret_header,
    is_secret_param,
    mask_body,
    mask_url,
    scrub,
    scrub_bytes,
)
from ..secrets import (
    SecretSet,
    body_secrets,
    distinctive,
    known_secrets,
    request_secrets,
    shown_url,
    url_secrets,
)
from .interactions import as_list, closest, damage, fix_length, origin_of, replace_text

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
    """The mode in force: ``BEARERKIT_RECORD_MODE`` if set, else ``record_mode``; validated.

    Raises:
        ValueError: the mode is not one of :data:`RECORD_MODES` (or not text at all).
    """
    from_env = os.environ.get(RECORD_MODE_ENV)
    source = RECORD_MODE_ENV if from_env else "record_mode"
    chosen: object = from_env or record_mode
    mode = chosen.strip().lower() if isinstance(chosen, str) else chosen
    if mode not in RECORD_MODES:
        raise ValueError(f"{source} must be one of {', '.join(RECORD_MODES)}, not {mode!r}")
    return str(mode)


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
        self._secrets_lock = threading.Lock()  # paging threads clean requests at once
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
                # Bodies are masked by _clean_request (one name rule for query strings,
                # forms and JSON, any Content-Type), which learns the values first.
                before_record_request=self._clean_request,
                before_record_response=self._clean_response,
            )
            context = recorder.use_cassette(str(self.path))
            broken: str | None = None
            try:
                if self.path.exists():  # vcrpy takes undecodable bytes for an empty cassette
                    self.path.read_bytes().decode("utf-8")
                self._vcr_cassette = context.__enter__()
                broken = damage(self._vcr_cassette.data)
                if broken is not None:
                    context.__exit__(None, None, None)
            except Exception as exc:  # YAML syntax, bad bytes, a file that is not a cassette
                broken = type(exc).__name__
            if broken is not None:  # raised here, so the parser's error is not chained
                self._vcr_cassette = None
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
        if value and len(value) >= MIN_SECRET_CHARS and value != MASK:
            with self._secrets_lock:
                self._secrets.add(value)

    def _secrets_now(self) -> SecretSet:
        """Every secret this cassette scrubs now: what it learned, and what every live
        auth object holds (:func:`bearerkit.secrets.known_secrets`)."""
        with self._secrets_lock:
            learned = set(self._secrets)
        return SecretSet(learned | known_secrets())

    def _clean_request(self, request: Any) -> Any:
        # vcrpy hands a deep copy; this runs before matching too, so matching sees the
        # same masked request that the file stores.
        for value in request_secrets(request.headers, request.uri):
            self.add_secret(value)
        body = request.body
        if isinstance(body, (bytes, str)) and body:
            for value in body_secrets(body, is_secret_param):
                if distinctive(value):
                    self.add_secret(value)
            body = mask_body(body)  # by name, in place: JSON (any Content-Type) or a form
        secrets = self._secrets_now()
        for name in list(request.headers):
            value = request.headers[name]
            text = value if isinstance(value, str) else str(value)
            scrubbed = MASK if is_secret_header(name) else scrub(text, secrets)
            if scrubbed == MASK:
                del request.headers[name]  # a credential, whatever the header is called
            elif scrubbed != text:  # every secret form is longer than MASK: it held one
                request.headers[name] = scrubbed
        request.uri = scrub(mask_url(request.uri), secrets)
        if isinstance(body, bytes) and body:
            request.body = scrub_bytes(body, secrets)
        elif isinstance(body, str) and body:
            request.body = scrub(body, secrets)
        return request

    def _clean_response(self, response: dict[str, Any]) -> dict[str, Any]:
        origin = getattr(self._recording, "origin", None)
        if origin:
            response = replace_text(response, origin, RECORDED_ORIGIN)
        headers = response.get("headers") or {}
        body = response.get("body") or {}
        raw = body.get("string")
        # Learn first (token fields, ?access_token= in a Location), then scrub everything.
        for name in list(headers):
            for value in as_list(headers[name]):
                for found in url_secrets(str(value)):
                    self.add_secret(found)
        if isinstance(raw, (bytes, str)) and raw:
            for value in body_secrets(raw, is_secret_field):
                self.add_secret(value)
        secrets = self._secrets_now()
        for name in list(headers):
            if is_secret_header(name):
                del headers[name]
            else:
                headers[name] = [scrub(str(v), secrets) for v in as_list(headers[name])]
        if isinstance(raw, bytes) and raw:
            body["string"] = scrub_bytes(raw, secrets)  # byte for byte, apart from secrets
        elif isinstance(raw, str) and raw:
            body["string"] = scrub(raw, secrets)
        if raw and body["string"] != raw:
            fix_length(headers, body["string"])
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
                self._recording.origin = origin_of(request.uri)
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
            return replace_text(response, RECORDED_ORIGIN, origin_of(request.uri))

        cassette.play_response = play_here

    def _mode_origin(self) -> str:
        return f", set by {RECORD_MODE_ENV}" if os.environ.get(RECORD_MODE_ENV) else ""

    def miss_error(self, method: str, url: str, request: Any = None) -> CassetteError:
        """The error for a request this replay-only cassette does not hold.

        With vcrpy's ``request``, it names the closest recorded request and what differs.
        """
        uri = getattr(request, "uri", None)  # with the query, which requests added to url
        shown = scrub(mask_url(uri if isinstance(uri, str) else url), self._secrets_now())
        return CassetteError(
            f"{method} {shown} "
            "is not in the cassette "
            f"{self.path} (record mode "
            f"{self.mode!r}{self._mode_origin()}); nothing was sent.{self._closest(request)} "
            "Record it once with a real token (record_mode='new_episodes' adds requests to an "
            "existing cassette), or check that the notebook makes the same requests as when "
            "it was recorded.",
            path=str(self.path),
        )

    def _closest(self, request: Any) -> str:
        """What tells the miss apart from the closest recorded request, or ``""``."""
        cassette = self._vcr_cassette
        if request is None or cassette is None:
            return ""
        try:
            mine = self._clean_request(copy.deepcopy(request))
            stored = list(cassette.requests)
        except Exception:  # the message must come out even if vcrpy changed shape
            return ""
        return closest(mine, stored, self._secrets_now())


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
            return cassette.miss_error(method, url, getattr(exc, "failed_request", None))
    return CassetteError(f"{method} {shown_url(url)} is not in the cassette; nothing was sent.")

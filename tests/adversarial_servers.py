"""Hostile loopback servers and leak detectors for tests/test_adversarial.py.

``serve(answer)`` runs a threaded HTTP server whose every request is answered by
``answer(request)`` and recorded, so a test can see exactly what reached a host.
``leaks(canary, ...)`` lists every place a secret shows up: reprs, messages,
exception chains and the locals of every frame of a traceback (what IPython's
``%xmode Verbose`` prints).
"""

from __future__ import annotations

import secrets
import threading
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

TESTS = str(Path(__file__).resolve().parent)


def canary(label: str = "TOKEN") -> str:
    """A distinctive fake secret, built at run time (nothing token-shaped in the sources)."""
    return f"canary-{label}-{secrets.token_hex(12)}"


@dataclass
class Seen:
    """One request as the server received it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


Answer = tuple[int, Iterable[tuple[str, str]], bytes]


@dataclass
class Server:
    url: str
    seen: list[Seen] = field(default_factory=list)

    def all_text(self) -> str:
        """Every request line, header and body this server received, as one text."""
        return "\n".join(
            f"{s.method} {s.path}\n{s.headers!r}\n{s.body.decode('latin1')}" for s in self.seen
        )


@contextmanager
def serve(answer: Callable[[Seen], Answer]) -> Iterator[Server]:
    """A threaded HTTP/1.1 server on 127.0.0.1 answering with ``answer(request)``."""
    holder: dict[str, Server] = {}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            seen = Seen(self.command, self.path, dict(self.headers.items()), body)
            holder["server"].seen.append(seen)
            status, headers, payload = answer(seen)
            self.send_response(status)
            names = set()
            for name, value in headers:
                names.add(name.lower())
                self.send_header(name, value)
            if "content-length" not in names:
                self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _any

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    server = Server(f"http://127.0.0.1:{httpd.server_address[1]}")
    holder["server"] = server
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield server
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(2)


def _safe_repr(value: Any) -> str:
    try:
        return repr(value)
    except Exception as exc:  # a repr that raises is not a leak
        return f"<repr failed: {type(exc).__name__}>"


def exception_leaks(
    secret: str, exc: BaseException, *, callers_own: tuple[str, ...] = ("params",)
) -> list[str]:
    """Where ``secret`` shows in ``exc``: text, fields, chain, and traceback frame locals.

    Frames of the tests themselves are skipped (they hold the canary on purpose), and
    so are locals named in ``callers_own``: the caller's own ``params=`` dict, passed
    down unchanged, holds a query ``api_key`` because the caller put it there.
    """
    found: list[str] = []
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        name = type(current).__name__
        texts = {
            "str": str(current),
            "repr": _safe_repr(current),
            "format": "".join(traceback.format_exception_only(type(current), current)),
        }
        for attr in ("api_message", "url", "args", "partial", "path"):
            if hasattr(current, attr):
                texts[attr] = _safe_repr(getattr(current, attr))
        partial = getattr(current, "partial", None)
        if partial is not None and hasattr(partial, "attrs"):
            texts["partial.attrs"] = _safe_repr(partial.attrs)
        for where, text in texts.items():
            if secret in text:
                found.append(f"{name}.{where}")
        tb = current.__traceback__
        while tb is not None:
            frame = tb.tb_frame
            if not frame.f_code.co_filename.startswith(TESTS):
                for local, value in frame.f_locals.items():
                    if local not in callers_own and secret in _safe_repr(value):
                        found.append(
                            f"{name}: local {local!r} in {frame.f_code.co_name} "
                            f"({frame.f_code.co_filename}:{tb.tb_lineno})"
                        )
            tb = tb.tb_next
        todo.extend((current.__cause__, current.__context__))
    return found

"""A loopback server that writes whatever bytes a test gives it, with pauses.

For answers no well-behaved HTTP server library will send: invalid ``Location``
headers, Latin-1 header bytes, a body trickled one byte at a time.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

# What the server sends for one request: chunks of bytes, or a float to pause for.
Script = Callable[[bytes], Iterable[bytes | float]]


@contextmanager
def raw_server(script: Script) -> Iterator[tuple[str, list[bytes]]]:
    """Serve ``script(request_head)`` to every connection; yield (base URL, request heads)."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.2)
    heads: list[bytes] = []
    stop = threading.Event()

    def handle(conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            head = b""
            try:
                while b"\r\n\r\n" not in head:
                    data = conn.recv(65536)
                    if not data:
                        return
                    head += data
                heads.append(head)
                for part in script(head):
                    if stop.is_set():
                        return
                    if isinstance(part, float):
                        time.sleep(part)
                    else:
                        conn.sendall(part)
            except OSError:
                return  # the client hung up (as a deadline makes it do)

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=handle, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", heads
    finally:
        stop.set()
        thread.join(2)
        listener.close()


def response_bytes(
    status: str = "200 OK", headers: Iterable[tuple[str, str | bytes]] = (), body: bytes = b""
) -> bytes:
    """One complete HTTP/1.1 response (``Connection: close``), header values as given."""
    lines = [f"HTTP/1.1 {status}".encode()]
    for name, value in headers:
        lines.append(
            name.encode() + b": " + (value if isinstance(value, bytes) else value.encode())
        )
    lines.append(f"Content-Length: {len(body)}".encode())
    lines.append(b"Connection: close")
    return b"\r\n".join(lines) + b"\r\n\r\n" + body

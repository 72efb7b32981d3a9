"""``timeout`` as a deadline: a server that trickles bytes cannot stretch a call.

requests hands its timeout to the socket, which applies it to each read: a server
sending one byte every 0.3 s keeps a ``timeout=0.5`` call alive for as long as it
likes. Here every attempt (sending the request, waiting for the headers, reading the
body) gets an alarm on one watchdog thread; when it goes off it shuts the
connection's socket, so whatever read is blocked returns at once, and the call fails
as timed out. Connecting keeps urllib3's own connect timeout.

How: the client's connection pools use connection classes that start the watchdog
in ``request()`` and stop it when the pool gets the connection back (the body has
been read). The watchdog belongs to a :class:`Deadline` that the client opens
around each call, on the calling thread; connections used outside one (a plain
session) behave as urllib3's always do.

An attempt that runs out of time is not retried: its time is what the caller gave.

>>> with Deadline(10.0) as deadline:  # doctest: +SKIP
...     response = session.get(url, timeout=10.0)
"""

from __future__ import annotations

import contextlib
import heapq
import http.client
import itertools
import socket
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3 import connection as _connection
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.poolmanager import PoolManager, ProxyManager


def _genuine(cls: Any) -> Any:
    """urllib3's own class: imported while a vcrpy cassette is active, the module's names
    point at vcrpy's stubs, whose ``_baseclass`` is the real one."""
    while getattr(cls, "cassette", None) is not None and hasattr(cls, "_baseclass"):
        cls = cls._baseclass
    return cls


if HTTPConnection is not _genuine(HTTPConnection):  # the names above may be vcrpy's stubs
    HTTPConnection = _genuine(_connection.HTTPConnection)  # type: ignore[misc]
    HTTPSConnection = _genuine(_connection.HTTPSConnection)  # type: ignore[misc]

__all__ = ["Deadline", "DeadlineExceeded", "install"]

_local = threading.local()


class DeadlineExceeded(Exception):
    """An attempt ran out of its time. Not an ``OSError``, so urllib3 does not retry it."""


class _Alarm:
    """One scheduled call of the watchdog; :meth:`cancel` makes it a no-op."""

    __slots__ = ("callback", "cancelled")

    def __init__(self, callback: Callable[[], None]) -> None:
        self.callback = callback
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class _Watchdog:
    """One daemon thread for every deadline: a heap of alarms, woken by a condition.

    A ``threading.Timer`` per request would start a thread per request (about
    160 us each, 7 % of a request to a local server); scheduling here costs a heap push.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, _Alarm]] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def schedule(self, delay: float, callback: Callable[[], None]) -> _Alarm:
        alarm = _Alarm(callback)
        entry = (time.monotonic() + delay, next(self._order), alarm)
        with self._cond:
            heapq.heappush(self._heap, entry)
            if self._thread is None or not self._thread.is_alive():  # first use, or forked
                self._thread = threading.Thread(
                    target=self._run, name="bearerkit-deadlines", daemon=True
                )
                self._thread.start()
            elif self._heap[0] is entry:
                self._cond.notify()  # sooner than what the thread sleeps towards
        return alarm

    def _run(self) -> None:
        while True:
            with self._cond:
                while True:
                    while self._heap and self._heap[0][2].cancelled:
                        heapq.heappop(self._heap)
                    if not self._heap:
                        self._cond.wait()
                        continue
                    wait = self._heap[0][0] - time.monotonic()
                    if wait <= 0:
                        alarm = heapq.heappop(self._heap)[2]
                        break
                    self._cond.wait(wait)
            if not alarm.cancelled:
                with contextlib.suppress(Exception):  # never let one alarm stop the others
                    alarm.callback()


_WATCHDOG = _Watchdog()


class Deadline:
    """The watchdog for one call on this thread: ``seconds`` for each attempt."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._attempt = 0
        self._alarm: _Alarm | None = None
        self._lock = threading.Lock()
        self._outer: Deadline | None = None

    def __enter__(self) -> Deadline:
        self._outer = getattr(_local, "deadline", None)
        _local.deadline = self
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        _local.deadline = self._outer
        self._cancel()

    def start(self, conn: HTTPConnection) -> None:
        """A new attempt on ``conn``: (re)start the watchdog."""
        with self._lock:
            if self._alarm is not None:
                self._alarm.cancel()
            self._attempt += 1
            self.expired = False
            attempt = self._attempt
            self._alarm = _WATCHDOG.schedule(self.seconds, lambda: self._fire(attempt, conn))

    def finish(self) -> None:
        """The attempt is over (its connection went back to the pool)."""
        self._cancel()

    def _cancel(self) -> None:
        with self._lock:
            alarm, self._alarm = self._alarm, None
        if alarm is not None:
            alarm.cancel()

    def _fire(self, attempt: int, conn: HTTPConnection) -> None:
        with self._lock:
            if attempt != self._attempt or self._alarm is None:
                return  # a later attempt, or the attempt finished just now
            self.expired = True
            sock = getattr(conn, "_watched_sock", None) or conn.sock
        if sock is not None:
            # socket.socket's own shutdown, also under TLS: the blocked read sees EOF.
            with contextlib.suppress(OSError):  # already closed
                socket.socket.shutdown(sock, socket.SHUT_RDWR)


def current() -> Deadline | None:
    """The deadline of the call running on this thread, if any."""
    return getattr(_local, "deadline", None)


class _WatchedConnection(HTTPConnection):
    """Starts the current call's watchdog with each request it sends."""

    _deadline: Deadline | None = None
    _watched_sock: socket.socket | None = None

    def request(self, *args: Any, **kwargs: Any) -> None:
        self._deadline = current()
        if self._deadline is not None:
            self._deadline.start(self)
        super().request(*args, **kwargs)

    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        # Kept for the watchdog: http.client drops self.sock once a "Connection: close"
        # answer's headers are in, while the body is still read through the socket.
        self._watched_sock = self.sock
        try:
            return super().getresponse(*args, **kwargs)
        except (OSError, http.client.HTTPException) as exc:
            # A shut-down socket surfaces as EOF, a reset, or (under TLS) an SSL error;
            # a socket timeout means the whole attempt's time went on one read.
            deadline = self._deadline
            if deadline is None or not (deadline.expired or isinstance(exc, TimeoutError)):
                raise
        raise DeadlineExceeded("the attempt ran out of time")


class _WatchedHTTPSConnection(_WatchedConnection, HTTPSConnection):
    pass


class _FinishOnReturn:
    """A pool mixin: a connection coming back to the pool ends its attempt's watchdog."""

    def _put_conn(self, conn: Any) -> None:
        deadline = getattr(conn, "_deadline", None)
        if deadline is not None:
            conn._deadline = conn._watched_sock = None
            deadline.finish()
        super()._put_conn(conn)  # type: ignore[misc]


_stub_lock = threading.Lock()
_stubs: dict[type, type] = {}  # vcrpy stub -> its watched subclass, one class per stub
_last_stub: dict[str, type] = {}  # per scheme: the stub in use when last looked up


def _connection_class(swapped: Any, genuine: type, watched: type, scheme: str) -> Any:
    """The class a watched pool makes connections of, with or without a vcrpy cassette.

    While a cassette is active, vcrpy briefly puts urllib3's classes back each time it
    builds a stub's real connection (``force_reset``), for every thread at once; a
    connection made by another thread in that moment would really be sent. vcrpy's
    ``_get_conn`` patch stays in place through it, and tells the moment apart.
    """
    if swapped is not genuine:
        _last_stub[scheme] = swapped
        return _watched_stub(swapped)
    if scheme in _last_stub and hasattr(HTTPConnectionPool._get_conn, "__wrapped__"):
        return _watched_stub(_last_stub[scheme])
    return watched


def _watched_stub(stub: type) -> type:
    with _stub_lock:
        watched = _stubs.get(stub)
        if watched is None:
            watched = _stubs[stub] = _make_watched_stub(stub)
        return watched


def _make_watched_stub(stub: type) -> type:
    """``stub`` (vcrpy's recording connection) sending through a watched real connection.

    A recording stub sends nothing itself: in ``getresponse()`` it sends through its
    ``_baseclass`` connection and reads the whole answer. Made a watched class, that
    connection starts the watchdog; a read the watchdog cut short is a timeout.
    """
    base = getattr(stub, "_baseclass", None)
    if not (isinstance(base, type) and issubclass(base, HTTPConnection)):
        return stub  # not a stub this module knows how to watch
    watched = _WatchedHTTPSConnection if issubclass(base, HTTPSConnection) else _WatchedConnection

    def getresponse(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return stub.getresponse(self, *args, **kwargs)  # type: ignore[attr-defined]
        except DeadlineExceeded:
            raise
        except Exception:
            deadline = current()
            if deadline is None or not deadline.expired:
                raise
        raise DeadlineExceeded("the attempt ran out of time")

    return type(
        f"Watched{stub.__name__}", (stub,), {"_baseclass": watched, "getresponse": getresponse}
    )


# The connection class is looked up on each use rather than fixed: vcrpy's cassettes
# swap urllib3's pools' classes for recording stubs, which are used, watched all the same.
class _HTTPPool(_FinishOnReturn, HTTPConnectionPool):
    @property
    def ConnectionCls(self) -> Any:  # type: ignore[override]
        swapped = HTTPConnectionPool.ConnectionCls
        return _connection_class(swapped, HTTPConnection, _WatchedConnection, "http")


class _HTTPSPool(_FinishOnReturn, HTTPSConnectionPool):
    @property
    def ConnectionCls(self) -> Any:  # type: ignore[override]
        swapped = HTTPSConnectionPool.ConnectionCls
        return _connection_class(swapped, HTTPSConnection, _WatchedHTTPSConnection, "https")


POOL_CLASSES = {"http": _HTTPPool, "https": _HTTPSPool}


def install(adapter: HTTPAdapter) -> None:
    """Make ``adapter``'s connections (direct and through an HTTP proxy) watch deadlines."""
    _use_watched_pools(adapter.poolmanager)
    make_proxy_manager = adapter.proxy_manager_for

    def proxy_manager_for(proxy: str, **proxy_kwargs: Any) -> Any:
        manager = make_proxy_manager(proxy, **proxy_kwargs)
        if isinstance(manager, ProxyManager):  # SOCKS managers keep their own pools
            _use_watched_pools(manager)
        return manager

    adapter.proxy_manager_for = proxy_manager_for  # type: ignore[method-assign]


def _use_watched_pools(manager: PoolManager) -> None:
    manager.pool_classes_by_scheme = POOL_CLASSES

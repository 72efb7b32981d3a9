"""Start and stop a sandbox: a fake TMDB v3 API on 127.0.0.1 in a background thread.

>>> from bearerkit import sandbox
>>> with sandbox.start() as sb:
...     sb.url.startswith("http://127.0.0.1:")
True
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from types import TracebackType

from bearerkit.errors import NetworkError
from bearerkit.sandbox import catalogue
from bearerkit.sandbox.app import SandboxApp
from bearerkit.sandbox.dialects import RATELIMIT_PATH
from bearerkit.sandbox.handler import SandboxServer
from bearerkit.sandbox.lists import V4_PATH
from bearerkit.sandbox.oauth import TOKEN_PATH
from bearerkit.sandbox.styles import STYLES_PATH

HOST = "127.0.0.1"
# How often the server loop checks for stop(): short, so stop() returns quickly.
POLL_INTERVAL = 0.05
JOIN_TIMEOUT = 5.0


class Sandbox(SandboxApp):
    """A running fake TMDB server; create it with :func:`start`.

    Attributes:
        port: the port it listens on (127.0.0.1 only).
        url: the API base, ``http://127.0.0.1:PORT/3``.
        root_url: ``http://127.0.0.1:PORT``.
        v4_url: TMDB's v4 lists, ``root_url + "/4"``.
        styles_url: the paging styles, ``root_url + "/styles"``.
        ratelimit_url: the rate-limit dialects, ``root_url + "/ratelimit"``.
        token_url: the OAuth token endpoint (client credentials, and the sign-in grants).
        token, client_id, client_secret: the credentials it accepts.
        device_authorization_url, verification_url, authorize_url, user_api_url,
        login_client_id, login_client_secret: signing in as its user (userknobs.py),
        with :meth:`approve`, :meth:`deny` and :meth:`consent` to play the user.
        latency, rate_limit, token_ttl: settable at any time.
        ratelimit_refusals: how many ``/ratelimit`` requests were refused so far.

    The fault knobs (:meth:`fail_next`, :meth:`reset_next`, :meth:`truncate_next`,
    :meth:`html_next`, :meth:`delay_next`) and the introspection
    (:attr:`request_log`, :attr:`token_requests`, :meth:`clear_log`) come from
    :class:`~bearerkit.sandbox.app.SandboxApp`.

    >>> with start(token="sandbox-demo-token") as sb:
    ...     sb.token
    'sandbox-demo-token'
    """

    def __init__(
        self,
        *,
        port: int = 0,
        token: str | None = None,
        latency: float = 0.0,
        rate_limit: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(token=token, latency=latency, rate_limit=rate_limit, clock=clock)
        if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
            raise ValueError(f"port must be 0 (any free port) or 1-65535, got {port!r}")
        catalogue.warm()  # first start pays for the data, not the first request
        try:
            self._server = SandboxServer((HOST, port), self)
        except OSError as error:
            raise NetworkError(
                f"Could not start the sandbox on {HOST}:{port}: {error.strerror or error}. "
                "Choose another port, or port=0 for any free one."
            ) from None
        self.port: int = self._server.server_address[1]
        self.root_url = f"http://{HOST}:{self.port}"
        self.url = f"{self.root_url}/3"
        self.token_url = f"{self.root_url}{TOKEN_PATH}"
        self._stop_lock = threading.Lock()
        self._stopped = False
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": POLL_INTERVAL},
            name=f"bearerkit-sandbox-{self.port}",
            daemon=True,
        )
        self._thread.start()

    @property
    def v4_url(self) -> str:
        """TMDB's v4 lists: ``http://127.0.0.1:PORT/4``."""
        return f"{self.root_url}{V4_PATH}"

    @property
    def styles_url(self) -> str:
        """The paging styles: ``http://127.0.0.1:PORT/styles`` (see ``sandbox.styles``)."""
        return f"{self.root_url}{STYLES_PATH}"

    @property
    def ratelimit_url(self) -> str:
        """The rate-limit dialects: ``http://127.0.0.1:PORT/ratelimit`` (``sandbox.dialects``)."""
        return f"{self.root_url}{RATELIMIT_PATH}"

    @property
    def running(self) -> bool:
        """True until :meth:`stop` is called."""
        return not self._stopped

    def stop(self) -> None:
        """Shut the server, close open connections and join its thread (safe to call twice)."""
        with self._stop_lock:
            if self._stopped:
                return
            self._stopped = True
        self._stopping.set()  # wakes requests sleeping out their latency
        self._server.shutdown()
        self._server.server_close()
        self._server.close_connections()
        self._thread.join(JOIN_TIMEOUT)

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<bearerkit.sandbox.Sandbox url={self.url!r} {state}>"


def start(
    *,
    port: int = 0,
    token: str | None = None,
    latency: float = 0.0,
    rate_limit: float | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Sandbox:
    """Start a fake TMDB v3 API on 127.0.0.1 in a background thread.

    Args:
        port: the port to listen on; 0 picks a free one.
        token: the bearer token to accept; by default a new JWT-shaped one.
        latency: seconds added before every response.
        rate_limit: requests per second before 429s, or None for no limit.
        clock: monotonic seconds for the ``/ratelimit`` windows and every sign-in
            expiry and polling gap (tests inject a fake).

    Returns:
        The running :class:`Sandbox`; stop it with ``.stop()`` or a ``with`` block.

    Raises:
        NetworkError: the port is taken.
        TokenError: ``token`` cannot travel in an HTTP header.
        ValueError: a negative latency, a non-positive rate limit or a bad port.

    >>> import requests
    >>> with start() as sb:
    ...     r = requests.get(f"{sb.url}/genre/movie/list",
    ...                      headers={"Authorization": f"Bearer {sb.token}"}, timeout=5)
    ...     r.json()["genres"][0]
    {'id': 28, 'name': 'Action'}
    """
    return Sandbox(port=port, token=token, latency=latency, rate_limit=rate_limit, clock=clock)


def serve_forever_cli(
    *, port: int, token: str | None, latency: float, rate_limit: float | None
) -> int:
    """Run a sandbox in the foreground until Ctrl-C (``python -m bearerkit sandbox``).

    Prints the URLs and the credentials to use, then blocks. Returns 0.
    """
    sandbox = start(port=port, token=token, latency=latency, rate_limit=rate_limit)
    print(
        "bearerkit sandbox: a fake TMDB API on this machine only. Press Ctrl-C to stop.\n"
        f"  API base URL:    {sandbox.url}\n"
        f"  Bearer token:    {sandbox.token}\n"
        f"  v4 lists:        {sandbox.v4_url}/list\n"
        f"  Paging styles:   {sandbox.styles_url}/github/items (and more)\n"
        f"  Rate limits:     {sandbox.ratelimit_url}/github/60/60/items (and 5 other dialects)\n"
        f"  OAuth token URL: {sandbox.token_url}\n"
        f"  client_id:       {sandbox.client_id}\n"
        f"  client_secret:   {sandbox.client_secret}\n"
        f"  Sign in as user: {sandbox.device_authorization_url} (device),\n"
        f"                   {sandbox.authorize_url} (browser), client_id "
        f"{sandbox.login_client_id}\n"
        "Try it:\n"
        f'  curl -H "Authorization: Bearer {sandbox.token}" {sandbox.url}/genre/movie/list',
        flush=True,
    )
    try:
        while sandbox.running:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
    return 0

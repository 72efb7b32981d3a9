"""Sign in in a browser: the authorization code grant with PKCE (RFC 6749 §4.1, RFC 7636, RFC 8252).

``login.start()`` makes a fresh ``state`` and S256 code challenge, starts a
one-shot listener on the loopback ``redirect_uri`` (``127.0.0.1``, any free port
unless the provider wants a fixed one), exposes the authorization URL as
``login.authorization_url``, shows it (and opens it where a browser is local) and
returns at once. When the browser comes back to the listener, the ``state`` is
checked, the code exchanged once with the verifier, and the listener closed.

Where the redirect cannot reach the kernel (Colab, a remote JupyterHub, a
provider that only redirects to a registered web page), paste the URL the browser
ended on into the widget's box, or call ``login.complete(url)``.

>>> import bearerkit as bk
>>> login = bk.BrowserLogin.from_provider("spotify", "my-client-id",
...                                       scope="user-read-recently-played")  # doctest: +SKIP
>>> login.start()  # doctest: +SKIP
>>> login.complete("http://127.0.0.1:8888/callback?code=...&state=...")  # doctest: +SKIP
"""

from __future__ import annotations

import hmac
import html
import os
import secrets
import sys
import threading
import time
import webbrowser
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from bearerkit.auth import is_loopback, origin
from bearerkit.errors import AuthError, BearerkitError, NetworkError, ResponseFormatError
from bearerkit.oauth.login import Clock, UserLogin, check_url
from bearerkit.oauth.pkce import make_verifier, s256_challenge
from bearerkit.redact import Secret, mask_url

__all__ = ["BrowserLogin"]

ATTEMPT_SECONDS = 600.0  # RFC 6749 §4.1.2: codes live at most ~10 minutes; so does the listener
_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>{title}</title></head>
<body style="font-family: sans-serif; margin: 3em"><h1>{title}</h1><p>{text}</p></body></html>"""


class _Attempt:
    """One sign-in attempt: its state, verifier, redirect URI and listener."""

    def __init__(self, redirect_uri: str) -> None:
        self.state = secrets.token_urlsafe(32)
        self.verifier = make_verifier()
        self.redirect_uri = redirect_uri
        self.used_codes: set[str] = set()  # digests of codes already exchanged
        self.lock = threading.Lock()
        self.server: HTTPServer | None = None
        self.finished = threading.Event()


def _code_digest(code: str) -> str:
    import hashlib

    return hashlib.sha256(code.encode()).hexdigest()


class BrowserLogin(UserLogin):
    """Sign in as a user in a browser: authorization code + PKCE S256, loopback redirect.

    A ``requests`` auth object: ``bk.Client(base_url, auth=login)``.

    Args:
        authorize_url: the authorization endpoint (the page the browser opens).
        token_url: the token endpoint.
        client_id: the app's client id.
        scope: scope(s) to ask for, a space-separated string or a list.
        client_secret: for providers that want one even with PKCE (Strava, GitHub).
        redirect_uri: where the browser is sent back: a loopback ``http://127.0.0.1:PORT/path``
            (port 0: any free port) gets a one-shot listener; any other URI (a page
            registered at the provider) is completed by pasting with :meth:`complete`.
        store: ``True`` (keyring or 0600 file in your data folder), ``False``
            (memory only) or a file path (not inside a git work tree unless ignored).
        open_browser: open the URL in a local browser (not on Colab or a hub).
        clock: the time source in seconds (``time.time``).

    >>> login = BrowserLogin("https://auth.example.com/authorize",
    ...                      "https://auth.example.com/token", "my-client-id")  # doctest: +SKIP
    >>> login.start(); login.wait()  # doctest: +SKIP
    """

    flow = "browser"

    def __init__(
        self,
        authorize_url: str,
        token_url: str,
        client_id: str,
        *,
        scope: str | Sequence[str] | None = None,
        client_secret: str | None = None,
        redirect_uri: str = "http://127.0.0.1:0/callback",
        store: bool | str | os.PathLike[str] = True,
        open_browser: bool = True,
        clock: Clock | None = None,
    ) -> None:
        check_url("authorize_url", authorize_url)
        parts = urlsplit(redirect_uri) if isinstance(redirect_uri, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(
                "redirect_uri must be a URL such as 'http://127.0.0.1:0/callback' "
                "(port 0: any free port)"
            )
        super().__init__(
            token_url, client_id, scope=scope, client_secret=client_secret, store=store, clock=clock
        )
        self.authorize_url = authorize_url
        self.redirect_uri = redirect_uri
        self.open_browser = open_browser
        self.authorize_params: dict[str, str] = {}  # provider extras (Dropbox: token_access_type)
        # RFC 9207: the issuer an authorization response's `iss` must name. None: `iss`,
        # when sent, must at least be on the authorization endpoint's origin (mix-up).
        self.issuer: str | None = None
        self._attempt: _Attempt | None = None

    @classmethod
    def from_provider(
        cls,
        name: str,
        client_id: str,
        *,
        scope: str | Sequence[str] | None = None,
        tenant: str | None = None,
        **kw: Any,
    ) -> BrowserLogin:
        """A BrowserLogin with a provider's endpoints and quirks (see :func:`bearerkit.oauth.providers`).

        Args:
            name: ``"github"``, ``"google"``, ``"microsoft"``, ``"spotify"``,
                ``"strava"``, ``"fitbit"``, ``"dropbox"`` or ``"x"``.
            client_id: your app's client id at that provider.
            scope: the scopes to ask for (the provider's default when None).
            tenant: Microsoft only (``"common"`` by default).
            kw: other BrowserLogin arguments (client_secret, redirect_uri, store, ...).

        >>> login = BrowserLogin.from_provider("strava", "12345", client_secret="...",
        ...                                    scope="read,activity:read_all")  # doctest: +SKIP
        """
        from bearerkit.oauth.providers import get_provider

        provider = get_provider(name)
        urls = provider.endpoints(tenant)
        if urls.authorize_url is None:
            raise ValueError(f"{provider.title} does not offer a browser sign-in here.")
        if provider.redirect_uri is not None:
            kw.setdefault("redirect_uri", provider.redirect_uri)
        login = cls(
            urls.authorize_url,
            urls.token_url,
            client_id,
            scope=provider.scope_or_default(scope, "browser"),
            **kw,
        )
        provider.configure(login)
        return login

    @property
    def authorization_url(self) -> str | None:
        """The URL to open for the current attempt (after :meth:`start`), else None."""
        return self.state.authorization_url

    # -- the flow ------------------------------------------------------------------------

    def _begin(self) -> None:
        self._close_listener()
        redirect = self._listen()
        attempt = self._attempt
        assert attempt is not None
        params = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": redirect,
            **({"scope": scope} if (scope := self._scope_param()) else {}),
            "state": attempt.state,
            "code_challenge": s256_challenge(attempt.verifier.reveal()),
            "code_challenge_method": "S256",
            **self.authorize_params,
        }
        parts = urlsplit(self.authorize_url)
        query = f"{parts.query}&{urlencode(params)}" if parts.query else urlencode(params)
        url = urlunsplit(parts._replace(query=query))
        self._update(
            status="pending",
            authorization_url=url,
            redirect_uri=redirect,
            expires_at=datetime.now(timezone.utc) + timedelta(seconds=ATTEMPT_SECONDS),
            message="Waiting for the browser to come back …",
        )
        if self.open_browser and _local_browser():
            webbrowser.open(url)

    def _listen(self) -> str:
        """Start the one-shot loopback listener; the redirect URI with its real port."""
        parts = urlsplit(self.redirect_uri)
        if parts.scheme != "http" or not is_loopback(parts.hostname):
            self._attempt = _Attempt(self.redirect_uri)  # a registered page: paste the URL
            return self.redirect_uri
        host = "::1" if parts.hostname == "::1" else "127.0.0.1"  # never all interfaces
        login = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # the query holds the code
                pass

            def do_GET(self) -> None:
                if urlsplit(self.path).path != (parts.path or "/"):
                    self.send_error(404)
                    return
                ok, text = login._redirected(self.path)
                body = _PAGE.format(
                    title="Signed in" if ok else "Sign-in failed", text=html.escape(text)
                ).encode()
                self.send_response(200 if ok else 400)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

        server_class = HTTPServer
        if host == "::1":
            import socket

            class _V6(HTTPServer):
                address_family = socket.AF_INET6

            server_class = _V6
        try:
            server = server_class((host, parts.port or 0), Handler)
        except OSError as exc:
            busy = f"{type(exc).__name__}: {exc.strerror or exc}"
        else:
            busy = ""
        if busy:  # raised here, outside the except block
            raise NetworkError(
                f"Cannot listen for the sign-in on {host} port {parts.port} ({busy}). Close "
                "what uses that port, or pass redirect_uri with port 0 if the provider allows "
                "any port."
            )
        server.timeout = 0.25
        port = server.server_address[1]
        netloc = (
            f"[{parts.hostname}]:{port}"
            if ":" in (parts.hostname or "")
            else (f"{parts.hostname}:{port}")
        )
        redirect = urlunsplit(parts._replace(netloc=netloc))
        attempt = _Attempt(redirect)
        attempt.server = server
        self._attempt = attempt
        threading.Thread(
            target=self._serve, args=(attempt,), name="bearerkit-browser-login", daemon=True
        ).start()
        return redirect

    def _serve(self, attempt: _Attempt) -> None:
        """Answer the redirect (and nothing else) until it came, the attempt ended or expired."""
        server = attempt.server
        assert server is not None
        stop = time.monotonic() + ATTEMPT_SECONDS
        try:
            while not attempt.finished.is_set() and time.monotonic() < stop:
                if self._attempt is not attempt:
                    return
                server.handle_request()
        finally:
            server.server_close()
        if not attempt.finished.is_set() and self._attempt is attempt and self.status == "pending":
            self._fail(
                "expired",
                AuthError,
                "No sign-in came back within 10 min: call login.start() again, or pass the "
                "URL your browser ended on to login.complete(url).",
            )

    def _close_listener(self) -> None:
        attempt = self._attempt
        if attempt is not None:
            attempt.finished.set()

    def _redirected(self, path: str) -> tuple[bool, str]:
        """The listener got the redirect: complete, and say how it went (for the page)."""
        try:
            self._complete(Secret(path))
        except BearerkitError as exc:
            return False, str(exc)
        return True, "You are signed in. You can close this tab and go back to your notebook."

    def complete(self, url: str) -> None:
        """Finish the sign-in with the URL the browser ended on (``...?code=...&state=...``).

        Raises:
            AuthError: the sign-in was denied, the ``state`` does not match this
                attempt, the code was already used, or the token endpoint refused it.
            ResponseFormatError: ``url`` holds no code (not the page after the redirect).
        """
        sealed = Secret(url if isinstance(url, str) else "")
        del url  # it holds the code in clear: a verbose traceback prints locals
        self._complete(sealed)

    def _complete(self, url: Secret) -> None:
        attempt = self._attempt
        if attempt is None:
            raise AuthError("Nothing to complete: call login.start() first.")
        error = self._check_redirect(url, attempt)
        if error is not None:
            status, exc = error
            if status:
                attempt.finished.set()  # denied or refused: the listener closes
                self._fail(status, type(exc), str(exc))
            raise exc
        code = Secret(_query(url).get("code", ""))
        self._keep(code)
        digest = _code_digest(code.reveal())
        with attempt.lock:
            if digest in attempt.used_codes:
                failure: BearerkitError | None = AuthError(
                    "This sign-in URL was already used (an authorization code works once): "
                    "call login.start() and sign in again."
                )
            else:
                failure = None
                attempt.used_codes.add(digest)
        if failure is not None:
            raise failure
        answer = self._grant(
            self.token_url,
            [
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", attempt.redirect_uri),  # RFC 6749 §4.1.3: identical
                ("code_verifier", attempt.verifier),
            ],
        ).answer()
        if answer.error_code() == "invalid_grant":
            message = (
                f"The token endpoint refused the code ({answer.error_text()}): it was "
                "already used, has expired, or the verifier does not match. Call "
                "login.start() and sign in again."
            )
            attempt.finished.set()
            self._fail("error", AuthError, message)
            raise AuthError(message)
        try:
            token = answer.user_token()
        except BearerkitError as exc:
            failure = exc
        else:
            attempt.finished.set()
            self._signed_in(token)
            return
        attempt.finished.set()
        self._fail("error", type(failure), str(failure))
        failure.__context__ = None
        raise failure

    def _check_redirect(
        self, url: Secret, attempt: _Attempt
    ) -> tuple[str | None, BearerkitError] | None:
        """None if ``url`` is this attempt's redirect with a code, else (status, error)."""
        query = _query(url)
        error = query.get("error")
        if error:
            described = query.get("error_description")
            said = f"{error} ({described[:200]})" if described else error
            if error == "access_denied":
                return "denied", AuthError(
                    f"Sign-in was denied at the provider ({said}): call login.start() to try again."
                )
            return "error", AuthError(
                f"The provider refused the sign-in ({said}): check client_id, redirect_uri "
                "and scope=, then call login.start() again."
            )
        iss = query.get("iss")
        if iss is not None and not self._issuer_matches(iss):
            return None, AuthError(
                f"The sign-in came back from another server (iss={iss[:100]!r}, expected "
                f"{self.issuer or _origin_text(self.authorize_url)!r}): possibly a mix-up "
                "attack (RFC 9207). Call login.start() again and use its own link."
            )
        state = query.get("state")
        if state is None or not hmac.compare_digest(state.encode(), attempt.state.encode()):
            # Not this attempt's: a stale tab, or a forged redirect (CSRF). The attempt goes on.
            return None, AuthError(
                "The sign-in URL does not belong to this attempt (its state does not match): "
                "use the newest link from login.start() and paste the URL it ends on."
            )
        if not query.get("code"):
            return None, ResponseFormatError(
                f"No authorization code in {_shown(url)!r}: paste the whole address "
                "of the page the browser ended on after you approved."
            )
        return None

    def _issuer_matches(self, iss: str) -> bool:
        if self.issuer is not None:
            return hmac.compare_digest(iss.encode(), self.issuer.encode())
        return _origin_text(iss) == _origin_text(self.authorize_url)

    def _terminal_line(self) -> str:
        state = self.state
        if state.status != "pending" or not state.authorization_url:
            return ""
        return (
            f"Sign in: open this URL in your browser: {state.authorization_url} ; if it ends "
            "on a page that does not load, pass that page's URL to login.complete(url)."
        )

    def forget(self) -> bool:
        self._close_listener()
        return super().forget()


def _origin_text(url: str) -> str:
    """``scheme://host:port`` of ``url`` (default ports filled in), for the issuer check."""
    found = origin(url)
    return f"{found[0]}://{found[1]}:{found[2]}" if found else url


def _query(url: Secret) -> dict[str, str]:
    """The redirect's parameters (the query, or the fragment for a fragment redirect)."""
    parts = urlsplit(url.reveal().strip())
    return dict(parse_qsl(parts.query or parts.fragment))


def _shown(url: Secret) -> str:
    """The URL for a message: path only, no query (which may hold a code)."""
    parts = urlsplit(mask_url(url.reveal().strip()))
    return urlunsplit(parts._replace(query="", fragment=""))[:200]


def _local_browser() -> bool:
    """Whether a browser on this machine can be opened (not Colab, a hub, or a headless box)."""
    if "google.colab" in sys.modules or os.environ.get("JUPYTERHUB_USER"):
        return False
    try:
        webbrowser.get()
    except webbrowser.Error:
        return False
    return True

"""The sandbox's user sign-in, as a running sandbox offers it: URLs, knobs, playing the user.

:class:`UserLogins` is mixed into :class:`~bearerkit.sandbox.app.SandboxApp`; the
authorization server itself is :class:`~bearerkit.sandbox.userauth.UserAuth`.

>>> from bearerkit import sandbox
>>> with sandbox.start() as sb:
...     sb.authorize_url == sb.root_url + "/oauth/authorize"
True
"""

from __future__ import annotations

import math

from bearerkit.sandbox.userauth import (
    AUTHORIZE_PATH,
    DEVICE_AUTHORIZATION_PATH,
    USER_API_PATH,
    VERIFICATION_PATH,
    UserAuth,
)


def _seconds(name: str, value: float) -> float:
    """A knob's value in seconds as a float; a ValueError naming the knob otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name} must be a number of seconds, got {value!r}")
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be >= 0 seconds, got {value!r}")
    return float(value)


class UserLogins:
    """Sign-in endpoints, knobs and the user's part, on the sandbox object."""

    _userauth: UserAuth
    root_url: str

    # --- where things are -------------------------------------------------------

    @property
    def login_client_id(self) -> str:
        """The client id for signing in as the sandbox's user (device or browser flow)."""
        return self._userauth.client_id

    @property
    def login_client_secret(self) -> str:
        """That client's secret: optional unless :attr:`login_secret_required` is set."""
        return self._userauth.client_secret

    @property
    def device_authorization_url(self) -> str:
        """The device authorization endpoint (RFC 8628 §3.1)."""
        return self.root_url + DEVICE_AUTHORIZATION_PATH

    @property
    def verification_url(self) -> str:
        """The page where the user types the device code and approves or denies."""
        return self.root_url + VERIFICATION_PATH

    @property
    def authorize_url(self) -> str:
        """The authorization endpoint (RFC 6749 §4.1): a consent page."""
        return self.root_url + AUTHORIZE_PATH

    @property
    def user_api_url(self) -> str:
        """The protected API for signed-in users: ``/user/me``, ``/user/ratings``."""
        return self.root_url + USER_API_PATH

    # --- knobs ------------------------------------------------------------------

    @property
    def login_secret_required(self) -> bool:
        """True makes the sign-in client confidential: it must send its secret."""
        return self._userauth.secret_required

    @login_secret_required.setter
    def login_secret_required(self, value: bool) -> None:
        self._userauth.secret_required = bool(value)

    @property
    def device_interval(self) -> float:
        """Seconds a device must wait between polls (default 5); faster polls get slow_down."""
        return self._userauth.device_interval

    @device_interval.setter
    def device_interval(self, seconds: float) -> None:
        self._userauth.device_interval = _seconds("device_interval", seconds)

    @property
    def device_code_ttl(self) -> float:
        """Seconds a new device code lives (default 900); then polls get expired_token."""
        return self._userauth.device_code_ttl

    @device_code_ttl.setter
    def device_code_ttl(self, seconds: float) -> None:
        self._userauth.device_code_ttl = _seconds("device_code_ttl", seconds)

    @property
    def code_ttl(self) -> float:
        """Seconds an authorization code (and a consent page) lives (default 600)."""
        return self._userauth.code_ttl

    @code_ttl.setter
    def code_ttl(self, seconds: float) -> None:
        self._userauth.code_ttl = _seconds("code_ttl", seconds)

    @property
    def refresh_token_ttl(self) -> float | None:
        """Seconds a new refresh token lives, or ``None`` (the default) for no limit."""
        return self._userauth.refresh_token_ttl

    @refresh_token_ttl.setter
    def refresh_token_ttl(self, seconds: float | None) -> None:
        life = None if seconds is None else _seconds("refresh_token_ttl", seconds)
        self._userauth.refresh_token_ttl = life

    @property
    def rotate_refresh_tokens(self) -> bool:
        """True (default): each refresh returns a new refresh token and retires the old one.

        False: refreshes return no refresh token and the old one stays valid (Google's way).
        """
        return self._userauth.rotate_refresh_tokens

    @rotate_refresh_tokens.setter
    def rotate_refresh_tokens(self, value: bool) -> None:
        self._userauth.rotate_refresh_tokens = bool(value)

    def slow_down_next(self, n: int = 1) -> None:
        """Answer the next ``n`` device-code polls with ``slow_down`` (RFC 8628 §3.5)."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"n must be a positive whole number, got {n!r}")
        self._userauth.slow_down_next(n)

    # --- playing the user -------------------------------------------------------------

    def approve(self, user_code: str) -> None:
        """Approve a device sign-in, as the user would on the verification page.

        >>> sb.approve("WDJB-MJHT")  # doctest: +SKIP

        Raises:
            ValueError: no pending sign-in has this code (unknown, expired or decided).
        """
        self._decide(user_code, approve=True)

    def deny(self, user_code: str) -> None:
        """Deny a device sign-in, as the user would on the verification page.

        Raises:
            ValueError: no pending sign-in has this code (unknown, expired or decided).
        """
        self._decide(user_code, approve=False)

    def consent(self, authorization_url: str, *, approve: bool = True) -> str:
        """Approve (or deny) a browser sign-in; return the URL the browser would end on.

        The same checks as the consent page; the result is the ``redirect_uri``
        with ``code`` and ``state`` (or ``error=access_denied``), which is what
        a person would paste back into the notebook.

        >>> url = sb.consent(login.authorization_url)  # doctest: +SKIP

        Raises:
            ValueError: the sandbox would show an error page for this URL
                (unknown client or unregistered redirect URI).
        """
        return self._userauth.consent(authorization_url, approve)

    def _decide(self, user_code: str, *, approve: bool) -> None:
        if not isinstance(user_code, str):
            raise ValueError(f"user_code must be a string like 'WDJB-MJHT', got {user_code!r}")
        try:
            self._userauth.decide(user_code, approve)
        except LookupError as error:
            raise ValueError(str(error)) from None

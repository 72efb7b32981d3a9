"""Sign in with a refresh token you already have (Strava's settings page, a previous run).

:class:`RefreshLogin` exchanges the refresh token for an access token on first
use (or :meth:`~RefreshLogin.start`) and keeps refreshing it like the other
sign-ins. With ``store=True`` the rotated refresh token is kept, so the next
kernel goes on from the newest one rather than the one in your ``.env``, which
a rotating provider has already retired; passing a *different* refresh token
later starts a new chain.

>>> import bearerkit as bk
>>> login = bk.RefreshLogin("https://www.strava.com/oauth/token", "12345",
...                         refresh_token="...", client_secret="...")  # doctest: +SKIP
>>> bk.Client("https://www.strava.com/api/v3", auth=login).get("athlete")  # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from bearerkit.errors import TokenError
from bearerkit.oauth.login import Clock, UserLogin, _Live, _seed
from bearerkit.oauth.store import StoredTokens
from bearerkit.redact import Secret

__all__ = ["RefreshLogin"]


class RefreshLogin(UserLogin):
    """Bearer auth from a refresh token: access tokens fetched and renewed as needed.

    Args:
        token_url: the token endpoint.
        client_id: the app's client id.
        refresh_token: the refresh token you have; never shown in repr or errors.
        client_secret: the client secret, if the provider gave you one.
        scope: the scope to ask for on refresh (only if the provider needs it; never
            wider than what was granted).
        store: ``True`` keeps the newest tokens (keyring or a 0600 file in your data
            folder), ``False`` memory only, or a file path.
        clock: the time source in seconds (``time.time``).

    Raises:
        TokenError: an empty refresh token.

    >>> login = RefreshLogin("https://auth.example.com/token", "my-client-id",
    ...                      "my-refresh-token", store=False)  # doctest: +SKIP
    """

    flow = "refresh"

    def __init__(
        self,
        token_url: str,
        client_id: str,
        refresh_token: str,
        *,
        client_secret: str | None = None,
        scope: str | Sequence[str] | None = None,
        store: bool | str | os.PathLike[str] = True,
        clock: Clock | None = None,
    ) -> None:
        sealed = Secret(refresh_token if isinstance(refresh_token, str) else "")
        del refresh_token  # only the sealed copy from here on
        if not sealed.reveal().strip():
            raise TokenError("refresh_token is empty: pass the refresh token your provider issued.")
        super().__init__(
            token_url, client_id, scope=scope, client_secret=client_secret, store=store, clock=clock
        )
        self.refresh_scope = scope is not None
        self._seed = _seed(sealed)
        self._initial = sealed
        self._keep(sealed)

    def _accepts(self, stored: StoredTokens) -> bool:
        # The stored chain grew from this refresh token; another one passed here starts anew.
        return stored.seed == self._seed

    def _first_use(self) -> None:
        self.start()

    def _begin(self) -> None:
        self._live = _Live(
            access_token=Secret(""),
            refresh_token=self._initial,
            renew_at=float("-inf"),
            expires_at=float("-inf"),
            scope=self.scope,
        )
        self._renew(stale=Secret(""))
        self._failure = None
        self._update(status="signed_in", message="Signed in with the refresh token.")

    def _again(self) -> str:
        return "a new refresh token: RefreshLogin(token_url, client_id, refresh_token=...)"

    def _terminal_line(self) -> str:
        return ""

"""OAuth 2.0 for bearer APIs: client credentials, and signing in as a user.

- :mod:`bearerkit.oauth.credentials`: :class:`ClientCredentials`, the ``requests``
  auth object (token cache, renewal on a clock, the re-send after a 401, ``from_env``).
- :mod:`bearerkit.oauth.exchange`: one token request, built by hand and sent.
- :mod:`bearerkit.oauth.answer`: the endpoint's answer, checked into a token or one error.
- :mod:`bearerkit.oauth.grant`: a user grant's token request and answer (form-encoded
  answers, the ``error`` code for polling, sign-in hints).
- :mod:`bearerkit.oauth.login`: what the user sign-ins share (status, start/wait/forget,
  refresh with rotation, one refresh at a time, the 401 ``invalid_token`` re-send).
- :mod:`bearerkit.oauth.device`: :class:`DeviceLogin` (RFC 8628, polling in a thread).
- :mod:`bearerkit.oauth.browser`: :class:`BrowserLogin` (code + PKCE, loopback listener,
  paste-the-URL).
- :mod:`bearerkit.oauth.refresh`: :class:`RefreshLogin` (a refresh token you already have).
- :mod:`bearerkit.oauth.store`: the token store (keyring, or a 0600 file in the data folder).
- :mod:`bearerkit.oauth.providers`: GitHub, Google, Microsoft, Spotify, Strava, Fitbit,
  Dropbox, X; :func:`providers` lists them.

Token requests are built by hand and sent with ``requests``, so cassettes record
them like any call (with every secret scrubbed).

>>> import bearerkit as bk
>>> creds = bk.ClientCredentials.from_env(prefix="OAUTH")  # doctest: +SKIP
>>> api = bk.Client("https://api.example.com/v1", auth=creds)  # doctest: +SKIP
>>> login = bk.DeviceLogin.from_provider("github", "Iv1.0123")  # doctest: +SKIP
>>> login.start()  # doctest: +SKIP
"""

from bearerkit.oauth.browser import BrowserLogin
from bearerkit.oauth.credentials import ClientCredentials
from bearerkit.oauth.device import DeviceLogin
from bearerkit.oauth.login import LoginState, logout
from bearerkit.oauth.providers import providers
from bearerkit.oauth.refresh import RefreshLogin

__all__ = [
    "BrowserLogin",
    "ClientCredentials",
    "DeviceLogin",
    "LoginState",
    "RefreshLogin",
    "logout",
    "providers",
]

"""OAuth 2.0 for bearer APIs: the client-credentials grant (RFC 6749 §4.4).

- :mod:`bearerkit.oauth.credentials`: :class:`ClientCredentials`, the ``requests``
  auth object (token cache, renewal on a clock, the re-send after a 401, ``from_env``).
- :mod:`bearerkit.oauth.exchange`: one token request, built by hand and sent.
- :mod:`bearerkit.oauth.answer`: the endpoint's answer, checked into a token or one error.

The token request is built by hand (three form fields and an RFC 6749 §2.3.1
Basic header) and sent with ``requests``, so cassettes record it like any call.

>>> import bearerkit as bk
>>> creds = bk.ClientCredentials.from_env(prefix="OAUTH")  # doctest: +SKIP
>>> api = bk.Client("https://api.example.com/v1", auth=creds)  # doctest: +SKIP
"""

from bearerkit.oauth.credentials import ClientCredentials

__all__ = ["ClientCredentials"]

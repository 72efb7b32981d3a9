"""A fake TMDB API on 127.0.0.1, for learning and testing without a token or internet.

Same paths, JSON shapes, errors and bearer check as api.themoviedb.org, over a
deterministic generated catalogue, plus an OAuth client-credentials endpoint
and knobs to inject faults (errors, resets, truncated bodies, HTML pages,
delays) and a rate limit. Its paths, under ``root_url`` (``http://127.0.0.1:PORT``):

=====================  ==============================================================
``/3/...``             TMDB v3 (``sb.url``): routes.py, listing.py
``/4/list...``         TMDB v4 lists, kept in memory (``sb.v4_url``): lists.py
``/styles/...``        one 57-record dataset paged as real APIs page (REST, GraphQL,
                       HAL, JSON:API...; ``sb.styles_url``): styles/, dataset.py
``/ratelimit/...``     ``/{dialect}/{limit}/{window}/items``: budgets announced in six
                       rate-limit dialects (``sb.ratelimit_url``): dialects.py
``/oauth/token``       OAuth 2.0 client credentials (``sb.token_url``): oauth.py, and the
                       device, authorization-code and refresh grants: userauth.py
``/oauth/device...``   sign in as a user: device flow (``sb.device_authorization_url``,
                       ``sb.verification_url``): userdevice.py, userpages.py
``/oauth/authorize``   browser flow with PKCE (``sb.authorize_url``): usercode.py
``/user/...``          the signed-in user's API (``sb.user_api_url``), RFC 6750
                       challenges: userapi.py; knobs and playing the user: userknobs.py
=====================  ==============================================================

Every path but ``/oauth/...`` and ``/user`` wants ``Authorization: Bearer <sb.token>`` (or a
token ``/oauth/token`` issued) and answers 401 in TMDB's words without it.

Importing this package is cheap: its data files are read on the first start().

>>> from bearerkit import sandbox
>>> with sandbox.start() as sb:
...     sb.url == f"http://127.0.0.1:{sb.port}/3"
True
"""

from __future__ import annotations

from bearerkit.sandbox.server import Sandbox, serve_forever_cli, start

__all__ = ["Sandbox", "serve_forever_cli", "start"]

"""The signed-in user's API: ``/user/me`` and ``/user/ratings``, with RFC 6750 §3 challenges.

No token: 401 with ``WWW-Authenticate: Bearer realm=...`` and no error code; an
expired, revoked or unknown token: 401 ``error="invalid_token"``; a token without
the path's scope: 403 ``error="insufficient_scope"`` naming the scope.
"""

from __future__ import annotations

from collections.abc import Callable

from bearerkit.sandbox import catalogue
from bearerkit.sandbox.messages import Reply, Request, json_reply
from bearerkit.sandbox.usertokens import Access

USER_API_PATH = "/user"
REALM = "bearerkit-sandbox"


def user_api(request: Request, live: Callable[[str], Access | None]) -> Reply:
    """Answer a ``/user/...`` request; ``live`` finds a live access token's entry."""
    scheme, _, token = request.headers.get("authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return _challenge(401, "Sign in to read /user: send an Authorization: Bearer token.")
    entry = live(token.strip())
    if entry is None:
        return _challenge(
            401,
            "The access token is expired, revoked or unknown.",
            error="invalid_token",
        )
    needed = {"/user/me": "profile", "/user/ratings": "ratings"}.get(request.path)
    if request.method != "GET" or needed is None:
        return json_reply(404, {"error": "not_found", "message": "Try /user/me."})
    if needed not in entry.scope.split():
        return _challenge(
            403,
            f"This needs the scope {needed!r}; sign in again asking for it.",
            error="insufficient_scope",
            scope=needed,
        )
    if needed == "profile":
        return json_reply(
            200,
            {"id": 1, "username": "sandbox-user", "name": "Sandbox User", "scope": entry.scope},
        )
    movies = catalogue.movies()[:5]  # already in id order
    ratings = [
        {"id": m["id"], "title": m["title"], "rating": 6.0 + i} for i, m in enumerate(movies)
    ]
    return json_reply(200, {"page": 1, "results": ratings, "total_results": len(ratings)})


def _challenge(
    status: int, message: str, *, error: str | None = None, scope: str | None = None
) -> Reply:
    """An RFC 6750 §3 answer: a ``WWW-Authenticate: Bearer`` challenge and a JSON body."""
    params = [f'realm="{REALM}"']
    if error is not None:
        params += [f'error="{error}"', f'error_description="{message}"']
    if scope is not None:
        params.append(f'scope="{scope}"')
    body: dict[str, str] = {"message": message}
    if error is not None:
        body["error"] = error
    return json_reply(status, body, headers=(("WWW-Authenticate", "Bearer " + ", ".join(params)),))

"""The sandbox as an OAuth 2.0 authorization server for signing in as a user.

Three ways to sign in, strict to the RFCs, for one sandbox user and one client
(``login_client_id``: public by default, PKCE required):

- device authorization grant (RFC 8628): userdevice.py;
- authorization code with PKCE S256 (RFC 6749 §4.1, RFC 7636, RFC 8252): usercode.py;
- refresh tokens that rotate (RFC 9700 §4.14.2), the client and the token
  families: usertokens.py;

plus the pages (userpages.py), the protected ``/user`` API (userapi.py) and the
metadata (RFC 8414). All times come from the sandbox's clock, so tests and
notebooks can move time instead of waiting. :class:`UserAuth` puts them together
and routes requests; the sandbox object offers it through userknobs.py.
"""

from __future__ import annotations

from bearerkit.sandbox.messages import Reply, Request, json_reply
from bearerkit.sandbox.userapi import USER_API_PATH, user_api
from bearerkit.sandbox.usercode import AUTHORIZE_PATH, CodeFlow, s256
from bearerkit.sandbox.userdevice import (
    DEVICE_AUTHORIZATION_PATH,
    DEVICE_GRANT,
    VERIFICATION_PATH,
    DeviceFlow,
    normalize_user_code,
)
from bearerkit.sandbox.usertokens import SCOPES

__all__ = [
    "AUTHORIZE_PATH",
    "DEVICE_AUTHORIZATION_PATH",
    "DEVICE_GRANT",
    "GRANT_TYPES",
    "USER_API_PATH",
    "VERIFICATION_PATH",
    "UserAuth",
    "normalize_user_code",
    "s256",
]

GRANT_TYPES = frozenset({DEVICE_GRANT, "authorization_code", "refresh_token"})
METADATA_PATH = "/.well-known/oauth-authorization-server"


class UserAuth(DeviceFlow, CodeFlow):
    """The authorization server: its state, its endpoints and pages, and the token grants.

    Built with ``clock`` (seconds), ``token_ttl`` (a callable: the access tokens'
    lifetime now) and ``issuer`` (a callable: the sandbox's root URL).
    """

    grant_types = GRANT_TYPES

    def handle(self, request: Request) -> Reply | None:
        """Answer a sign-in page, endpoint or ``/user`` request; ``None`` if not one of them."""
        path, method, root_url = request.path, request.method, self._issuer()
        if path == DEVICE_AUTHORIZATION_PATH:
            return self._device_authorization(request, root_url)
        if path == VERIFICATION_PATH:
            if method == "POST":
                return self._verify(request)
            return self._verification_page(user_code=request.query.get("user_code", ""))
        if path == AUTHORIZE_PATH:
            if method == "POST":
                return self._consent_decision(request)
            consent = self._check_authorization(request.query)
            if isinstance(consent, Reply):
                return consent
            return self._consent_page(consent)
        if path == METADATA_PATH:
            return json_reply(200, self.metadata(root_url))
        if path == USER_API_PATH or path.startswith(USER_API_PATH + "/"):
            return user_api(request, self._live_access)
        return None

    def token(self, form: dict[str, str], basic: tuple[str, str] | None) -> Reply:
        """Answer a token request for one of :data:`GRANT_TYPES`."""
        client_id = self._client(form, basic)
        grant_type = form["grant_type"]
        if grant_type == DEVICE_GRANT:
            return self._poll(form, client_id)
        if grant_type == "authorization_code":
            return self._exchange(form, client_id)
        return self._renew(form, client_id)

    @staticmethod
    def metadata(root_url: str) -> dict[str, object]:
        """Authorization server metadata (RFC 8414)."""
        return {
            "issuer": root_url,
            "authorization_endpoint": root_url + AUTHORIZE_PATH,
            "token_endpoint": root_url + "/oauth/token",
            "device_authorization_endpoint": root_url + DEVICE_AUTHORIZATION_PATH,
            "grant_types_supported": sorted(GRANT_TYPES | {"client_credentials"}),
            "response_types_supported": ["code"],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": sorted(SCOPES),
            "token_endpoint_auth_methods_supported": [
                "none",
                "client_secret_basic",
                "client_secret_post",
            ],
            "authorization_response_iss_parameter_supported": True,
        }

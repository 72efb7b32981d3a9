"""A user grant's token request and answer: device codes, authorization codes, refresh tokens.

:class:`GrantRequest` is :class:`~bearerkit.oauth.exchange.TokenExchange` with the
grant's own form fields (the secret ones, a refresh token, a code, a verifier, as
:class:`~bearerkit.redact.Secret` values revealed only in the body as it is sent)
and public clients (``client_id`` in the form, no Basic header).
:class:`UserTokenAnswer` is :class:`~bearerkit.oauth.answer.TokenAnswer` that also
reads form-encoded answers (GitHub without ``Accept: application/json``), names the
RFC 6749 §5.2 ``error`` for the polling loop, and hints at what to do next in a sign-in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

import requests

from bearerkit.errors import AuthError
from bearerkit.oauth.answer import TokenAnswer
from bearerkit.oauth.exchange import TOKEN_REQUEST_HEADERS, TokenExchange, _TokenSession
from bearerkit.redact import SECRET_BODY_FIELDS, Secret, mask_url

__all__ = ["GrantRequest", "UserToken", "UserTokenAnswer"]

# Fields of a token answer that are not shown back as token_fields (secrets and plumbing).
_NOT_FIELDS = SECRET_BODY_FIELDS | {"access_token", "refresh_token", "id_token", "token_type"}

# What to do next, by RFC 6749 §5.2 error code, for a user sign-in's token request.
_USER_HINTS = {
    "invalid_client": "Check client_id (and client_secret, if the provider gave you one).",
    "unauthorized_client": "This client may not use this sign-in flow: enable it for the "
    "app at the provider (GitHub: 'Enable Device Flow'; Microsoft: 'Allow public client "
    "flows').",
    "invalid_scope": "Check scope= : the provider does not grant it to this app.",
    "unsupported_grant_type": "This token endpoint does not offer this flow: check token_url.",
    "invalid_request": "Check token_url, client_id and scope=.",
    "invalid_grant": "The code or refresh token was refused: sign in again.",
    "device_flow_disabled": "Enable 'Device Flow' in the GitHub app's settings.",
}


@dataclass(frozen=True)
class UserToken:
    """A checked token answer of a user grant."""

    access_token: Secret
    refresh_token: Secret | None
    expires_in: float | None
    scope: str | None
    fields: dict[str, Any]  # the answer's other fields (Strava's athlete): no secrets


class UserTokenAnswer(TokenAnswer):
    """A token (or device-authorization) answer: also form-encoded ones, and user-flow hints."""

    def __init__(self, resp: requests.Response, **kwargs: Any) -> None:
        super().__init__(resp, **kwargs)
        if self.content_type.startswith("application/x-www-form-urlencoded"):
            # GitHub answers form-encoded unless asked for JSON (it is asked; some proxies strip it).
            self._data = dict(parse_qsl(resp.content.decode("utf-8", "replace")))
            self._problem = None

    def error_code(self) -> str | None:
        """The RFC 6749 §5.2 ``error`` of the answer, or None."""
        if isinstance(self._data, dict) and isinstance(self._data.get("error"), str):
            return str(self._data["error"])
        return None

    def error_text(self) -> str:
        """``code (description)`` for a message, scrubbed."""
        code = self._text("error") or "(no error code)"
        description = self._text("error_description")
        return f"{code} ({description})" if description else code

    def checked(self) -> dict[str, Any]:
        """The answer as a JSON object, once the status checks passed (for the device answer)."""
        self._check_status()
        return dict(self._data)

    def user_token(self) -> UserToken:
        """The checked token, with the refresh token, the scope and the other fields."""
        granted = self.granted()
        scope = self._data.get("scope")
        return UserToken(
            access_token=granted.access_token,
            refresh_token=self._secret("refresh_token"),
            expires_in=granted.expires_in,
            scope=scope if isinstance(scope, str) else None,
            fields={k: v for k, v in self._data.items() if k not in _NOT_FIELDS},
        )

    def _endpoint_error(self) -> AuthError:
        code = self.error_code() or ""
        hint = _USER_HINTS.get(code, "Check token_url, client_id and scope=.")
        return AuthError(
            f"The token endpoint {self.url} refused: {self.error_text()}. {hint}",
            status_code=self.status,
            api_message=self._text("error_description") or code or None,
            url=self.url,
        )


@dataclass(frozen=True, kw_only=True)
class GrantRequest(TokenExchange):
    """One form POST to a token (or device-authorization) endpoint for a user grant.

    ``fields`` are the grant's form fields; secret ones (a refresh token, a code,
    a verifier) are :class:`Secret` values, revealed only in the body as it is sent.
    A public client (empty ``client_secret``) sends ``client_id`` in the form.
    """

    fields: tuple[tuple[str, str | Secret], ...] = ()

    def answer(self) -> UserTokenAnswer:
        """Send the request and wrap the answer (not yet checked)."""
        with _TokenSession(self.token_url) as session:
            return UserTokenAnswer(
                self._post(session),
                url=mask_url(self.token_url),
                secrets=self._secrets(),
                credentials_hint="client_id / client_secret",
            )

    def _public(self) -> bool:
        return not self.client_secret.reveal()

    def _form(self) -> Secret:
        def value(v: str | Secret) -> str:
            return v.reveal() if isinstance(v, Secret) else v

        pairs = [(k, value(v)) for k, v in self.fields]
        if self._public() or self.client_auth == "post":
            pairs.append(("client_id", self.client_id))
        if not self._public() and self.client_auth == "post":
            pairs.append(("client_secret", self.client_secret.reveal()))
        return Secret(urlencode(pairs))

    def _headers(self) -> dict[str, str]:
        if self._public():
            return dict(TOKEN_REQUEST_HEADERS)
        return super()._headers()

    def _secrets(self) -> tuple[Secret, ...]:
        held = tuple(v for _, v in self.fields if isinstance(v, Secret))
        return (self.client_secret, *held)

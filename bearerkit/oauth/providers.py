"""The sign-in providers bearerkit knows: endpoints and quirks, as data.

``DeviceLogin.from_provider(name, ...)`` and ``BrowserLogin.from_provider(name, ...)``
look providers up here; :func:`providers` lists them with the flows each offers.
Facts come from each provider's documentation (sources in ``Provider.source``):

- GitHub answers form-encoded unless asked for JSON (bearerkit always asks);
  its returned scopes are comma-separated; the web flow needs the client secret.
- Google names the device answer's field ``verification_url``; its device flow
  takes the client secret as a form field; desktop apps use the loopback redirect.
- Microsoft needs a tenant in the URL and the scope again on refresh.
- Spotify refuses ``localhost``: the redirect is ``127.0.0.1``.
- Strava joins scopes with commas, sends the athlete with the token (see
  ``login.token_fields["athlete"]``) and rotates the refresh token.
- Dropbox gives a refresh token only with ``token_access_type=offline``.
- X gives a refresh token only with the ``offline.access`` scope.

>>> sorted(providers())[:3]
['dropbox', 'fitbit', 'github']
>>> providers()["github"]
('device', 'browser')
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bearerkit.oauth.exchange import scope_text

__all__ = ["Endpoints", "Provider", "get_provider", "providers"]


@dataclass(frozen=True)
class Endpoints:
    """A provider's URLs (``None``: the flow is not offered)."""

    token_url: str
    device_authorization_url: str | None
    authorize_url: str | None


@dataclass(frozen=True)
class Provider:
    """One provider's endpoints and quirks."""

    name: str
    title: str
    token_url: str
    device_authorization_url: str | None = None
    authorize_url: str | None = None
    client_auth: str = "basic"  # how a client secret travels: "basic" or "post"
    scope_separator: str = " "
    authorize_params: tuple[tuple[str, str], ...] = ()
    refresh_scope: bool = False  # the token endpoint wants the scope again on refresh
    redirect_uri: str | None = None  # a default redirect the provider requires
    default_scope: dict[str, str] = field(default_factory=dict)  # by flow, when none given
    needs_tenant: bool = False
    source: str = ""

    @property
    def flows(self) -> tuple[str, ...]:
        """The flows bearerkit can run with this provider."""
        return tuple(
            name
            for name, url in (
                ("device", self.device_authorization_url),
                ("browser", self.authorize_url),
            )
            if url
        )

    def endpoints(self, tenant: str | None = None) -> Endpoints:
        """The URLs, with Microsoft's ``{tenant}`` filled in (``"common"`` by default)."""
        if tenant is not None and not self.needs_tenant:
            raise ValueError(f"tenant= is only for Microsoft, not {self.title}")
        fill = tenant or "common"
        if not fill.replace("-", "").replace(".", "").isalnum():
            raise ValueError(f"tenant must be a tenant id or domain, not {fill!r}")

        def url(value: str | None) -> str | None:
            return value.replace("{tenant}", fill) if value else None

        return Endpoints(
            token_url=url(self.token_url) or "",
            device_authorization_url=url(self.device_authorization_url),
            authorize_url=url(self.authorize_url),
        )

    def scope_or_default(self, scope: str | Sequence[str] | None, flow: str) -> str | None:
        """The scope to ask for: the caller's (commas or spaces), else the provider's default."""
        text = scope_text(scope)
        if text is None:
            return self.default_scope.get(flow)
        return " ".join(text.replace(",", " ").split())

    def configure(self, login: object) -> None:
        """Set the provider's quirks on a freshly built login."""
        login.client_auth = self.client_auth  # type: ignore[attr-defined]
        login.scope_separator = self.scope_separator  # type: ignore[attr-defined]
        login.refresh_scope = self.refresh_scope  # type: ignore[attr-defined]
        if hasattr(login, "authorize_params"):
            login.authorize_params = dict(self.authorize_params)


_PROVIDERS = {
    p.name: p
    for p in (
        Provider(
            "github",
            "GitHub",
            token_url="https://github.com/login/oauth/access_token",
            device_authorization_url="https://github.com/login/device/code",
            authorize_url="https://github.com/login/oauth/authorize",
            client_auth="post",
            source="docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps",
        ),
        Provider(
            "google",
            "Google",
            token_url="https://oauth2.googleapis.com/token",
            device_authorization_url="https://oauth2.googleapis.com/device/code",
            authorize_url="https://accounts.google.com/o/oauth2/v2/auth",
            client_auth="post",
            authorize_params=(("access_type", "offline"),),
            default_scope={"device": "openid email profile", "browser": "openid email profile"},
            source="developers.google.com/identity/protocols/oauth2/limited-input-device, "
            "/native-app",
        ),
        Provider(
            "microsoft",
            "Microsoft",
            token_url="https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token",
            device_authorization_url="https://login.microsoftonline.com/{tenant}/oauth2/v2.0/devicecode",
            authorize_url="https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize",
            client_auth="post",
            refresh_scope=True,
            redirect_uri="http://localhost:0/callback",  # 127.0.0.1 only via the manifest
            default_scope={
                "device": "offline_access User.Read",
                "browser": "offline_access User.Read",
            },
            needs_tenant=True,
            source="learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code, "
            "v2-oauth2-auth-code-flow, reply-url",
        ),
        Provider(
            "spotify",
            "Spotify",
            token_url="https://accounts.spotify.com/api/token",
            authorize_url="https://accounts.spotify.com/authorize",
            redirect_uri="http://127.0.0.1:0/callback",  # localhost is refused
            source="developer.spotify.com/documentation/web-api/concepts/redirect_uri",
        ),
        Provider(
            "strava",
            "Strava",
            token_url="https://www.strava.com/oauth/token",
            authorize_url="https://www.strava.com/oauth/authorize",
            client_auth="post",
            scope_separator=",",
            default_scope={"browser": "read"},
            source="developers.strava.com/docs/authentication/",
        ),
        Provider(
            "fitbit",
            "Fitbit",
            token_url="https://api.fitbit.com/oauth2/token",
            authorize_url="https://www.fitbit.com/oauth2/authorize",
            default_scope={"browser": "profile activity"},
            source="dev.fitbit.com/build/reference/web-api/authorization/authorize",
        ),
        Provider(
            "dropbox",
            "Dropbox",
            token_url="https://api.dropboxapi.com/oauth2/token",
            authorize_url="https://www.dropbox.com/oauth2/authorize",
            client_auth="post",
            authorize_params=(("token_access_type", "offline"),),
            source="dropbox.tech/developers/using-oauth-2-0-with-offline-access",
        ),
        Provider(
            "x",
            "X",
            token_url="https://api.x.com/2/oauth2/token",
            authorize_url="https://x.com/i/oauth2/authorize",
            default_scope={"browser": "tweet.read users.read offline.access"},
            source="docs.x.com/fundamentals/authentication/oauth-2-0/authorization-code",
        ),
    )
}


def get_provider(name: str) -> Provider:
    """The provider called ``name`` (case-insensitive).

    Raises:
        ValueError: an unknown name; the message lists the known ones.
    """
    provider = _PROVIDERS.get(name.lower().strip()) if isinstance(name, str) else None
    if provider is None:
        raise ValueError(
            f"Unknown provider {name!r}. Known: {', '.join(sorted(_PROVIDERS))}. For another "
            "one, pass its endpoints to bk.DeviceLogin(...) or bk.BrowserLogin(...)."
        )
    return provider


def providers() -> dict[str, tuple[str, ...]]:
    """The known providers and the flows each supports (``"device"``, ``"browser"``).

    >>> providers()["spotify"]
    ('browser',)
    """
    return {name: p.flows for name, p in sorted(_PROVIDERS.items())}

"""bearerkit.oauth.providers: the providers' endpoints and quirks, and from_provider()."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest

import bearerkit as bk
from bearerkit.oauth import BrowserLogin, DeviceLogin, providers
from bearerkit.oauth.providers import get_provider


def query(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))


def test_the_list_names_each_provider_and_its_flows():
    assert providers() == {
        "dropbox": ("browser",),
        "fitbit": ("browser",),
        "github": ("device", "browser"),
        "google": ("device", "browser"),
        "microsoft": ("device", "browser"),
        "spotify": ("browser",),
        "strava": ("browser",),
        "x": ("browser",),
    }
    assert bk.oauth.providers() == providers()


@pytest.mark.parametrize(
    "name, device_url, token_url",
    [
        ("github", "https://github.com/login/device/code",
         "https://github.com/login/oauth/access_token"),
        ("google", "https://oauth2.googleapis.com/device/code",
         "https://oauth2.googleapis.com/token"),
        ("microsoft", "https://login.microsoftonline.com/common/oauth2/v2.0/devicecode",
         "https://login.microsoftonline.com/common/oauth2/v2.0/token"),
    ],
)  # fmt: skip
def test_device_providers_have_their_endpoints(name, device_url, token_url):
    login = DeviceLogin.from_provider(name, "my-client", store=False)
    assert login.device_authorization_url == device_url and login.token_url == token_url


def test_microsoft_takes_a_tenant():
    login = DeviceLogin.from_provider("microsoft", "id", tenant="organizations", store=False)
    assert "/organizations/oauth2/v2.0/" in login.token_url
    assert login.refresh_scope is True and "offline_access" in login.scope
    with pytest.raises(ValueError, match="tenant"):
        DeviceLogin.from_provider("microsoft", "id", tenant="a/b", store=False)
    with pytest.raises(ValueError, match="only for Microsoft"):
        DeviceLogin.from_provider("github", "id", tenant="common", store=False)


def test_a_browser_only_provider_refuses_the_device_flow_and_names_the_other():
    with pytest.raises(ValueError, match=r"BrowserLogin\.from_provider\('strava'"):
        DeviceLogin.from_provider("strava", "id", store=False)


def test_an_unknown_provider_lists_the_known_ones():
    with pytest.raises(ValueError, match="github"):
        get_provider("myspace")


def test_github_sends_the_secret_in_the_form_and_asks_for_json():
    login = BrowserLogin.from_provider("github", "id", client_secret="s" * 20, store=False,
                                       open_browser=False)  # fmt: skip
    assert login.client_auth == "post"
    assert login.authorize_url == "https://github.com/login/oauth/authorize"


def test_strava_joins_scopes_with_commas_in_the_authorization_url():
    login = BrowserLogin.from_provider("strava", "123", scope="read,activity:read_all",
                                       client_secret="s" * 20, store=False, open_browser=False)  # fmt: skip
    login.start()
    try:
        assert query(login.authorization_url)["scope"] == "read,activity:read_all"
        assert login.client_auth == "post"
    finally:
        login.forget()


def test_spotify_redirects_to_127_0_0_1_never_localhost():
    login = BrowserLogin.from_provider("spotify", "id", scope="user-read-recently-played",
                                       store=False, open_browser=False)  # fmt: skip
    login.start()
    try:
        redirect = urlsplit(query(login.authorization_url)["redirect_uri"])
        assert redirect.hostname == "127.0.0.1" and redirect.port
    finally:
        login.forget()


def test_dropbox_asks_for_offline_access():
    login = BrowserLogin.from_provider("dropbox", "id", store=False, open_browser=False)
    login.start()
    try:
        assert query(login.authorization_url)["token_access_type"] == "offline"
    finally:
        login.forget()


def test_x_asks_for_offline_access_by_default_and_google_for_a_refresh_token():
    assert "offline.access" in BrowserLogin.from_provider("x", "id", store=False).scope
    login = BrowserLogin.from_provider("google", "id", store=False, open_browser=False)
    login.start()
    try:
        assert query(login.authorization_url)["access_type"] == "offline"
    finally:
        login.forget()


@pytest.mark.parametrize("name", sorted(providers()))
def test_every_provider_uses_https_endpoints(name):
    urls = get_provider(name).endpoints("common" if name == "microsoft" else None)
    for url in (urls.token_url, urls.device_authorization_url, urls.authorize_url):
        assert url is None or url.startswith("https://")


def test_strava_quirks_against_a_loopback_server(real_server):
    from .loginkit import CLIENT_ID, CLIENT_SECRET

    real_server.client_secret = CLIENT_SECRET
    real_server.extra_token_fields = {"athlete": {"id": 134815, "firstname": "Marianne"}}
    login = BrowserLogin(real_server.authorize_url, real_server.token_url, CLIENT_ID,
                         scope="read,activity:read_all", client_secret=CLIENT_SECRET,
                         redirect_uri="https://example.com/cb", store=False, open_browser=False)  # fmt: skip
    get_provider("strava").configure(login)
    login.start()
    assert query(login.authorization_url)["scope"] == "read,activity:read_all"
    login.complete(real_server.redirect_for(login.authorization_url))
    assert login.token_fields["athlete"]["firstname"] == "Marianne"
    assert "access_token" not in login.token_fields and "refresh_token" not in login.token_fields
    form = real_server.token_requests("authorization_code")[0]["form"]
    assert form["client_secret"] == CLIENT_SECRET and form["client_id"] == CLIENT_ID  # "post"
    assert real_server.token_requests()[0]["authorization"] is None

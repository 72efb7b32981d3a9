"""bearerkit.oauth.store: where a sign-in's tokens are kept, and the silent sign-in from there."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import bearerkit as bk
from bearerkit.oauth import DeviceLogin, RefreshLogin
from bearerkit.oauth import store as store_module
from bearerkit.oauth.store import MARKER, StoredTokens, file_store, logins_dir, open_store
from bearerkit.redact import Secret

from .loginkit import (
    CANARY,
    CLIENT_ID,
    REFRESH,
    SleepClock,
    UserAuthServer,
    assert_clean,
    seed,
)


def device(srv: UserAuthServer, clock: object, **kw: object) -> DeviceLogin:
    return DeviceLogin(srv.device_url, srv.token_url, CLIENT_ID, scope="read", clock=clock, **kw)  # type: ignore[arg-type]


def signed_in_device(srv: UserAuthServer, clock: SleepClock, **kw: object) -> DeviceLogin:
    login = device(srv, clock, **kw)
    login.start()
    login.wait(timeout=10)
    return login


def test_the_default_store_is_a_0600_file_in_the_user_data_dir(user_server, sleep_clock, tmp_path):
    login = signed_in_device(user_server, sleep_clock)
    path = Path(login.storage)
    assert path.is_file() and path.parent == logins_dir()
    assert str(path).startswith(str(tmp_path / "xdg-data"))  # XDG_DATA_HOME (tests/conftest.py)
    assert not path.is_relative_to(Path.cwd())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    data = json.loads(path.read_text())
    assert data[MARKER] == 1 and data["refresh_token"].startswith(REFRESH)
    assert login.state.storage == login.storage
    assert not list(Path.cwd().iterdir())  # nothing in the working directory


def test_a_new_login_signs_in_from_the_store_without_any_request(user_server, sleep_clock):
    signed_in_device(user_server, sleep_clock)
    before = len(user_server.requests)
    again = device(user_server, sleep_clock)
    again.start()
    assert again.status == "signed_in"
    assert len(user_server.requests) == before  # not even the device request
    assert bk.Client(user_server.url, auth=again).get("/api/me")["token"] == 1


def test_a_stored_login_with_an_expired_access_token_refreshes_once(user_server, sleep_clock):
    signed_in_device(user_server, sleep_clock)
    sleep_clock.advance(7200)
    again = device(user_server, sleep_clock)
    again.start()
    assert again.status == "signed_in"
    assert len(user_server.token_requests("refresh_token")) == 1
    assert [r for r in user_server.requests if r["path"] == "/device"].__len__() == 1
    assert bk.Client(user_server.url, auth=again).get("/api/me")["token"] == 2


def test_a_stored_refresh_token_that_was_revoked_falls_back_to_signing_in(user_server, sleep_clock):
    signed_in_device(user_server, sleep_clock)
    sleep_clock.advance(7200)
    user_server.valid_refresh.clear()
    again = device(user_server, sleep_clock)
    again.start()
    assert again.status == "pending"  # the interactive flow, not an error loop
    again.wait(timeout=10)
    assert again.status == "signed_in"


def test_store_false_writes_nothing(user_server, sleep_clock):
    login = signed_in_device(user_server, sleep_clock, store=False)
    assert login.storage == "memory only"
    assert not logins_dir().exists() or not list(logins_dir().iterdir())


def test_forget_and_logout_delete_the_stored_tokens(user_server, sleep_clock):
    login = signed_in_device(user_server, sleep_clock)
    path = Path(login.storage)
    assert login.forget() is True and not path.exists()
    assert login.status == "idle"
    signed_in_device(user_server, sleep_clock)
    assert path.exists()
    assert bk.oauth.logout(token_url=user_server.token_url, client_id=CLIENT_ID, scope="read")
    assert not path.exists()
    assert (
        bk.oauth.logout(token_url=user_server.token_url, client_id=CLIENT_ID, scope="read") is False
    )


def test_bk_logout_takes_a_login_or_a_provider(user_server, sleep_clock):
    login = signed_in_device(user_server, sleep_clock)
    assert bk.logout(login) is True and not Path(login.storage).exists()
    assert bk.logout(provider="strava", client_id="123", scope="read") is False


def test_logout_without_saying_which_is_a_value_error():
    with pytest.raises(ValueError, match="which sign-in"):
        bk.oauth.logout()


def test_each_issuer_client_and_scope_has_its_own_entry(user_server, sleep_clock):
    a = signed_in_device(user_server, sleep_clock)
    b = DeviceLogin(user_server.device_url, user_server.token_url, CLIENT_ID, scope="write",
                    clock=sleep_clock)  # fmt: skip
    assert a.storage != b.storage


def test_a_chosen_path_outside_a_repository_is_used(user_server, sleep_clock, tmp_path):
    path = tmp_path / "elsewhere" / "login.json"
    login = signed_in_device(user_server, sleep_clock, store=path)
    assert login.storage == str(path) and path.exists()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_chosen_path_holding_another_sign_in_is_not_used_for_this_one(
    user_server, sleep_clock, tmp_path
):
    # Issue 20 walk: one store= file shared by two logins (another client, scope or
    # server) handed the first one's token to the second, to send to its own API.
    path = tmp_path / "login.json"
    signed_in_device(user_server, sleep_clock, store=path)
    before = len(user_server.requests)
    other = DeviceLogin(user_server.device_url, user_server.token_url, CLIENT_ID, scope="write",
                        clock=sleep_clock, store=path)  # fmt: skip
    other.start()
    assert other.status == "pending"  # a sign-in of its own, not the stored "read" one
    assert len(user_server.requests) == before + 1  # the device authorization request


def test_forget_leaves_another_sign_in_in_a_shared_path_alone(user_server, sleep_clock, tmp_path):
    path = tmp_path / "login.json"
    first = signed_in_device(user_server, sleep_clock, store=path)
    other = DeviceLogin(user_server.device_url, user_server.token_url, CLIENT_ID, scope="write",
                        clock=sleep_clock, store=path)  # fmt: skip
    other.forget()
    assert path.exists()  # the first login's entry, not the other's to delete
    first.forget()
    assert not path.exists()


def _git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def test_a_chosen_path_inside_a_git_work_tree_is_refused_unless_ignored(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    _git("init", "-q", cwd=repo)
    with pytest.raises(ValueError, match="git work tree"):
        file_store(repo / "tokens.json")
    (repo / ".gitignore").write_text("secrets/\n")
    assert file_store(repo / "secrets" / "tokens.json").location.endswith("tokens.json")


def test_a_damaged_store_file_is_ignored_not_fatal(user_server, sleep_clock):
    login = signed_in_device(user_server, sleep_clock)
    Path(login.storage).write_text("{not json")
    again = device(user_server, sleep_clock)
    again.start()
    assert again.status == "pending"
    again.forget()


def test_a_refresh_login_uses_the_stored_chain_only_for_the_same_seed(user_server, sleep_clock):
    first = RefreshLogin(user_server.token_url, CLIENT_ID, seed(user_server), clock=sleep_clock)
    bk.Client(user_server.url, auth=first).get("/api/me")
    # The seed is spent (rotated); a new object with the same seed goes on from the store.
    second = RefreshLogin(user_server.token_url, CLIENT_ID, f"{REFRESH}seed", clock=sleep_clock)
    assert bk.Client(user_server.url, auth=second).get("/api/me")["token"] == 1
    assert len(user_server.token_requests("refresh_token")) == 1
    # Another refresh token starts a new chain.
    user_server.valid_refresh.add(f"{REFRESH}other")
    third = RefreshLogin(user_server.token_url, CLIENT_ID, f"{REFRESH}other", clock=sleep_clock)
    assert bk.Client(user_server.url, auth=third).get("/api/me")["token"] == 2


class _MemoryKeyring:
    """A keyring backend's interface (get/set/delete_password), kept in a dict."""

    def __init__(self) -> None:
        self.entries: dict[tuple[str, str], str] = {}

    def get_keyring(self) -> object:
        return self

    def get_password(self, service: str, name: str) -> str | None:
        return self.entries.get((service, name))

    def set_password(self, service: str, name: str, value: str) -> None:
        self.entries[(service, name)] = value

    def delete_password(self, service: str, name: str) -> None:
        del self.entries[(service, name)]


def test_a_working_keyring_is_used_instead_of_the_file(user_server, sleep_clock, monkeypatch):
    keyring = _MemoryKeyring()
    monkeypatch.setattr(store_module, "usable_keyring", lambda: keyring)
    login = signed_in_device(user_server, sleep_clock)
    assert login.storage.startswith("keyring: bearerkit / ")
    assert len(keyring.entries) == 1
    assert not list(logins_dir().glob("*.json"))  # no plaintext copy
    again = device(user_server, sleep_clock)
    again.start()
    assert again.status == "signed_in"
    assert again.forget() and not keyring.entries


def test_no_keyring_package_means_the_file_and_storage_says_so(monkeypatch):
    monkeypatch.setitem(sys.modules, "keyring", None)  # import keyring -> ImportError
    assert store_module.usable_keyring() is None
    store = open_store(True, "https://auth.example.com/token", CLIENT_ID, "read")
    assert store.location.endswith(".json")


def _fake_keyring(monkeypatch, backend_module: str) -> None:
    """A ``keyring`` package whose backend lives in ``backend_module`` (no real keyring needed)."""
    import types

    fail = types.ModuleType("keyring.backends.fail")
    fail.Keyring = type("Keyring", (), {})  # type: ignore[attr-defined]
    backend_class = fail.Keyring if backend_module == "fail" else type("Working", (), {})  # type: ignore[attr-defined]
    backend_class.__module__ = f"keyring.backends.{backend_module}"
    backends = types.ModuleType("keyring.backends")
    backends.fail = fail  # type: ignore[attr-defined]
    keyring = types.ModuleType("keyring")
    keyring.backends = backends  # type: ignore[attr-defined]
    keyring.get_keyring = backend_class  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "keyring", keyring)
    monkeypatch.setitem(sys.modules, "keyring.backends", backends)
    monkeypatch.setitem(sys.modules, "keyring.backends.fail", fail)


@pytest.mark.parametrize(("backend", "usable"), [("fail", False), ("null", False), ("macOS", True)])
def test_a_keyring_without_a_working_backend_means_the_file_and_storage_says_so(
    monkeypatch, backend, usable
):
    _fake_keyring(monkeypatch, backend)
    assert (store_module.usable_keyring() is not None) is usable
    if not usable:
        store = open_store(True, "https://auth.example.com/token", CLIENT_ID, "read")
        assert store.location.endswith(".json")  # said where it went, not a silent fallback


def test_the_store_file_holds_nothing_but_its_own_fields(tmp_path):
    store = file_store(tmp_path / "t.json", "key")
    store.save(StoredTokens(Secret(f"{CANARY}-a"), Secret(f"{CANARY}-r"), 5.0, "read"))
    assert set(json.loads((tmp_path / "t.json").read_text())) == {
        MARKER, "key", "access_token", "refresh_token", "expires_at", "scope", "seed"
    }  # fmt: skip
    assert_clean(repr(store) + repr(store.load()))
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_the_scanner_finds_a_store_file_copied_into_a_repository(tmp_path):
    store = file_store(tmp_path / "copied.json", "key")
    store.save(StoredTokens(Secret("opaque0access0value0123456789"), Secret("opaque0refresh0value0987654321"), 5.0, "read"))  # fmt: skip
    kinds = {f.kind for f in bk.scan(tmp_path)}
    assert kinds == {"bearerkit_login"}
    from bearerkit.scan import detectors

    assert f'"{MARKER}"' == detectors._LOGIN_STORE_MARKER


_CHILD = textwrap.dedent(
    """
    import sys
    import bearerkit as bk
    from bearerkit.oauth import RefreshLogin

    url, path, seed = sys.argv[1:4]
    login = RefreshLogin(url + "/token", "bk-login-client", seed, store=path)
    print(bk.Client(url, auth=login).get("/api/me")["token"])
    """
)


def test_two_processes_refreshing_at_once_spend_the_refresh_token_once(real_server, tmp_path):
    path = tmp_path / "shared" / "login.json"
    token = seed(real_server)
    real_server.ttl = 1  # the first access token is stale by the time the children start
    first = RefreshLogin(real_server.token_url, CLIENT_ID, token, store=path)
    bk.Client(real_server.url, auth=first).get("/api/me")
    real_server.ttl = 3600
    real_server.token_delay = 0.5  # both children are waiting while the first refreshes
    script = tmp_path / "child.py"
    script.write_text(_CHILD)
    env = {**os.environ, "PYTHONPATH": str(Path(bk.__file__).parents[1])}
    children = [
        subprocess.Popen(
            [sys.executable, str(script), real_server.url, str(path), token],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(2)
    ]
    outputs = [child.communicate(timeout=60) for child in children]
    assert [child.returncode for child in children] == [0, 0], outputs
    assert sorted(out.strip() for out, _ in outputs) == ["2", "2"]  # both use the one new token
    assert len(real_server.token_requests("refresh_token")) == 2  # the parent's, and one more
    for out, err in outputs:
        assert_clean(out + err)

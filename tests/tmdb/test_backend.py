"""connect() and the backend choice (bearerkit.tmdb.backend): what it picks and what it says."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import requests

import bearerkit as bk
from bearerkit.responses import TMDB_HOST, network_error, timeout_error
from bearerkit.tmdb import DEFAULT_LANGUAGE, TMDB, TMDB_API

from ..conftest import FAKE_TOKEN, FAKE_V3_KEY, REPO, TV_GENRE_IDS, closed_port

# -- connect ------------------------------------------------------------------------------
SANDBOX_NOTICE = re.compile(
    r"bearerkit: (?P<why>.+), using the embedded TMDB sandbox at http://127\.0\.0\.1:\d+/3 "
    r"\(offline, sample data\)\. For the real API put TMDB_TOKEN=<API Read Access Token> in \.env\.\n"
)


def test_connect_without_token_uses_the_sandbox_and_says_so(
    capsys: pytest.CaptureFixture[str],
) -> None:
    api = bk.tmdb.connect()
    assert api.is_sandbox
    notice = SANDBOX_NOTICE.fullmatch(capsys.readouterr().err)
    assert notice and notice["why"] == "no TMDB_TOKEN found"
    assert api.genres("movie")["name"].iloc[0] == "Action"


def test_in_jupyter_the_notice_is_a_plain_output_line_not_stderr(clean_env: Path) -> None:
    # Jupyter paints stderr as a warning box; "the sandbox answers" is information.
    from nbclient import NotebookClient
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook(cells=[new_code_cell("import bearerkit as bk\ntmdb = bk.tmdb.connect()")])
    client = NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(clean_env)}}
    )
    client.execute()
    outputs = nb.cells[0].outputs
    assert [o["output_type"] for o in outputs] == ["display_data"], outputs
    data = outputs[0]["data"]
    notice = SANDBOX_NOTICE.fullmatch(data["text/plain"] + "\n")
    assert notice and notice["why"] == "no TMDB_TOKEN found"
    assert data["text/html"].startswith('<div class="bk-notice"')
    assert "TMDB_TOKEN=&lt;API Read Access Token&gt;" in data["text/html"]


def test_connect_with_the_example_placeholder_says_so_and_how_to_fix_it(
    clean_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(REPO / ".env.example", clean_env / ".env")
    api = bk.tmdb.connect()
    assert api.is_sandbox
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no TMDB_TOKEN found" not in err
    assert f"TMDB_TOKEN in {clean_env / '.env'} is still the placeholder from .env.example" in err
    assert "Replace it with your token" in err and "themoviedb.org/settings/api" in err
    assert "Meanwhile using the embedded TMDB sandbox at http://127.0.0.1:" in err
    assert err.endswith("(offline, sample data).\n")  # the fix is said once, not twice


def test_with_no_env_file_at_all_the_notice_is_the_readers(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (clean_env / ".env").write_text(f"TMDB_TOKEN={FAKE_TOKEN}\n")
    monkeypatch.setenv("BEARERKIT_ENV_FILE", str(clean_env / "no-such.env"))  # the notebook harness
    assert bk.tmdb.connect().is_sandbox
    notice = SANDBOX_NOTICE.fullmatch(capsys.readouterr().err)
    assert notice and notice["why"] == "no TMDB_TOKEN found"


def test_the_notice_never_mentions_test_switches(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BEARERKIT_SANDBOX", "1")  # the retired test switch does nothing now
    bk.tmdb.connect()
    err = capsys.readouterr().err
    assert "BEARERKIT" not in err and "backend" not in err and "=1" not in err


def test_connect_with_token_talks_to_tmdb(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (clean_env / ".env").write_text(f"TMDB_TOKEN={FAKE_TOKEN}\n")
    monkeypatch.setenv("BEARERKIT_SANDBOX", "1")  # no longer a switch
    api = bk.tmdb.connect()
    assert not api.is_sandbox
    assert api.client.base_url == TMDB_API
    assert FAKE_TOKEN not in repr(api)
    explicit = bk.tmdb.connect(FAKE_TOKEN)
    assert explicit.client.base_url == TMDB_API


def test_connect_defaults_to_the_one_default_language() -> None:
    api = bk.tmdb.connect(quiet=True)
    assert api.language == DEFAULT_LANGUAGE == "en"
    assert list(api.genre_table().columns) == ["id", "name_en", "movie", "tv"]
    assert TMDB(api.client).language == DEFAULT_LANGUAGE


@pytest.mark.parametrize("env_text", ["", "TMDB_TOKEN=paste-your-tmdb-read-access-token-here\n"])
def test_backend_tmdb_without_a_token_raises(clean_env: Path, env_text: str) -> None:
    (clean_env / ".env").write_text(env_text)
    with pytest.raises(bk.TokenError, match="TMDB_TOKEN"):
        bk.tmdb.connect(backend="tmdb")


def test_backend_sandbox_ignores_the_token(
    clean_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (clean_env / ".env").write_text(f"TMDB_TOKEN={FAKE_TOKEN}\n")
    api = bk.tmdb.connect(backend="sandbox")
    assert api.is_sandbox and api.client.token != bk.Token(FAKE_TOKEN)
    err = capsys.readouterr().err
    assert re.fullmatch(
        r"bearerkit: backend='sandbox', using the embedded TMDB sandbox at "
        r"http://127\.0\.0\.1:\d+/3 \(offline, sample data\)\.\n",
        err,
    )


@pytest.mark.parametrize("where", ["environment", ".env"])
def test_tmdb_backend_setting_pins_the_backend(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    (clean_env / ".env").write_text(f"TMDB_TOKEN={FAKE_TOKEN}\n")
    if where == "environment":
        monkeypatch.setenv("TMDB_BACKEND", "sandbox")
    else:
        (clean_env / ".env").write_text(f"TMDB_TOKEN={FAKE_TOKEN}\nTMDB_BACKEND=sandbox\n")
    assert bk.tmdb.connect(quiet=True).is_sandbox
    assert not bk.tmdb.connect(backend="tmdb").is_sandbox  # an explicit argument wins


def test_tmdb_backend_setting_tmdb_without_token_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMDB_BACKEND", "tmdb")
    with pytest.raises(bk.TokenError):
        bk.tmdb.connect()


def test_unknown_backends_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="backend must be 'auto', 'sandbox' or 'tmdb'"):
        bk.tmdb.connect(backend="local")  # type: ignore[arg-type]
    monkeypatch.setenv("TMDB_BACKEND", "offline")
    with pytest.raises(ValueError, match=r"TMDB_BACKEND must be .* not 'offline'"):
        bk.tmdb.connect()


def test_connect_malformed_token_is_an_error_not_a_fallback(clean_env: Path) -> None:
    (clean_env / ".env").write_text('TMDB_TOKEN="abc def"\n')
    with pytest.raises(bk.TokenError, match="whitespace"):
        bk.tmdb.connect()


def test_connect_base_url_from_env_file(clean_env: Path, sb) -> None:  # type: ignore[no-untyped-def]
    (clean_env / ".env").write_text(f"TMDB_TOKEN={sb.token}\nTMDB_BASE_URL={sb.url}\n")
    api = bk.tmdb.connect()
    assert not api.is_sandbox and api.client.base_url == sb.url
    assert api.genres("tv")["id"].tolist() == TV_GENRE_IDS


def test_bad_token_against_sandbox_is_auth_error(sb) -> None:  # type: ignore[no-untyped-def]
    api = bk.tmdb.connect(FAKE_TOKEN, base_url=sb.url)
    with pytest.raises(bk.AuthError) as info:
        api.genres()
    assert "Invalid API key" in str(info.value) and FAKE_TOKEN not in str(info.value)


# -- v3 API key and offline advice (issue 20, item 12) ------------------------------------
def test_a_v3_key_in_env_is_refused_before_anything_is_sent(clean_env: Path) -> None:
    # connect() raises, so no request (and no 401) ever happens.
    (clean_env / ".env").write_text(f"TMDB_TOKEN={FAKE_V3_KEY}\n")
    with pytest.raises(bk.TokenError) as info:
        bk.tmdb.connect()
    err = info.value
    assert err.reason == "v3_key"
    assert "this is the v3 API Key, not the Read Access Token" in str(err)
    assert f"TMDB_TOKEN in {clean_env / '.env'}" in str(err)
    assert "themoviedb.org/settings/api" in str(err)
    assert FAKE_V3_KEY not in str(err) and FAKE_V3_KEY not in repr(err)
    with pytest.raises(bk.TokenError, match="v3 API Key"):
        bk.tmdb.connect(FAKE_V3_KEY, backend="tmdb")


def test_a_v3_key_for_another_base_url_is_left_to_that_server(sb) -> None:  # type: ignore[no-untyped-def]
    # A TMDB-compatible server of one's own may take other keys; the 401 hint covers it.
    api = bk.tmdb.connect(FAKE_V3_KEY, base_url=sb.url)
    with pytest.raises(bk.AuthError, match="v3 API key"):
        api.genres()


def test_a_network_failure_on_tmdbs_host_offers_the_sandbox() -> None:
    # A real refused connection (loopback, a closed port), reported as if for TMDB's URL:
    # a test never sends anything to the real host.
    with pytest.raises(requests.ConnectionError) as refused:
        requests.get(f"http://127.0.0.1:{closed_port()}/", timeout=5)
    assert TMDB_HOST in TMDB_API
    tmdb_error = network_error(
        "GET", f"{TMDB_API}/genre/movie/list", refused.value, timeout=10, retries=0
    )
    assert isinstance(tmdb_error, bk.NetworkError)
    for advice in ('backend="sandbox"', "TMDB_BACKEND=sandbox", "--backend sandbox"):
        assert advice in str(tmdb_error)
    timed_out = timeout_error("GET", f"{TMDB_API}/discover/movie", timeout=10)
    assert "TMDB_BACKEND=sandbox" in str(timed_out)
    other = network_error(
        "GET", "https://api.github.com/user", refused.value, timeout=10, retries=0
    )
    assert "sandbox" not in str(other)

"""ApiExplorer against a real sandbox server on 127.0.0.1 (ipywidgets run headless)."""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import bearerkit as bk
from bearerkit.sandbox import Sandbox
from bearerkit.widgets import ApiExplorer
from bearerkit.widgets.parts import ERROR_STYLE

from ..conftest import FAKE_TOKEN
from .conftest import html_of, state_text

STATUS = re.compile(
    r"^(?P<call>[A-Z]+ \S+) · (?P<code>\d{3}) · (?P<rows>\d+) rows · "
    r"(?:(?P<pages>\d+) pages?|1 request) · (?P<cached>\d+) cached · \d+\.\d\d s$"
)
FEW_PAGES = {"primary_release_year": 1999}  # a handful of pages (8 in the sandbox)


@pytest.fixture
def client(sb: Sandbox) -> bk.Client:
    return bk.Client(sb.url, FAKE_TOKEN)


def run_code(code: str, monkeypatch: pytest.MonkeyPatch, name: str = "TMDB_TOKEN") -> pd.DataFrame:
    """Execute ``code`` on its own, as a reader would paste it, with the token in the environment."""
    monkeypatch.setenv(name, FAKE_TOKEN)
    namespace: dict[str, Any] = {}
    with warnings.catch_warnings():
        warnings.simplefilter(
            "ignore"
        )  # bearerkit's notes (one page of several) are not tested here
        exec(compile(code, "<ApiExplorer.code>", "exec"), namespace)
    frame = namespace["df"]
    assert isinstance(frame, pd.DataFrame)
    return frame


def test_parts_carry_css_classes_and_the_code_is_folded(client: bk.Client) -> None:
    explorer = ApiExplorer(client)
    for css, part in {
        "bk-api-explorer": explorer,
        "bk-path": explorer.path,
        "bk-params": explorer.params,
        "bk-method": explorer.method,
        "bk-all-pages": explorer.all_pages,
        "bk-fetch": explorer.button,
        "bk-status": explorer._status,
        "bk-error": explorer._error_line,
        "bk-table": explorer.table,
        "bk-code": explorer.code_panel,
    }.items():
        assert css in part._dom_classes, css
    assert explorer.method.options == ("GET", "POST", "PUT", "PATCH", "DELETE")
    assert explorer.code_panel.selected_index is None  # shown on demand
    assert explorer.frame is None and explorer.error == "" and explorer.table.outputs == ()


def test_fetch_shows_the_table_and_the_status(client: bk.Client) -> None:
    explorer = ApiExplorer(client, path="genre/movie/list", params="language=de")
    explorer.fetch()
    assert explorer.error == ""
    pd.testing.assert_frame_equal(
        explorer.frame, client.get_df("genre/movie/list", {"language": "de"})
    )
    assert "Abenteuer" in html_of(explorer.table)
    match = STATUS.match(explorer.status)
    assert match, explorer.status
    assert match["call"] == "GET genre/movie/list" and match["code"] == "200"
    assert int(match["rows"]) == 19


def test_the_button_fetches_too(client: bk.Client) -> None:
    explorer = ApiExplorer(client)
    explorer.path.value = "genre/tv/list"
    explorer.button.click()
    assert explorer.frame is not None and len(explorer.frame) == 16


def test_one_page_of_several_is_noted_with_the_fix(client: bk.Client) -> None:
    explorer = ApiExplorer(client, path="discover/movie", params=FEW_PAGES)
    explorer.fetch()
    assert explorer.error == "" and "paginate" in explorer.note
    assert "#8a5a00" in explorer._note_line.value
    explorer.all_pages.value = True
    explorer.fetch()
    assert explorer.note == "" and explorer._note_line.value == ""


def test_all_pages_fetches_every_page(client: bk.Client, sb: Sandbox) -> None:
    first = client.get("discover/movie", FEW_PAGES)
    assert first["total_pages"] > 1
    explorer = ApiExplorer(client, path="discover/movie", params=FEW_PAGES, all_pages=True)
    sb.clear_log()
    explorer.fetch()
    assert explorer.error == ""
    assert explorer.frame is not None and len(explorer.frame) == first["total_results"]
    sent = [r for r in sb.request_log if r.path == "/3/discover/movie"]
    match = STATUS.match(explorer.status)
    assert match and int(match["pages"]) == len(sent) == first["total_pages"]


def test_a_404_is_shown_in_red_and_keeps_the_table(client: bk.Client) -> None:
    explorer = ApiExplorer(client, path="genre/movie/list", autofetch=True)
    before = explorer.frame
    explorer.path.value = "genre/film/list"
    explorer.fetch()
    assert "404" in explorer.error and "could not be found" in explorer.error
    assert ERROR_STYLE in explorer._error_line.value
    assert "Traceback" not in explorer.error
    assert explorer.status.endswith("failed · 404")
    assert explorer.frame is before
    assert "genre/movie/list" in explorer.code  # the code still reproduces what is shown
    explorer.path.value = "genre/tv/list"
    explorer.fetch()
    assert explorer.error == "" and explorer._error_line.value == ""


@pytest.mark.parametrize(
    "fields",
    [
        {"path": "genre/movie/list"},
        {"path": "genre/movie/list", "params": "language=fr"},
        {"path": "discover/tv", "params": '{"first_air_date_year": 2001, "page": 2}'},
        {"path": "discover/movie", "params": FEW_PAGES, "all_pages": True},
    ],
)
def test_the_code_alone_gives_the_same_frame(
    client: bk.Client, monkeypatch: pytest.MonkeyPatch, fields: dict[str, Any]
) -> None:
    explorer = ApiExplorer(client, token_name="TMDB_TOKEN", **fields)
    explorer.fetch()
    assert explorer.error == ""
    code = explorer.code
    assert (
        "bk.load_token('TMDB_TOKEN')" in code and f"bk.Client({client.base_url!r}, token)" in code
    )
    assert FAKE_TOKEN not in code
    pd.testing.assert_frame_equal(run_code(code, monkeypatch), explorer.frame)
    assert code.replace("&", "&amp;").replace("'", "&#x27;") in explorer._code_view.value


def test_the_token_name_comes_from_where_the_token_was_loaded(
    sb: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MY_API_TOKEN", FAKE_TOKEN)
    client = bk.Client(sb.url, bk.load_token("MY_API_TOKEN"))
    explorer = ApiExplorer(client, path="genre/tv/list")
    explorer.fetch()
    assert "bk.load_token('MY_API_TOKEN')" in explorer.code
    pd.testing.assert_frame_equal(
        run_code(explorer.code, monkeypatch, "MY_API_TOKEN"), explorer.frame
    )
    unnamed = ApiExplorer(bk.Client(sb.url, FAKE_TOKEN), path="genre/tv/list")
    assert "bk.load_token('API_TOKEN')" in unnamed.code


def test_the_token_never_reaches_the_code_or_the_widget_state(client: bk.Client) -> None:
    explorer = ApiExplorer(client, path="discover/movie", params=FEW_PAGES, all_pages=True)
    explorer.fetch()
    assert FAKE_TOKEN not in explorer.code + explorer.status + state_text(explorer)
    explorer.params.value = f"page=1&q={FAKE_TOKEN}"
    explorer.all_pages.value = False
    explorer.fetch()
    assert "contain the token" in explorer.error
    assert FAKE_TOKEN not in explorer.code + explorer.error + explorer.status


@pytest.mark.parametrize(
    "method, params, message",
    [
        ("GET", "api_key=0123456789abcdef", "'api_key' carries a credential"),
        ("POST", '{"client_secret": "s3cr3t-value"}', "'client_secret' carries a credential"),
        ("GET", "[1, 2]", "give a JSON object"),
        ("GET", "{language: de}", "not valid JSON"),
        ("GET", "language", "key=value pairs"),
    ],
)
def test_bad_parameters_are_explained(
    client: bk.Client, sb: Sandbox, method: str, params: str, message: str
) -> None:
    explorer = ApiExplorer(client, path="genre/movie/list", method=method, params=params)
    sb.clear_log()
    explorer.fetch()
    assert message in explorer.error
    assert sb.request_log == []  # nothing was sent
    assert "s3cr3t-value" not in explorer.error + state_text(explorer._error_line)


def test_empty_path_and_all_pages_with_post_are_explained(client: bk.Client) -> None:
    explorer = ApiExplorer(client)
    explorer.fetch()
    assert "Enter a path" in explorer.error
    explorer.path.value, explorer.method.value, explorer.all_pages.value = "x", "POST", True
    explorer.fetch()
    assert "All pages works with GET" in explorer.error


def test_post_and_delete_send_a_json_body(client: bk.Client, sb: Sandbox) -> None:
    movie = client.get("discover/movie")["results"][0]["id"]
    explorer = ApiExplorer(
        client, path=f"movie/{movie}/rating", method="POST", params='{"value": 8.5}'
    )
    sb.clear_log()
    explorer.fetch()
    assert explorer.error == "", explorer.error
    (sent,) = sb.request_log
    assert sent.method == "POST" and sent.status in (200, 201)
    assert explorer.frame is not None and explorer.frame["status_code"].iloc[0] in (1, 12)
    rated = client.paginate("account/1/rated/movies", progress=False)
    assert rated.set_index("id").loc[movie, "rating"] == 8.5  # the JSON body arrived
    assert "api.request('POST', " in explorer.code and "json={'value': 8.5}" in explorer.code
    explorer.method.value, explorer.params.value = "DELETE", ""
    explorer.fetch()
    assert explorer.error == "" and STATUS.match(explorer.status)
    assert "api.request('DELETE', " in explorer.code
    assert movie not in [r["id"] for r in client.get("account/1/rated/movies")["results"]]


def test_cached_answers_are_counted(sb: Sandbox, tmp_path: Path) -> None:
    with bk.Client(sb.url, FAKE_TOKEN, cache=tmp_path / "cache.sqlite") as client:
        explorer = ApiExplorer(client, path="genre/movie/list")
        explorer.fetch()
        assert STATUS.match(explorer.status)["cached"] == "0"  # type: ignore[index]
        explorer.fetch()
        assert STATUS.match(explorer.status)["cached"] == "1"  # type: ignore[index]


@pytest.mark.parametrize(
    "options, message",
    [({"method": "FETCH"}, "method must be one of"), ({"token_name": "my token"}, "variable name")],
)
def test_bad_options_are_refused(client: bk.Client, options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ApiExplorer(client, **options)


def test_put_renames_a_v4_list_and_its_code_does_too(
    sb: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = bk.Client(sb.v4_url, FAKE_TOKEN)
    created = client.post("list", json={"name": "Mine", "iso_639_1": "en"})
    explorer = ApiExplorer(
        client,
        path=f"list/{created['id']}",
        method="PUT",
        params='{"name": "Renamed"}',
        token_name="TMDB_TOKEN",
    )
    explorer.fetch()
    assert explorer.error == ""
    assert explorer.frame is not None and explorer.frame["status_code"].iloc[0] == 12
    assert client.get(f"list/{created['id']}")["name"] == "Renamed"
    explorer.params.value = '{"name": "Renamed again"}'
    explorer.fetch()
    pd.testing.assert_frame_equal(run_code(explorer.code, monkeypatch), explorer.frame)
    assert client.get(f"list/{created['id']}")["name"] == "Renamed again"

"""ApiExplorer against a real sandbox server on 127.0.0.1 (ipywidgets run headless)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import bearerkit as bk
from bearerkit.sandbox import Sandbox
from bearerkit.widgets import ApiExplorer
from bearerkit.widgets.parts import ERROR_STYLE

from ..conftest import FAKE_TOKEN
from ..notebooks.harness import kernel_env
from .conftest import html_of, state_text

STATUS = re.compile(
    r"^(?P<call>[A-Z]+ \S+) · (?P<code>\d{3}) · (?P<rows>\d+) rows · "
    r"(?:(?P<pages>\d+) pages?(?P<stopped> \(stopped\))?|1 request|(?P<several>1 page of several)) · "
    r"(?P<cached>\d+) cached · \d+\.\d\d s$"
)
PROGRESS = re.compile(r"Fetching… (\d+) pages? · (\d+) rows so far")
FEW_PAGES = {"primary_release_year": 1999}  # a handful of pages (8 in the sandbox)
# The JWT's payload and signature: either one alone is a leak.
SECRET_PARTS = [FAKE_TOKEN, *FAKE_TOKEN.split(".")[1:]]
NOTION_QUERY = "notion/databases/d9824bdc-8445-4327-be8b-5b47500af6ce/query"  # 57 rows, by POST


@pytest.fixture
def client(sb: Sandbox) -> bk.Client:
    return bk.Client(sb.url, FAKE_TOKEN)


@pytest.fixture(scope="module")
def outside_sandbox() -> Iterator[str]:
    """A sandbox in another process: to this one, an API like any other. Yields its URL."""
    command = [sys.executable, "-m", "bearerkit", "sandbox", "--token", FAKE_TOKEN]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        for line in server.stdout:
            if "API base URL:" in line:
                yield line.split("API base URL:")[1].strip()
                break
    finally:
        server.terminate()
        server.wait(timeout=10)


def run_fresh(code: str, tmp_path: Path, **env: str) -> pd.DataFrame:
    """Run ``code`` as printed in a fresh Python process (no .env, no token unless given)."""
    out = tmp_path / "df.pkl"
    script = f"{code}\ndf.to_pickle({str(out)!r})\n"
    done = subprocess.run(
        [sys.executable, "-c", script],
        env={**kernel_env(os.environ), **env},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert FAKE_TOKEN not in done.stdout + done.stderr
    return pd.read_pickle(out)


def headers_of(table: str) -> list[str]:
    """The column names of a DataFrame's HTML table (its header row, index left out)."""
    head = table.split("<thead>")[1].split("</thead>")[0]
    return re.findall(r"<th>([^<]+)</th>", head)


def statuses(explorer: ApiExplorer) -> list[str]:
    """Every value the status line takes from now on."""
    seen: list[str] = []
    explorer._status.observe(lambda change: seen.append(change["new"]), names="value")
    return seen


def wait_for_pages(seen: list[str], pages: int) -> None:
    """Wait (at most 30 s) until the status line ``seen`` counted ``pages`` pages so far."""
    deadline = time.monotonic() + 30
    while not any(int(m[1]) >= pages for m in map(PROGRESS.match, seen) if m):
        assert time.monotonic() < deadline, seen
        time.sleep(0.01)


def test_parts_carry_css_classes_and_the_code_is_folded(client: bk.Client) -> None:
    explorer = ApiExplorer(client)
    for css, part in {
        "bk-api-explorer": explorer,
        "bk-path": explorer.path,
        "bk-params": explorer.params,
        "bk-method": explorer.method,
        "bk-all-pages": explorer.all_pages,
        "bk-fetch": explorer.button,
        "bk-stop": explorer.stop_button,
        "bk-status": explorer._status,
        "bk-error": explorer._error_line,
        "bk-table": explorer.table,
        "bk-columns": explorer.columns_panel,
        "bk-code": explorer.code_panel,
    }.items():
        assert css in part._dom_classes, css
    assert explorer.method.options == ("GET", "POST", "PUT", "PATCH", "DELETE")
    assert explorer.code_panel.selected_index is None  # shown on demand
    assert explorer.frame is None and explorer.error == "" and explorer.table.outputs == ()
    assert explorer.stop_button.disabled  # nothing to stop yet


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


def test_the_button_fetches_in_the_background(client: bk.Client) -> None:
    explorer = ApiExplorer(client)
    explorer.path.value = "genre/tv/list"
    explorer.button.click()
    assert explorer.wait(timeout=30)
    assert explorer.frame is not None and len(explorer.frame) == 16


# -- item 5: the previous table is never shown as current ----------------------------------


def test_a_404_clears_the_previous_table(client: bk.Client) -> None:
    explorer = ApiExplorer(client, path="genre/movie/list", autofetch=True)
    assert explorer.table.outputs != ()
    explorer.path.value = "genre/film/list"
    explorer.fetch()
    assert "404" in explorer.error and "could not be found" in explorer.error
    assert ERROR_STYLE in explorer._error_line.value
    assert "Traceback" not in explorer.error
    assert explorer.status.endswith("failed · 404")
    assert explorer.frame is None and explorer.table.outputs == ()
    assert explorer.columns.options == ()
    assert "genre/film/list" in explorer.code  # the code is the request in the fields
    assert "genre/film/list" in explorer._code_view.value
    explorer.path.value = "genre/tv/list"
    explorer.fetch()
    assert explorer.error == "" and explorer._error_line.value == ""
    assert "Action & Adventure" in html_of(explorer.table).replace("&amp;", "&")


def test_the_table_is_cleared_before_the_request_is_sent(client: bk.Client) -> None:
    explorer = ApiExplorer(client, path="genre/movie/list", autofetch=True)
    shown_while_sending: list[Any] = []

    def look(response: Any, *args: Any, **kwargs: Any) -> None:
        shown_while_sending.append((explorer.table.outputs, explorer.frame, explorer.status))

    client.session.hooks["response"].append(look)
    try:
        explorer.path.value = "genre/tv/list"
        explorer.fetch()
    finally:
        client.session.hooks["response"].remove(look)
    assert shown_while_sending == [((), None, "Fetching…")]


# -- item 6: POST pages, and "one page of several" for every method -------------------


def test_one_page_of_several_is_noted_with_the_fix(client: bk.Client) -> None:
    explorer = ApiExplorer(client, path="discover/movie", params=FEW_PAGES)
    explorer.fetch()
    assert explorer.error == "" and "one page of several" in explorer.note
    assert "All pages" in explorer.note and "paginate" in explorer.note
    assert "#8a5a00" in explorer._note_line.value
    assert STATUS.match(explorer.status)["several"]  # type: ignore[index]
    explorer.all_pages.value = True
    explorer.fetch()
    assert explorer.note == "" and explorer._note_line.value == ""


def test_one_post_page_of_several_says_so_too(sb: Sandbox) -> None:
    styles = bk.Client(sb.styles_url, FAKE_TOKEN)
    explorer = ApiExplorer(styles, path=NOTION_QUERY, method="POST", params='{"page_size": 20}')
    explorer.fetch()
    assert explorer.error == "" and len(explorer.frame) == 20  # type: ignore[arg-type]
    match = STATUS.match(explorer.status)
    assert match and match["several"], explorer.status
    assert "one page of several" in explorer.note


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


def test_all_pages_works_with_post(sb: Sandbox) -> None:
    styles = bk.Client(sb.styles_url, FAKE_TOKEN)
    explorer = ApiExplorer(
        styles, path=NOTION_QUERY, method="POST", params='{"page_size": 20}', all_pages=True
    )
    sb.clear_log()
    explorer.fetch()
    assert explorer.error == ""
    expected = styles.paginate(NOTION_QUERY, method="POST", json={"page_size": 20})
    pd.testing.assert_frame_equal(explorer.frame, expected)
    assert len(expected) == 57
    match = STATUS.match(explorer.status)
    assert match and match["pages"] == "3" and explorer.note == ""
    assert all(r.method == "POST" for r in sb.request_log)
    assert (
        f"api.paginate({NOTION_QUERY!r}, method='POST', json={{'page_size': 20}}, progress=False)"
        in explorer.code
    )


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_all_pages_with_a_write_is_explained(client: bk.Client, sb: Sandbox, method: str) -> None:
    explorer = ApiExplorer(client, path="list/1", method=method, all_pages=True)
    sb.clear_log()
    explorer.fetch()
    assert "All pages works with GET, and with POST" in explorer.error
    assert sb.request_log == []


# -- item 7: progress while it runs, and Stop ---------------------------------------


def test_progress_counts_pages_and_rows_while_it_runs(client: bk.Client) -> None:
    explorer = ApiExplorer(client, path="discover/movie", params=FEW_PAGES, all_pages=True)
    seen = statuses(explorer)
    explorer.fetch()
    progress = [s for s in seen if s.startswith("Fetching… ")]
    assert progress and progress[0] == "Fetching… 1 page · 20 rows so far (Stop keeps them)"
    assert STATUS.match(seen[-1])


def test_stop_keeps_the_pages_that_arrived(own_sb: Sandbox) -> None:
    own_sb.set_latency(0.05)
    client = bk.Client(own_sb.url, FAKE_TOKEN)
    params = {"with_genres": 28}  # 62 pages
    explorer = ApiExplorer(client, path="discover/movie", params=params, all_pages=True)
    seen = statuses(explorer)
    explorer.button.click()
    wait_for_pages(seen, 3)
    assert not explorer.stop_button.disabled and explorer.button.disabled
    explorer.stop_button.click()
    assert explorer.wait(timeout=30)
    frame = explorer.frame
    assert frame is not None and explorer.error == ""
    assert 60 <= len(frame) < 1240 and len(frame) % 20 == 0
    assert frame.attrs["paging"]["complete"] is False
    assert "Stopped after" in explorer.note and f"{len(frame)} rows" in explorer.note
    match = STATUS.match(explorer.status)
    assert match and match["stopped"], explorer.status
    sent = [r for r in own_sb.request_log if r.path == "/3/discover/movie"]
    assert len(sent) < 62  # no page was sent after Stop but those already in flight
    assert explorer.stop_button.disabled and not explorer.button.disabled
    assert "progress=False)" in explorer.code  # the code still fetches every page


def test_stop_keeps_the_pages_of_a_cursor_listing_too(own_sb: Sandbox) -> None:
    own_sb.set_latency(0.05)
    styles = bk.Client(own_sb.styles_url, FAKE_TOKEN)  # one page after the other
    explorer = ApiExplorer(styles, path="slack/users.list", params="limit=2", all_pages=True)
    seen = statuses(explorer)
    explorer.button.click()
    wait_for_pages(seen, 2)
    explorer.stop()
    assert explorer.wait(timeout=30)
    frame = explorer.frame
    assert frame is not None and frame.attrs["paging"]["complete"] is False
    pages = frame.attrs["paging"]["pages"]
    assert 2 <= pages < 29 and len(frame) == 2 * pages
    assert frame["name"].tolist() == [f"Item {i:02d}" for i in range(1, len(frame) + 1)]


# -- item 8: identifying columns first, short text on screen, a column picker ------


def test_the_table_shows_id_and_title_first_and_cuts_long_text(client: bk.Client) -> None:
    explorer = ApiExplorer(client, path="discover/movie", autofetch=True)
    frame = explorer.frame
    assert frame is not None and list(frame.columns)[:2] != ["id", "title"]
    assert explorer.columns.options[:2] == ("id", "title")
    assert set(explorer.columns.value) == set(frame.columns)
    table = html_of(explorer.table)
    assert headers_of(table)[:2] == ["id", "title"]
    longest = max(frame["overview"], key=len)
    assert len(longest) > 60 and longest not in table  # cut short on screen
    assert longest[:40] in table and "…" in table


def test_picking_columns_changes_only_the_display(client: bk.Client) -> None:
    explorer = ApiExplorer(client, path="discover/movie", autofetch=True)
    explorer.columns.value = ("title", "release_date")
    table = html_of(explorer.table)
    assert headers_of(table) == ["title", "release_date"]
    assert "overview" in explorer.frame.columns  # type: ignore[union-attr]


# -- item 9 and issue 19 item 26: code that runs as printed, never a credential ----


@pytest.mark.parametrize(
    "fields",
    [
        {"path": "genre/movie/list"},
        {"path": "genre/movie/list", "params": "language=fr"},
        {"path": "discover/tv", "params": '{"first_air_date_year": 2001, "page": 2}'},
        {"path": "discover/movie", "params": FEW_PAGES, "all_pages": True},
    ],
)
def test_the_code_runs_as_printed_against_an_outside_api(
    outside_sandbox: str, tmp_path: Path, fields: dict[str, Any]
) -> None:
    client = bk.Client(outside_sandbox, FAKE_TOKEN)
    explorer = ApiExplorer(client, token_name="TMDB_TOKEN", **fields)
    explorer.fetch()
    assert explorer.error == ""
    code = explorer.code
    assert "bk.load_token('TMDB_TOKEN')" in code
    assert f"bk.Client({outside_sandbox!r}, token)" in code
    assert FAKE_TOKEN not in code
    frame = run_fresh(code, tmp_path, TMDB_TOKEN=FAKE_TOKEN)
    pd.testing.assert_frame_equal(frame, explorer.frame)
    assert code.replace("&", "&amp;").replace("'", "&#x27;") in explorer._code_view.value


def test_the_code_for_a_sandbox_starts_one_instead_of_naming_a_port(
    sb: Sandbox, tmp_path: Path
) -> None:
    styles = bk.Client(sb.styles_url, sb.token)
    explorer = ApiExplorer(styles, path="spotify/search", params="q=x&type=track", all_pages=True)
    explorer.fetch()
    code = explorer.code
    assert "with bk.sandbox.start() as sb, bk.Client(sb.styles_url, sb.token) as api:" in code
    assert str(sb.port) not in code and sb.token not in code and "load_token" not in code
    pd.testing.assert_frame_equal(run_fresh(code, tmp_path), explorer.frame)


def test_the_code_for_connects_sandbox_is_connect(tmp_path: Path) -> None:
    tmdb = bk.tmdb.connect(backend="sandbox", quiet=True)
    explorer = ApiExplorer(tmdb.client, path="genre/movie/list", autofetch=True)
    code = explorer.code
    assert "tmdb = bk.tmdb.connect()" in code and "api = tmdb.client" in code
    assert "127.0.0.1" not in code
    pd.testing.assert_frame_equal(run_fresh(code, tmp_path), explorer.frame)


def test_the_token_name_comes_from_where_the_token_was_loaded(
    outside_sandbox: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MY_API_TOKEN", FAKE_TOKEN)
    client = bk.Client(outside_sandbox, bk.load_token("MY_API_TOKEN"))
    explorer = ApiExplorer(client, path="genre/tv/list")
    assert "bk.load_token('MY_API_TOKEN')" in explorer.code
    unnamed = ApiExplorer(bk.Client(outside_sandbox, FAKE_TOKEN), path="genre/tv/list")
    assert "bk.load_token('API_TOKEN')" in unnamed.code


def test_the_token_never_reaches_the_code_or_the_widget_state(client: bk.Client) -> None:
    explorer = ApiExplorer(client, path="discover/movie", params=FEW_PAGES, all_pages=True)
    explorer.fetch()
    assert FAKE_TOKEN not in explorer.code + explorer.status + state_text(explorer)
    explorer.params.value = f"page=1&q={FAKE_TOKEN}"
    explorer.all_pages.value = False
    explorer.fetch()
    assert "contained the token" in explorer.error
    assert FAKE_TOKEN not in explorer.code + explorer.error + explorer.status


@pytest.mark.parametrize(
    "method, field, value",
    [("GET", "path", "genre/{token}/list"), ("POST", "params", '{{"note": "{token}"}}')],
)
def test_a_token_in_the_request_is_refused_and_kept_out_of_code_and_state(
    client: bk.Client, sb: Sandbox, method: str, field: str, value: str
) -> None:
    explorer = ApiExplorer(client, path="genre/movie/list", method=method)
    getattr(explorer, field).value = value.format(token=FAKE_TOKEN)
    sb.clear_log()
    explorer.fetch()
    assert "contained the token" in explorer.error and sb.request_log == []
    for part in SECRET_PARTS:
        assert part not in explorer.code
        assert part not in state_text(explorer)  # the code panel's HTML and the fields
    assert "***" in getattr(explorer, field).value  # removed where it was typed
    assert "genre/" in explorer.code  # still the request in the fields, token removed


@pytest.mark.parametrize(
    "method, params, secret",
    [
        ("GET", f"api_key={FAKE_TOKEN}", FAKE_TOKEN),  # the client's own token, a key's name
        ("GET", "language=en&api_key=0123456789abcdef0123", "0123456789abcdef0123"),
        ("POST", '{"client_secret": "s3cr3t-value"}', "s3cr3t-value"),
    ],
)
def test_a_credential_parameter_is_refused_and_removed_from_the_field(
    client: bk.Client, sb: Sandbox, method: str, params: str, secret: str
) -> None:
    # Issue 20 walk: a credential under a credential's name stayed in the field (and so
    # in the notebook's saved widget state) because the name check came first.
    explorer = ApiExplorer(client, path="genre/movie/list", method=method, params=params)
    sb.clear_log()
    explorer.fetch()
    assert sb.request_log == []
    assert "carries a credential" in explorer.error or "contained the token" in explorer.error
    assert secret not in explorer.params.value and "***" in explorer.params.value
    assert secret not in explorer.code + explorer.error + state_text(explorer)


# -- issue 19 item 27 and other bad input -------------------------------------------


@pytest.mark.parametrize(
    "method, params, message",
    [
        ("GET", "api_key=0123456789abcdef", "'api_key' carries a credential"),
        ("POST", '{"client_secret": "s3cr3t-value"}', "'client_secret' carries a credential"),
        ("GET", "[1, 2]", "give a JSON object"),
        ("GET", "{language: de}", "not valid JSON"),
        ("GET", "language", "key=value pairs"),
        ("POST", '{"x": NaN}', "NaN is not a JSON value"),
        ("PATCH", '{"x": -Infinity}', "-Infinity is not a JSON value"),
    ],
)
def test_bad_parameters_are_explained(
    client: bk.Client, sb: Sandbox, method: str, params: str, message: str
) -> None:
    explorer = ApiExplorer(client, path="genre/movie/list", method=method, params=params)
    sb.clear_log()
    explorer.fetch()
    assert message in explorer.error
    assert "network" not in explorer.error.lower() and "Unexpected" not in explorer.error
    assert sb.request_log == []  # nothing was sent
    assert "s3cr3t-value" not in explorer.error + state_text(explorer._error_line)


def test_an_empty_path_is_explained(client: bk.Client) -> None:
    explorer = ApiExplorer(client)
    explorer.fetch()
    assert "Enter a path" in explorer.error


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


def test_put_renames_a_v4_list_and_its_code_does_too(sb: Sandbox) -> None:
    client = bk.Client(sb.v4_url, FAKE_TOKEN)
    created = client.post("list", json={"name": "Mine", "iso_639_1": "en"})
    explorer = ApiExplorer(
        client, path=f"list/{created['id']}", method="PUT", params='{"name": "Renamed"}'
    )
    explorer.fetch()
    assert explorer.error == ""
    assert explorer.frame is not None and explorer.frame["status_code"].iloc[0] == 12
    assert client.get(f"list/{created['id']}")["name"] == "Renamed"
    assert "bk.Client(sb.v4_url, sb.token)" in explorer.code
    assert f"to_frame(api.request('PUT', 'list/{created['id']}', json={{'name': 'Renamed'}}))" in (
        explorer.code
    )

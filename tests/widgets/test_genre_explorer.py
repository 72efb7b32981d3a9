"""GenreExplorer against a real sandbox server on 127.0.0.1 (ipywidgets run headless)."""

from __future__ import annotations

import re
from typing import Any

import ipywidgets
import pandas as pd
import pytest

import bearerkit as bk
from bearerkit.sandbox import Sandbox
from bearerkit.tmdb import TMDB
from bearerkit.tmdb_kinds import LANGUAGES
from bearerkit.widgets import GenreExplorer

from ..conftest import FAKE_TOKEN
from .conftest import connect, html_of, png_of, state_text

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
STATUS = re.compile(
    r"^sandbox · (?P<kind>Movie|TV|Both) · (?P<language>.+ \(\w+\)) · (?P<rows>\d+) rows"
    r" · (?P<titles>\d+) titles · \d+\.\d\d s$"
)


# -- GenreExplorer: controls and the DOM contract ------------------------------------------


def test_controls_offer_the_agreed_options_and_defaults(sb: Sandbox) -> None:
    explorer = GenreExplorer(connect(sb), autofetch=False)
    assert explorer.kind.options == (("Movie", "movie"), ("TV", "tv"), ("Both", "both"))
    assert explorer.kind.value == "both"
    assert [label for label, _ in explorer.language.options] == [
        "English (en)",
        "Deutsch (de)",
        "Français (fr)",
        "Español (es)",
        "日本語 (ja)",
        "Italiano (it)",
        "Português (pt)",
    ]
    assert [code for _, code in explorer.language.options] == list(LANGUAGES)
    assert explorer.language.value == "en"
    assert explorer.button.description == "Fetch"


def test_every_part_carries_its_css_class(sb: Sandbox) -> None:
    explorer = GenreExplorer(connect(sb), autofetch=False)
    parts = {
        "bk-genre-explorer": explorer,
        "bk-kind": explorer.kind,
        "bk-language": explorer.language,
        "bk-fetch": explorer.button,
        "bk-status": explorer._status,
        "bk-error": explorer._error_line,
        "bk-table": explorer.table,
        "bk-chart": explorer.chart,
    }
    for css, widget in parts.items():
        assert css in widget._dom_classes, f"{css} missing on {type(widget).__name__}"
    assert isinstance(explorer.chart, ipywidgets.Output)  # the test looks for `.bk-chart img`


def test_displays_as_one_widget(sb: Sandbox) -> None:
    explorer = GenreExplorer(connect(sb), autofetch=False)
    bundle = explorer._repr_mimebundle_()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == explorer.model_id


def test_without_autofetch_nothing_is_loaded(sb: Sandbox) -> None:
    explorer = GenreExplorer(connect(sb), autofetch=False)
    assert explorer.frame is None
    assert explorer.counts is None
    assert explorer.table.outputs == ()
    assert "Fetch" in explorer.status


@pytest.mark.parametrize(
    "options, message",
    [
        ({"languages": ()}, "at least one language"),
        ({"kind": "films"}, "kind must be"),
        ({"pages": 0}, "pages must be a whole number of at least 1"),
    ],
)
def test_bad_options_are_refused(sb: Sandbox, options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        GenreExplorer(connect(sb), autofetch=False, **options)


# -- GenreExplorer: fetching -------------------------------------------------------------


def test_first_fetch_shows_both_kinds_in_english(sb: Sandbox) -> None:
    tmdb = connect(sb)
    explorer = GenreExplorer(tmdb)
    assert explorer.error == ""
    assert explorer.frame is not None
    assert list(explorer.frame.columns) == ["id", "name_en", "movie", "tv"]
    assert len(explorer.frame) == 27  # the union of 19 movie and 16 TV genres
    assert "Science Fiction" in set(explorer.frame["name_en"])
    titles = len(tmdb.discover("movie", pages=2)) + len(tmdb.discover("tv", pages=2))
    match = STATUS.match(explorer.status)
    assert match, explorer.status
    assert match["kind"] == "Both"
    assert match["language"] == "English (en)"
    assert int(match["rows"]) == 27
    assert int(match["titles"]) == titles


def test_table_output_holds_the_html_table(sb: Sandbox) -> None:
    explorer = GenreExplorer(connect(sb))
    table = html_of(explorer.table)
    assert 'class="dataframe"' in table
    assert "Science Fiction" in table


def test_chart_output_holds_a_png(sb: Sandbox) -> None:
    explorer = GenreExplorer(connect(sb))
    png = png_of(explorer.chart)
    assert png.startswith(PNG_MAGIC)
    assert len(png) > 1000


def test_button_click_fetches_german_movie_genres(sb: Sandbox) -> None:
    explorer = GenreExplorer(connect(sb))
    explorer.language.value = "de"
    explorer.kind.value = "movie"
    explorer.button.click()
    assert explorer.error == ""
    assert explorer.frame is not None
    assert list(explorer.frame.columns) == ["id", "name_de", "movie", "tv"]
    assert len(explorer.frame) == 19
    assert explorer.frame["movie"].all()
    names = set(explorer.frame["name_de"])
    assert {"Abenteuer", "Komödie", "Krimi"} <= names
    assert "Adventure" not in names
    assert "Abenteuer" in html_of(explorer.table)
    match = STATUS.match(explorer.status)
    assert match and match["kind"] == "Movie" and match["language"] == "Deutsch (de)"
    assert int(match["rows"]) == 19


def test_kind_tv_gives_the_sixteen_tv_genres(sb: Sandbox) -> None:
    explorer = GenreExplorer(connect(sb), autofetch=False)
    explorer.kind.value = "tv"
    explorer.fetch()
    assert explorer.frame is not None
    assert len(explorer.frame) == 16
    assert explorer.frame["tv"].all()
    assert "Kids" in set(explorer.frame["name_en"])


def test_counts_match_genre_counts_of_both_kinds(sb: Sandbox) -> None:
    tmdb = connect(sb)
    explorer = GenreExplorer(tmdb, pages=3)
    expected = (
        pd.concat([tmdb.genre_counts("movie", pages=3), tmdb.genre_counts("tv", pages=3)])
        .groupby("genre")["count"]
        .sum()
    )
    assert explorer.counts is not None
    got = explorer.counts.set_index("genre")["count"]
    assert got.sort_index().to_dict() == expected.sort_index().to_dict()
    assert list(got) == sorted(got, reverse=True)  # most titles first


def test_japanese_names_fetch_and_chart(sb: Sandbox) -> None:
    explorer = GenreExplorer(connect(sb), autofetch=False)
    explorer.language.value = "ja"
    explorer.fetch()
    assert explorer.error == ""
    assert explorer.frame is not None
    assert "コメディ" in set(explorer.frame["name_ja"])
    assert png_of(explorer.chart).startswith(PNG_MAGIC)


def test_the_connections_language_is_selected(sb: Sandbox) -> None:
    german = TMDB(bk.Client(sb.url, FAKE_TOKEN), language="de", sandbox=sb)
    assert GenreExplorer(german, autofetch=False).language.value == "de"
    explorer = GenreExplorer(connect(sb), languages=("fr", "de"), autofetch=False)
    assert explorer.language.value == "fr"  # "en" is not offered: the first is


def test_the_widget_draws_what_the_tmdb_layer_counts(sb: Sandbox) -> None:
    asked: list[tuple[Any, ...]] = []

    class Counted(TMDB):
        def genre_counts(self, kind: Any = "movie", language: Any = None, **kwargs: Any) -> Any:
            asked.append((kind, language, kwargs))
            counts = pd.DataFrame({"id": [35, 28], "genre": ["Komödie", "Action"], "count": [7, 3]})
            counts.attrs["titles"] = 9
            return counts

    explorer = GenreExplorer(Counted(bk.Client(sb.url, FAKE_TOKEN), sandbox=sb), autofetch=False)
    explorer.kind.value, explorer.language.value = "movie", "de"
    explorer.fetch()
    assert asked == [("movie", "de", {"pages": 2})]
    assert explorer.counts is not None and explorer.counts["count"].tolist() == [7, 3]
    match = STATUS.match(explorer.status)
    assert match and int(match["titles"]) == 9
    assert png_of(explorer.chart).startswith(PNG_MAGIC)


def test_counts_are_exactly_genre_counts(sb: Sandbox) -> None:
    tmdb = connect(sb)
    explorer = GenreExplorer(tmdb, kind="tv", pages=1, autofetch=False)
    explorer.language.value = "fr"
    explorer.fetch()
    assert explorer.counts is not None
    pd.testing.assert_frame_equal(explorer.counts, tmdb.genre_counts("tv", "fr", pages=1))


# -- GenreExplorer: errors are shown, never lost -----------------------------------------


def test_bad_token_shows_the_auth_error_and_keeps_no_frame(sb: Sandbox) -> None:
    explorer = GenreExplorer(connect(sb, token="not-the-sandbox-token"))
    assert explorer.frame is None
    assert "401" in explorer.error
    assert "Invalid API key" in explorer.error
    assert "Invalid API key" in explorer._error_line.value
    assert "fetch failed" in explorer.status
    assert not explorer.button.disabled  # usable again after the failure
    assert "not-the-sandbox-token" not in state_text(explorer)


def test_rate_limit_keeps_the_previous_table(own_sb: Sandbox) -> None:
    explorer = GenreExplorer(connect(own_sb, retries=1))
    before = explorer.frame
    assert before is not None and explorer.error == ""
    own_sb.fail_next(10, status=429, retry_after=0)
    explorer.fetch()
    assert "429" in explorer.error
    assert "Too Many Requests" in explorer.error
    assert explorer.frame is before
    assert "Science Fiction" in html_of(explorer.table)


def test_error_clears_after_a_good_fetch(own_sb: Sandbox) -> None:
    explorer = GenreExplorer(connect(own_sb, retries=0), autofetch=False)
    own_sb.fail_next(1, status=503)
    explorer.fetch()
    assert "503" in explorer.error
    explorer.fetch()
    assert explorer.error == ""
    assert explorer._error_line.value == ""
    assert STATUS.match(explorer.status)


def test_stopped_server_shows_a_network_error(own_sb: Sandbox) -> None:
    tmdb = connect(own_sb, retries=0, timeout=5)
    own_sb.stop()
    explorer = GenreExplorer(tmdb)
    assert explorer.frame is None
    assert "connection refused" in explorer.error


def test_api_text_is_escaped_in_the_error_line(own_sb: Sandbox) -> None:
    explorer = GenreExplorer(connect(own_sb), autofetch=False)
    own_sb.fail_next(1, status=400, body={"status_message": "<b>bold</b> claim"})
    explorer.fetch()
    assert "<b>bold</b>" in explorer.error
    assert "&lt;b&gt;bold&lt;/b&gt;" in explorer._error_line.value
    assert "<b>bold</b>" not in explorer._error_line.value


def test_unexpected_errors_are_shown_too(sb: Sandbox) -> None:
    class Broken(TMDB):
        def genre_table(self, *args: Any, **kwargs: Any) -> pd.DataFrame:
            raise RuntimeError("the genre table is on fire")

    explorer = GenreExplorer(Broken(bk.Client(sb.url, FAKE_TOKEN), sandbox=sb))
    assert explorer.error == "Unexpected error: RuntimeError: the genre table is on fire"
    assert explorer.frame is None

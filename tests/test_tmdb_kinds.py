"""TMDB's vocabulary (bearerkit.tmdb_kinds): one table of per-kind names, languages, years."""

from __future__ import annotations

import pytest

from bearerkit.tmdb_kinds import (
    DEFAULT_LANGUAGE,
    KIND_CHOICES,
    KINDS,
    LANGUAGES,
    check_kind,
    expand_kind,
    kind_label,
    language_label,
)


@pytest.mark.parametrize(
    "kind, title, date, year_param, date_sort",
    [
        ("movie", "title", "release_date", "primary_release_year", "primary_release_date"),
        ("tv", "name", "first_air_date", "first_air_date_year", "first_air_date"),
    ],
)
def test_the_per_kind_names_are_tmdbs(
    kind: str, title: str, date: str, year_param: str, date_sort: str
) -> None:
    fields = KINDS[kind]
    assert (fields.kind, fields.title, fields.date) == (kind, title, date)
    assert (fields.year_param, fields.date_sort) == (year_param, date_sort)


def test_kind_choices_and_expansion() -> None:
    assert KIND_CHOICES == ("movie", "tv", "both")
    assert expand_kind("both") == ("movie", "tv")
    assert expand_kind("tv") == ("tv",)
    assert check_kind("movie") == "movie"


@pytest.mark.parametrize("bad", ["film", "both", "", None, "Movie"])
def test_check_kind_refuses_anything_else(bad: object) -> None:
    with pytest.raises(ValueError, match="kind must be 'movie' or 'tv'"):
        check_kind(bad)


@pytest.mark.parametrize("bad", ["films", "", None, "all"])
def test_expand_kind_refuses_anything_else(bad: object) -> None:
    with pytest.raises(ValueError, match="kind must be 'movie', 'tv' or 'both'"):
        expand_kind(bad)


def test_labels() -> None:
    assert [kind_label(k) for k in KIND_CHOICES] == ["Movie", "TV", "Movie + TV"]
    assert language_label("de") == "Deutsch (de)"
    assert language_label("xx") == "xx (xx)"


def test_one_default_language_first_in_the_table() -> None:
    assert DEFAULT_LANGUAGE == "en" == next(iter(LANGUAGES))

"""TMDB's vocabulary, written once: per-kind field names, languages, years.

Movies and TV shows carry the same information under different names
(``title``/``name``, ``release_date``/``first_air_date``) and are filtered by
different year parameters. The TMDB layer, the command line, the widgets and the
sandbox all read these tables instead of spelling the names out themselves.
Pure data: importing this module loads nothing else.

>>> from bearerkit.tmdb_kinds import KINDS
>>> KINDS["tv"].title, KINDS["tv"].date, KINDS["tv"].year_param
('name', 'first_air_date', 'first_air_date_year')
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "DEFAULT_LANGUAGE",
    "FIRST_YEAR",
    "KINDS",
    "KIND_CHOICES",
    "LANGUAGES",
    "LAST_YEAR",
    "Kind",
    "KindChoice",
    "KindFields",
    "check_kind",
    "check_language",
    "expand_kind",
    "kind_label",
    "language_label",
]

Kind = Literal["movie", "tv"]
KindChoice = Literal["movie", "tv", "both"]


@dataclass(frozen=True)
class KindFields:
    """The names one kind of title goes by in TMDB's API.

    Attributes:
        kind: the path segment (``discover/<kind>``, ``genre/<kind>/list``).
        label: how people call it ("Movie", "TV").
        title: the record field holding the title.
        original_title: the field holding the title in its original language.
        date: the record field holding the first release date.
        date_sort: the ``sort_by`` name that sorts on :attr:`date`.
        year_param: the discover parameter filtering by the year of :attr:`date`.
    """

    kind: Kind
    label: str
    title: str
    original_title: str
    date: str
    date_sort: str
    year_param: str


KINDS: dict[str, KindFields] = {
    "movie": KindFields(
        kind="movie",
        label="Movie",
        title="title",
        original_title="original_title",
        date="release_date",
        date_sort="primary_release_date",
        year_param="primary_release_year",
    ),
    "tv": KindFields(
        kind="tv",
        label="TV",
        title="name",
        original_title="original_name",
        date="first_air_date",
        date_sort="first_air_date",
        year_param="first_air_date_year",
    ),
}
# What a user may ask for where both lists make sense (genre tables, the widget).
KIND_CHOICES: tuple[str, ...] = (*KINDS, "both")

# TMDB takes ISO 639-1 codes, optionally with a region ("de", "pt-BR"). One
# default for connect(), genre_table(), the widgets and the command line.
DEFAULT_LANGUAGE = "en"
# Languages offered in pickers, each named in its own words; the first is the default.
LANGUAGES: dict[str, str] = {
    "en": "English",
    "de": "Deutsch",
    "fr": "Français",
    "es": "Español",
    "ja": "日本語",
    "it": "Italiano",
    "pt": "Português",
}

# Release years a year filter accepts: TMDB's catalogue starts in the 1870s; a
# year outside this range is a typo, not a filter.
FIRST_YEAR = 1800
LAST_YEAR = 2200


def check_kind(kind: object) -> Kind:
    """Return ``kind`` if it is ``"movie"`` or ``"tv"``; else raise ``ValueError`` saying so."""
    if kind not in KINDS:
        raise ValueError(f"kind must be 'movie' or 'tv', not {kind!r}")
    return KINDS[str(kind)].kind


def expand_kind(kind: object) -> tuple[Kind, ...]:
    """``"both"`` → ``("movie", "tv")``; ``"movie"``/``"tv"`` → that one kind.

    >>> expand_kind("both")
    ('movie', 'tv')
    """
    if kind == "both":
        return tuple(fields.kind for fields in KINDS.values())
    if kind not in KINDS:
        raise ValueError(f"kind must be 'movie', 'tv' or 'both', not {kind!r}")
    return (KINDS[str(kind)].kind,)


def kind_label(kind: str) -> str:
    """``"movie"`` → ``"Movie"``, ``"both"`` → ``"Movie + TV"``."""
    return " + ".join(KINDS[k].label for k in expand_kind(kind))


# TMDB's language codes: ISO 639-1, optionally a region ("pt-BR"; "es-419" is a UN region).
_LANGUAGE_CODE = re.compile(r"[A-Za-z]{2,3}(?:-(?:[A-Za-z]{2}|[0-9]{3}))?")


def check_language(code: object) -> str:
    """Return ``code`` if it looks like a TMDB language code; else raise ``ValueError`` saying so.

    TMDB answers an unknown code with English names, which would pass silently.

    >>> check_language("pt-BR")
    'pt-BR'
    """
    if not (isinstance(code, str) and _LANGUAGE_CODE.fullmatch(code)):
        raise ValueError(
            f"language must be a code such as 'en', 'de' or 'pt-BR' (ISO 639-1, optionally "
            f"with a region), not {code!r}"
        )
    return code


def language_label(code: str) -> str:
    """``"de"`` → ``"Deutsch (de)"``; an unknown code shows as itself."""
    return f"{LANGUAGES.get(code, code)} ({code})"

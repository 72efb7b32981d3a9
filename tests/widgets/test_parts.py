"""What the widgets share: the table as shown (display_frame)."""

from __future__ import annotations

import pandas as pd

from bearerkit.widgets.parts import TEXT_CHARS, display_frame

LONG = "An overview far longer than a table cell should show on one line, by a good margin."


def discover_like() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "adult": [False, False],
            "backdrop_path": ["/a.jpg", "/b.jpg"],
            "genre_ids": [[28], [12, 16]],
            "overview": [LONG, "short"],
            "title": ["Alpha", "Beta"],
            "id": [7, 8],
        }
    )


def test_id_and_the_title_come_first_and_long_text_is_cut_on_screen_only() -> None:
    frame = discover_like()
    shown = display_frame(frame)
    assert list(shown.columns) == ["id", "title", "adult", "backdrop_path", "genre_ids", "overview"]
    assert shown.loc[0, "overview"] == LONG[: TEXT_CHARS - 1] + "…"
    assert shown.loc[1, "overview"] == "short" and shown.loc[1, "genre_ids"] == [12, 16]
    assert frame.loc[0, "overview"] == LONG and frame.columns[0] == "adult"  # untouched


def test_name_columns_are_found_nested_too() -> None:
    nested = pd.DataFrame({"rank": [1], "owner.login": ["ada"], "id": [3]})
    assert list(display_frame(nested).columns) == ["id", "owner.login", "rank"]
    assert list(display_frame(pd.DataFrame({"b": [1], "a": [2]})).columns) == ["b", "a"]


def test_picked_columns_are_shown_in_the_order_given_after_the_identifying_ones() -> None:
    shown = display_frame(discover_like(), columns=["overview", "adult", "title", "nope"])
    assert list(shown.columns) == ["title", "overview", "adult"]
    assert display_frame(discover_like(), columns=[]).shape == (2, 0)

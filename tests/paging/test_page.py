"""The Paginator interface and PageRequest: what a subclass needs, reprs that mask credentials."""

from __future__ import annotations

import pytest

from bearerkit.paging import Cursor, Page, PageRequest, Paginator

from .conftest import page

# --- the interface ------------------------------------------------------------------------


def test_a_subclass_needs_only_next_request() -> None:
    class ResumeFrom(Paginator):
        style = "resume_from"

        def next_request(self, page: Page) -> PageRequest | None:
            body = page.body
            return (
                page.request.with_params(**{"from": body["resume_from"]}) if body["more"] else None
            )

    r = ResumeFrom()
    assert r.plan(page({})) is None
    nxt = r.next_request(page({"more": True, "resume_from": "x"}))
    assert nxt is not None and nxt.params == {"from": "x"}
    assert "ResumeFrom(" in repr(r)


def test_base_paginator_says_what_to_implement() -> None:
    with pytest.raises(NotImplementedError, match="next_request"):
        Paginator().next_request(page({}))


def test_reprs_show_the_settings() -> None:
    assert repr(Cursor("meta.next_token", "pagination_token")) == (
        "Cursor(path='meta.next_token', param='pagination_token', in_body=False)"
    )


def test_page_request_repr_masks_credentials_in_params_and_body() -> None:
    request = PageRequest(
        "POST",
        "https://me:pw@api.example.com/x?api_key=k1",
        {"api_key": "k2", "page": 2},
        {"client_secret": "s3", "n": 1},
    )
    shown = repr(request)
    assert "k1" not in shown and "k2" not in shown and "s3" not in shown and "pw" not in shown
    assert "'page': 2" in shown and "'n': 1" in shown

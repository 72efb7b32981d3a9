"""Issue 19, items 11-13: the scanner on cassettes sees what their lines hide.

Cassettes are recorded by bearerkit against a real loopback server, with secrets that
bearerkit could not know (no auth object held them), so the scanner is the last guard.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from pytest_httpserver import HTTPServer

import bearerkit as bk
from bearerkit.cassette import active_cassettes

# A GitHub-shaped token no auth object held: only its shape gives it away.
GITHUB = "ghp_" + "Ab3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6"
ENV_SECRET = "env+SECRET/value=9f8e7d"


@pytest.fixture(autouse=True)
def _no_leftover_cassettes() -> Iterator[None]:
    yield
    for cassette in active_cassettes():
        cassette.stop()


def _kinds(path: Path, **kwargs: object) -> list[str]:
    return [finding.kind for finding in bk.scan(path, **kwargs)]  # type: ignore[arg-type]


def test_a_token_inside_a_binary_body_is_found(server: HTTPServer, tmp_path: Path) -> None:
    body = "Réponse: ".encode("latin-1") + GITHUB.encode() + b"\xff\xfe"
    server.expect_request("/blob").respond_with_data(body, content_type="text/plain")
    path = tmp_path / "cassettes" / "blob.yaml"
    with bk.use_cassette(path):
        bk.Client(server.url_for("/").rstrip("/")).response("GET", "blob")
    text = path.read_text()
    assert "!!binary" in text and GITHUB not in text  # vcrpy hid it in base64
    findings = bk.scan(path)
    assert [f.kind for f in findings] == ["github"]
    assert findings[0].line is not None and GITHUB not in str(findings[0])


def test_a_token_split_by_an_escaped_line_break_is_found(tmp_path: Path) -> None:
    path = tmp_path / "split.yaml"
    half = len(GITHUB) // 2
    path.write_text(
        "interactions:\n"
        "- response:\n"
        "    body:\n"
        f'      string: "{{\\"token\\": \\"{GITHUB[:half]}\\\n'
        f'        {GITHUB[half:]}\\"}}"\n'
    )
    assert GITHUB not in path.read_text()
    assert _kinds(path) == ["github"]


def test_a_dotenv_secret_percent_encoded_in_a_cassette_uri_is_found(
    server: HTTPServer, tmp_path: Path
) -> None:
    server.expect_request("/search").respond_with_json({"results": []})
    path = tmp_path / "search.yaml"
    with bk.use_cassette(path):  # "filter" is no credential name, and no auth held the value
        bk.Client(server.url_for("/").rstrip("/")).get("search", {"filter": ENV_SECRET})
    text = path.read_text()
    assert quote(ENV_SECRET, safe="") in text and ENV_SECRET not in text
    env = tmp_path / ".env"
    env.write_text(f"PARTNER_API_SECRET={ENV_SECRET}\n")
    findings = bk.scan(path, env_file=env)
    assert [(f.kind, f.env_name) for f in findings] == [("env_value", "PARTNER_API_SECRET")]


@pytest.mark.parametrize(
    "form",
    [
        quote(ENV_SECRET, safe=""),
        quote(ENV_SECRET, safe="").replace("%2B", "%2b"),
        ENV_SECRET.replace("/", "\\/"),
        base64.b64encode(ENV_SECRET.encode()).decode(),
    ],
)
def test_every_encoding_of_a_dotenv_secret_is_found(tmp_path: Path, form: str) -> None:
    (tmp_path / ".env").write_text(f"PARTNER_API_SECRET={ENV_SECRET}\n")
    target = tmp_path / "notes.txt"
    target.write_text(f"seen: {form}\n")
    assert _kinds(target, env_file=tmp_path / ".env") == ["env_value"]


def test_yaml_that_hides_nothing_is_read_once(tmp_path: Path) -> None:
    path = tmp_path / "plain.yaml"
    path.write_text(f"token: {GITHUB}\nother: fine\n")
    assert _kinds(path) == ["github"]  # one finding, not one per pass


def test_broken_yaml_with_a_binary_tag_is_still_scanned_as_text(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(f"a: !!binary [unclosed\ntoken: {GITHUB}\n")
    assert _kinds(path) == ["github"]

"""Detectors: which strings are secrets, which are not, and that matching stays linear."""

from __future__ import annotations

import base64
import hashlib
import re
import time
import uuid
import zlib

import pytest

from bearerkit.scan.detectors import Detector, is_env_secret, mask
from tests.scan.fakes import (
    JWT,
    OPAQUE,
    PROVIDER_FAKES,
    PROVIDER_IDS,
    V3_KEY,
    segment,
    signature,
)


def found(text: str, env: dict[str, str] | None = None) -> list[tuple[int, str, str]]:
    """(line, kind, secret) for every hit in ``text``."""
    return [(line, h.kind, h.secret) for line, h in Detector(env or {}, ()).text(text)]


@pytest.mark.parametrize(
    ("line", "kind", "secret"),
    [
        (f"TMDB_TOKEN={JWT}", "jwt", JWT),
        (f"Authorization: Bearer {JWT}", "jwt", JWT),
        (f"Authorization: Bearer {OPAQUE}", "bearer", OPAQUE),
        (f"authorization: bearer {OPAQUE}.", "bearer", OPAQUE),
        (f"requests.get(url, params={{'api_key': '{V3_KEY}'}})", "tmdb_v3_key", V3_KEY),
        (f'"tmdb_key": "{V3_KEY}"', "tmdb_v3_key", V3_KEY),
        (f"TMDB_API_KEY={V3_KEY}", "tmdb_v3_key", V3_KEY),
        (f"apikey: {V3_KEY}", "tmdb_v3_key", V3_KEY),
        (f"https://api.themoviedb.org/3/movie/550?api_key={V3_KEY}&page=2", "tmdb_v3_key", V3_KEY),
    ],
)
def test_finds_each_tmdb_shape(line: str, kind: str, secret: str) -> None:
    assert found(f"# Notes\n{line}\n") == [(2, kind, secret)]


@pytest.mark.parametrize(("kind", "token"), PROVIDER_FAKES, ids=PROVIDER_IDS)
def test_finds_each_provider_token_shape(kind: str, token: str) -> None:
    text = f"# config\nclient = Api(token='{token}')\n"
    assert found(text) == [(2, kind, token)]
    # As JSON or YAML write it after an escape: the "n" of "\n" must not glue on.
    assert found(f'{{"body": "line one\\n{token}\\tdone"}}') == [(1, kind, token)]


@pytest.mark.parametrize(
    "line",
    [
        f"commit {hashlib.sha1(b'a').hexdigest()}",
        f"{hashlib.md5(b'data').hexdigest()}  movies.csv",
        f'"etag": "{hashlib.md5(b"etag").hexdigest()}"',
        f'cache_key = "{hashlib.md5(b"k").hexdigest()}"',
        f'turnkey: "{hashlib.md5(b"t").hexdigest()}"',
        f"checksum={hashlib.md5(b'c').hexdigest()}",
        # A bare "key" is not enough: md5 sums sit under that name in ordinary notebooks.
        f'"key": "{hashlib.md5(b"row").hexdigest()}"',
        f"key = '{hashlib.md5(b'row2').hexdigest()}'",
        f"request_id = {uuid.uuid5(uuid.NAMESPACE_DNS, 'bearerkit')}",
        '{"id": 550, "imdb_id": "tt0137523", "vote_count": 30021}',
        "Bearer tokens travel in the Authorization header.",
        "headers['Authorization'] = 'Bearer ' + token.value",
        "Authorization: Bearer authorization_header_value",
        "Authorization: Bearer TMDB_READ_ACCESS_TOKEN_VALUE",
        "segments = 'eyJhbGciOiJIUzI1NiJ9'",
        # JWT-shaped, but the first segment is not a JWT header:
        "blob = " + ".".join([segment({"name": "x"}), segment({"y": 1}), signature("z")]),
        # Provider prefixes on ordinary words and slugs:
        "see sk-" + "learn-compatible-estimators-for-everyone",
        "url = '/blog/sk-" + "hynix-memory-products-2024-review'",
        "hf_" + "abcdefghijklmnopqrstuvwxyzabcdefgh",
        "secret_" + "a" * 43,
        "xoxb-" + "x" * 30,
    ],
)
def test_no_false_alarm_on_ordinary_text(line: str) -> None:
    assert found(line + "\n") == []


@pytest.mark.parametrize(
    "line",
    [
        "Authorization: Bearer <token>",
        "Authorization: Bearer <your token>",
        "Authorization: Bearer YOUR_BEARER_TOKEN",
        'headers = {"Authorization": f"Bearer {token}"}',
        'curl -H "Authorization: Bearer ${TMDB_TOKEN}"',
        "Authorization: Bearer ...",
        "Authorization: Bearer xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "Authorization: Bearer xxx…",
        "Authorization: Bearer PLACEHOLDER0123456789abcdef",
        "Authorization: Bearer changeme0123456789abcdef",
        "Authorization: Bearer abcDEF0123456789abcdef...",
        "api_key=00000000000000000000000000000000",
        "TMDB_TOKEN=paste-your-tmdb-read-access-token-here",
        "GITHUB_TOKEN=ghp_" + "<your-token-here-0123456789abcdefghijk>",
    ],
)
def test_placeholders_are_not_findings(line: str) -> None:
    assert found(line + "\n") == []


def test_a_truncated_jwt_in_documentation_is_not_a_finding() -> None:
    assert found(f"Bearer {JWT[:-4]}...\n") == []
    assert found(f"Bearer {JWT}\n") == [(1, "jwt", JWT)]


def test_an_anthropic_key_is_not_also_an_openai_key() -> None:
    [token] = [t for kind, t in PROVIDER_FAKES if kind == "anthropic"]
    assert [kind for _, kind, _ in found(token)] == ["anthropic"]


@pytest.mark.parametrize("marker", ["# bearerkit: allow-secret", "# noqa: secret"])
def test_an_allow_marker_covers_its_own_line_only(marker: str) -> None:
    assert [line for line, _, _ in found(f"a = '{JWT}'  {marker}\nb = '{JWT}'\n")] == [2]


def test_allow_regexes_drop_matching_values() -> None:
    detector = Detector({}, (re.compile("^bkOpaque"),))
    assert [h.kind for _, h in detector.text(f"{JWT}\nBearer {OPAQUE}\n")] == ["jwt"]


def test_env_values_are_found_and_beat_overlapping_shapes() -> None:
    env = {JWT: "TMDB_TOKEN", "plain-words-but-secret-9": "MY_API_SECRET"}
    hits = found(f"x\nt = '{JWT}'\ns = plain-words-but-secret-9\n", env)
    assert hits == [
        (2, "env_value", JWT),
        (3, "env_value", "plain-words-but-secret-9"),
    ]


def test_two_hundred_lines_of_ordinary_data_stay_quiet() -> None:
    # A PNG made on the spot: its base64 is what notebooks and READMEs embed.
    raw = bytes(range(256)) * 64
    png = b"\x89PNG\r\n\x1a\n" + zlib.compress(raw + hashlib.sha512(raw).digest())
    lines = []
    for n in range(40):
        seed = f"row-{n}".encode()
        lines += [
            str(uuid.uuid4()),
            hashlib.md5(seed).hexdigest(),
            f"commit {hashlib.sha1(seed).hexdigest()}  Merge pull request #{n}",
            f"sha256:{hashlib.sha256(seed).hexdigest()}",
            f'"key": "{hashlib.md5(seed + b"k").hexdigest()}", "uuid": "{uuid.uuid4().hex}"',
        ]
    lines.append("data:image/png;base64," + base64.b64encode(png).decode())
    assert len(lines) > 200
    assert found("\n".join(lines)) == []


@pytest.mark.parametrize(
    "text",
    [
        "x = '" + "eyJ" * 70_000 + "'",  # the old pattern took seconds on 80 KB of this
        "eyJ" * 400_000,  # 1.2 MB: bounded repeats alone are still 4096 steps per "eyJ"
        "eyJ" * 70_000 + "." + "a" * 5000,
        "eyJa." * 40_000,
        "Bearer " * 30_000,
        "api_key=" + " " * 200_000,
        "sk-" * 70_000,
        "xoxb-" * 40_000,
        # Thousands of real-looking hits, on one line and on many:
        f"Authorization: Bearer {OPAQUE} " * 5000,
        f"Authorization: Bearer {OPAQUE}\n" * 5000,
    ],
    ids=[
        "eyJ-run",
        "eyJ-1MB",
        "eyJ-run-dot",
        "eyJ-dots",
        "bearer",
        "key-spaces",
        "sk",
        "xoxb",
        "many-hits-one-line",
        "many-hits",
    ],
)
def test_matching_is_linear_on_hostile_text(text: str) -> None:
    assert len(text) >= 200_000
    start = time.perf_counter()
    found(text)
    assert time.perf_counter() - start < 2.0


@pytest.mark.parametrize(
    ("name", "value", "secret"),
    [
        ("TMDB_TOKEN", "plain-words-but-secret-9", True),
        ("MY_API_SECRET", "hunter42x", True),
        ("OAUTH_CLIENT_SECRET", "s3cr3t-Value", True),
        ("GITHUB_TOKEN", "A1b2C3d4E5f6", True),
        ("apiKey", "A1b2C3d4E5f6", True),
        ("CLIENTSECRET", "A1b2C3d4E5f6", True),
        ("DATABASE_PASSWORD", "correct-Horse-7", True),
        # A URL with credentials in it is a secret; without, it is an address.
        ("OAUTH_TOKEN_URL", "https://user:pw@auth.example.com/token", True),
        ("OAUTH_TOKEN_URL", "https://auth.example.com/oauth/token", False),
        ("AUTH_REDIRECT", "http://127.0.0.1:8000/callback?state=1", False),
        # Names whose parts are not secret words:
        ("TOKENIZER_NAME", "A1b2C3d4E5f6", False),
        ("MONKEY_COUNT", "A1b2C3d4E5f6", False),
        ("TMDB_LANGUAGE", "en-US-and-more-words", False),
        # Numbers, booleans-like words and ordinary names are not secrets:
        ("TOKEN_TTL_SECONDS", "86400000", False),
        ("AUTH_METHOD", "client_credentials", False),
        ("TOKEN_TYPE", "BEARER_TOKEN", False),
        ("SECRET_BACKEND", "keyring-file", False),
        # Too short, or a placeholder:
        ("SHORT_TOKEN", "abc123", False),
        ("TMDB_TOKEN", "paste-your-tmdb-read-access-token-here", False),
    ],
)
def test_which_env_values_are_secrets(name: str, value: str, secret: bool) -> None:
    assert is_env_secret(name, value) is secret


def test_mask_shows_less_of_shorter_values() -> None:
    assert mask("abcdefghijklmnopqrstuvwxyz") == "abcd…yz"
    assert mask("hunter42x") == "hu…"
    assert mask("short") == "…"

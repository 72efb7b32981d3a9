"""Record once, replay offline: vcrpy cassettes with bearerkit's secret hygiene.

Record a notebook's HTTP traffic once with a real token, commit the cassette, and
let CI replay it with no token and no network. vcrpy does the recording, matching
and YAML files; this module adds what a notebook needs on top:

- secrets never reach the file: every credential the recorded requests carried and
  every credential the recorded answers issued is removed from the URI, the headers
  and the bodies, in every encoding (raw, percent-encoded, JSON-escaped, base64).
  Which values are credentials is :mod:`bearerkit.secrets`' one rule (what the live
  auth objects hold, credential headers and parameters by name, token fields of
  answers); :mod:`bearerkit.redact` removes them. Bodies stay byte for byte apart
  from that. All of it happens before the file is written;
- matching ignores credentials (headers, secret parameters) and the host, so a
  replay with other secrets, or against the sandbox on another port, still matches;
- in replay-only mode no secret is needed: :func:`bearerkit.load_token` hands out
  a placeholder when nothing is configured;
- a request the cassette lacks raises :class:`~bearerkit.CassetteError` and sends nothing;
- ``BEARERKIT_RECORD_MODE`` overrides every mode (CI sets ``none``).

>>> with bk.use_cassette("cassettes/github.yaml"):          # doctest: +SKIP
...     issues = bk.Client("https://api.github.com", bk.load_token("GITHUB_TOKEN")
...                        ).paginate("repos/pandas-dev/pandas/issues", max_pages=2)
"""

from __future__ import annotations

from .tape import (
    MATCH_ON,
    RECORD_MODE_ENV,
    RECORD_MODES,
    RECORDED_ORIGIN,
    Cassette,
    active_cassettes,
    cassette_miss,
    effective_mode,
    recording,
    replaying,
    use_cassette,
)

__all__ = [
    "MATCH_ON",
    "RECORDED_ORIGIN",
    "RECORD_MODES",
    "RECORD_MODE_ENV",
    "Cassette",
    "active_cassettes",
    "cassette_miss",
    "effective_mode",
    "recording",
    "replaying",
    "use_cassette",
]

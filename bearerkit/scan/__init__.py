"""Find bearer tokens and API keys before they are committed: ``bk.scan(path)``.

The commonest way a token leaks is a notebook saved with the token in a cell or
in an output, then pushed. The scanner reads notebooks as JSON (cell sources,
outputs, attachments, notebook and cell metadata including saved widget state)
and every other text file, whatever its extension, as text: YAML and JSON
cassettes (``cassettes/*.yaml``) included.

What it catches:
    * ``jwt``: three base64url segments whose first segment decodes to a JSON
      header with ``"alg"`` or ``"typ"`` (TMDB's read access token is one).
    * provider tokens, by prefix and shape (:data:`bearerkit.shapes.PROVIDER_TOKENS`):
      ``github`` (``ghp_``, ``gho_``, ``ghu_``, ``ghs_``, ``ghr_``, ``github_pat_``),
      ``huggingface`` (``hf_``), ``openai`` (``sk-``, ``sk-proj-``), ``anthropic``
      (``sk-ant-``), ``slack`` (``xoxb-``, ``xoxp-`` ...), ``stripe`` (``sk_live_``,
      ``rk_live_``), ``aws`` (``AKIA``, ``ASIA``), ``google`` (``AIza``), ``notion``
      (``secret_``, ``ntn_``).
    * ``bearer``: ``Bearer <value>`` where the value is at least 20 characters
      of the RFC 6750 token alphabet and not a placeholder or a name.
    * ``bearerkit_login``: the access and refresh tokens in a sign-in token store
      file (``bearerkit.oauth.store``), which belongs in your per-user data folder.
    * ``tmdb_v3_key``: 32 hex characters right after a key-like name
      (``api_key=``, ``apikey:``, ``"tmdb_key": "``, ``TMDB_API_KEY=`` ...).
    * ``env_value``: the literal value of any secret-looking variable in your local
      ``.env`` (one part of its name is TOKEN, KEY, SECRET, PASSWORD, CREDENTIALS,
      AUTH, PASS, PWD ...) of at least 8 characters: the nearest ``.env`` above the
      scanned path and above the working directory, or ``env_file``.

What it does not catch, on purpose:
    * bare 32/40/64-hex strings (git hashes, md5 sums, ids), a 32-hex value under a
      bare ``key`` name, UUIDs, numbers;
    * ``.env`` values that are URLs without credentials (``OAUTH_TOKEN_URL``),
      numbers or ordinary one-case words (``TOKENIZER_NAME=bert-base-uncased``);
    * placeholders (:func:`bearerkit.shapes.is_placeholder`: ``YOUR_``, ``<``, ``{``,
      ``$``, ``...``, ``changeme``, ``paste-your`` ...) and values of one repeated
      character (``Bearer <token>``, ``Bearer {token}``, ``Bearer xxxxxxxx``);
    * base64 image payloads (``image/png``, ``image/jpeg`` ...) in outputs;
    * the ``.env`` file itself (that is where secrets belong), binary files, files
      that are not regular (FIFOs, devices), symlinks leading out of the scanned
      folder, files over ``max_file_bytes`` (notebooks: ``max_notebook_bytes``) and
      the folders in :data:`bearerkit.scan.files.SKIP_DIRS`;
    * secrets that were encoded, gzipped or obfuscated. A clean scan is not proof.

Allow-list for deliberate fake examples:
    * a comment ``bearerkit: allow-secret`` (or ``noqa: secret``) on the same
      line (in a notebook: the same line of the cell source);
    * in the nearest ``pyproject.toml`` above the scanned path::

          [tool.bearerkit.scan]
          allow = ["^eyJhbGciOiJub25l"]   # regexes searched in the secret value
          exclude = ["docs/fixtures/*"]   # globs relative to pyproject.toml; * crosses /

    * ``scan(..., allow=[regex, ...])`` / ``--allow REGEX``.

Command line (``python -m bearerkit scan [PATH ...]``, default: the repository
root; :mod:`bearerkit.scan.cli`): one line per finding on stdout, a one-line summary
on stderr. Exit codes: 0 clean, 1 possible secrets found, 2 usage error (a path
that does not exist, a bad regex, a broken ``[tool.bearerkit.scan]`` table).

pre-commit: this repository ships a hook in ``.pre-commit-hooks.yaml``::

    - repo: <this repository>
      rev: <tag>
      hooks:
        - id: bearerkit-scan

Inside: :mod:`~bearerkit.scan.detectors` finds secrets in text,
:mod:`~bearerkit.scan.files` picks the files and the notebook parts to read,
:mod:`~bearerkit.scan.config` reads ``.env`` and ``[tool.bearerkit.scan]``,
:mod:`~bearerkit.scan.api` ties them together and :mod:`~bearerkit.scan.cli` prints.
"""

from __future__ import annotations

from bearerkit.scan.api import Finding, scan

__all__ = ["Finding", "scan"]

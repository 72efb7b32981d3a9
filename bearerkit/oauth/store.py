"""Where a user sign-in's tokens are kept between kernels: a 0600 file, the OS keyring, or memory.

One entry per (issuer, client_id, scopes). The file lives in the per-user data
directory (``platformdirs.user_data_dir("bearerkit")/logins``), never in the
working directory, where a notebook's folder gets committed. It is created
``0600`` and replaced by atomic rename; writers and refreshers take a file lock
(``filelock``) around "read, refresh, write", so two processes refreshing at once
do not both spend a rotating refresh token: the second re-reads and uses the
first one's new token.

The OS keyring is used instead when the ``keyring`` package is installed and has
a working backend (not its ``fail``/``null`` ones); without one the file is used
and :attr:`TokenStore.location` says so: there is no silent fallback.

>>> store = memory_store()
>>> store.location
'memory only'
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bearerkit.redact import Secret

__all__ = [
    "MARKER",
    "StoredTokens",
    "TokenStore",
    "default_store",
    "file_store",
    "memory_store",
    "open_store",
    "store_key",
]

MARKER = "bearerkit_login"  # first key of every store file: the scanner recognises it
KEYRING_SERVICE = "bearerkit"
_LOCK_TIMEOUT = 30.0  # seconds to wait for another process's refresh before giving up


@dataclass(frozen=True)
class StoredTokens:
    """What a sign-in keeps: the tokens, the access token's expiry, the granted scope.

    ``expires_at`` is epoch seconds (``time.time()``), so it means the same to the
    next process. ``seed`` is a digest of the refresh token a :class:`RefreshLogin`
    was built with, so a different one passed later wins over the stored chain.
    """

    access_token: Secret | None
    refresh_token: Secret | None
    expires_at: float | None = None
    scope: str | None = None
    seed: str | None = None


def _encode(tokens: StoredTokens, key: str) -> bytes:
    return json.dumps(
        {
            MARKER: 1,
            "key": key,
            "access_token": tokens.access_token.reveal() if tokens.access_token else None,
            "refresh_token": tokens.refresh_token.reveal() if tokens.refresh_token else None,
            "expires_at": tokens.expires_at,
            "scope": tokens.scope,
            "seed": tokens.seed,
        },
        indent=1,
    ).encode("utf-8")


def _decode(raw: str | bytes | None, *, key: str = "") -> StoredTokens | None:
    """The entry, or None for an absent, unreadable or (with ``key``) another login's one.

    Never raises.
    """
    if not raw:
        return None
    try:
        data: Any = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or data.get(MARKER) != 1:
        return None
    if key and data.get("key") != key:
        return None

    access, refresh, expires, scope, seed = (
        data.get(name) for name in ("access_token", "refresh_token", "expires_at", "scope", "seed")
    )
    del data  # the plain strings go; only the sealed copies stay
    tokens = StoredTokens(
        access_token=Secret(access) if isinstance(access, str) and access else None,
        refresh_token=Secret(refresh) if isinstance(refresh, str) and refresh else None,
        expires_at=float(expires)
        if isinstance(expires, (int, float)) and not isinstance(expires, bool)
        else None,
        scope=scope if isinstance(scope, str) else None,
        seed=seed if isinstance(seed, str) else None,
    )
    del access, refresh
    return tokens if tokens.access_token or tokens.refresh_token else None


def store_key(issuer: str, client_id: str, scope: str | None) -> str:
    """A file-name-safe key for (issuer, client_id, scopes): the host, then a digest.

    >>> store_key("https://www.strava.com/oauth/token", "123", "read")[:15]
    'www.strava.com-'
    """
    host = (urlsplit(issuer).hostname or "login").replace(":", "_")
    scopes = " ".join(sorted((scope or "").replace(",", " ").split()))
    digest = hashlib.sha256(f"{issuer}\0{client_id}\0{scopes}".encode()).hexdigest()[:16]
    return f"{host}-{digest}"


def logins_dir() -> Path:
    """The per-user folder of store files (and the lock files of keyring entries)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("bearerkit", appauthor=False)) / "logins"


class TokenStore:
    """Base class: an entry that can be loaded, saved, deleted, and locked across processes."""

    location = "memory only"

    def __init__(self, lock_path: Path | None) -> None:
        self._thread_lock = threading.RLock()
        self._lock_path = lock_path
        self._file_lock: Any = None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.location}>"

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the entry for "read, maybe refresh, write": one thread and one process at a time."""
        with self._thread_lock:
            if self._lock_path is None:
                yield
                return
            if self._file_lock is None:
                from filelock import FileLock

                self._lock_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                self._file_lock = FileLock(str(self._lock_path), timeout=_LOCK_TIMEOUT)
            with self._file_lock:
                yield

    def load(self) -> StoredTokens | None:
        return None

    def save(self, tokens: StoredTokens) -> None:
        pass

    def delete(self) -> bool:
        return False


class _MemoryStore(TokenStore):
    def __init__(self) -> None:
        super().__init__(None)
        self._tokens: StoredTokens | None = None

    def load(self) -> StoredTokens | None:
        return self._tokens

    def save(self, tokens: StoredTokens) -> None:
        self._tokens = tokens

    def delete(self) -> bool:
        had, self._tokens = self._tokens is not None, None
        return had


class _FileStore(TokenStore):
    def __init__(self, path: Path, key: str) -> None:
        super().__init__(path.with_name(path.name + ".lock"))
        self.path = path
        self.key = key
        self.location = str(path)

    def load(self) -> StoredTokens | None:
        try:
            raw = self.path.read_bytes()
        except OSError:
            return None
        # A chosen path may hold another login's entry (other server, client or scopes):
        # its tokens must never be sent for this one.
        return _decode(raw, key=self.key)

    def save(self, tokens: StoredTokens) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        # O_EXCL and 0600 from the first byte: the tokens are never readable by others,
        # not even between open() and a chmod().
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(_encode(tokens, self.key))
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)  # readers see the old file or the new, never half
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)

    def delete(self) -> bool:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return False
        except OSError:
            raw = b""
        if self.key and _decode(raw) is not None and _decode(raw, key=self.key) is None:
            return False  # a shared store= file now holds another login's entry: not ours
        try:
            self.path.unlink()
        except FileNotFoundError:
            return False
        return True


class _KeyringStore(TokenStore):
    def __init__(self, key: str, keyring: Any) -> None:
        super().__init__(logins_dir() / f"{key}.lock")
        self.key = key
        self._keyring = keyring
        backend = type(keyring.get_keyring()).__name__
        self.location = f"keyring: {KEYRING_SERVICE} / {key} ({backend})"

    def load(self) -> StoredTokens | None:
        try:
            return _decode(self._keyring.get_password(KEYRING_SERVICE, self.key))
        except Exception:
            return None

    def save(self, tokens: StoredTokens) -> None:
        self._keyring.set_password(KEYRING_SERVICE, self.key, _encode(tokens, self.key).decode())

    def delete(self) -> bool:
        try:
            self._keyring.delete_password(KEYRING_SERVICE, self.key)
        except Exception:
            return False
        return True


def usable_keyring() -> Any:
    """The ``keyring`` module if it is installed and has a working backend, else None."""
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        return None
    try:
        backend = keyring.get_keyring()
    except Exception:
        return None
    name = type(backend).__module__
    if isinstance(backend, fail.Keyring) or name.endswith((".null", ".fail")):
        return None
    if getattr(backend, "backends", None) == []:  # a chainer with nothing behind it
        return None
    return keyring


def memory_store() -> TokenStore:
    """An entry kept in this process only (``store=False``)."""
    return _MemoryStore()


def file_store(path: str | os.PathLike[str], key: str = "") -> TokenStore:
    """An entry in the file ``path``, refused inside a git work tree unless git-ignored.

    Raises:
        ValueError: ``path`` is inside a git work tree and not ignored there.
    """
    target = Path(path).expanduser().absolute()
    _refuse_tracked(target)
    return _FileStore(target, key)


def default_store(issuer: str, client_id: str, scope: str | None) -> TokenStore:
    """The keyring entry when a working keyring exists, else the per-user 0600 file."""
    key = store_key(issuer, client_id, scope)
    keyring = usable_keyring()
    if keyring is not None:
        return _KeyringStore(key, keyring)
    return _FileStore(logins_dir() / f"{key}.json", key)


def open_store(
    store: bool | str | os.PathLike[str], issuer: str, client_id: str, scope: str | None
) -> TokenStore:
    """The store a login's ``store=`` argument asks for (True, False, or a path)."""
    if store is True:
        return default_store(issuer, client_id, scope)
    if store is False:
        return memory_store()
    if isinstance(store, (str, os.PathLike)):
        return file_store(store, store_key(issuer, client_id, scope))
    raise ValueError(f"store must be True, False or a file path, not {store!r}")


def _work_tree(path: Path) -> Path | None:
    for folder in path.parents:
        if (folder / ".git").exists():
            return folder
    return None


def _refuse_tracked(path: Path) -> None:
    tree = _work_tree(path)
    if tree is None:
        return
    try:
        ignored = (
            subprocess.run(
                ["git", "check-ignore", "-q", "--no-index", str(path)],
                cwd=tree,
                capture_output=True,
                timeout=10,
                check=False,
            ).returncode
            == 0
        )
    except (OSError, subprocess.SubprocessError):
        ignored = False  # git missing: cannot tell, so refuse
    if not ignored:
        raise ValueError(
            f"store={str(path)!r} is inside the git work tree {str(tree)!r} and not "
            "git-ignored: tokens written there could be committed. Add it to .gitignore, "
            "choose a path outside the repository, or use store=True (the per-user data folder)."
        )

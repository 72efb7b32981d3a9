"""Start, query and stop a throwaway JupyterLab server for the browser tests.

The server runs the current interpreter's JupyterLab on 127.0.0.1 with a random port
and token. Everything JupyterLab would write for a user (settings, workspaces, runtime
files) goes to a temporary directory, so a run leaves nothing in the repository or home.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .environment import notebook_kernel_env

# Lab-wide setting overrides (LabApp.app_settings_dir/overrides.json):
# - no news/update popup over the notebook;
# - no autosave, which would write browser outputs back into the repository's notebooks;
# - no windowing, so cells below the fold are in the DOM when we check them.
LAB_OVERRIDES: dict[str, dict[str, Any]] = {
    "@jupyterlab/apputils-extension:notification": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
    "@jupyterlab/docmanager-extension:plugin": {"autosave": False},
    "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},
}

STARTUP_TIMEOUT = 60.0  # seconds; JupyterLab is usually ready in about 2 s
STOP_TIMEOUT = 15.0  # seconds for a clean SIGTERM shutdown before SIGKILL
REST_TIMEOUT = 10.0  # seconds per REST call to the local server

# A direct opener: a proxy from the environment must never see loopback traffic.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def lab_environment(state_dir: Path) -> dict[str, str]:
    """Return the environment for the server and its kernels.

    The tutorial harness (tests/notebooks/harness.py): no ``TMDB_*``/``OAUTH_*``/``BEARERKIT_*``
    variables, no ``.env`` found, cassettes replay only, as under nbval; Jupyter's
    per-user config, data and runtime dirs, IPython's dir and the XDG cache point into
    ``state_dir`` so nothing is read from or written to the user's home.
    """
    env = notebook_kernel_env(os.environ)
    dirs = {
        "JUPYTER_CONFIG_DIR": state_dir / "config",
        "JUPYTER_DATA_DIR": state_dir / "data",
        "JUPYTER_RUNTIME_DIR": state_dir / "runtime",
        "IPYTHONDIR": state_dir / "ipython",
        "XDG_CACHE_HOME": state_dir / "cache",
    }
    for name, path in dirs.items():
        path.mkdir(parents=True, exist_ok=True)
        env[name] = str(path)
    # The venv's share/jupyter (ipywidgets' front end) is found through sys.prefix,
    # so pointing JUPYTER_DATA_DIR elsewhere keeps it discoverable.
    env["JUPYTER_PREFER_ENV_PATH"] = "1"
    env["PYTHONUNBUFFERED"] = "1"
    return env


@dataclass
class LabServer:
    """A running JupyterLab server owned by the test session."""

    process: subprocess.Popen[bytes]
    base_url: str
    token: str
    root: Path
    log_path: Path

    def url(self, path: str, *, reset: bool = False) -> str:
        """Return the browser URL of ``path`` (relative to the server), with the token."""
        query = ("reset&" if reset else "") + f"token={self.token}"
        return f"{self.base_url}/{quote(path.lstrip('/'))}?{query}"

    def notebook_url(self, notebook: Path) -> str:
        """Return the JupyterLab URL that opens ``notebook`` on a fresh workspace."""
        relative = notebook.resolve().relative_to(self.root.resolve()).as_posix()
        return self.url(f"lab/tree/{relative}", reset=True)

    def api(self, method: str, path: str) -> Any:
        """Call the server's REST API and return the decoded JSON (None when empty)."""
        request = urllib.request.Request(
            f"{self.base_url}/api/{path.lstrip('/')}",
            method=method,
            headers={"Authorization": f"token {self.token}"},
        )
        with _OPENER.open(request, timeout=REST_TIMEOUT) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self) -> None:
        """Shut down every session and kernel, so the next page starts a fresh kernel."""
        # JupyterLab re-attaches to a kernel still running for the same path.
        for session in self.api("GET", "sessions") or []:
            self._delete(f"sessions/{session['id']}")
        for kernel in self.api("GET", "kernels") or []:
            self._delete(f"kernels/{kernel['id']}")

    def _delete(self, path: str) -> None:
        try:
            self.api("DELETE", path)
        except urllib.error.HTTPError as exc:
            if exc.code != 404:  # already gone: fine
                raise

    def log_tail(self, lines: int = 40) -> str:
        """Return the end of the server log, with the server token masked."""
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no server log)"
        tail = "\n".join(text.splitlines()[-lines:])
        return tail.replace(self.token, "<lab-token>")

    def stop(self) -> None:
        """Stop the server: kernels via REST, then SIGTERM, then SIGKILL if it lingers."""
        if self.process.poll() is None:
            # The server is going away anyway, and SIGTERM also stops kernels.
            with contextlib.suppress(OSError, urllib.error.URLError):
                self.shutdown_kernels()
            # SIGTERM makes jupyter_server shut its kernels down cleanly; SIGINT would
            # ask for confirmation on a tty.
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=STOP_TIMEOUT)


def start_lab(root: Path, state_dir: Path) -> LabServer:
    """Start JupyterLab rooted at ``root`` and return once its API answers.

    Raises:
        RuntimeError: the server exited or did not answer within STARTUP_TIMEOUT.
    """
    settings_dir = state_dir / "app-settings"
    settings_dir.mkdir(parents=True, exist_ok=True)
    (settings_dir / "overrides.json").write_text(json.dumps(LAB_OVERRIDES), encoding="utf-8")
    port = free_port()
    token = secrets.token_hex(16)
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--allow-root",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--port-retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        f"--LabApp.app_settings_dir={settings_dir}",
        # Opening a notebook makes a checkpoint; an absolute dir keeps it out of the repo.
        f"--FileCheckpoints.checkpoint_dir={state_dir / 'checkpoints'}",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--ServerApp.open_browser=False",
        # Lets the tests read cell outputs' types from the notebook model.
        "--LabApp.expose_app_in_browser=True",
    ]
    log_path = state_dir / "jupyterlab.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=root,
            env=lab_environment(state_dir),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = LabServer(process, f"http://127.0.0.1:{port}", token, root, log_path)
    try:
        _wait_until_ready(server)
    except BaseException:
        server.stop()
        raise
    return server


def _wait_until_ready(server: LabServer) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"JupyterLab exited with code {server.process.returncode} while starting:\n"
                + server.log_tail()
            )
        try:
            server.api("GET", "status")
            return
        except (OSError, urllib.error.URLError):
            time.sleep(0.25)
    raise RuntimeError(
        f"JupyterLab did not answer within {STARTUP_TIMEOUT:.0f} s:\n" + server.log_tail()
    )

"""A throwaway JupyterLab on loopback for checks and benchmarks (check_lab.py, benchmarks/bench_lab.py).

The server serves a *copy* of the notebooks in a temporary directory, with its own settings,
workspaces and runtime directories there too, autosave off and every cell rendered (no windowing),
so nothing a check does can change the working tree.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"

# Settings for the check: no autosave, every cell in the DOM (JupyterLab 4 renders only the visible
# ones by default), no "What's new"/news pop-ups, and widget state never written into notebooks.
SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                         "checkForUpdates": False},
    "@jupyter-widgets/jupyterlab-manager/plugin.jupyterlab-settings": {"saveState": False},
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    """``with Lab(files) as lab:`` a JupyterLab serving copies of ``files`` (paths), at ``lab.url(name)``."""

    def __init__(self, files, *, python: str | None = None, disable: tuple[str, ...] = ()):
        self.files = [Path(f) for f in files]
        self.disable = disable                      # lab extensions to switch off (the checker's self-test)
        self.python = python or sys.executable
        self.token = secrets.token_hex(16)
        self.port = free_port()

    def __enter__(self) -> Lab:
        self.tmp = Path(tempfile.mkdtemp(prefix="grubptt-lab-"))
        self.root = self.tmp / "book"
        self.root.mkdir()
        for f in self.files:
            shutil.copy2(f, self.root / f.name)
        settings = self.tmp / "settings"
        for name, value in SETTINGS.items():
            p = settings / name
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(json.dumps(value))
        if self.disable:
            labconfig = self.tmp / "config" / "labconfig"
            labconfig.mkdir(parents=True)
            (labconfig / "page_config.json").write_text(
                json.dumps({"disabledExtensions": {name: True for name in self.disable}}))
        env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(self.tmp / "runtime"),
               "JUPYTER_CONFIG_DIR": str(self.tmp / "config")}
        cmd = [self.python, "-m", "jupyter", "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0",
               f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={self.root}",
               f"--LabApp.user_settings_dir={settings}", f"--LabApp.workspaces_dir={self.tmp / 'ws'}",
               "--LabServerApp.open_browser=False", "--ServerApp.disable_check_xsrf=False",
               "--LanguageServerManager.autodetect=False"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")
        self.log = open(self.tmp / "server.log", "w")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, env=env, cwd=self.root)
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api/status?token={self.token}",
                                            timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.__exit__(None, None, None)
                log = (self.tmp / "server.log").read_text()[-3000:]
                raise RuntimeError("JupyterLab did not start:\n" + log)
            time.sleep(0.3)
        return self

    def url(self, name: str = "") -> str:
        """The page of notebook ``name``, without the tabs of earlier visits (``reset``)."""
        return f"http://127.0.0.1:{self.port}/lab/tree/{name}?reset&token={self.token}"

    def shut_down_kernels(self) -> None:
        """End every session (and its kernel), so that notebooks checked earlier do not keep CPUs busy."""
        base = f"http://127.0.0.1:{self.port}/api/sessions"
        with urllib.request.urlopen(f"{base}?token={self.token}", timeout=10) as r:
            sessions = json.loads(r.read())
        for s in sessions:
            req = urllib.request.Request(f"{base}/{s['id']}?token={self.token}", method="DELETE")
            urllib.request.urlopen(req, timeout=30).close()

    def __exit__(self, *exc) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

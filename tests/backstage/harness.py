"""Install and run a real Backstage backend (catalog plugin only) for tests.

The backend is the npm project in this folder (package.json, package-lock.json,
index.js, app-config.yaml). Its node_modules never live in the repository:
``ensure_installed()`` runs ``npm ci`` once into a cache directory keyed by the
sha256 of package-lock.json::

    ${CATALINT_CACHE:-~/.cache/catalint}/backstage/<sha256>/

and later calls (in this checkout or in a fresh clone) reuse it in well under
a second. ``Backstage`` starts ``node index.js`` from that directory on a free
loopback port with a random static token and waits until it is ready.

Command line (handy for CI pre-warming or poking at the API by hand)::

    python -m tests.backstage.harness install
    python -m tests.backstage.harness serve [--port N]
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Sequence
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import requests

from tests.fakes.loopback import Serving
from tests.toolcache import cache_root, locked

HERE = Path(__file__).resolve().parent
PACKAGE_JSON = HERE / "package.json"
LOCKFILE = HERE / "package-lock.json"
INDEX_JS = HERE / "index.js"
APP_CONFIG = HERE / "app-config.yaml"
# Opt-in (Backstage(bitbucket=...)): reroutes api.bitbucket.org/bitbucket.org to a fake.
BITBUCKET_REDIRECT_JS = HERE / "bitbucket-redirect.js"
BITBUCKET_ENV = "CATALINT_TEST_BITBUCKET"

MARKER = ".catalint-installed"
INSTALL_TIMEOUT = 20 * 60.0
# A node one-liner that fails unless the native sqlite binding really loads.
SQLITE_PROBE = "require('better-sqlite3')(':memory:').prepare('select 1 as x').get()"

HEALTH_PATH = "/.backstage/health/v1/readiness"
CATALOG_PATH = "/api/catalog"


# --------------------------------------------------------------------------
# installation
# --------------------------------------------------------------------------


def lock_hash() -> str:
    return hashlib.sha256(LOCKFILE.read_bytes()).hexdigest()


def _which(program: str) -> str:
    found = shutil.which(program)
    if found is None:
        raise RuntimeError(f"`{program}` was not found on PATH; Node.js 20+ and npm are needed for Backstage")
    return found


def _tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "<no log>"
    return "\n".join(text.splitlines()[-lines:])


def _node_abi(node: str) -> str:
    """Node's native-module ABI; a cached build is only valid for the same one."""
    out = subprocess.run(
        [node, "-p", "process.versions.modules"], capture_output=True, text=True, check=True, timeout=30
    )
    return out.stdout.strip()


def _npm_env() -> dict[str, str]:
    env = dict(os.environ)
    # better-sqlite3 12.x has no prebuilt binary reachable from here, so
    # node-gyp compiles it. Point it at the local Node headers (e.g.
    # /usr/include/node) so it never tries to download them.
    if not any(k.lower() == "npm_config_nodedir" for k in env):
        prefix = Path(os.path.realpath(_which("node"))).parent.parent
        if (prefix / "include" / "node" / "common.gypi").is_file():
            env["npm_config_nodedir"] = str(prefix)
    env.setdefault("npm_config_update_notifier", "false")
    return env


def _run_logged(cmd: list[str], cwd: Path, log: Path, env: dict[str, str]) -> None:
    with log.open("a") as fh:
        fh.write(f"\n$ {' '.join(cmd)}   (cwd={cwd})\n")
        fh.flush()
        try:
            proc = subprocess.run(cmd, cwd=cwd, env=env, stdout=fh, stderr=subprocess.STDOUT, timeout=INSTALL_TIMEOUT)
        except subprocess.TimeoutExpired as exc:
            raise RuntimeError(
                f"`{' '.join(cmd)}` timed out after {INSTALL_TIMEOUT:.0f}s in {cwd}; log {log}:\n{_tail(log)}"
            ) from exc
    if proc.returncode != 0:
        raise RuntimeError(
            f"`{' '.join(cmd)}` failed with exit code {proc.returncode} in {cwd}; log {log}:\n{_tail(log)}"
        )


def _sqlite_loads(node: str, directory: Path) -> bool:
    proc = subprocess.run([node, "-e", SQLITE_PROBE], cwd=directory, capture_output=True, text=True, timeout=60)
    return proc.returncode == 0


def _ensure_sqlite(node: str, npm: str, directory: Path, log: Path, env: dict[str, str]) -> None:
    if _sqlite_loads(node, directory):
        return
    # Happens when npm skipped install scripts or the Node ABI changed.
    _run_logged([npm, "rebuild", "better-sqlite3"], directory, log, env)
    if not _sqlite_loads(node, directory):
        raise RuntimeError(
            f"better-sqlite3 still fails to load after `npm rebuild better-sqlite3` in {directory}; "
            f'try `node -e "{SQLITE_PROBE}"` there. Log {log}:\n{_tail(log)}'
        )


def _sync_file(src: Path, dst: Path) -> None:
    """Copy src to dst atomically, only if the content differs."""
    data = src.read_bytes()
    with contextlib.suppress(OSError):
        if dst.read_bytes() == data:
            return
    tmp = dst.with_name(f".{dst.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, dst)


def ensure_installed() -> Path:
    """Return a directory with the backend installed, installing it if needed.

    Fast path (< 1 s): the marker file written after a successful install
    matches the lockfile hash and the Node ABI. Otherwise the install runs
    under a file lock into a staging directory that is renamed into place, so
    an interrupted install never leaves a half-populated cache entry.
    """
    digest = lock_hash()
    root = cache_root("backstage")
    target = root / digest
    node = _which("node")
    abi = _node_abi(node)
    expected = f"{digest} node-abi={abi}\n"

    def ready() -> bool:
        with contextlib.suppress(OSError):
            return (target / MARKER).read_text() == expected
        return False

    if not ready():
        npm = _which("npm")
        env = _npm_env()
        with locked(root / f"{digest}.lock"):
            if not ready():
                if (target / "node_modules").is_dir():
                    # Same lockfile, different Node ABI (or marker lost):
                    # only the native module needs rebuilding.
                    log = target / "install.log"
                    _ensure_sqlite(node, npm, target, log, env)
                else:
                    shutil.rmtree(target, ignore_errors=True)
                    staging = Path(tempfile.mkdtemp(prefix=f"{digest[:12]}.staging-", dir=root))
                    staging.chmod(0o755)
                    log = staging / "install.log"
                    try:
                        shutil.copy2(PACKAGE_JSON, staging / "package.json")
                        shutil.copy2(LOCKFILE, staging / "package-lock.json")
                        _run_logged([npm, "ci", "--no-audit", "--no-fund"], staging, log, env)
                        _ensure_sqlite(node, npm, staging, log, env)
                        os.rename(staging, target)
                    except BaseException:
                        # Keep the log of a failed install next to the cache.
                        with contextlib.suppress(OSError):
                            shutil.copy2(log, root / f"{digest}.failed-install.log")
                        shutil.rmtree(staging, ignore_errors=True)
                        raise
                (target / MARKER).write_text(expected)

    # index.js is not part of the cache key: keep the cached copy current.
    # (app-config.yaml is read from the repository via --config.)
    _sync_file(INDEX_JS, target / "index.js")
    return target


# --------------------------------------------------------------------------
# running
# --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def parse_ref(ref: str) -> tuple[str, str, str]:
    """Split ``kind:[namespace/]name`` into (kind, namespace, name)."""
    kind, sep, rest = ref.partition(":")
    if not sep or not kind or not rest:
        raise ValueError(f"entity ref {ref!r} must look like kind:[namespace/]name")
    namespace, slash, name = rest.partition("/")
    if not slash:
        namespace, name = "default", rest
    return kind, namespace, name


class Backstage:
    """A Backstage backend process serving the catalog API on 127.0.0.1.

    >>> bs = Backstage(ensure_installed()); bs.start()
    >>> bs.request("GET", "/entities").json()
    []
    >>> bs.stop()
    """

    def __init__(
        self,
        install_dir: Path,
        *,
        token: str | None = None,
        log_dir: Path | None = None,
        config: Path = APP_CONFIG,
        extra_configs: Sequence[Path] = (),
        bitbucket: str | None = None,
    ) -> None:
        """``extra_configs`` are passed after ``config`` (later files win). ``bitbucket``, the base
        URL of a fake Bitbucket Cloud (``FakeBitbucket.base_url``), preloads bitbucket-redirect.js
        so the backend's requests to https://api.bitbucket.org and https://bitbucket.org go there."""
        self.install_dir = install_dir
        self.config = config
        self.extra_configs = tuple(extra_configs)
        self.bitbucket = bitbucket
        self.token = token or f"catalint-{secrets.token_hex(16)}"
        if len(self.token) < 8 or any(ch.isspace() for ch in self.token):
            # Backstage refuses to start with such a static token.
            raise ValueError("the static token must be at least 8 characters without whitespace")
        self._log_dir = log_dir
        self._proc: subprocess.Popen[bytes] | None = None
        self._port: int | None = None
        self._log_path: Path | None = None
        self._started_at = 0.0
        self.startup_seconds: float | None = None
        self.session = requests.Session()
        # Loopback only: never route through an HTTP(S)_PROXY from the env.
        self.session.trust_env = False
        self.session.headers["Authorization"] = f"Bearer {self.token}"

    # -- properties -------------------------------------------------------

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("Backstage is not started")
        return self._port

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:7007`` (the catalog is under /api/catalog)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def catalog_url(self) -> str:
        return self.url + CATALOG_PATH

    @property
    def log_path(self) -> Path:
        if self._log_path is None:
            raise RuntimeError("Backstage has not been started, so there is no log yet")
        return self._log_path

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def log_tail(self, lines: int = 60) -> str:
        return _tail(self.log_path, lines) if self._log_path is not None else "<no log>"

    # -- lifecycle --------------------------------------------------------

    def start(self, port: int | None = None, timeout: float = 60.0) -> Self:
        """Spawn the backend and block until readiness and an authenticated GET succeed."""
        if self.running:
            raise RuntimeError(f"Backstage already running on {self.url} (pid {self.pid})")
        attempts = 1 if port is not None else 3
        for attempt in range(attempts):
            chosen = port if port is not None else free_port()
            try:
                self._spawn(chosen)
                self._wait_ready(timeout)
                return self
            except _PortTaken:
                # Lost the race for an ephemeral port: try another one.
                if attempt == attempts - 1:
                    raise RuntimeError(
                        f"Backstage could not listen on 127.0.0.1:{chosen}; log {self._log_path}:\n" + self.log_tail()
                    ) from None
        raise AssertionError("unreachable")

    def launch(self, port: int) -> tuple[list[str], dict[str, str]]:
        """The command line and environment ``start()`` runs the backend with."""
        env = dict(os.environ)
        env.update(
            BACKSTAGE_PORT=str(port),
            BACKSTAGE_TEST_TOKEN=self.token,
            NODE_ENV="production",
        )
        level = os.environ.get("CATALINT_BACKSTAGE_LOG_LEVEL")
        if level:
            env["LOG_LEVEL"] = level
        no_proxy = ",".join(filter(None, [env.get("NO_PROXY", ""), "127.0.0.1", "localhost"]))
        env["NO_PROXY"] = env["no_proxy"] = no_proxy
        env.pop(BITBUCKET_ENV, None)
        preload: list[str] = []
        if self.bitbucket is not None:
            env[BITBUCKET_ENV] = self.bitbucket
            preload = ["--require", str(BITBUCKET_REDIRECT_JS)]
        configs = [arg for path in (self.config, *self.extra_configs) for arg in ("--config", str(path))]
        cmd = [_which("node"), *preload, str(self.install_dir / "index.js"), *configs]
        return cmd, env

    def _spawn(self, port: int) -> None:
        log_dir = self._log_dir or Path(tempfile.mkdtemp(prefix="catalint-backstage-"))
        log_dir.mkdir(parents=True, exist_ok=True)
        self._log_path = log_dir / f"backstage-{port}.log"
        cmd, env = self.launch(port)
        with self._log_path.open("wb") as log:
            log.write(f"$ {' '.join(cmd)}   (BACKSTAGE_PORT={port})\n".encode())
            log.flush()
            self._proc = subprocess.Popen(
                cmd,
                cwd=self.install_dir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a Ctrl-C in pytest must not hit node first
            )
        self._port = port
        self._started_at = time.monotonic()
        atexit.register(self.stop)

    def _wait_ready(self, timeout: float) -> None:
        assert self._proc is not None
        deadline = self._started_at + timeout
        last = "no response yet"
        stage = "readiness"
        while True:
            code = self._proc.poll()
            if code is not None:
                tail = self.log_tail()
                self._reset()
                if "EADDRINUSE" in tail:
                    raise _PortTaken()
                raise RuntimeError(
                    f"Backstage exited with code {code} before it was ready; log {self._log_path}:\n{tail}"
                )
            try:
                if stage == "readiness":
                    resp = self.session.get(self.url + HEALTH_PATH, timeout=5)
                    if resp.status_code == 200:
                        stage = "entities"
                        continue
                else:
                    resp = self.session.get(self.catalog_url + "/entities", timeout=10)
                    if resp.status_code == 200:
                        self.startup_seconds = time.monotonic() - self._started_at
                        return
                last = f"{stage}: HTTP {resp.status_code} {resp.text[:200]}"
            except requests.RequestException as exc:
                last = f"{stage}: {type(exc).__name__}"
            if time.monotonic() > deadline:
                tail = self.log_tail()
                self.stop()
                raise RuntimeError(
                    f"Backstage on port {self._port} not ready after {timeout:.0f}s ({last}); "
                    f"log {self._log_path}:\n{tail}"
                )
            time.sleep(0.2)

    def stop(self, timeout: float = 15.0) -> None:
        """Stop the backend by PID: SIGTERM, then SIGKILL after ``timeout`` seconds."""
        proc = self._proc
        if proc is None:
            return
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(proc.pid, signal.SIGKILL)
                proc.wait(10)
        self._reset()

    def _reset(self) -> None:
        self._proc = None
        atexit.unregister(self.stop)

    def __enter__(self) -> Self:
        if not self.running:
            self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- API helpers ------------------------------------------------------

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """Authenticated request to ``/api/catalog`` + path (e.g. ``"/locations"``)."""
        kwargs.setdefault("timeout", 30)
        return self.session.request(method, self.catalog_url + path, **kwargs)

    def entities(self, filter: str | None = None) -> list[dict[str, Any]]:
        """``GET /entities`` (optionally ``?filter=kind=component,...``)."""
        params = {"filter": filter} if filter else None
        resp = self.request("GET", "/entities", params=params)
        resp.raise_for_status()
        result: list[dict[str, Any]] = resp.json()
        return result

    def locations(self) -> list[dict[str, Any]]:
        """Registered locations as bare ``{id, type, target, entityRef}`` dicts (``data`` unwrapped)."""
        resp = self.request("GET", "/locations")
        resp.raise_for_status()
        return [item["data"] for item in resp.json()]

    def add_location(self, target: str, *, dry_run: bool = False) -> requests.Response:
        """``POST /locations`` for a url target; returns the raw response (201, 400, 409...)."""
        params = {"dryRun": "true"} if dry_run else None
        return self.request("POST", "/locations", params=params, json={"type": "url", "target": target})

    def delete_location(self, location_id: str) -> None:
        resp = self.request("DELETE", f"/locations/{urllib.parse.quote(location_id, safe='')}")
        resp.raise_for_status()

    def refresh(self, ref: str) -> None:
        """Ask the catalog to re-read the entity's location now (instead of sleeping)."""
        resp = self.request("POST", "/refresh", json={"entityRef": ref})
        resp.raise_for_status()

    def get_entity(self, ref: str) -> dict[str, Any] | None:
        """The entity from ``GET /entities/by-name/{kind}/{ns}/{name}``, or None on 404."""
        kind, namespace, name = (urllib.parse.quote(p, safe="") for p in parse_ref(ref))
        resp = self.request("GET", f"/entities/by-name/{kind}/{namespace}/{name}")
        if resp.status_code == 404:
            return None
        resp.raise_for_status()
        result: dict[str, Any] = resp.json()
        return result

    def wait_for_entity(self, ref: str, timeout: float = 30.0, interval: float = 0.2) -> dict[str, Any]:
        """Poll until ``ref`` exists and return it; AssertionError on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            entity = self.get_entity(ref)
            if entity is not None:
                return entity
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"entity {ref} did not appear within {timeout}s; locations={self.locations()}\n"
                    f"backend log tail:\n{self.log_tail(20)}"
                )
            time.sleep(interval)

    def wait_until_absent(self, ref: str, timeout: float = 30.0, interval: float = 0.2) -> None:
        """Poll until ``ref`` returns 404; AssertionError on timeout."""
        deadline = time.monotonic() + timeout
        while self.get_entity(ref) is not None:
            if time.monotonic() > deadline:
                raise AssertionError(f"entity {ref} still present after {timeout}s")
            time.sleep(interval)


class _PortTaken(Exception):
    pass


# --------------------------------------------------------------------------
# a tiny static file server the backend can read catalog files from
# --------------------------------------------------------------------------


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class FileServer(Serving):
    """Serve ``root`` over HTTP on 127.0.0.1 (ephemeral port) from a daemon thread.

    ``url_for("svc/catalog-info.yaml")`` gives the URL Backstage should read.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        handler = partial(_QuietHandler, directory=str(root))
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url_for(self, relative: str) -> str:
        return f"{self.url}/{urllib.parse.quote(relative.lstrip('/'))}"

    def write(self, relative: str, text: str) -> str:
        """Write a file under root and return its URL."""
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return self.url_for(relative)



# --------------------------------------------------------------------------
# command line
# --------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("install", help="install (or reuse) the cached backend and print its directory")
    serve = sub.add_parser("serve", help="run the backend in the foreground until Ctrl-C")
    serve.add_argument("--port", type=int, default=None)
    args = parser.parse_args(argv)

    began = time.monotonic()
    directory = ensure_installed()
    print(f"installed in {directory} ({time.monotonic() - began:.2f}s)", flush=True)
    if args.cmd == "serve":
        bs = Backstage(directory).start(args.port)
        print(f"ready in {bs.startup_seconds:.2f}s: {bs.url}  token={bs.token}  log={bs.log_path}", flush=True)
        try:
            while bs.running:
                time.sleep(1)
        except KeyboardInterrupt:
            pass
        finally:
            bs.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

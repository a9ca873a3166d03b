"""Throwaway MariaDB servers and database helpers for the test suite.

The services run on SQLite by default but production uses MariaDB, whose
behaviour (strict types, locking, dropped connections) SQLite cannot reproduce.
Rather than depend on a shared server, a test session starts its own private
``mariadbd`` on a free loopback port with a datadir under a temporary directory,
so runs are isolated from each other and from any system-wide MariaDB.

When an external server is provided instead (``ISPYB_TEST_MYSQL_URL``), the
``*_on_url`` helpers do the same database bookkeeping against it.

Only the standard library and pymysql are used, so this module can be imported
before (and independently of) the project's SQLAlchemy setup.
"""

import atexit
import ctypes
import os
import re
import secrets
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

import pymysql

from tests.support.ports import free_port

INSTALL_HINT = "mariadb-server is not installed: run `make install-test-deps`"

_BINARY_DIRS = ("/usr/sbin", "/usr/bin")
_STARTUP_TIMEOUT_S = 60.0
_SHUTDOWN_TIMEOUT_S = 30.0
_PORT_ATTEMPTS = 3
_LOG_TAIL_LINES = 30
# sun_path is 108 bytes on Linux; deep pytest tmp dirs easily exceed it.
_MAX_SOCKET_PATH = 100
# Conservative on purpose: names are interpolated into DDL, which cannot take
# bind parameters.
_DATABASE_NAME = re.compile(r"[A-Za-z0-9_]{1,64}")
_ER_NO_SUCH_THREAD = 1094

# Server settings shared by datadir initialisation and the server itself: a
# small footprint so a server starts in seconds on a 2-core CI machine, and no
# durability, since the data is thrown away anyway.
_SERVER_TUNING = (
    "--skip-name-resolve",
    "--character-set-server=utf8mb4",
    "--innodb-buffer-pool-size=64M",
    "--innodb-log-file-size=16M",
    "--innodb-flush-log-at-trx-commit=0",
    "--innodb-doublewrite=0",
    # Containers often have a tiny fs.aio-max-nr; synchronous I/O always works.
    "--innodb-use-native-aio=0",
    "--performance-schema=OFF",
)


def find_server_binaries() -> tuple[str, str]:
    """Return the paths of ``(install_db, server)``.

    /usr/sbin is searched too because it is not on a non-root user's PATH,
    which is where Debian puts ``mariadbd``.
    """
    search_path = os.pathsep.join([os.environ.get("PATH", ""), *_BINARY_DIRS])
    install_db = _which(("mariadb-install-db", "mysql_install_db"), search_path)
    server = _which(("mariadbd", "mysqld"), search_path)
    if install_db is None or server is None:
        raise RuntimeError(INSTALL_HINT)
    return install_db, server


def _which(names: tuple[str, ...], search_path: str) -> str | None:
    for name in names:
        found = shutil.which(name, path=search_path)
        if found is not None:
            return found
    return None


def server_url(url: str) -> str:
    """Return ``url`` with its database part removed, for server-level admin work.

    ``ISPYB_TEST_MYSQL_URL`` may name a database or not; the tests need the
    server itself to create one database per test run.
    """
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/", parts.query, ""))


def create_database_on_url(admin_url: str, name: str) -> str:
    """Create database ``name`` on the server of ``admin_url`` and return its URL.

    Any database part of ``admin_url`` is ignored. The returned URL keeps the
    query of ``admin_url`` and forces ``charset=utf8mb4``, so the connection
    charset never depends on driver or server defaults (older pymysql used
    latin1, which mangles non-ASCII text).
    """
    quoted = _quote_database_name(name)
    with _connect(admin_url) as conn, conn.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {quoted} CHARACTER SET utf8mb4")
    parts = urlsplit(admin_url)
    query = [(key, value) for key, value in parse_qsl(parts.query) if key != "charset"]
    query.append(("charset", "utf8mb4"))
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", urlencode(query), ""))


def drop_database_on_url(admin_url: str, name: str) -> None:
    """Drop database ``name`` (if it exists) on the server of ``admin_url``."""
    quoted = _quote_database_name(name)
    with _connect(admin_url) as conn, conn.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {quoted}")


def kill_connections_on_url(admin_url: str, database: str) -> int:
    """KILL every connection whose current database is ``database``.

    This is what clients see when MariaDB restarts or ``wait_timeout`` expires:
    their pooled connections are dead. The connection issuing the KILLs is
    spared. Returns how many connections were killed; ones that went away on
    their own in the meantime are not counted.
    """
    killed = 0
    with _connect(admin_url) as conn, conn.cursor() as cursor:
        cursor.execute(
            "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = %s AND ID <> CONNECTION_ID()",
            (database,),
        )
        for (thread_id,) in cursor.fetchall():
            try:
                cursor.execute("KILL CONNECTION %s", (thread_id,))
            except pymysql.err.OperationalError as exc:
                if exc.args[0] != _ER_NO_SUCH_THREAD:
                    raise
            else:
                killed += 1
    return killed


def _quote_database_name(name: str) -> str:
    if not _DATABASE_NAME.fullmatch(name):
        raise ValueError(f"unsupported database name {name!r}: use 1-64 of [A-Za-z0-9_]")
    return f"`{name}`"


def _connect(
    url: str, connect_timeout: float = 10, read_timeout: float | None = None
) -> pymysql.connections.Connection:
    """Open an autocommit pymysql connection to the server of a SQLAlchemy-style URL.

    ``connect_timeout`` only covers the TCP connect: a peer that accepts but
    never sends the handshake (not a MariaDB) blocks until ``read_timeout``.
    """
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    return pymysql.connect(
        host=parts.hostname or "localhost",
        port=parts.port or 3306,
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        unix_socket=query.get("unix_socket"),
        charset="utf8mb4",
        autocommit=True,
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
    )


def _load_prctl() -> Callable[..., int] | None:
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


# Looked up once in the parent: dlopen between fork and exec is not safe.
_PRCTL = _load_prctl()
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Ask Linux to SIGTERM the server when the thread that started it dies.

    ``atexit`` does not run when the test process is SIGKILLed (e.g. a CI
    timeout), which would leave a server running. Best effort: skipped where
    prctl is unavailable. Runs in the child between fork and exec.
    """
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, int(signal.SIGTERM))


def _tail(path: Path, lines: int = _LOG_TAIL_LINES) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError as exc:
        return f"(cannot read {path}: {exc})"
    return "\n".join(text.splitlines()[-lines:])


class ThrowawayMariaDB:
    """A private MariaDB server whose files all live under ``base_dir``.

    Typical use is one instance per test session::

        server = ThrowawayMariaDB(tmp_path_factory.mktemp("mariadb"))
        server.start()
        url = server.create_database("ispyb_test")
        ...
        server.stop()

    ``start()`` after ``stop()`` restarts the server on the same datadir and
    port, which keeps issued URLs valid. The caller owns ``base_dir``: nothing
    in it is deleted.
    """

    user = "ispyb"

    def __init__(self, base_dir: Path, server_options: tuple[str, ...] = ()) -> None:
        self.base_dir = Path(base_dir).resolve()
        # Appended to the tuning (the last of two settings wins), e.g. a bigger buffer
        # pool for the benchmark at facility scale.
        self.server_options = tuple(server_options)
        self.datadir = self.base_dir / "data"
        self.error_log = self.base_dir / "error.log"
        self.pid_file = self.base_dir / "mariadbd.pid"
        self.port: int | None = None
        self.password = secrets.token_hex(16)
        self._process: subprocess.Popen[bytes] | None = None
        self._socket_dir: Path | None = None

    def start(self) -> None:
        """Initialise the datadir if needed, start the server and wait until it is usable.

        Raises RuntimeError, with the tail of the error log, when the server
        cannot be initialised or does not accept connections within 60 s.
        """
        if self._process is not None:
            raise RuntimeError(f"MariaDB in {self.base_dir} is already running")
        install_db, server = find_server_binaries()
        (self.base_dir / "tmp").mkdir(parents=True, exist_ok=True)
        if not (self.datadir / "mysql").is_dir():
            self._init_datadir(install_db)
        self._write_init_file()

        restarting = self.port is not None
        for attempt in range(1, _PORT_ATTEMPTS + 1):
            if not restarting:
                self.port = free_port()
            self._spawn(server)
            try:
                self._wait_until_ready()
            except RuntimeError:
                lost_port_race = "Address already in use" in _tail(self.error_log)
                self._terminate()
                if restarting or not lost_port_race or attempt == _PORT_ATTEMPTS:
                    raise
            else:
                atexit.register(self.stop)
                return

    def stop(self) -> None:
        """Shut the server down cleanly (SIGTERM, then SIGKILL after 30 s)."""
        if self._process is None:
            return
        atexit.unregister(self.stop)
        self._terminate()

    def admin_url(self) -> str:
        """URL of the server without a database, for server-level statements."""
        if self.port is None:
            raise RuntimeError("MariaDB has not been started")
        return f"mysql+pymysql://{self.user}:{quote(self.password, safe='')}@127.0.0.1:{self.port}/"

    def create_database(self, name: str) -> str:
        """Create database ``name`` (utf8mb4) and return its SQLAlchemy URL."""
        return create_database_on_url(self.admin_url(), name)

    def drop_database(self, name: str) -> None:
        """Drop database ``name`` if it exists."""
        drop_database_on_url(self.admin_url(), name)

    def kill_connections(self, database: str) -> int:
        """Kill all connections using ``database``, as a restarted server would.

        See ``kill_connections_on_url``.
        """
        return kill_connections_on_url(self.admin_url(), database)

    @property
    def _socket_path(self) -> Path:
        """Socket path: under base_dir unless that would exceed sun_path."""
        path = self.base_dir / "mariadbd.sock"
        if len(os.fsencode(path)) <= _MAX_SOCKET_PATH:
            return path
        if self._socket_dir is None:
            self._socket_dir = Path(tempfile.mkdtemp(prefix="mariadb-"))
        return self._socket_dir / "mariadbd.sock"

    def _root_args(self) -> list[str]:
        # mariadbd refuses to run as root unless told to, and CI containers run as root.
        return ["--user=root"] if os.geteuid() == 0 else []

    def _init_datadir(self, install_db: str) -> None:
        help_text = subprocess.run(
            [install_db, "--help"], capture_output=True, text=True, check=False
        ).stdout
        # Only newer mariadb-install-db versions know these; older ones and
        # MySQL's mysql_install_db reject unknown options.
        optional = [
            flag
            for flag in ("--skip-test-db", "--auth-root-authentication-method=normal")
            if flag.split("=")[0] in help_text
        ]
        # --no-defaults keeps /etc/mysql/my.cnf (system socket, datadir, log
        # paths) out of a private server; it must be the first option.
        command = [
            install_db,
            "--no-defaults",
            f"--datadir={self.datadir}",
            f"--tmpdir={self.base_dir / 'tmp'}",
            *optional,
            *self._root_args(),
            *_SERVER_TUNING,
        ]
        result = subprocess.run(
            command, capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL
        )
        if result.returncode != 0:
            output = "\n".join((result.stdout + result.stderr).splitlines()[-_LOG_TAIL_LINES:])
            raise RuntimeError(f"{install_db} failed with exit code {result.returncode}:\n{output}")

    def _write_init_file(self) -> None:
        """Write the SQL the server runs at every start to provision the test user.

        A password user on 127.0.0.1 avoids depending on how the root account
        was created (socket auth, invalid password) by the installed version.
        """
        password = self.password.replace("\\", "\\\\").replace("'", "\\'")
        account = f"'{self.user}'@'127.0.0.1'"
        (self.base_dir / "init.sql").write_text(
            f"CREATE USER IF NOT EXISTS {account} IDENTIFIED BY '{password}';\n"
            f"ALTER USER {account} IDENTIFIED BY '{password}';\n"
            f"GRANT ALL PRIVILEGES ON *.* TO {account} WITH GRANT OPTION;\n"
        )

    def _spawn(self, server: str) -> None:
        command = [
            server,
            "--no-defaults",
            f"--datadir={self.datadir}",
            f"--tmpdir={self.base_dir / 'tmp'}",
            f"--socket={self._socket_path}",
            f"--pid-file={self.pid_file}",
            f"--init-file={self.base_dir / 'init.sql'}",
            f"--port={self.port}",
            "--bind-address=127.0.0.1",
            "--skip-networking=0",
            *self._root_args(),
            *_SERVER_TUNING,
            *self.server_options,
        ]
        # Without --log-error the server logs to stderr, which goes to error_log.
        with self.error_log.open("ab") as log:
            self._process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                # Own process group: a Ctrl-C aimed at pytest must not kill the
                # server before the atexit hook shuts it down cleanly.
                start_new_session=True,
                # PDEATHSIG fires when the *thread* that forked exits, so only
                # use it from the main thread, which lives as long as the process.
                preexec_fn=(
                    _die_with_parent
                    if threading.current_thread() is threading.main_thread()
                    else None
                ),
            )

    def _wait_until_ready(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + _STARTUP_TIMEOUT_S
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            code = self._process.poll()
            if code is not None:
                raise RuntimeError(
                    f"mariadbd exited with code {code} during startup; "
                    f"tail of {self.error_log}:\n{_tail(self.error_log)}"
                )
            try:
                _connect(self.admin_url(), connect_timeout=2, read_timeout=2).close()
            except pymysql.err.OperationalError as exc:
                last_error = exc
                time.sleep(0.1)
            else:
                return
        raise RuntimeError(
            f"mariadbd did not accept connections on 127.0.0.1:{self.port} within "
            f"{_STARTUP_TIMEOUT_S:.0f} s (last error: {last_error}); "
            f"tail of {self.error_log}:\n{_tail(self.error_log)}"
        )

    def _terminate(self) -> None:
        assert self._process is not None
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=_SHUTDOWN_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None
        if self._socket_dir is not None:
            shutil.rmtree(self._socket_dir, ignore_errors=True)
            self._socket_dir = None

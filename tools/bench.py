"""Benchmark of the main reads against a raw-SQL ceiling, on MariaDB, in one run.

What ``make bench`` runs (``BENCH_ARGS="--scale 1 ..."`` passes options). In one run it:

1. starts a throwaway MariaDB (or uses the server of ISPYB_BENCH_MYSQL_URL, an admin URL
   like ``mysql+pymysql://root:pw@127.0.0.1:3306/``), creates the core, em and ssx
   databases, migrates them and fills them with tools/generate_facility.py at ``--scale``
   (0.01 by default: 100 proposals, 10,000 data collections, 50,000 movies; 1 is a
   facility: 1 M data collections, 5 M movies), plus core's demo (a nested shipment);
2. serves a JWKS and signs an admin token with a throwaway key; every server verifies it
   from that JWKS, as the services verify auth's tokens;
3. starts core, em and ssx under gunicorn (``--workers`` workers each; the services'
   settings, ispyb_shared.gunicorn_hooks: sync workers, or ISPYB_WORKER_CLASS's), the ceiling
   app (tools/bench_ceiling.py: Flask + SQLAlchemy Core, the same driver, the same token
   check, one hand-written query returning the same rows as JSON) with the same number
   of workers, and the local gateway (nginx rendered from gateway/kong.yml by the
   ispyb_gateway package, rate limits raised for one client address);
4. drives each main read with wrk (``--connections``, ``--threads``, ``--duration`` s),
   the service directly, the ceiling and the service through the gateway one after the
   other, ``--rounds`` times in rotating order (interleaved: a disturbance on the shared
   machine hits all three alike), and sums the rounds;
5. counts, server side (MariaDB's status counters around 20 sequential requests), the
   SQL statements and the round trips (statements, COMMIT, ROLLBACK, pings: everything a
   client sent) per request; em's and ssx's include what core does for them;
6. measures the first request of a fresh worker (core with and without its warm-up, and
   the ceiling), and, in core's data collection list, a page deep in the list by offset
   and by keyset (``after=``) against the first page;
7. does it all once per driver of ``--drivers`` (pymysql, and mysqlclient when it is
   installed: ``pip install -e 'shared[mysqlclient]'``, what ``make bench`` does).

``--pyispyb`` adds pyispyb 1.0.0 (the 2021 prototype, from PyPI, unpatched) as a fourth
target of proposals, a session's data collections and the DC list's page 1: its own
virtual environment (PYISPYB_REQUIREMENTS), a database of views over core's tables plus
the tables core lacks (tools/bench_pyispyb.py), gunicorn with the same workers, its own
HS256 token; pymysql round only.

``--sizes`` runs none of that but, through the gateway, the typical pages of a front end
(a session sweep, a shipment with contents, a proposal's shipments with contents, the EM
summary, SSX runs of a session) the old way (default answers, no gzip, 1 + N calls where
rows lack a table's labels) and the new way (``fields=``, ``expand=`` where the document
declares it, gzip), and prints their request counts and bytes.

It prints one table per driver and, with ``--json FILE``, writes every figure. It asserts
nothing: speed targets are read from the table (docs/performance.md has the method, the
machine and the figures). The load generator shares the machine with the servers and the
database: compare the columns of one run with each other, not with other machines.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tools")]

import generate_facility  # noqa: E402
from generate_facility import entity_uuid  # noqa: E402

RATE_LIMIT_MULTIPLIER = 1000
SERVICES = ("core", "em", "ssx")
COUNTED_REQUESTS = 20
STATUS_COUNTERS = (
    "Questions",
    "Com_select",
    "Com_insert",
    "Com_update",
    "Com_delete",
    "Com_commit",
    "Com_rollback",
    "Com_begin",
    "Com_admin_commands",
    "Com_show_status",
)
DEEP_PAGE = 10_000
PAGE_SIZE = 25
# pyispyb 1.0.0 (--pyispyb): its wheel declares no dependencies; these are the versions of
# its time it runs with (marshmallow 2's dump()[0], PyJWT 1's bytes, flask_sqlalchemy 2's
# Model.query, ruamel.yaml's RoundTripLoader), in a virtual environment of its own.
PYISPYB_REQUIREMENTS = (
    "pyispyb==1.0.0",
    "Flask==1.1.4",
    "Werkzeug==1.0.1",
    "Jinja2==2.11.3",
    "MarkupSafe==2.0.1",
    "itsdangerous==1.1.0",
    "click==7.1.2",
    "flask-restx==0.3.0",
    "Flask-SQLAlchemy==2.5.1",
    "SQLAlchemy==1.3.24",
    "marshmallow==2.21.0",
    "marshmallow-jsonschema==0.10.0",
    "flask-marshmallow==0.11.0",
    "webargs==5.5.3",
    "six",
    "PyJWT==1.7.1",
    "ruamel.yaml==0.17.40",
    "Flask-Cors==3.0.10",
    "PyMySQL",
    "gunicorn",
)
PYISPYB_SECRET = "bench-pyispyb-1.0.0-hs256-secret-key"


# --- what is measured -----------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    name: str
    service: str
    path: str  # under /ispyb/api/v1/<service>
    ceiling: str | None  # under the ceiling app's root
    pyispyb: str | None = None  # under pyispyb 1.0.0's /ispyb/api/v1 (--pyispyb)


def scenarios(context: dict[str, str]) -> list[Scenario]:
    c = context
    return [
        Scenario(
            "proposals",
            "core",
            "/proposals",
            "/ceiling/proposals",
            f"/proposals?limit={PAGE_SIZE}",
        ),
        Scenario(
            "sessions of a proposal",
            "core",
            f"/sessions?proposal={c['proposal']}",
            f"/ceiling/proposals/{c['proposal']}/sessions",
        ),
        Scenario(
            "session's data collections + best result",
            "core",
            f"/sessions/{c['visit']}/data-collections",
            f"/ceiling/sessions/{c['visit']}/data-collections",
            # pyispyb has no best result: its nearest read, the session's sweeps.
            f"/data_collections?SESSIONID={c['session_id']}&limit={PAGE_SIZE}",
        ),
        Scenario(
            "one data collection's processing",
            "core",
            f"/data-collections/{c['collection']}/processing",
            f"/ceiling/data-collections/{c['collection']}/processing",
        ),
        Scenario(
            "shipment, nested",
            "core",
            f"/shipments/{c['shipment']}",
            f"/ceiling/shipments/{c['shipment']}",
        ),
        Scenario(
            "EM summary",
            "em",
            f"/data-collections/{c['em_collection']}/summary",
            f"/ceiling/data-collections/{c['em_collection']}/summary",
        ),
        Scenario(
            "EM movies page",
            "em",
            f"/data-collections/{c['em_collection']}/movies?limit={PAGE_SIZE}",
            f"/ceiling/data-collections/{c['em_collection']}/movies?limit={PAGE_SIZE}",
        ),
        Scenario(
            "SSX runs of a session",
            "ssx",
            f"/sessions/{c['ssx_session']}/runs",
            f"/ceiling/sessions/{c['ssx_session']}/ssx-runs",
        ),
        # What a front end polls (issue 17.3, docs/timeline.md): no ceiling, direct only.
        Scenario(
            "session timeline page",
            "core",
            f"/sessions/{c['visit']}/events?limit={PAGE_SIZE}",
            None,
        ),
        Scenario(
            f"batch status of {PAGE_SIZE} sweeps",
            "core",
            "/data-collections/status?ids=" + ",".join(str(i) for i in range(1, PAGE_SIZE + 1)),
            None,
        ),
    ]


def depth_scenarios(context: dict[str, str]) -> list[Scenario]:
    depth = context["depth"]
    offset = (int(depth) - 1) * PAGE_SIZE
    return [
        Scenario(
            "DC list, page 1",
            "core",
            f"/data-collections?limit={PAGE_SIZE}",
            None,
            f"/data_collections?limit={PAGE_SIZE}",
        ),
        Scenario(
            f"DC list, page {depth} by offset",
            "core",
            f"/data-collections?limit={PAGE_SIZE}&offset={offset}",
            None,
        ),
        Scenario(
            f"DC list, page {depth} by after=",
            "core",
            f"/data-collections?limit={PAGE_SIZE}&after={context['cursor']}",
            None,
        ),
    ]


@dataclass
class Measure:
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies_ms: dict[str, list[float]] = field(default_factory=dict)  # p50/p95/p99 per run

    def add(self, other: Measure) -> None:
        self.requests += other.requests
        self.errors += other.errors
        self.seconds += other.seconds
        for key, values in other.latencies_ms.items():
            self.latencies_ms.setdefault(key, []).extend(values)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def latency(self, key: str) -> float:
        # Rounds' percentiles averaged (each round is as long as the others).
        values = self.latencies_ms.get(key) or [float("nan")]
        return statistics.fmean(values)


WRK_SCRIPT = """
done = function(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout
  io.write(string.format(
    "WRK-RESULT {\\"requests\\": %d, \\"errors\\": %d, \\"us\\": %d, \\"p50\\": %d, "
    .. "\\"p95\\": %d, \\"p99\\": %d}\\n",
    summary.requests, errors, summary.duration, latency:percentile(50),
    latency:percentile(95), latency:percentile(99)))
end
"""


def run_wrk(url: str, token: str, args, script: Path) -> Measure:
    command = [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{args.duration}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        "-H",
        f"Authorization: Bearer {token}",
        url,
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(x for x in output.splitlines() if x.startswith("WRK-RESULT "))
    data = json.loads(line.removeprefix("WRK-RESULT "))
    errors = data["errors"]
    return Measure(
        requests=data["requests"] - errors,
        errors=errors,
        seconds=data["us"] / 1e6,
        latencies_ms={key: [data[key] / 1000] for key in ("p50", "p95", "p99")},
    )


def get(url: str, token: str | None = None, timeout: float = 30) -> tuple[int, bytes]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        connection.request(
            "GET", parts.path + (f"?{parts.query}" if parts.query else ""), headers=headers
        )
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


# --- the database -------------------------------------------------------------------------------


class Database:
    """The MariaDB server of the run and its status counters."""

    def __init__(self, directory: Path, scale: float):
        self.server = None
        admin = os.environ.get("ISPYB_BENCH_MYSQL_URL")
        if admin:
            self.admin_url = admin
        else:
            from tests.support.mariadb import ThrowawayMariaDB

            pool = "6G" if scale >= 0.5 else "1G"
            self.server = ThrowawayMariaDB(
                directory / "mariadb",
                (
                    f"--innodb-buffer-pool-size={pool}",
                    "--innodb-log-file-size=1G",
                    "--max-connections=1000",
                ),
            )
            self.server.start()
            self.admin_url = self.server.admin_url()
        self._status = self._connect(None)

    def _connect(self, database: str | None):
        import pymysql
        from sqlalchemy.engine import make_url

        parts = make_url(self.admin_url)
        return pymysql.connect(
            host=parts.host,
            port=parts.port or 3306,
            user=parts.username,
            password=parts.password or "",
            database=database,
            autocommit=True,
        )

    def version(self) -> str:
        with self._status.cursor() as cursor:
            cursor.execute("SELECT VERSION()")
            return cursor.fetchone()[0]

    def url_of(self, name: str) -> str:
        parts = urlsplit(self.admin_url)
        return urlunsplit((parts.scheme, parts.netloc, f"/{name}", "charset=utf8mb4", ""))

    def holds(self, sizes) -> bool:
        """The bench databases hold generated data of these sizes."""
        try:
            movies = self.scalar("bench_em", "SELECT MAX(movieId) FROM Movie")
            collections = self.scalar(
                "bench_core", "SELECT MAX(dataCollectionId) FROM DataCollection"
            )
        except Exception:  # no such database or table: not there
            return False
        return movies == sizes.movies and (collections or 0) >= sizes.collections

    def fresh(self, name: str) -> str:
        from tests.support.mariadb import create_database_on_url, drop_database_on_url

        drop_database_on_url(self.admin_url, name)
        return create_database_on_url(self.admin_url, name)

    def counters(self) -> dict[str, int]:
        with self._status.cursor() as cursor:
            names = ", ".join(f"'{name}'" for name in STATUS_COUNTERS)
            cursor.execute(f"SHOW GLOBAL STATUS WHERE Variable_name IN ({names})")
            return {name: int(value) for name, value in cursor.fetchall()}

    def scalar(self, database: str, sql: str):
        connection = self._connect(database)
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql)
                return cursor.fetchone()[0]
        finally:
            connection.close()

    def stop(self) -> None:
        self._status.close()
        if self.server is not None:
            self.server.stop()


def driver_url(url: str, driver: str) -> str:
    return re.sub(r"^mysql\+\w+://", f"mysql+{driver}://", url)


# --- tokens ---------------------------------------------------------------------------------


class Keys:
    """A throwaway signing key, its JWKS served over HTTP, and an admin token."""

    def __init__(self):
        from cryptography.hazmat.primitives.asymmetric import rsa

        from ispyb_auth.keys.jwk import public_jwk
        from ispyb_shared.auth import jwk_thumbprint

        self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = jwk_thumbprint(self.private_key.public_key())
        document = json.dumps(
            {"keys": [public_jwk(self.private_key.public_key(), kid=self.kid)]}
        ).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(document)))
                self.end_headers()
                self.wfile.write(document)

            def log_message(self, *_args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/jwks.json"

    def admin_token(self, lifetime: int = 6 * 3600) -> str:
        import jwt

        now = int(time.time())
        claims = {
            "iss": "ispyb",
            "aud": "ispyb",
            "iat": now,
            "nbf": now,
            "exp": now + lifetime,
            "jti": str(uuid.uuid4()),
            "sub": "bench-admin",
            "kind": "user",
            "roles": ["admin"],
            "beamlines": [],
            "scope": "",
        }
        return jwt.encode(claims, self.private_key, algorithm="RS256", headers={"kid": self.kid})

    def stop(self) -> None:
        self.server.shutdown()


# --- the servers ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bin_path(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def wait_for(
    url: str, process: subprocess.Popen, log: Path, timeout: float = 120, token: str | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the server exited:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(OSError, http.client.HTTPException):
            if get(url, token, timeout=5)[0] == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer in {timeout:.0f} s:\n{log.read_text()[-3000:]}")


def stop_process(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


class Stack:
    """core, em and ssx, the ceiling, and the gateway, on fixed ports across drivers."""

    def __init__(self, directory: Path, urls: dict[str, str], keys: Keys, workers: int):
        self.directory = directory
        self.urls = urls  # database URLs by service, pymysql
        self.keys = keys
        self.workers = workers
        self.ports = {name: free_port() for name in (*SERVICES, "ceiling", "gateway", "pyispyb")}
        self.processes: dict[str, subprocess.Popen] = {}
        self.pyispyb: PyIspyb | None = None  # --pyispyb

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def gunicorn(
        self, name: str, app: str, env: dict[str, str], port: int, workers: int, log: Path
    ) -> subprocess.Popen:
        command = [
            bin_path("gunicorn"),
            # The services' settings (ispyb_shared.gunicorn_hooks: the worker class of
            # ISPYB_WORKER_CLASS), for the ceiling too: the same server for both.
            "--config",
            "python:ispyb_shared.gunicorn_hooks",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--timeout",
            "120",
            "--name",
            f"bench-{name}",
        ]
        if name == "ceiling":
            command += ["--pythonpath", str(ROOT / "tools")]
        with log.open("ab") as output:
            return subprocess.Popen(
                [*command, app],
                cwd=ROOT,
                env={**os.environ, **env},
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def service_env(self, service: str, driver: str, *, warm_up: bool = True) -> dict[str, str]:
        prefix = f"ISPYB_{service.upper()}__"
        env = {
            f"{prefix}DATABASE__URL": driver_url(self.urls[service], driver),
            f"{prefix}AUTH__JWKS_URL": self.keys.url,
            f"{prefix}API__WARM_UP": "true" if warm_up else "false",
        }
        if service != "core":
            env[f"{prefix}CORE__URL"] = self.url("core")
        return env

    def ceiling_env(self, driver: str) -> dict[str, str]:
        return {
            "ISPYB_CEILING_CORE_DB": driver_url(self.urls["core"], driver),
            "ISPYB_CEILING_EM_DB": driver_url(self.urls["em"], driver),
            "ISPYB_CEILING_SSX_DB": driver_url(self.urls["ssx"], driver),
            "ISPYB_CEILING_JWKS_URL": self.keys.url,
            "ISPYB_CEILING_CORE_URL": self.url("core"),
        }

    def start(self, driver: str) -> None:
        logs = self.directory / "logs"
        logs.mkdir(exist_ok=True)
        for service in SERVICES:
            log = logs / f"{service}-{driver}.log"
            self.processes[service] = self.gunicorn(
                service,
                f"ispyb_{service}.app:create_app()",
                self.service_env(service, driver),
                self.ports[service],
                self.workers,
                log,
            )
            wait_for(
                f"{self.url(service)}/ispyb/api/v1/{service}/health", self.processes[service], log
            )
        log = logs / f"ceiling-{driver}.log"
        self.processes["ceiling"] = self.gunicorn(
            "ceiling",
            "bench_ceiling:create_app()",
            self.ceiling_env(driver),
            self.ports["ceiling"],
            self.workers,
            log,
        )
        wait_for(f"{self.url('ceiling')}/ceiling/health", self.processes["ceiling"], log)
        if self.pyispyb is not None and driver == "pymysql":
            self.processes["pyispyb"] = self.pyispyb.start(
                self.ports["pyispyb"], self.workers, logs / "pyispyb.log"
            )
        if "gateway" not in self.processes:
            self.start_gateway()

    def start_gateway(self) -> None:
        import ispyb_gateway

        nginx = ispyb_gateway.find_nginx()
        if nginx is None:
            raise RuntimeError("nginx is missing: bash tools/install-system-deps.sh gateway")
        var_dir = self.directory / "gateway"
        environ = {
            "ISPYB_VAR_DIR": str(var_dir),
            "ISPYB_GATEWAY_PORT": str(self.ports["gateway"]),
            "ISPYB_GATEWAY_SOURCE": str(bench_gateway_source(self.directory)),
            **{f"ISPYB_{name.upper()}_PORT": str(self.ports[name]) for name in SERVICES},
        }
        rendered = ispyb_gateway.render_site(environ, services=" ".join(SERVICES))
        log = self.directory / "logs" / "gateway-stdout.log"
        with log.open("ab") as output:
            self.processes["gateway"] = subprocess.Popen(
                ispyb_gateway.nginx_command(rendered, nginx),
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for(f"{self.url('gateway')}/ispyb/api/v1/core/health", self.processes["gateway"], log)

    def stop_apps(self) -> None:
        for name in (*SERVICES, "ceiling", "pyispyb"):
            stop_process(self.processes.pop(name, None))

    def stop(self) -> None:
        self.stop_apps()
        stop_process(self.processes.pop("gateway", None))


class PyIspyb:
    """pyispyb 1.0.0 from PyPI, in its own virtual environment (PYISPYB_REQUIREMENTS), on a
    database of views over core's tables (tools/bench_pyispyb.py), under gunicorn with the
    same number of sync workers. It verifies its own HS256 tokens (its SECRET_KEY)."""

    def __init__(self, directory: Path, database: Database):
        self.directory = directory
        self.venv = directory / "pyispyb-venv"
        self.python = self.venv / "bin" / "python"
        if not (self.venv / "installed").exists():
            print("pyispyb 1.0.0: making its virtual environment ...", flush=True)
            shutil.rmtree(self.venv, ignore_errors=True)
            subprocess.run([sys.executable, "-m", "venv", str(self.venv)], check=True)
            subprocess.run(
                [str(self.python), "-m", "pip", "install", "-q", *PYISPYB_REQUIREMENTS],
                check=True,
            )
            (self.venv / "installed").write_text("\n".join(PYISPYB_REQUIREMENTS))
        self.url = database.fresh("bench_pyispyb")
        made = subprocess.run(
            [
                str(self.python),
                str(ROOT / "tools" / "bench_pyispyb.py"),
                "prepare",
                database.admin_url,
                "bench_core",
                "bench_pyispyb",
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        self.made = json.loads(made)
        print(
            f"pyispyb 1.0.0: {len(self.made['views'])} views over core's tables "
            f"({len(self.made['views'].get('DataCollection', []))} DataCollection columns "
            f"core lacks, NULL), {len(self.made['tables'])} empty tables core lacks, "
            f"failed: {self.made['failed'] or 'none'}",
            flush=True,
        )
        self.config = directory / "pyispyb.yml"
        self.config.write_text(
            yaml.safe_dump(
                {
                    "server": {
                        "SERVICE_NAME": "core",
                        "SQLALCHEMY_DATABASE_URI": self.url,
                        "SECRET_KEY": PYISPYB_SECRET,
                        "SQLALCHEMY_TRACK_MODIFICATIONS": False,
                        "DEBUG": False,
                    }
                }
            )
        )

    def token(self, lifetime: int = 6 * 3600) -> str:
        """An admin token as pyispyb 1.0.0 signs them (auth/login: sub, roles, HS256)."""
        import jwt

        now = int(time.time())
        claims = {"sub": "bench-admin", "roles": ["admin"], "iat": now, "exp": now + lifetime}
        return jwt.encode(claims, PYISPYB_SECRET, algorithm="HS256")

    def start(self, port: int, workers: int, log: Path) -> subprocess.Popen:
        with log.open("ab") as output:
            process = subprocess.Popen(
                [
                    str(self.venv / "bin" / "gunicorn"),
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    str(workers),
                    "--timeout",
                    "120",
                    "--name",
                    "bench-pyispyb",
                    "pyispyb:create_app()",
                ],
                cwd=self.directory,
                env={**os.environ, "ISPYB_CONFIG": str(self.config)},
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for(
            f"http://127.0.0.1:{port}/ispyb/api/v1/proposals?limit=1",
            process,
            log,
            token=self.token(),
        )
        return process


def bench_gateway_source(directory: Path) -> Path:
    """gateway/kong.yml with every rate limit multiplied: one client must not be limited."""
    config = yaml.safe_load((ROOT / "gateway" / "kong.yml").read_text())

    def raise_limits(plugins):
        for plugin in plugins or []:
            if plugin.get("name") == "rate-limiting":
                for window in ("second", "minute", "hour", "day", "month", "year"):
                    if window in plugin["config"]:
                        plugin["config"][window] *= RATE_LIMIT_MULTIPLIER

    raise_limits(config.get("plugins"))
    for service in config.get("services", []):
        raise_limits(service.get("plugins"))
        for route in service.get("routes", []):
            raise_limits(route.get("plugins"))
    path = directory / "kong-bench.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


# --- data -----------------------------------------------------------------------------------


def prepare_data(
    database: Database, scale: float, *, reuse: bool = False
) -> tuple[dict[str, str], dict[str, str]]:
    """Migrated, generated databases; (URLs by service, the ids the scenarios read).
    ``reuse``: keep the bench_* databases of an earlier run at the same scale."""
    from ispyb_shared.migrations import upgrade

    sizes = generate_facility.Scale.of(scale)
    urls = {service: database.url_of(f"bench_{service}") for service in SERVICES}
    if reuse and database.holds(sizes):
        print("reusing the data of an earlier run at this scale", flush=True)
    else:
        for service in SERVICES:
            urls[service] = database.fresh(f"bench_{service}")
            upgrade(
                package=f"ispyb_{service}",
                database_url=urls[service],
                version_table=f"{service}_alembic_version",
            )
        generate_facility.generate(
            core_url=urls["core"], em_url=urls["em"], ssx_url=urls["ssx"], scale=scale
        )
        subprocess.run(
            [bin_path("ispyb-core"), "seed-demo"],
            check=True,
            cwd=ROOT,
            env={**os.environ, "ISPYB_CORE__DATABASE__URL": urls["core"]},
            capture_output=True,
        )
    shipment = database.scalar(
        "bench_core",
        "SELECT MIN(shippingId) FROM Shipping WHERE shippingId IN (SELECT shippingId FROM Dewar)",
    )
    pages = max(2, sizes.collections // PAGE_SIZE)
    session_id = database.scalar(
        "bench_core",
        "SELECT s.sessionId FROM BLSession s JOIN Proposal p USING (proposalId) "
        "WHERE p.proposalCode = 'mx' AND p.proposalNumber = '1' AND s.visit_number = 1",
    )
    context = {
        "proposal": "mx1",
        "visit": "mx1-1",
        "session_id": str(session_id),
        "collection": "1",
        "shipment": str(shipment),
        "em_collection": entity_uuid("DataCollection", 1),
        "ssx_session": entity_uuid("BLSession", 1),
        "depth": str(min(DEEP_PAGE, pages - 1)),
    }
    return urls, {**context, "scale": str(scale), "collections": str(sizes.collections)}


def deep_cursor(stack: Stack, token: str, depth: int) -> str:
    """The after= cursor of page ``depth`` (from the links.next of the page before)."""
    offset = (depth - 2) * PAGE_SIZE
    status, body = get(
        f"{stack.url('core')}/ispyb/api/v1/core/data-collections?limit={PAGE_SIZE}&offset={offset}",
        token,
        timeout=300,
    )
    if status != 200:
        raise RuntimeError(f"data collection list: {status} {body[:300]!r}")
    link = json.loads(body)["links"]["next"]
    return re.search(r"[?&]after=([^&]+)", link).group(1)


# --- counting -------------------------------------------------------------------------------


def per_request(database: Database, url: str, token: str) -> dict[str, float]:
    """Statements and round trips per request, from the server's counters (the counters'
    own query subtracted)."""
    for _ in range(3):
        get(url, token)  # warm caches (em's answers from core) as under load
    before = database.counters()
    sizes = []
    for _ in range(COUNTED_REQUESTS):
        status, body = get(url, token)
        if status != 200:
            raise RuntimeError(f"{url}: {status} {body[:300]!r}")
        sizes.append(len(body))
    after = database.counters()
    delta = {name: after[name] - before[name] for name in STATUS_COUNTERS}
    delta["Questions"] -= 1  # SHOW GLOBAL STATUS
    delta["Com_show_status"] -= 1
    statements = sum(delta[f"Com_{kind}"] for kind in ("select", "insert", "update", "delete"))
    trips = delta["Questions"] + delta["Com_admin_commands"]
    return {
        "statements": statements / COUNTED_REQUESTS,
        "round_trips": trips / COUNTED_REQUESTS,
        "commits": (delta["Com_commit"] + delta["Com_rollback"]) / COUNTED_REQUESTS,
        "bytes": statistics.fmean(sizes),
    }


# --- first request of a worker -------------------------------------------------------------


def first_request(stack: Stack, driver: str, kind: str, token: str, attempts: int) -> dict:
    """A fresh one-worker server; the time of its first and second requests (median)."""
    firsts, seconds = [], []
    for attempt in range(attempts):
        port = free_port()
        log = stack.directory / "logs" / f"first-{kind}-{driver}-{attempt}.log"
        if kind == "ceiling":
            process = stack.gunicorn(
                "ceiling", "bench_ceiling:create_app()", stack.ceiling_env(driver), port, 1, log
            )
            path = "/ceiling/proposals"
            ready = "Booting worker"
            settle = 3.0
        else:
            process = stack.gunicorn(
                "core",
                "ispyb_core.app:create_app()",
                stack.service_env("core", driver, warm_up=kind == "core, warm-up"),
                port,
                1,
                log,
            )
            path = "/ispyb/api/v1/core/proposals"
            ready = "warmed up in" if kind == "core, warm-up" else "app built (no warm-up)"
            settle = 0.5
        try:
            deadline = time.monotonic() + 120
            while ready not in log.read_text(errors="replace"):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{kind}: no worker:\n{log.read_text()[-2000:]}")
                time.sleep(0.05)
            time.sleep(settle)
            for times in (firsts, seconds):
                started = time.perf_counter()
                status, _ = get(f"http://127.0.0.1:{port}{path}", token)
                times.append((time.perf_counter() - started) * 1000)
                if status != 200:
                    raise RuntimeError(f"{kind}: first request answered {status}")
        finally:
            stop_process(process)
    return {"first_ms": statistics.median(firsts), "second_ms": statistics.median(seconds)}


# --- the run --------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    model = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = "unknown"
    with contextlib.suppress(OSError, ValueError, IndexError):
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kib / 1024 / 1024:.1f} GiB"
    return {
        "host": platform.node(),
        "nproc": str(os.cpu_count()),
        "cpu": model,
        "memory": memory,
        "python": platform.python_version(),
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def drivers_available(requested: list[str]) -> list[str]:
    chosen = []
    for driver in requested:
        module = {"pymysql": "pymysql", "mysqldb": "MySQLdb"}[driver]
        try:
            __import__(module)
        except ImportError:
            print(
                f"driver {driver} is not installed: skipped (pip install -e 'shared[mysqlclient]')"
            )
            continue
        chosen.append(driver)
    return chosen


def drain(stack: Stack, name: str) -> None:
    """Wait until a server has answered everything queued before now (its health probe,
    queued behind them, answers)."""
    path = "/ceiling/health" if name == "ceiling" else f"/ispyb/api/v1/{name}/health"
    token = None
    if name == "pyispyb":  # no health route: a one-row page
        path, token = "/ispyb/api/v1/proposals?limit=1", stack.pyispyb.token()
    with contextlib.suppress(OSError, http.client.HTTPException):
        get(f"{stack.url(name)}{path}", token, timeout=300)


def run_driver(
    stack: Stack, database: Database, driver: str, context: dict[str, str], token: str, args, script
) -> dict:
    print(
        f"\n== driver {driver}: starting core, em, ssx, the ceiling ({args.workers} workers)",
        flush=True,
    )
    stack.start(driver)
    try:
        main = scenarios(context)
        if args.only:
            main = [s for s in main if any(word in s.name for word in args.only)]
        targets: dict[tuple[str, str], Measure] = {}
        counts: dict[tuple[str, str], dict] = {}
        context = {**context, "cursor": deep_cursor(stack, token, int(context["depth"]))}
        deep = depth_scenarios(context)
        if args.only:
            deep = [s for s in deep if any(word in s.name for word in args.only)]

        def urls_of(scenario: Scenario) -> dict[str, str]:
            api = f"/ispyb/api/v1/{scenario.service}{scenario.path}"
            urls = {"direct": f"{stack.url(scenario.service)}{api}"}
            if scenario.ceiling:
                urls["ceiling"] = f"{stack.url('ceiling')}{scenario.ceiling}"
            if not args.no_gateway and scenario.ceiling:
                urls["gateway"] = f"{stack.url('gateway')}{api}"
            if scenario.pyispyb and "pyispyb" in stack.processes:
                urls["pyispyb"] = f"{stack.url('pyispyb')}/ispyb/api/v1{scenario.pyispyb}"
            return urls

        def token_of(target: str) -> str:
            return stack.pyispyb.token() if target == "pyispyb" else token

        def server_of(scenario: Scenario, target: str) -> str:
            return target if target in ("ceiling", "pyispyb") else scenario.service

        for scenario in [*main, *deep]:
            for target, url in urls_of(scenario).items():
                if target != "gateway":
                    counts[(scenario.name, target)] = per_request(database, url, token_of(target))
        for round_number in range(args.rounds):
            for scenario in [*main, *deep]:
                urls = list(urls_of(scenario).items())
                shift = round_number % len(urls)
                for target, url in urls[shift:] + urls[:shift]:
                    measure = run_wrk(url, token_of(target), args, script)
                    targets.setdefault((scenario.name, target), Measure()).add(measure)
                    # Requests wrk gave up on are still queued at the server: let them
                    # drain, or they would slow down the next measure.
                    drain(stack, server_of(scenario, target))
            print(f"   round {round_number + 1}/{args.rounds} done", flush=True)
        firsts = {}
        if not args.only or "first" in args.only:
            for kind in ("core, warm-up", "core, no warm-up", "ceiling"):
                firsts[kind] = first_request(stack, driver, kind, token, args.first_attempts)
    finally:
        stack.stop_apps()
    return {
        "scenarios": [s.name for s in [*main, *deep]],
        "measures": {f"{k[0]}|{k[1]}": asdict(v) | {"rate": v.rate} for k, v in targets.items()},
        "counts": {f"{k[0]}|{k[1]}": v for k, v in counts.items()},
        "first_request": firsts,
        "_targets": targets,
        "_counts": counts,
    }


# --- response sizes and request counts of the typical pages (--sizes) -------------------------


class Fetcher:
    """GETs through the gateway, counting requests and bytes: raw (the JSON) and on the
    wire (gzip-compressed when the client accepts it, as a browser does)."""

    def __init__(self, base: str, token: str, *, gzip_ok: bool):
        self.base, self.token, self.gzip_ok = base, token, gzip_ok
        self.requests = self.raw = self.wire = 0

    def get(self, path: str, *, allow_400: bool = False):
        import gzip

        parts = urlsplit(self.base)
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        if self.gzip_ok:
            headers["Accept-Encoding"] = "gzip"
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            body = response.read()
            encoding = response.getheader("Content-Encoding", "")
        finally:
            connection.close()
        raw = gzip.decompress(body) if encoding == "gzip" else body
        if response.status == 400 and allow_400:
            return None  # an expand= or fields= value this server does not know
        if response.status != 200:
            raise RuntimeError(f"GET {path}: {response.status} {raw[:300]!r}")
        self.requests += 1
        self.raw += len(raw)
        self.wire += len(body)
        return json.loads(raw)


def _fields(row: dict, wanted: list[str]) -> str:
    """fields= of the columns a table shows, those of ``wanted`` the rows have."""
    return ",".join(name for name in wanted if name in row)


SWEEP_FIELDS = [
    "dataCollectionId", "uuid", "startTime", "endTime", "runStatus", "imagePrefix",
    "numberOfImages", "wavelength", "resolution", "exposureTime", "blSampleId",
    "experimentType", "bestResult", "best", "autoProcessing", "sample", "sampleName",
    "proteinAcronym",
]  # fmt: skip
SESSION_FIELDS = ["sessionId", "uuid", "visit", "beamLineName", "startDate", "endDate"]
SHIPMENT_FIELDS = ["shippingId", "uuid", "shippingName", "shippingStatus", "dewars"]
SSX_RUN_FIELDS = ["uuid", "id", "name", "startTime", "endTime", "status", "experimentType"]


# What a shipment's contents were by default before the front-end issue: each sample with
# its diffraction plan (now on request), as the item still answers with expand=.
CONTENTS = "dewars.containers.samples.crystal.protein,sessions"
CONTENTS_THEN = f"{CONTENTS},dewars.containers.samples.diffractionPlan"


def page_sizes(base: str, token: str, context: dict[str, str]) -> list[dict]:
    """Each typical page fetched the old way (no fields=/expand=, no gzip, the default
    answers of then: 1 + N calls where the rows lacked what the table shows) and the new
    way (fields=, expand=, labels on the rows, gzip)."""
    core, em, ssx = (f"/ispyb/api/v1/{s}" for s in ("core", "em", "ssx"))
    shipment = context["shipment"]
    probe = Fetcher(base, token, gzip_ok=True)  # column names and ids, not counted
    # A session whose sweeps have samples (the demo's), else the context's; the proposal
    # of the nested shipment.
    rows = probe.get(f"{core}/data-collections?limit=100&sort=-dataCollectionId")["results"]
    with_sample = next((r for r in rows if r.get("blSampleId")), None)
    visit = str(with_sample["sessionId"]) if with_sample else context["visit"]
    proposal = probe.get(f"{core}/shipments/{shipment}")["proposalId"]
    notes = {
        "session": "then: 1 + N sample reads for the names; now: labels on the rows",
        "shipment": "then: samples with their plans; now: plans on request",
        "a proposal": f"then: 1 + N shipment reads; now: expand={CONTENTS}",
    }

    def first_row(path: str) -> dict:
        joiner = "&" if "?" in path else "?"
        return (probe.get(f"{path}{joiner}limit=1")["results"] or [{}])[0]

    def sweep(f: Fetcher, new: bool) -> None:
        path = f"{core}/sessions/{visit}/data-collections"
        if not new:
            f.get(f"{core}/sessions/{visit}")
            for sample in sorted(
                {r["blSampleId"] for r in f.get(path)["results"] if r.get("blSampleId")}
            ):
                f.get(f"{core}/samples/{sample}?expand=crystal.protein")
            return
        session = probe.get(f"{core}/sessions/{visit}")
        f.get(f"{core}/sessions/{visit}?fields={_fields(session, SESSION_FIELDS)}")
        f.get(f"{path}?fields={_fields(first_row(path), SWEEP_FIELDS)}")

    def shipment_page(f: Fetcher, new: bool) -> None:
        path = f"{core}/shipments/{shipment}"
        f.get(
            f"{path}?fields={','.join(SHIPMENT_FIELDS)}"
            if new
            else f"{path}?expand={CONTENTS_THEN}"
        )

    def proposal_shipments(f: Fetcher, new: bool) -> None:
        path = f"{core}/shipments?proposalId={proposal}"
        if new:
            f.get(f"{path}&expand={CONTENTS}")
            return
        for row in f.get(path)["results"]:
            f.get(f"{core}/shipments/{row['shippingId']}?expand={CONTENTS_THEN}")

    def em_summary(f: Fetcher, new: bool) -> None:
        f.get(f"{em}/data-collections/{context['em_collection']}/summary")

    def ssx_runs(f: Fetcher, new: bool) -> None:
        path = f"{ssx}/sessions/{context['ssx_session']}/runs"
        f.get(f"{path}?fields={_fields(first_row(path), SSX_RUN_FIELDS)}" if new else path)

    pages = {
        "session sweep (session, data collections, labels)": sweep,
        "shipment with contents": shipment_page,
        "a proposal's shipments with contents": proposal_shipments,
        "EM summary": em_summary,
        "SSX runs of a session": ssx_runs,
    }
    results = []
    for name, page in pages.items():
        figures: dict = {"page": name}
        for label, new in (("before", False), ("after", True)):
            fetcher = Fetcher(base, token, gzip_ok=new)
            page(fetcher, new)
            figures[label] = {
                "requests": fetcher.requests, "raw": fetcher.raw, "wire": fetcher.wire
            }  # fmt: skip
        figures["note"] = next((v for k, v in notes.items() if name.startswith(k)), "")
        results.append(figures)
    return results


def print_sizes(results: list[dict]) -> None:
    print("\n-- typical pages through the gateway: before (default answers, no gzip) / "
          "after (fields=, expand=, gzip) --")  # fmt: skip
    header = f"{'page':52} {'req':>4} {'bytes':>9} | {'req':>4} {'JSON':>9} {'wire':>8}  note"
    print(header)
    for r in results:
        b, a = r["before"], r["after"]
        print(
            f"{r['page']:52} {b['requests']:>4} {b['wire']:>9,} | {a['requests']:>4} "
            f"{a['raw']:>9,} {a['wire']:>8,}  {r['note']}"
        )


def print_table(driver: str, result: dict) -> None:
    targets, counts = result["_targets"], result["_counts"]
    print(f"\n-- {driver} --")
    header = (
        f"{'read':<42} {'target':<8} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
        f"{'÷ceil':>6} {'gw÷dir':>6} {'÷pyis':>6} {'stmts':>5} {'trips':>5} {'KiB':>6} "
        f"{'err':>4}"
    )
    print(header)
    print("-" * len(header))
    for name in result["scenarios"]:
        direct = targets.get((name, "direct"))
        ceiling = targets.get((name, "ceiling"))
        pyispyb = targets.get((name, "pyispyb"))
        for target in ("direct", "ceiling", "gateway", "pyispyb"):
            measure = targets.get((name, target))
            if measure is None:
                continue
            ratio = gateway_ratio = pyispyb_ratio = ""
            if target in ("direct", "pyispyb") and ceiling is not None and ceiling.rate:
                ratio = f"{measure.rate / ceiling.rate:.2f}"
            if target == "gateway" and direct is not None and direct.rate:
                gateway_ratio = f"{measure.rate / direct.rate:.2f}"
            if target == "direct" and pyispyb is not None and pyispyb.rate:
                pyispyb_ratio = f"{measure.rate / pyispyb.rate:.1f}"
            count = counts.get((name, target), {})
            stmts = f"{count['statements']:.1f}" if count else ""
            trips = f"{count['round_trips']:.1f}" if count else ""
            size = f"{count['bytes'] / 1024:.1f}" if count else ""
            print(
                f"{name if target == 'direct' else '':<42} {target:<8} {measure.rate:>7.0f} "
                f"{measure.latency('p50'):>7.1f} {measure.latency('p95'):>7.1f} "
                f"{measure.latency('p99'):>7.1f} {ratio:>6} {gateway_ratio:>6} "
                f"{pyispyb_ratio:>6} {stmts:>5} "
                f"{trips:>5} {size:>6} {measure.errors:>4}"
            )
    if result["first_request"]:
        print("\nfirst request of a fresh worker (median): ", end="")
        print(
            "; ".join(
                f"{kind} {values['first_ms']:.1f} ms (then {values['second_ms']:.1f} ms)"
                for kind, values in result["first_request"].items()
            )
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="tools/bench.py",
        description=__doc__.split("\n\n", 1)[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--scale", type=float, default=0.01, help="data size; 1 = a facility")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers per server")
    parser.add_argument("--connections", type=int, default=16, help="wrk -c")
    parser.add_argument("--threads", type=int, default=2, help="wrk -t")
    parser.add_argument("--duration", type=int, default=3, help="seconds per measure (wrk -d)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds")
    parser.add_argument("--drivers", default="pymysql,mysqldb", help="comma-separated")
    parser.add_argument("--first-attempts", type=int, default=3, help="fresh workers timed")
    parser.add_argument("--no-gateway", action="store_true", help="direct and ceiling only")
    parser.add_argument(
        "--pyispyb",
        action="store_true",
        help="also pyispyb 1.0.0 (PyPI, its own venv, views over core's tables) on proposals, "
        "a session's data collections and the DC list, pymysql run only",
    )
    parser.add_argument(
        "--only",
        nargs="*",
        help="reads whose name contains one of these words ('first': a worker's first request)",
    )
    parser.add_argument(
        "--sizes",
        action="store_true",
        help="only the response sizes and request counts of the typical pages, before "
        "(default answers, no gzip) and after (fields=, expand=, gzip), through the gateway",
    )
    parser.add_argument("--json", type=Path, help="write every figure to this file")
    parser.add_argument("--keep", type=Path, help="work directory to use and keep (logs, data)")
    parser.add_argument(
        "--prepare-only", action="store_true", help="make the data (for --reuse-data) and stop"
    )
    parser.add_argument(
        "--reuse-data",
        action="store_true",
        help="keep the bench_* databases of an earlier run at the same scale "
        "(with --keep or ISPYB_BENCH_MYSQL_URL)",
    )
    args = parser.parse_args(argv)
    if not 0 < args.scale <= 10 or not 1 <= args.workers <= 32 or not 1 <= args.duration <= 60:
        parser.error("--scale 0..10, --workers 1..32, --duration 1..60")
    if shutil.which("wrk") is None and not args.sizes:
        parser.error("wrk is missing: bash tools/install-system-deps.sh bench")
    drivers = drivers_available([d.strip() for d in args.drivers.split(",") if d.strip()])
    if not drivers:
        parser.error("no driver to benchmark")

    with contextlib.ExitStack() as cleanup:
        if args.keep:
            directory = args.keep.resolve()
            directory.mkdir(parents=True, exist_ok=True)
        else:
            directory = Path(
                cleanup.enter_context(tempfile.TemporaryDirectory(prefix="ispyb-bench-"))
            )
        script = directory / "report.lua"
        script.write_text(WRK_SCRIPT)
        info = machine()
        print(f"ISPyB benchmark {time.strftime('%Y-%m-%d %H:%M')}: {info}", flush=True)
        started = time.perf_counter()
        database = Database(directory, args.scale)
        cleanup.callback(database.stop)
        info["mariadb"] = database.version()
        print(f"MariaDB {info['mariadb']}; generating data at scale {args.scale} ...", flush=True)
        urls, context = prepare_data(database, args.scale, reuse=args.reuse_data)
        print(f"data ready in {time.perf_counter() - started:.0f} s", flush=True)
        if args.prepare_only:
            return 0
        keys = Keys()
        cleanup.callback(keys.stop)
        token = keys.admin_token()
        stack = Stack(directory, urls, keys, args.workers)
        cleanup.callback(stack.stop)
        if args.pyispyb:
            stack.pyispyb = PyIspyb(directory, database)
            info["pyispyb"] = {
                "views": len(stack.pyispyb.made["views"]),
                "null_columns": stack.pyispyb.made["views"],
                "tables": len(stack.pyispyb.made["tables"]),
                "failed": stack.pyispyb.made["failed"],
            }
        if args.sizes:
            stack.start(drivers[0])
            sizes = page_sizes(stack.url("gateway"), token, context)
            print_sizes(sizes)
            print(
                f"\nadmin token; scale {args.scale} "
                f"({int(context['collections']):,} data collections); bytes: the JSON "
                "bodies (before: as sent, uncompressed; after: JSON and on the wire, gzip)."
            )
            if args.json:
                args.json.write_text(json.dumps({"machine": info, "sizes": sizes}, indent=1))
            return 0
        results = {}
        for driver in drivers:
            results[driver] = run_driver(stack, database, driver, context, token, args, script)
            print_table(driver, results[driver])
        print(
            f"\nwrk -t{args.threads} -c{args.connections}, {args.duration} s x {args.rounds} "
            f"interleaved rounds per target; {args.workers} gunicorn "
            f"{os.environ.get('ISPYB_WORKER_CLASS', 'sync')} workers per server; "
            f"admin token; statements and round trips per request counted by MariaDB over "
            f"{COUNTED_REQUESTS} sequential requests; scale {args.scale} "
            f"({int(context['collections']):,} data collections)."
        )
        if args.json:
            args.json.write_text(
                json.dumps(
                    {
                        "machine": info,
                        "settings": vars(args) | {"json": str(args.json), "keep": str(args.keep)},
                        "context": context,
                        "results": {
                            driver: {k: v for k, v in r.items() if not k.startswith("_")}
                            for driver, r in results.items()
                        },
                    },
                    indent=1,
                    default=str,
                )
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())

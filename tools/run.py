"""Start the ISPyB services for local use: what ``make run`` does.

For each selected service: bring its database schema up to date, seed the demo data
(once: re-runs add nothing), start it with gunicorn on its port, wait until it answers
``/health``; then render the local gateway for those services from gateway/kong.yml and
start it (nginx, see the ispyb_gateway package in gateway/), print the URLs and keep running
until interrupted (Ctrl-C stops all).

It stays up: a service (or the gateway) that dies is started again, after a back-off
(1, 2, 4 ... up to 30 s while it keeps dying; back to 1 s once it has run for a minute),
with a line in the terminal each time; the others and the gateway keep serving meanwhile.

Settings (environment):
  ISPYB_SERVICES   services to run, space- or comma-separated (default: all)
  ISPYB_HOST       address to bind (default 127.0.0.1)
  ISPYB_<SVC>_PORT port of one service (defaults: core 8001, ssx 8002, em 8003, auth 8004,
                   compat 8005)
  ISPYB_<SVC>_INSTANCES  gunicorn instances of one service (default 1), each on its own
                   port: ISPYB_<SVC>_PORTS (comma-separated), by default the port, +100,
                   +200 ...; the gateway balances over all of them (docs/gateway.md)
  ISPYB_GATEWAY_PORT  port of the gateway, the one URL for front ends (default 8000)
  ISPYB_WORKERS    gunicorn workers per service (default 2)
  ISPYB_VAR_DIR    where everything this run writes goes (default ./var): logs, the
                   rendered gateway, each service's metrics files (metrics/<service>,
                   its PROMETHEUS_MULTIPROC_DIR, emptied at each start), and the SQLite
                   databases of services whose database is not set otherwise
                   (ISPYB_<SVC>__DATABASE__URL or their own config)
`ispyb-gateway --help` lists the gateway's other settings (CORS origins, source kong.yml).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import ispyb_gateway

ROOT = Path(__file__).resolve().parent.parent
ALL_SERVICES = {"core": 8001, "ssx": 8002, "em": 8003, "auth": 8004, "compat": 8005}
SEEDED = {"core", "auth", "em"}  # services that have demo data
NO_DATABASE = {"compat"}  # services that own no database (nothing to place or migrate)
FIRST_BACKOFF_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 30.0
STABLE_SECONDS = 60.0  # up this long: the next death starts the back-off from the start


def selected_services() -> list[str]:
    raw = os.environ.get("ISPYB_SERVICES", " ".join(ALL_SERVICES))
    names = [name for name in raw.replace(",", " ").split() if name]
    unknown = [name for name in names if name not in ALL_SERVICES]
    if unknown:
        sys.exit(f"run: unknown service(s) {unknown}; known: {', '.join(ALL_SERVICES)}")
    return names


def port_of(service: str) -> int:
    """The port of a service's first instance (the one other services are pointed at)."""
    several = os.environ.get(f"ISPYB_{service.upper()}_PORTS", "").replace(",", " ").split()
    if several and several[0].isdigit():
        return int(several[0])
    return int(os.environ.get(f"ISPYB_{service.upper()}_PORT", ALL_SERVICES[service]))


def instances_of(service: str) -> int:
    variable = f"ISPYB_{service.upper()}_INSTANCES"
    raw = os.environ.get(variable, "1")
    if not raw.isdigit() or not 1 <= int(raw) <= 16:
        sys.exit(f"run: {variable}={raw!r}: a number of instances from 1 to 16")
    return int(raw)


def ports_of(service: str) -> list[int]:
    """One port per instance: ISPYB_<SVC>_PORTS, or the service's port, +100, +200 ..."""
    count = instances_of(service)
    variable = f"ISPYB_{service.upper()}_PORTS"
    if os.environ.get(variable):
        raw = [value for value in os.environ[variable].replace(",", " ").split() if value]
        if len(raw) != count or not all(value.isdigit() for value in raw):
            sys.exit(f"run: {variable} must list {count} port(s), one per instance")
        return [int(value) for value in raw]
    first = int(os.environ.get(f"ISPYB_{service.upper()}_PORT", ALL_SERVICES[service]))
    return [first + 100 * index for index in range(count)]


def instance_name(service: str, index: int) -> str:
    """core, core-2, core-3 ...: the name of an instance in messages and of its log file."""
    return service if index == 0 else f"{service}-{index + 1}"


def bin_path(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def var_directory() -> Path:
    return Path(os.environ.get("ISPYB_VAR_DIR") or ROOT / "var").resolve()


def place_databases(services: list[str], var_dir: Path) -> None:
    """Each service's SQLite database in this run's var directory, unless the site set the
    database (its URL, or a config file of its own): two deployments with two var
    directories never share data."""
    for service in services:
        upper = service.upper()
        if service in NO_DATABASE:
            continue
        if f"ISPYB_{upper}__DATABASE__URL" in os.environ or f"ISPYB_{upper}_CONFIG" in os.environ:
            continue
        os.environ[f"ISPYB_{upper}__DATABASE__URL"] = f"sqlite:///{var_dir / f'{service}.sqlite'}"


def busy_ports(wanted: dict[str, int], host: str) -> list[str]:
    # ``wanted``: instance name (core, core-2) -> port.
    """The ports of ``wanted`` (name -> port) another program already listens on."""
    busy = []
    for name, port in wanted.items():
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            # As gunicorn and nginx bind: a port left in TIME_WAIT is free to them.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, port))
            except OSError:
                service = name.split("-")[0]
                variable = (
                    "ISPYB_GATEWAY_PORT"
                    if name == "gateway"
                    else f"ISPYB_{service.upper()}_PORT"
                    if name == service
                    else f"ISPYB_{service.upper()}_PORTS"
                )
                busy.append(
                    f"port {port} ({name}) is already in use; stop what uses it or set {variable}"
                )
    return busy


def prepare(service: str) -> None:
    subprocess.run([bin_path(f"ispyb-{service}"), "migrate"], check=True, cwd=ROOT)
    if service in SEEDED:
        subprocess.run([bin_path(f"ispyb-{service}"), "seed-demo"], check=True, cwd=ROOT)


def trust_the_auth_service(services: list[str], host: str) -> None:
    """Point every other service at the JWKS of the auth service started here, unless the
    site configured how to verify tokens explicitly (config file or environment)."""
    if "auth" not in services:
        return
    address = "127.0.0.1" if host in {"0.0.0.0", "::", ""} else host
    jwks_url = f"http://{address}:{port_of('auth')}/ispyb/api/v1/auth/.well-known/jwks.json"
    for service in services:
        prefix = f"ISPYB_{service.upper()}__AUTH__"
        if service != "auth" and not any(name.startswith(prefix) for name in os.environ):
            os.environ[f"{prefix}JWKS_URL"] = jwks_url


def serve_demo_files(services: list[str], var_dir: Path) -> None:
    """core and em serve the demo's images (var/demo-files, written by the seeding), with a
    signing secret of this run, unless the site configured files."""
    for service in services:
        prefix = f"ISPYB_{service.upper()}__FILES__"
        if service in {"core", "em"} and not any(name.startswith(prefix) for name in os.environ):
            os.environ[f"{prefix}ROOTS"] = json.dumps([str(var_dir / "demo-files")])
            os.environ[f"{prefix}SIGNING_SECRET"] = secrets.token_hex(32)


def point_at_core(services: list[str], host: str) -> None:
    """ssx and em ask core who may see what: tell them where this core listens, unless
    the site configured it."""
    if "core" not in services:
        return
    address = "127.0.0.1" if host in {"0.0.0.0", "::", ""} else host
    for service in services:
        variable = f"ISPYB_{service.upper()}__CORE__URL"
        if service in {"ssx", "em"} and variable not in os.environ:
            os.environ[variable] = f"http://{address}:{port_of('core')}"


def point_compat_at_services(services: list[str], host: str) -> None:
    """compat calls core, auth, em and ssx with its callers' tokens: tell it where the
    ones started here listen, unless the site configured them."""
    if "compat" not in services:
        return
    address = "127.0.0.1" if host in {"0.0.0.0", "::", ""} else host
    for service, section in (
        ("core", "CORE"),
        ("auth", "AUTH_SERVICE"),
        ("em", "EM"),
        ("ssx", "SSX"),
    ):
        variable = f"ISPYB_COMPAT__{section}__URL"
        if service in services and variable not in os.environ:
            os.environ[variable] = f"http://{address}:{port_of(service)}"


def let_ssx_undo(services: list[str], host: str) -> None:
    """ssx undoes a failed registration left behind in core with its own client
    credentials (docs/ssx.md): on a development stack, the demo pipeline's, unless the
    site configured a client."""
    if not {"ssx", "auth"} <= set(services):
        return
    prefix = "ISPYB_SSX__CORE__UNDO__"
    if f"{prefix}CLIENT_ID" in os.environ:
        return
    address = "127.0.0.1" if host in {"0.0.0.0", "::", ""} else host
    os.environ[f"{prefix}TOKEN_URL"] = f"http://{address}:{port_of('auth')}/ispyb/api/v1/auth/token"
    os.environ[f"{prefix}CLIENT_ID"] = "demo-pipeline"
    os.environ[f"{prefix}CLIENT_SECRET"] = "demo-pipeline-secret"


def seed_through_the_api(services: list[str], gateway_url: str) -> None:
    """The SSX demo registers its runs through core's API, so it can only be seeded once
    the stack answers (idempotent: a second start adds nothing)."""
    if not {"ssx", "core", "auth"} <= set(services):
        return
    base = gateway_url.removesuffix("/ispyb/api/v1")
    result = subprocess.run(
        [sys.executable, "-m", "ispyb_ssx.demo", "--url", base],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"SSX demo seeding failed: {result.stderr.strip()[-500:]}")
    print(result.stdout.strip(), flush=True)


def fresh_metrics_directory(service: str) -> Path:
    """Where the service's gunicorn workers write their metrics (prometheus_client's
    multiprocess mode, docs/operations.md): emptied, since the files of a previous run
    would be added to this one's."""
    directory = var_directory() / "metrics" / service
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    return directory


def start(
    service: str, host: str, log_dir: Path, *, port: int | None = None, name: str | None = None
) -> subprocess.Popen:
    name = name or service
    log = open(log_dir / f"{name}.log", "ab")  # noqa: SIM115 - lives as long as the child
    # One directory per instance: each gunicorn master sums its own workers' files.
    metrics_dir = fresh_metrics_directory(name)
    return subprocess.Popen(
        [
            bin_path("gunicorn"),
            "--config",
            "python:ispyb_shared.gunicorn_hooks",
            "--bind",
            f"{host}:{port or port_of(service)}",
            "--workers",
            os.environ.get("ISPYB_WORKERS", "2"),
            "--timeout",
            "60",
            "--graceful-timeout",
            "10",
            "--name",
            f"ispyb-{name}",
            f"ispyb_{service}.app:create_app()",
        ],
        cwd=ROOT,
        env={**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait_healthy(
    service: str, host: str, process: subprocess.Popen, timeout: float = 60, port=None
) -> None:
    url = f"http://{host}:{port or port_of(service)}/ispyb/api/v1/{service}/health"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{service} exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{service} did not answer {url} within {timeout:.0f} s")


def start_gateway(services: list[str]):
    """Render the gateway for ``services`` and start nginx; (process, rendered gateway,
    the command that starts it again)."""
    nginx = ispyb_gateway.find_nginx()
    if nginx is None:  # `make run` installs what it needs, like `make test`
        subprocess.run(["bash", str(ROOT / "tools" / "install-system-deps.sh"), "gateway"])
        nginx = ispyb_gateway.find_nginx()
    if nginx is None:
        raise RuntimeError("nginx is missing: bash tools/install-system-deps.sh gateway")
    try:
        # nginx's error log goes through run.py, which redacts each line (a Java token
        # in a quoted request line) into var/log/gateway-error.log: start_nginx.
        environ = {"ISPYB_GATEWAY_ERROR_LOG": "stderr", **os.environ}
        rendered = ispyb_gateway.render_site(environ, services=" ".join(services))
    except ispyb_gateway.GatewayConfigError as exc:
        raise RuntimeError(f"gateway: {exc}") from None
    check = subprocess.run(
        ispyb_gateway.nginx_command(rendered, nginx, test=True), capture_output=True
    )
    if check.returncode != 0:
        raise RuntimeError(f"gateway: nginx rejects {rendered.nginx_file}: {check.stderr.decode()}")
    # The central access log is the gateway's file (var/log/gateway.log); the copy nginx
    # also writes to its stdout would bury the URLs and errors of the terminal.
    command = ispyb_gateway.nginx_command(rendered, nginx)
    error_log = (
        rendered.settings.log_dir / "gateway-error.log"
        if rendered.settings.error_log == "stderr"
        else None
    )
    return start_nginx(command, error_log), rendered, (command, error_log)


def start_nginx(command: list[str], error_log: Path | None = None) -> subprocess.Popen:
    """nginx; with ``error_log``, its stderr (its error log) is written there redacted."""
    from ispyb_gateway.redaction import ErrorLogPump

    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE if error_log else None,
        start_new_session=True,
    )
    if error_log is not None:
        ErrorLogPump(process.stderr, error_log).start()
    return process


def wait_listening(name: str, host: str, port: int, process, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with code {process.returncode}")
        try:
            socket.create_connection((host, port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{name} did not listen on {host}:{port} within {timeout:.0f} s")


def say(text: str) -> None:
    print(f"run: {text}", flush=True)


def kill_group(process: subprocess.Popen) -> None:
    """Whatever is left of a dead process's group (gunicorn workers of a killed master
    still hold the port)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)


class Supervised:
    """One child that is started again when it dies, with a back-off."""

    def __init__(self, name: str, start, healthy=None, clock=time.monotonic):
        self.name = name
        self._start = start
        self._healthy = healthy
        self.clock = clock
        self.process: subprocess.Popen = start()
        self.started_at = clock()
        self.failures = 0
        self.restart_at: float | None = None
        self.restarts = 0
        self.announced = True

    def check(self) -> None:
        now = self.clock()
        if self.restart_at is None:
            code = self.process.poll()
            if code is None:
                if not self.announced and self._is_healthy():
                    say(f"{self.name} is serving again (restart {self.restarts})")
                    self.announced = True
                return
            kill_group(self.process)
            if now - self.started_at >= STABLE_SECONDS:
                self.failures = 0
            self.failures += 1
            delay = min(MAX_BACKOFF_SECONDS, FIRST_BACKOFF_SECONDS * 2 ** (self.failures - 1))
            say(
                f"{self.name} stopped unexpectedly (exit code {code}); "
                f"starting it again in {delay:g} s"
            )
            self.restart_at = now + delay
            return
        if now >= self.restart_at:
            self.restart_at = None
            self.restarts += 1
            try:
                self.process = self._start()
            except Exception as exc:  # any failure to start: try again later
                say(f"{self.name} could not be started: {exc}")
                self.restart_at = now + MAX_BACKOFF_SECONDS
                return
            self.started_at = now
            self.announced = False
            say(f"{self.name} started again (pid {self.process.pid})")

    def _is_healthy(self) -> bool:
        return self._healthy() if self._healthy else True


def is_healthy(service: str, host: str, port: int | None = None) -> bool:
    url = f"http://{host}:{port or port_of(service)}/ispyb/api/v1/{service}/health"
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


def stop(processes: dict[str, subprocess.Popen], hurry=lambda: False) -> None:
    """The gateway (started last) first, so it stops taking requests before the services
    go; each gets 15 s, or none once ``hurry()`` says so (a second Ctrl-C)."""
    for process in reversed(processes.values()):
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGTERM)
    for process in processes.values():
        deadline = time.monotonic() + 15
        while process.poll() is None and time.monotonic() < deadline and not hurry():
            time.sleep(0.1)
        if process.poll() is None:
            kill_group(process)


def main() -> int:
    services = selected_services()
    host = os.environ.get("ISPYB_HOST", "127.0.0.1")
    var_dir = var_directory()
    os.environ["ISPYB_VAR_DIR"] = str(var_dir)  # the gateway renders under it too
    log_dir = var_dir / "log"
    wanted = {
        instance_name(service, index): port
        for service in services
        for index, port in enumerate(ports_of(service))
    }
    wanted["gateway"] = int(os.environ.get("ISPYB_GATEWAY_PORT") or 8000)
    busy = busy_ports(wanted, host)
    if busy:
        for problem in busy:
            print(f"run: {problem}", file=sys.stderr, flush=True)
        print("run: nothing was started", file=sys.stderr, flush=True)
        return 1
    log_dir.mkdir(parents=True, exist_ok=True)
    place_databases(services, var_dir)
    serve_demo_files(services, var_dir)
    trust_the_auth_service(services, host)
    point_at_core(services, host)
    point_compat_at_services(services, host)
    let_ssx_undo(services, host)
    for service in services:  # the local gateway renders one server per instance
        os.environ[f"ISPYB_{service.upper()}_PORTS"] = ",".join(map(str, ports_of(service)))

    supervised: dict[str, Supervised] = {}
    signals = []

    def shutdown(signum, _frame):
        signals.append(signum)
        if len(signals) == 1:
            raise KeyboardInterrupt
        # A second signal while stopping: stop at once (stop() sees it), no traceback.

    def running() -> dict[str, subprocess.Popen]:
        return {name: child.process for name, child in supervised.items()}

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    try:
        for service in services:
            prepare(service)
        for service in services:
            for index, port in enumerate(ports_of(service)):
                name = instance_name(service, index)
                supervised[name] = Supervised(
                    name,
                    lambda service=service, port=port, name=name: start(
                        service, host, log_dir, port=port, name=name
                    ),
                    healthy=lambda service=service, port=port: is_healthy(service, host, port),
                )
        for service in services:
            for index, port in enumerate(ports_of(service)):
                name = instance_name(service, index)
                wait_healthy(service, host, supervised[name].process, port=port)
        # Last, so that it never answers for a service that is not up yet.
        first, gateway, command = start_gateway(services)
        starts = iter([first])
        supervised["gateway"] = Supervised(
            "gateway",
            lambda: next(starts, None) or start_nginx(*command),
        )
        settings = gateway.settings
        gateway_url = f"http://{settings.upstream_host}:{settings.listen_port}/ispyb/api/v1"
        wait_listening(
            "gateway", settings.upstream_host, settings.listen_port, supervised["gateway"].process
        )
        seed_through_the_api(services, gateway_url)
        print("\nISPyB is running. Front ends and API clients use the gateway:", flush=True)
        print(f"  gateway   {gateway_url}/<service>", flush=True)
        print(f"  API docs  {gateway_url}/docs", flush=True)
        viewer = gateway_url.removesuffix("/ispyb/api/v1") + "/viewer/"
        print(f"  viewer    {viewer}   (the reference viewer, clients/viewer)", flush=True)
        print("Each service directly:", flush=True)
        for service in services:
            base = f"http://{host}:{port_of(service)}/ispyb/api/v1/{service}"
            print(f"  {service:<5} {base}   Swagger UI: {base}/docs", flush=True)
            for index, port in list(enumerate(ports_of(service)))[1:]:
                other = f"http://{host}:{port}/ispyb/api/v1/{service}"
                print(f"  {instance_name(service, index):<5} {other}", flush=True)
        print(
            f"\nLogs (JSON lines): {log_dir}/<service>.log, gateway: {log_dir}/gateway.log "
            "(search: .venv/bin/python tools/logsearch.py --help)",
            flush=True,
        )
        print(f"Data: {var_dir} (the SQLite databases, unless configured elsewhere)", flush=True)
        print("Stop: Ctrl-C (a service or the gateway that stops is started again)\n", flush=True)
        while True:
            for child in supervised.values():
                child.check()
            time.sleep(0.5)
    except KeyboardInterrupt:
        print("\nstopping ... (again to stop at once)", flush=True)
        return 0
    except (RuntimeError, subprocess.CalledProcessError) as exc:
        print(f"run: {exc}; see {log_dir}", file=sys.stderr, flush=True)
        return 1
    finally:
        stop(running(), hurry=lambda: len(signals) > 1)


if __name__ == "__main__":
    sys.exit(main())

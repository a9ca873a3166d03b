"""Start the ISPyB services for local use: what ``make run`` does.

For each selected service: bring its database schema up to date, seed the demo data
(once: re-runs add nothing), start it with gunicorn on its port, wait until it answers
``/health``, then print the URLs and keep running until interrupted (Ctrl-C stops all).

Settings (environment):
  ISPYB_SERVICES   services to run, space- or comma-separated (default: all)
  ISPYB_HOST       address to bind (default 127.0.0.1)
  ISPYB_<SVC>_PORT port of one service (defaults: core 8001, ssx 8002, em 8003, auth 8004)
  ISPYB_WORKERS    gunicorn workers per service (default 2)
  ISPYB_VAR_DIR    where logs go (default ./var); each service's database is set in its
                   config file (default SQLite under var/)
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ALL_SERVICES = {"core": 8001, "ssx": 8002, "em": 8003, "auth": 8004}
SEEDED = {"core"}  # services that have demo data


def selected_services() -> list[str]:
    raw = os.environ.get("ISPYB_SERVICES", " ".join(ALL_SERVICES))
    names = [name for name in raw.replace(",", " ").split() if name]
    unknown = [name for name in names if name not in ALL_SERVICES]
    if unknown:
        sys.exit(f"run: unknown service(s) {unknown}; known: {', '.join(ALL_SERVICES)}")
    return names


def port_of(service: str) -> int:
    return int(os.environ.get(f"ISPYB_{service.upper()}_PORT", ALL_SERVICES[service]))


def bin_path(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def prepare(service: str) -> None:
    subprocess.run([bin_path(f"ispyb-{service}"), "migrate"], check=True, cwd=ROOT)
    if service in SEEDED:
        subprocess.run([bin_path(f"ispyb-{service}"), "seed-demo"], check=True, cwd=ROOT)


def start(service: str, host: str, log_dir: Path) -> subprocess.Popen:
    log = open(log_dir / f"{service}.log", "ab")  # noqa: SIM115 - lives as long as the child
    return subprocess.Popen(
        [
            bin_path("gunicorn"),
            "--bind",
            f"{host}:{port_of(service)}",
            "--workers",
            os.environ.get("ISPYB_WORKERS", "2"),
            "--timeout",
            "60",
            "--graceful-timeout",
            "10",
            "--name",
            f"ispyb-{service}",
            f"ispyb_{service}.app:create_app()",
        ],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait_healthy(service: str, host: str, process: subprocess.Popen, timeout: float = 60) -> None:
    url = f"http://{host}:{port_of(service)}/ispyb/api/v1/{service}/health"
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


def stop(processes: dict[str, subprocess.Popen]) -> None:
    for process in processes.values():
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes.values():
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def main() -> int:
    services = selected_services()
    host = os.environ.get("ISPYB_HOST", "127.0.0.1")
    log_dir = Path(os.environ.get("ISPYB_VAR_DIR", ROOT / "var")) / "log"
    log_dir.mkdir(parents=True, exist_ok=True)
    for service in services:
        prepare(service)

    processes: dict[str, subprocess.Popen] = {}

    def shutdown(_signum, _frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, shutdown)
    try:
        for service in services:
            processes[service] = start(service, host, log_dir)
        for service in services:
            wait_healthy(service, host, processes[service])
        print("\nISPyB is running:", flush=True)
        for service in services:
            base = f"http://{host}:{port_of(service)}/ispyb/api/v1/{service}"
            print(f"  {service:<5} {base}   Swagger UI: {base}/docs", flush=True)
        print(f"\nLogs (JSON lines): {log_dir}/<service>.log   Stop: Ctrl-C\n", flush=True)
        while True:
            for service, process in processes.items():
                if process.poll() is not None:
                    raise RuntimeError(f"{service} stopped (exit code {process.returncode})")
            time.sleep(1)
    except KeyboardInterrupt:
        print("\nstopping ...", flush=True)
        return 0
    except RuntimeError as exc:
        print(f"run: {exc}; see {log_dir}", file=sys.stderr, flush=True)
        return 1
    finally:
        stop(processes)


if __name__ == "__main__":
    sys.exit(main())

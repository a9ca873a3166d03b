"""Benchmark: a read and a write endpoint, direct to core and through the gateway.

What ``make bench`` runs. By default it starts a fresh stack on free loopback ports (the
same way ``make run`` does, with SQLite databases in a temporary directory), then drives
four scenarios one after the other with the same load generator and prints throughput
and latency percentiles side by side, with the settings used:

  read   GET  /ispyb/api/v1/core/proposals      direct | through the gateway
  write  POST /ispyb/api/v1/core/laboratories   direct | through the gateway

``--direct-url``/``--gateway-url`` measure an already running stack instead (loopback
only). The load generator is Python threads, each with one keep-alive HTTP connection
(http.client), reconnecting when the server closes it (gunicorn's sync workers do after
every response). It shares the machine's CPUs with the servers: compare the columns
with each other, not with other machines.

The gateway's rate limits count per client address, and the load generator is one
address: a fresh stack renders the gateway from a copy of gateway/kong.yml with every
rate-limiting limit multiplied (printed with the settings). Everything else is as in
``make run``.

The services want an access token. A fresh stack trusts a throwaway signing key made for
the run, and the benchmark sends an admin token signed with it. ISPYB_BENCH_TOKEN, when
set, is sent instead (``Authorization: Bearer <token>``), e.g. for a running stack.
This is a benchmark, not a test: it asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import http.client
import ipaddress
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml

ROOT = Path(__file__).resolve().parent.parent
READ_PATH = "/ispyb/api/v1/core/proposals"
WRITE_PATH = "/ispyb/api/v1/core/laboratories"
RATE_LIMIT_MULTIPLIER = 1000
MAX_DURATION = 60.0
MAX_CONCURRENCY = 64
MAX_REQUESTS = 200_000


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)  # seconds, successful requests
    statuses: dict[str, int] = field(default_factory=dict)
    elapsed: float = 0.0

    def count(self, status: str) -> None:
        self.statuses[status] = self.statuses.get(status, 0) + 1

    @property
    def errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if not status.startswith("2"))


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


def _write_body() -> bytes:
    return json.dumps({"name": f"bench-{uuid.uuid4().hex[:12]}", "city": "Grenoble"}).encode()


def run_load(
    base_url: str,
    method: str,
    path: str,
    *,
    concurrency: int,
    duration: float,
    max_requests: int,
    headers: dict[str, str],
) -> Result:
    """Drive one endpoint for ``duration`` seconds or ``max_requests`` requests."""
    target = urlsplit(base_url)
    result = Result()
    lock = threading.Lock()
    issued = [0]
    deadline = time.perf_counter() + duration

    def worker() -> None:
        connection = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
        own_latencies: list[float] = []
        own_statuses: dict[str, int] = {}
        while time.perf_counter() < deadline:
            with lock:
                if issued[0] >= max_requests:
                    break
                issued[0] += 1
            body = _write_body() if method == "POST" else None
            request_headers = dict(headers)
            if body is not None:
                request_headers["Content-Type"] = "application/json"
            started = time.perf_counter()
            try:
                connection.request(method, path, body=body, headers=request_headers)
                response = connection.getresponse()
                response.read()
                status = str(response.status)
            except (OSError, http.client.HTTPException) as exc:
                status = type(exc).__name__
                connection.close()
            latency = time.perf_counter() - started
            own_statuses[status] = own_statuses.get(status, 0) + 1
            if status.startswith("2"):
                own_latencies.append(latency)
        connection.close()
        with lock:
            result.latencies.extend(own_latencies)
            for status, n in own_statuses.items():
                result.statuses[status] = result.statuses.get(status, 0) + n

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.elapsed = time.perf_counter() - started
    result.latencies.sort()
    return result


# --- a fresh stack --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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


class ThrowawaySigningKey:
    """A signing key that only the fresh stack trusts, and an admin token signed with it."""

    def __init__(self, directory: Path):
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.public_key_file = directory / "bench-public.pem"
        self.public_key_file.write_bytes(
            self.private_key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )

    def service_env(self, service: str) -> dict[str, str]:
        """Make ``service`` verify tokens with this key instead of auth's JWKS."""
        prefix = f"ISPYB_{service.upper()}__AUTH__"
        return {f"{prefix}PUBLIC_KEY_FILE": str(self.public_key_file), f"{prefix}JWKS_URL": "null"}

    def admin_token(self, lifetime: int = 3600) -> str:
        import jwt

        from ispyb_shared.auth import jwk_thumbprint

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
        kid = jwk_thumbprint(self.private_key.public_key())
        return jwt.encode(claims, self.private_key, algorithm="RS256", headers={"kid": kid})


class FreshStack:
    """tools/run.py on free ports with a private var directory."""

    def __init__(self, directory: Path, services: list[str], workers: int, *, own_key: bool):
        self.directory = directory
        # With ISPYB_BENCH_TOKEN the services keep their configured key source.
        self.signing_key = ThrowawaySigningKey(directory) if own_key else None
        self.services = services
        self.ports = {name: free_port() for name in services}
        self.gateway_port = free_port()
        self.workers = workers
        self.output = directory / "run.out"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        env = {
            **os.environ,
            "ISPYB_SERVICES": " ".join(self.services),
            "ISPYB_VAR_DIR": str(self.directory),
            "ISPYB_WORKERS": str(self.workers),
            "ISPYB_GATEWAY_PORT": str(self.gateway_port),
            "ISPYB_GATEWAY_SOURCE": str(bench_gateway_source(self.directory)),
        }
        for name, port in self.ports.items():
            env[f"ISPYB_{name.upper()}_PORT"] = str(port)
            env[f"ISPYB_{name.upper()}__DATABASE__URL"] = f"sqlite:///{self.directory}/{name}.db"
            if name != "auth" and self.signing_key is not None:
                env.update(self.signing_key.service_env(name))
        # The gateway's access log goes to run.py's stdout: a file, so nobody must drain it.
        with self.output.open("wb") as output:
            self.process = subprocess.Popen(
                [sys.executable, str(ROOT / "tools" / "run.py")],
                env=env,
                cwd=ROOT,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if "Stop: Ctrl-C" in self.output.read_text(errors="replace"):
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("the stack did not start:\n" + self.output.read_text(errors="replace"))

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)

    @property
    def direct_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['core']}"

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.gateway_port}"


# --- report ---------------------------------------------------------------------------------


def format_row(label: str, result: Result) -> str:
    ms = [value * 1000 for value in result.latencies]
    ok = len(ms)
    rate = ok / result.elapsed if result.elapsed else 0.0
    return (
        f"{label:<42} {ok + result.errors:>8} {result.errors:>6} {rate:>8.0f} "
        f"{percentile(ms, 0.50):>7.1f} {percentile(ms, 0.90):>7.1f} "
        f"{percentile(ms, 0.99):>7.1f} {(ms[-1] if ms else float('nan')):>7.1f}"
    )


def _loopback_url(raw: str) -> str:
    parts = urlsplit(raw)
    try:
        loopback = ipaddress.ip_address(parts.hostname or "").is_loopback
    except ValueError:
        loopback = parts.hostname == "localhost"
    if parts.scheme != "http" or not loopback or not parts.port:
        raise argparse.ArgumentTypeError(f"{raw}: use http://127.0.0.1:<port> (loopback only)")
    return f"http://{parts.hostname}:{parts.port}"


def _bounded(kind, low, high):
    def parse(raw: str):
        value = kind(raw)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{raw}: must be from {low} to {high}")
        return value

    return parse


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="tools/bench.py",
        description=__doc__.split("\n\n", 1)[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--concurrency", type=_bounded(int, 1, MAX_CONCURRENCY), default=8)
    parser.add_argument(
        "--duration", type=_bounded(float, 0.5, MAX_DURATION), default=5.0, help="s per scenario"
    )
    parser.add_argument(
        "--max-requests",
        type=_bounded(int, 1, MAX_REQUESTS),
        default=50_000,
        help="per scenario, whichever of this and --duration comes first",
    )
    parser.add_argument("--warmup", type=_bounded(int, 0, 10_000), default=100)
    parser.add_argument("--workers", type=_bounded(int, 1, 16), default=2, help="gunicorn's")
    parser.add_argument("--direct-url", type=_loopback_url, help="core of a running stack")
    parser.add_argument("--gateway-url", type=_loopback_url, help="gateway of a running stack")
    args = parser.parse_args(argv)
    if bool(args.direct_url) != bool(args.gateway_url):
        parser.error("--direct-url and --gateway-url go together")

    headers = {"Accept": "application/json"}
    token = os.environ.get("ISPYB_BENCH_TOKEN")
    if token:
        headers["Authorization"] = f"Bearer {token}"

    stack = None
    results: dict[str, Result] = {}
    with tempfile.TemporaryDirectory(prefix="ispyb-bench-") as directory:
        try:
            if args.direct_url:
                direct, gateway = args.direct_url, args.gateway_url
                stack_text = f"running stack: core {direct}, gateway {gateway}"
            else:
                print("starting a fresh stack (core + gateway) ...", flush=True)
                stack = FreshStack(Path(directory), ["core"], args.workers, own_key=not token)
                stack.start()
                direct, gateway = stack.direct_url, stack.gateway_url
                if not token:
                    headers["Authorization"] = f"Bearer {stack.signing_key.admin_token()}"
                stack_text = (
                    f"fresh stack: core on gunicorn ({args.workers} sync workers, SQLite with "
                    f"demo data), gateway nginx rendered from gateway/kong.yml with rate limits "
                    f"x{RATE_LIMIT_MULTIPLIER}; all on 127.0.0.1"
                )
            token_text = (
                "ISPYB_BENCH_TOKEN"
                if token
                else "admin, throwaway key"
                if "Authorization" in headers
                else "none"
            )
            scenarios = [
                ("read  GET  /core/proposals      direct", direct, "GET", READ_PATH),
                ("read  GET  /core/proposals      gateway", gateway, "GET", READ_PATH),
                ("write POST /core/laboratories   direct", direct, "POST", WRITE_PATH),
                ("write POST /core/laboratories   gateway", gateway, "POST", WRITE_PATH),
            ]
            print(
                f"\nISPyB benchmark  {time.strftime('%Y-%m-%d %H:%M:%S')}  "
                f"{platform.node()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
            )
            print(stack_text)
            print(
                f"load generator: Python threads + http.client keep-alive; concurrency "
                f"{args.concurrency}; {args.duration:g} s or {args.max_requests} requests per "
                f"scenario; {args.warmup} warm-up requests first; "
                f"token: {token_text}"
            )
            print(
                f"\n{'scenario':<42} {'requests':>8} {'errors':>6} {'req/s':>8} "
                f"{'p50 ms':>7} {'p90 ms':>7} {'p99 ms':>7} {'max ms':>7}"
            )
            for label, base, method, path in scenarios:
                if args.warmup:
                    run_load(
                        base,
                        method,
                        path,
                        concurrency=min(args.concurrency, args.warmup),
                        duration=args.duration,
                        max_requests=args.warmup,
                        headers=headers,
                    )
                result = run_load(
                    base,
                    method,
                    path,
                    concurrency=args.concurrency,
                    duration=args.duration,
                    max_requests=args.max_requests,
                    headers=headers,
                )
                results[label] = result
                print(format_row(label, result), flush=True)
        finally:
            if stack is not None:
                stack.stop()
    failed = {label: r.statuses for label, r in results.items() if r.errors}
    for label, statuses in failed.items():
        print(f"non-2xx answers in {label.split()[0]} {label.split()[-1]}: {statuses}")
    if any("401" in statuses for statuses in failed.values()):
        print("401: the services require a token; set ISPYB_BENCH_TOKEN")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

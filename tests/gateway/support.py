"""Real nginx in front of stand-in services, for the gateway's tests.

The stand-ins answer every request with what they received (method, path, headers, body
size), so a test sees exactly what the gateway passed upstream. The gateway is the nginx
that the ispyb_gateway package renders from a kong.yml, started the way `make run` does.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import ispyb_gateway
from tests.support.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "gateway" / "kong.yml"


class Response:
    def __init__(self, status: int, headers: http.client.HTTPMessage, body: bytes):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body)


def request(
    port: int,
    method: str,
    path: str,
    *,
    headers: dict | None = None,
    body: bytes | None = None,
    timeout: float = 10,
) -> Response:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return Response(response.status, response.headers, response.read())
    finally:
        connection.close()


class _EchoHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        query = parse_qs(urlsplit(self.path).query)
        if "sleep" in query:  # a slow service, for the gateway's timeout
            time.sleep(float(query["sleep"][0]))
        echo = {
            "service": self.server.service_name,
            "method": self.command,
            "path": self.path,
            "headers": {name.lower(): value for name, value in self.headers.items()},
            "bodySize": len(body),
        }
        if "pad" in query:  # a large answer
            echo["pad"] = "x" * int(query["pad"][0])
        payload = json.dumps(echo).encode()
        status = int(query.get("status", ["200"])[0])
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        # Like the real services: echo the request id.
        if self.headers.get("X-Request-ID"):
            self.send_header("X-Request-ID", self.headers["X-Request-ID"])
        if "retry_after" in query:  # like auth's own 429s
            self.send_header("Retry-After", query["retry_after"][0])
        if "subject" in query:  # like the real services: who the verified caller was
            self.send_header("X-ISPyB-Subject", query["subject"][0])
            self.send_header("X-ISPyB-Subject-Kind", query.get("kind", ["user"])[0])
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _answer

    def log_message(self, format, *args):  # quiet
        pass


class StandInService:
    """A threaded HTTP server on a loopback port that echoes each request as JSON."""

    def __init__(self, name: str, port: int):
        self.name = name
        self.port = port
        self.server = ThreadingHTTPServer(("127.0.0.1", port), _EchoHandler)
        self.server.daemon_threads = True
        self.server.service_name = name
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def start(self) -> StandInService:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class LocalGateway:
    """nginx rendered by ispyb_gateway for ``services``, run from a private var dir."""

    def __init__(self, var_dir: Path, *, source: Path = SOURCE, services: str, env: dict):
        self.tool = ispyb_gateway
        self.var_dir = var_dir
        self.port = free_port()
        self.environ = {
            **env,
            "ISPYB_VAR_DIR": str(var_dir),
            "ISPYB_GATEWAY_PORT": str(self.port),
            "ISPYB_GATEWAY_WORKERS": "1",
        }
        self.rendered = self.tool.render_site(self.environ, source=source, services=services)
        self.process: subprocess.Popen | None = None

    @property
    def log_file(self) -> Path:
        return self.var_dir / "log" / "gateway.log"

    def start(self) -> LocalGateway:
        nginx = self.tool.find_nginx()
        assert nginx, "nginx is not installed: bash tools/install-system-deps.sh gateway"
        self.process = subprocess.Popen(
            self.tool.nginx_command(self.rendered, nginx),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"nginx exited: {self.process.stderr.read().decode()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise AssertionError("nginx did not listen in time")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=15)

    def request(self, method: str, path: str, **kwargs) -> Response:
        return request(self.port, method, path, **kwargs)

    def log_entries(self) -> list[dict]:
        """The gateway's JSON access log, each line parsed (a bad line fails the test)."""
        if not self.log_file.exists():
            return []
        return [json.loads(line) for line in self.log_file.read_text().splitlines() if line]

    def log_entry_for(self, request_id: str, timeout: float = 5) -> dict:
        """nginx writes the line after the response: wait for it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for entry in self.log_entries():
                if entry["correlation_id"] == request_id:
                    return entry
            time.sleep(0.05)
        raise AssertionError(f"no gateway log line for {request_id}")


class RunningStack:
    """`make run` for real (tools/run.py) on free ports, with a private var directory.

    By default the services verify tokens with the test suite's signing key (``tokens``),
    not with a JWKS from an auth service that may not be part of the selection; with
    ``real_auth`` they trust the auth service run.py starts, as `make run` does.
    """

    def __init__(
        self,
        var_dir: Path,
        services: list[str],
        tokens,
        extra_env: dict | None = None,
        *,
        real_auth: bool = False,
    ):
        self.var_dir = var_dir
        self.services = services
        self.ports = {name: free_port() for name in services}
        self.gateway_port = free_port()
        self.env = {
            **os.environ,
            "ISPYB_SERVICES": ",".join(services),
            "ISPYB_VAR_DIR": str(var_dir),
            "ISPYB_WORKERS": "1",
            "ISPYB_GATEWAY_PORT": str(self.gateway_port),
            "ISPYB_GATEWAY_WORKERS": "1",
            **(extra_env or {}),
        }
        for name, port in self.ports.items():
            upper = name.upper()
            self.env[f"ISPYB_{upper}_PORT"] = str(port)
            if name != "compat":  # compat owns no database
                self.env[f"ISPYB_{upper}__DATABASE__URL"] = f"sqlite:///{var_dir}/{name}.sqlite"
            if name != "auth" and not real_auth:
                self.env[f"ISPYB_{upper}__AUTH__PUBLIC_KEY_FILE"] = str(tokens.public_key_file)
                self.env[f"ISPYB_{upper}__AUTH__JWKS_URL"] = "null"
        self.starts = 0
        self.output_file = var_dir / "run-0.out"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 180) -> str:
        """Start and wait for the URLs; returns what run.py printed until then."""
        self.var_dir.mkdir(parents=True, exist_ok=True)
        # run.py's stdout carries the gateway's access log too: a file never fills up.
        # One file per start, so that a restart waits for its own output.
        self.starts += 1
        self.output_file = self.var_dir / f"run-{self.starts}.out"
        with self.output_file.open("wb") as output:
            self.process = subprocess.Popen(
                [sys.executable, str(ROOT / "tools" / "run.py")],
                env=self.env,
                cwd=ROOT,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.output_file.read_text(errors="replace")
            if "Stop: Ctrl-C" in text:
                return text
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        self.stop()
        raise AssertionError("run.py did not start:\n" + self.output_file.read_text())

    def stop(self) -> int | None:
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def gateway(self, method: str, path: str, **kwargs) -> Response:
        return request(self.gateway_port, method, path, **kwargs)

    def direct(self, service: str, method: str, path: str, **kwargs) -> Response:
        return request(self.ports[service], method, path, **kwargs)

    def gateway_log(self) -> list[dict]:
        path = self.var_dir / "log" / "gateway.log"
        return [json.loads(line) for line in path.read_text().splitlines() if line]

    def service_log(self, service: str) -> list[dict]:
        path = self.var_dir / "log" / f"{service}.log"
        entries = []
        for line in path.read_text().splitlines():
            if line.startswith("{"):
                entries.append(json.loads(line))
        return entries

    def wait_for_log(self, read, predicate, timeout: float = 10):
        """The first entry of ``read()`` matching ``predicate``; logs are written after."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for entry in read():
                if predicate(entry):
                    return entry
            time.sleep(0.1)
        raise AssertionError("no such log line")

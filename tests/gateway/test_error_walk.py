"""The error walk through the gateway (issue 18.4): every error a client can get from the
gateway itself, in the one envelope and details shape of the services (docs/errors.md,
tests/support/error_walk.py): ``{"code", "message", "details", "requestId"}``, a
documented code, the request id of the ``X-Request-ID`` header, and ``details`` null or
keys -> lists of messages.

The local gateway (nginx rendered from gateway/kong.yml, in front of stand-ins) is walked
with raw requests: no route, every route kong.yml blocks, 400s nginx refuses while
reading, 405, 413, 414, 429, 502 (a service down), 504 (a service too slow), 505. Kong
itself cannot run here: its error template and its blocked routes are walked as rendered.
"""

from __future__ import annotations

import json
import socket

import pytest
import yaml

from ispyb_gateway.errors import GATEWAY_ERRORS, KONG_ERROR_CODE
from ispyb_shared.errors import ERROR_CODES
from tests.gateway.support import SOURCE
from tests.gateway.test_gateway_errors import uri_of_request_line
from tests.gateway.test_kong_errors import lua_format

ENVELOPE = {"code", "message", "details", "requestId"}
CORE = "/ispyb/api/v1/core"
NO_ROUTE = "no Route matched with those values"


def check_shape(body: dict, *, kong: bool = False) -> None:
    """The one envelope and details shape, whoever answered."""
    assert set(body) == ENVELOPE, body
    assert body["code"] in (ERROR_CODES if not kong else {KONG_ERROR_CODE}), body
    assert isinstance(body["message"], str) and body["message"], body
    details = body["details"]
    assert details is None or (
        isinstance(details, dict)
        and details
        and all(
            isinstance(key, str)
            and isinstance(messages, list)
            and messages
            and all(isinstance(m, str) and m for m in messages)
            for key, messages in details.items()
        )
    ), details


def exchange(port: int, data: bytes, timeout: float = 10) -> tuple[int, dict, bytes]:
    """Send ``data`` as is; (status, headers, body) of the answer, read to its length."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
        connection.sendall(data)
        raw = b""
        while b"\r\n\r\n" not in raw:
            chunk = connection.recv(65536)
            if not chunk:
                break
            raw += chunk
        head, _, body = raw.partition(b"\r\n\r\n")
        status_line, *lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines:
            name, _, value = line.partition(":")
            key = name.strip().lower()  # a repeated header: its values joined, as HTTP does
            headers[key] = f"{headers[key]}, {value.strip()}" if key in headers else value.strip()
        length = int(headers.get("content-length", "0"))
        while len(body) < length:
            chunk = connection.recv(65536)
            if not chunk:
                break
            body += chunk
    return int(status_line.split()[1]), headers, body


def raw(method: str, target: bytes | str, *headers: bytes, body: bytes = b"") -> bytes:
    target = target.encode() if isinstance(target, str) else target
    lines = [method.encode() + b" " + target + b" HTTP/1.1", b"Host: gateway", *headers]
    return b"\r\n".join([*lines, b"Connection: close", b"", b""]) + body


def blocked_paths() -> list[tuple[str, str]]:
    """(route, path) of every route kong.yml terminates with an error status."""
    config = yaml.safe_load(SOURCE.read_text())
    found = []
    for service in config["services"]:
        for route in service.get("routes", []):
            for plugin in route.get("plugins", []):
                status = plugin.get("config", {}).get("status_code", 503)
                if plugin["name"] == "request-termination" and status >= 400:
                    found += [(route["name"], path) for path in route["paths"]]
    return found


def walk_cases() -> dict[str, tuple[bytes, int, str]]:
    """name -> (request, status, code): every kind of error the gateway answers itself."""
    cases = {
        "no route": (raw("GET", "/nowhere"), 404, "NOT_FOUND"),
        "no route under the API root": (raw("GET", "/ispyb/api/v1/nope/x"), 404, "NOT_FOUND"),
        "no route, a preflight": (
            raw(
                "OPTIONS",
                "/nowhere",
                b"Origin: http://localhost:3000",
                b"Access-Control-Request-Method: GET",
            ),
            404,
            "NOT_FOUND",
        ),
        "an internal error location": (raw("GET", "/__gateway_error/502"), 404, "NOT_FOUND"),
        "a malformed request line": (b"GARBAGE\r\n\r\n", 400, "BAD_REQUEST"),
        "no Host": (b"GET /ispyb/api/v1/core/x HTTP/1.1\r\n\r\n", 400, "BAD_REQUEST"),
        "a NUL escape in the path": (raw("GET", f"{CORE}/proposals/a%00b"), 400, "BAD_REQUEST"),
        "a header too large (494)": (
            raw("GET", f"{CORE}/x", b"X-Big: " + b"b" * 5000),
            400,
            "BAD_REQUEST",
        ),
        "TRACE": (raw("TRACE", f"{CORE}/proposals"), 405, "METHOD_NOT_ALLOWED"),
        "a body over the limit": (
            raw(
                "POST", f"{CORE}/x", b"Content-Type: application/json", b"Content-Length: 11534336"
            ),
            413,
            "PAYLOAD_TOO_LARGE",
        ),
        "a URI too long": (raw("GET", uri_of_request_line(4095)), 414, "BAD_REQUEST"),
        "a service down": (raw("GET", "/ispyb/api/v1/ssx/health"), 502, "SERVICE_UNAVAILABLE"),
        "a service too slow": (raw("GET", f"{CORE}/x?sleep=2"), 504, "SERVICE_UNAVAILABLE"),
        "an unknown HTTP version": (b"GET / HTTP/9.9\r\nHost: gateway\r\n\r\n", 505, "BAD_REQUEST"),
    }
    for route, path in blocked_paths():
        for suffix in ("", "/x"):
            cases[f"blocked: {route} {path}{suffix}"] = (
                raw("GET", path + suffix),
                404,
                "NOT_FOUND",
            )
    return cases


@pytest.fixture
def walked_gateway(start_gateway, tmp_path):
    """kong.yml with core's read timeout at 300 ms (for a 504), ssx down (a 502)."""
    config = yaml.safe_load(SOURCE.read_text())
    next(s for s in config["services"] if s["name"] == "core")["read_timeout"] = 300
    source = tmp_path / "kong-walk.yml"
    source.write_text(yaml.safe_dump(config, sort_keys=False))
    return start_gateway(running=("core", "em", "auth", "compat"), source=source)


def test_every_gateway_error_is_the_one_envelope(walked_gateway):
    gateway = walked_gateway
    cases = walk_cases()
    assert len(blocked_paths()) >= 6  # user-office, every service's metrics
    problems = {}
    for name, (data, status, code) in cases.items():
        got_status, headers, body = exchange(gateway.port, data)
        try:
            assert got_status == status, (got_status, body[:200])
            assert headers["content-type"].startswith("application/json"), headers
            envelope = json.loads(body)
            check_shape(envelope)
            assert envelope["code"] == code, envelope
            assert envelope["message"] == GATEWAY_ERRORS[status][1] or (
                status == 400 and envelope["message"] in {m for _, m in GATEWAY_ERRORS.values()}
            ), envelope
            assert envelope["requestId"] and envelope["requestId"] == headers["x-request-id"]
            assert "retry-after" not in headers, headers
            if status in (502, 504):
                assert envelope["details"] == {"service": [data.split(b"/")[4].decode()]}
        except (AssertionError, KeyError, ValueError) as exc:
            problems[name] = repr(exc)[:300]
    # 429: the login route's own limit (kong.yml: 10 a minute per address).
    login = raw(
        "POST", "/ispyb/api/v1/auth/login", b"Content-Type: application/json",
        b"Content-Length: 2", body=b"{}",
    )  # fmt: skip
    statuses = []
    for _ in range(12):
        got_status, headers, body = exchange(gateway.port, login)
        statuses.append(got_status)
    assert statuses[-1] == 429, statuses
    envelope = json.loads(body)
    check_shape(envelope)
    assert (envelope["code"], envelope["message"]) == ("RATE_LIMITED", "API rate limit exceeded")
    assert envelope["details"] == {"service": ["auth"]}
    assert envelope["requestId"] == headers["x-request-id"]
    # As Kong's rate-limiting: when to try again; 10 a minute drain one every 6 s.
    assert headers["retry-after"] == "6"
    # A service's own 429 passes through with its own Retry-After, once.
    own = exchange(gateway.port, raw("GET", f"{CORE}/x?status=429&retry_after=42"))
    assert own[0] == 429 and own[1]["retry-after"] == "42"
    assert json.loads(own[2])["service"] == "core"
    assert problems == {}


def test_kongs_errors_are_the_one_envelope(gateway_tool, tmp_path):
    """Production: Kong's error template for each of its messages, and the body of every
    route the rendered kong.yml terminates."""
    rendered = gateway_tool.render_site({"ISPYB_VAR_DIR": str(tmp_path)}, kong_only=True)
    template = rendered.kong_error_template.read_text()
    for _code, message in GATEWAY_ERRORS.values():
        body = json.loads(lua_format(template, message, "6c1f0d2e-request-id"))
        check_shape(body, kong=True)
        assert body["requestId"] == "6c1f0d2e-request-id"
    kong = yaml.safe_load(rendered.kong_file.read_text())
    terminated = [
        plugin["config"]
        for service in kong["services"]
        for route in service.get("routes", [])
        for plugin in route.get("plugins", [])
        if plugin["name"] == "request-termination"
        and plugin["config"].get("status_code", 503) >= 400
    ]
    assert len(terminated) == len({route for route, _ in blocked_paths()})
    for config in terminated:
        assert config["content_type"].startswith("application/json")
        body = json.loads(config["body"])
        # A fixed body: the request id is in the X-Request-ID header only.
        assert set(body) == ENVELOPE and body["code"] in ERROR_CODES
        assert (body["code"], body["message"], body["details"]) == ("NOT_FOUND", NO_ROUTE, None)

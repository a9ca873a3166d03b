"""Every error the local gateway makes is the JSON envelope: raw requests on a socket.

Hand-written request lines that an HTTP client library would refuse to send (NUL bytes,
``%u`` escapes, URIs over the buffers, broken request lines, huge headers, TRACE) go to
the real nginx, in front of the echoing stand-ins or of a real gunicorn.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time

import pytest

from tests.gateway.support import free_port, request

ENVELOPE = {"code", "message", "details", "requestId"}
CORE = "/ispyb/api/v1/core"


class RawResponse:
    def __init__(self, raw: bytes):
        head, _, self.body = raw.partition(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        self.status_line = status_line
        self.status = int(status_line.split()[1])
        self.headers = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            self.headers[name.strip().lower()] = value.strip()

    def json(self):
        return json.loads(self.body)


def send_raw(port: int, data: bytes, timeout: float = 10) -> RawResponse:
    """Send ``data`` as is and read until the gateway closes the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
        connection.sendall(data)
        raw = b""
        while True:
            chunk = connection.recv(65536)
            if not chunk:
                break
            raw += chunk
    return RawResponse(raw)


def get(target: bytes, *headers: bytes, method: bytes = b"GET") -> bytes:
    lines = [method + b" " + target + b" HTTP/1.1", b"Host: gateway", *headers]
    return b"\r\n".join([*lines, b"Connection: close", b"", b""])


def assert_envelope(response: RawResponse, status: int, code: str, message: str) -> dict:
    assert response.status == status, (response.status_line, response.body[:300])
    assert response.headers["content-type"].startswith("application/json"), response.headers
    body = response.json()
    assert set(body) == ENVELOPE
    assert (body["code"], body["message"]) == (code, message)
    assert body["requestId"] and body["requestId"] == response.headers["x-request-id"]
    return body


def uri_of_request_line(length: int, method: bytes = b"GET") -> bytes:
    """A target under core's prefix whose request line (without CRLF) is ``length`` long."""
    fixed = len(method) + len(b" " + CORE.encode() + b"/ HTTP/1.1")
    return CORE.encode() + b"/" + b"a" * (length - fixed)


@pytest.fixture
def gateway(start_gateway):
    return start_gateway()


BAD_PATHS = {
    "a NUL byte in the path": get(CORE.encode() + b"/proposals/a\x00b"),
    "an escaped NUL in the path": get(CORE.encode() + b"/proposals/a%00b"),
    "a %u escape in the path": get(CORE.encode() + b"/proposals/%u0041"),
    "a bad escape in the path": get(CORE.encode() + b"/proposals/%zz"),
}


@pytest.mark.parametrize("case", sorted(BAD_PATHS))
def test_bad_paths_get_a_json_400(case, gateway):
    body = assert_envelope(
        send_raw(gateway.port, BAD_PATHS[case]), 400, "BAD_REQUEST", "Bad request"
    )
    assert body["details"] is None


MALFORMED = {
    "not a request line": b"GARBAGE\r\n\r\n",
    "a control character in the method": b"G\x01T / HTTP/1.1\r\nHost: gateway\r\n\r\n",
    "no version": b"GET / HTTP/\r\nHost: gateway\r\n\r\n",
    "two spaces and junk": b"GET /  x y HTTP/1.1\r\nHost: gateway\r\n\r\n",
    "HTTP/1.1 without Host": b"GET " + CORE.encode() + b"/x HTTP/1.1\r\n\r\n",
    "a header without a colon": b"GET / HTTP/1.1\r\nHost: gateway\r\nno colon here\r\n\r\n",
    "a bad Host header": b"GET / HTTP/1.1\r\nHost: a/b\r\n\r\n",
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_requests_get_a_json_400(case, gateway):
    assert_envelope(send_raw(gateway.port, MALFORMED[case]), 400, "BAD_REQUEST", "Bad request")


def test_an_unknown_http_version_gets_a_json_505(gateway):
    response = send_raw(gateway.port, b"GET / HTTP/9.9\r\nHost: gateway\r\n\r\n")
    assert_envelope(response, 505, "BAD_REQUEST", "HTTP version not supported")


@pytest.mark.parametrize("size", [9 * 1024, 5 * 1024, 64 * 1024])
def test_long_uris_get_a_json_414_from_the_gateway(size, gateway):
    target = CORE.encode() + b"/proposals?name=" + b"x" * size
    response = send_raw(gateway.port, get(target))
    assert_envelope(response, 414, "BAD_REQUEST", "URI too long")


def test_the_uri_limit_is_gunicorns_and_refused_uris_never_reach_the_service(gateway):
    # gunicorn (the services) reads request lines of up to 4094 bytes: the longest one
    # the gateway passes on, whatever the method.
    for method in (b"GET", b"DELETE", b"OPTIONS"):
        longest = send_raw(gateway.port, get(uri_of_request_line(4094, method), method=method))
        assert longest.status == 200 and longest.json()["service"] == "core"
    refused = send_raw(gateway.port, get(uri_of_request_line(4095)))
    body = assert_envelope(refused, 414, "BAD_REQUEST", "URI too long")
    # Refused while reading the request line: nothing reached a service.
    entry = gateway.log_entry_for(body["requestId"])
    assert entry["response"]["status"] == 414 and entry["upstream_uri"] == ""
    assert entry["upstream_status"] == "" and entry["route"]["name"] == ""


def test_huge_headers_get_a_json_error(gateway):
    one_huge = get(CORE.encode() + b"/x", b"X-Big: " + b"b" * 5000)
    many_large = get(CORE.encode() + b"/x", *(b"X-H%d: %s" % (i, b"c" * 4000) for i in range(6)))
    for data in (one_huge, many_large):
        # nginx's 494 is sent as 400, as Kong does.
        response = send_raw(gateway.port, data)
        assert_envelope(response, 400, "BAD_REQUEST", "Request header or cookie too large")


def test_trace_is_refused_in_json(gateway):
    for path in (CORE + "/proposals", "/nowhere"):
        response = send_raw(gateway.port, get(path.encode(), method=b"TRACE"))
        body = assert_envelope(response, 405, "METHOD_NOT_ALLOWED", "Method not allowed")
        assert body["details"] is None


def test_connect_is_refused_in_json(gateway):
    response = send_raw(gateway.port, b"CONNECT gateway:443 HTTP/1.1\r\nHost: gateway\r\n\r\n")
    assert response.status in (400, 405)
    assert set(response.json()) == ENVELOPE


def test_the_internal_error_locations_are_not_reachable(gateway):
    response = send_raw(gateway.port, get(b"/__gateway_error/500"))
    assert_envelope(response, 404, "NOT_FOUND", "no Route matched with those values")


def test_a_terminated_route_answers_the_envelope_with_the_request_id(gateway):
    response = gateway.request(
        "GET", f"{CORE}/user-office/sync-runs", headers={"X-Request-ID": "blocked-1"}
    )
    assert response.status == 404
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json() == {
        "code": "NOT_FOUND",
        "message": "no Route matched with those values",
        "details": None,
        "requestId": "blocked-1",
    }


def test_every_refused_request_has_a_valid_log_line(gateway):
    for data in [*BAD_PATHS.values(), *MALFORMED.values()]:
        send_raw(gateway.port, data)
    send_raw(gateway.port, get(uri_of_request_line(9000)))
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        entries = gateway.log_entries()  # each line parsed as JSON
        if len(entries) >= len(BAD_PATHS) + len(MALFORMED) + 1:
            break
        time.sleep(0.05)
    statuses = [entry["response"]["status"] for entry in entries]
    assert len(statuses) == len(BAD_PATHS) + len(MALFORMED) + 1
    assert set(statuses) <= {400, 414}


@pytest.fixture
def gunicorn_core(tmp_path):
    """A real gunicorn (the services' server) on core's port, answering 200 to anything."""
    app = tmp_path / "tiny_app.py"
    app.write_text(
        "def app(environ, start_response):\n"
        "    body = b'{\"served\": true}'\n"
        "    headers = [('Content-Type', 'application/json'), ('Content-Length', str(len(body)))]\n"
        "    start_response('200 OK', headers)\n"
        "    return [body]\n"
    )
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--chdir",
            str(tmp_path),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "tiny_app:app",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert process.poll() is None and time.monotonic() < deadline, "gunicorn"
            time.sleep(0.1)
    yield port
    process.terminate()
    process.wait(timeout=15)


def test_what_the_gateway_passes_gunicorn_accepts_and_the_rest_is_refused_in_json(
    start_gateway, gunicorn_core
):
    # The gateway routes core to the real gunicorn.
    gateway = start_gateway(
        running=("ssx", "em", "auth"), env={"ISPYB_CORE_PORT": str(gunicorn_core)}
    )
    longest = send_raw(gateway.port, get(uri_of_request_line(4094)))
    assert longest.status == 200 and longest.json() == {"served": True}
    # One byte more: gunicorn itself would answer HTML...
    direct = send_raw(gunicorn_core, get(uri_of_request_line(4095)))
    assert direct.status == 414 and not direct.headers["content-type"].startswith(
        "application/json"
    )
    # ...so the gateway refuses it first, in JSON.
    refused = send_raw(gateway.port, get(uri_of_request_line(4095)))
    assert_envelope(refused, 414, "BAD_REQUEST", "URI too long")
    assert request(gateway.port, "GET", f"{CORE}/health").json() == {"served": True}

"""The viewer's static route (kong.yml `viewer-page`): the local gateway serves the files of
clients/viewer with the route's headers (a strict Content-Security-Policy), refuses what is
not a file of it in the gateway's envelope, lists no directory and leaves no way out.
"""

from __future__ import annotations

import copy
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import yaml

from tests.gateway.support import ROOT, SOURCE, request

ENVELOPE = {"code", "message", "details", "requestId"}


@pytest.fixture
def site():
    """A copy of the viewer's files, with a directory and a symlink pointing outside.

    Outside pytest's private temporary directory: nginx's workers (another user when the
    tests run as root) must be able to read it."""
    top = Path(tempfile.mkdtemp(prefix="ispyb-viewer-"))
    top.chmod(0o755)
    files = top / "viewer"
    files.mkdir()
    for name in ("index.html", "app.js", "api.js", "viewer.css"):
        (files / name).write_bytes((ROOT / "clients" / "viewer" / name).read_bytes())
    (files / "sub").mkdir()
    (files / "sub" / "note.txt").write_text("inside")
    secret = top / "secret.txt"
    secret.write_text("outside the viewer")
    (files / "escape.txt").symlink_to(secret)
    yield files
    shutil.rmtree(top)


@pytest.fixture
def gateway(start_gateway, site):
    return start_gateway(services="core", env={"ISPYB_VIEWER_STATIC_DIR": str(site)})


def raw(port: int, request_line: bytes) -> tuple[int, bytes]:
    """A request line sent as is (http.client would normalise the path)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(request_line + b"\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := connection.recv(65536):
            data += chunk
    status = int(data.split(b" ", 2)[1])
    return status, data.split(b"\r\n\r\n", 1)[1]


def csp_of_kong_yml() -> str:
    config = yaml.safe_load(SOURCE.read_text())
    viewer = next(s for s in config["services"] if s["name"] == "viewer")
    plugin = viewer["routes"][0]["plugins"][0]
    headers = dict(h.split(":", 1) for h in plugin["config"]["add"]["headers"])
    return headers["Content-Security-Policy"]


def test_the_page_and_its_modules_are_served_with_the_routes_headers(gateway, site):
    page = gateway.request("GET", "/viewer/")
    assert page.status == 200
    assert page.body == (site / "index.html").read_bytes()
    assert page.headers["Content-Type"].startswith("text/html")
    csp = page.headers["Content-Security-Policy"]
    assert csp == csp_of_kong_yml()
    # Strict: nothing but this origin, no inline script or style, no framing.
    assert "default-src 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp and "*" not in csp
    assert "frame-ancestors 'none'" in csp
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["Cache-Control"] == "no-cache"
    assert page.headers["X-Request-ID"]  # the gateway's id, as on every answer
    assert page.headers["ETag"]
    for name, content_type in (("app.js", "text/javascript"), ("viewer.css", "text/css")):
        answer = gateway.request("GET", f"/viewer/{name}")
        assert answer.status == 200 and answer.headers["Content-Type"] == content_type
        assert answer.headers["Content-Security-Policy"] == csp
    etag = answer.headers["ETag"]
    again = gateway.request("GET", "/viewer/viewer.css", headers={"If-None-Match": etag})
    assert again.status == 304


def test_the_bare_prefix_redirects_to_the_page(gateway):
    answer = gateway.request("GET", "/viewer")
    assert answer.status == 301 and answer.headers["Location"] == "/viewer/"


@pytest.mark.parametrize("path", ["/viewer/missing.js", "/viewer/sub/missing", "/viewerx"])
def test_what_is_not_a_file_is_the_gateways_404_envelope(gateway, path):
    answer = gateway.request("GET", path)
    assert answer.status == 404
    assert answer.headers["Content-Type"] == "application/json"
    body = answer.json()
    assert set(body) == ENVELOPE and body["code"] == "NOT_FOUND"
    assert body["requestId"] == answer.headers["X-Request-ID"]


def test_no_directory_is_listed(gateway):
    # A directory without index.html: 404 (autoindex off), never a listing.
    for path in ("/viewer/sub/", "/viewer/sub"):
        answer = gateway.request("GET", path)
        assert answer.status in (301, 404)
        assert b"note.txt" not in answer.body
        if answer.status == 404:
            assert answer.json()["code"] == "NOT_FOUND"


def test_no_way_out_of_the_directory(gateway, site):
    # A symlink to a file outside is not followed.
    escape = gateway.request("GET", "/viewer/escape.txt")
    assert escape.status in (403, 404) and b"outside" not in escape.body
    # ../ is resolved by nginx before a location is chosen: never a file outside.
    for line in (
        b"GET /viewer/../secret.txt HTTP/1.1",
        b"GET /viewer/%2e%2e/secret.txt HTTP/1.1",
        b"GET /viewer/..%2fsecret.txt HTTP/1.1",
        b"GET /viewer/sub/../../secret.txt HTTP/1.1",
        b"GET /viewer/../../../../etc/passwd HTTP/1.1",
    ):
        status, body = raw(gateway.port, line)
        assert status in (400, 404), line
        assert b"outside" not in body and b"root:" not in body, line


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_only_get_and_head(gateway, method):
    answer = gateway.request(method, "/viewer/index.html", body=b"x")
    assert answer.status == 405
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.json()["code"] == "METHOD_NOT_ALLOWED"
    head = gateway.request("HEAD", "/viewer/index.html")
    assert head.status == 200 and head.body == b""


def test_the_api_next_to_it_is_unchanged(gateway):
    answer = gateway.request("GET", "/ispyb/api/v1/core/proposals")
    assert answer.status == 200 and answer.json()["service"] == "core"
    # The route's own headers stay on the viewer's route.
    assert "Content-Security-Policy" not in answer.headers


# --- the project's checks of a static service ---------------------------------------------


def _with_viewer(change) -> dict:
    config = copy.deepcopy(yaml.safe_load(SOURCE.read_text()))
    viewer = next(s for s in config["services"] if s["name"] == "viewer")
    change(config, viewer)
    return config


def test_the_source_kong_yml_passes_with_its_static_service(gateway_tool):
    assert gateway_tool.check_kong_config(yaml.safe_load(SOURCE.read_text())) == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda c, v: v.update(url="http://elsewhere:8080"), "url must be http://viewer:<port>"),
        (lambda c, v: v["routes"][0].update(paths=["/viewer/"]), "without a trailing '/'"),
        (
            lambda c, v: v["routes"][0].update(paths=["/ispyb/api/v1/viewer"]),
            "outside /ispyb/api/v1",
        ),
        (
            lambda c, v: v["routes"][0]["plugins"][0]["config"]["add"]["headers"].append(
                'X-Bad:a"b'
            ),
            "add.headers must be a list",
        ),
        (
            lambda c, v: (
                next(s for s in c["services"] if s["name"] == "core")["routes"][0]
                .setdefault("plugins", [])
                .append(v["routes"][0]["plugins"][0])
            ),
            "only a static service's route may set it",
        ),
        (
            lambda c, v: next(p for p in c["plugins"] if p["name"] == "response-transformer")[
                "config"
            ].update(add={"headers": ["X-A:b"]}),
            "add is not reproduced",
        ),
    ],
)
def test_bad_static_services_are_refused(gateway_tool, change, problem):
    problems = gateway_tool.check_kong_config(_with_viewer(change))
    assert any(problem in text for text in problems), problems


# --- production's container: docker/viewer.nginx.conf under the same nginx ------------------


@pytest.fixture
def viewer_container(site, gateway_tool):
    """docker/viewer.nginx.conf as the nginx image runs it (its conf.d inside http {}),
    with the image's html folder replaced by the folder holding the test's viewer/."""
    from tests.support.ports import free_port

    nginx = gateway_tool.find_nginx()
    assert nginx, "nginx is not installed: bash tools/install-system-deps.sh gateway"
    top = site.parent
    port = free_port()
    server = (ROOT / "docker" / "viewer.nginx.conf").read_text()
    server = server.replace("listen 8080;", f"listen 127.0.0.1:{port};")
    server = server.replace("root /usr/share/nginx/html;", f"root {top};")
    for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (top / "tmp" / name).mkdir(parents=True, exist_ok=True)
    temps = "".join(f"{n}_temp_path {top}/tmp/{n};" for n in ("client_body", "proxy"))
    temps += "".join(f"{n}_temp_path {top}/tmp/{n};" for n in ("fastcgi", "uwsgi", "scgi"))
    conf = top / "nginx.conf"
    conf.write_text(
        f"daemon off; pid {top}/nginx.pid; error_log {top}/error.log;"
        f"events {{}} http {{ access_log off; {temps} {server} }}"
    )
    process = subprocess.Popen(
        [nginx, "-p", str(top), "-c", str(conf), "-e", str(top / "error.log")],
        stderr=subprocess.PIPE,
    )
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert process.poll() is None, process.stderr.read().decode()
            time.sleep(0.05)
    yield port
    process.terminate()
    process.wait(timeout=10)


def test_the_production_container_serves_the_same_files(viewer_container, site):
    port = viewer_container
    page = request(port, "GET", "/viewer/")
    assert page.status == 200 and page.body == (site / "index.html").read_bytes()
    assert request(port, "GET", "/viewer/app.js").headers["Content-Type"] == "text/javascript"
    assert request(port, "GET", "/viewer").headers["Location"] == "/viewer/"
    for path in ("/viewer/missing.js", "/viewer/sub/", "/elsewhere", "/viewer/escape.txt"):
        answer = request(port, "GET", path)
        assert answer.status == 404, path
        assert answer.json()["code"] == "NOT_FOUND" and b"note.txt" not in answer.body
    for line in (b"GET /viewer/../secret.txt HTTP/1.1", b"GET /viewer/%2e%2e/secret.txt HTTP/1.1"):
        status, body = raw(port, line)
        assert status in (400, 404) and b"outside" not in body
    refused = request(port, "POST", "/viewer/index.html", body=b"x")
    assert refused.status == 405 and refused.json()["code"] == "METHOD_NOT_ALLOWED"

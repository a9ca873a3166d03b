"""The local gateway for real: nginx rendered from gateway/kong.yml in front of stand-ins.

The stand-in services echo what they receive, so each test sees both sides: what the
client got and what reached the service.
"""

from __future__ import annotations

import gzip
import json
import re
import socket
import uuid

import brotli
import pytest
import yaml

from ispyb_gateway.nginx import find_brotli_module
from tests.gateway.support import SOURCE

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
ORIGIN = "http://localhost:3000"


def gateway_error(response, status: int, code: str, message: str | None = None) -> dict:
    """A gateway error: status, JSON envelope with Kong's message, request id echoed."""
    assert response.status == status, response.body
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"code", "message", "details", "requestId"}
    assert body["code"] == code
    if message:
        assert body["message"] == message
    assert body["requestId"] == response.headers["X-Request-ID"]
    return body


def variant(tmp_path, change) -> str:
    """A copy of gateway/kong.yml changed by ``change(config)``."""
    config = yaml.safe_load(SOURCE.read_text())
    change(config)
    path = tmp_path / "kong-variant.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


@pytest.fixture
def gateway(start_gateway):
    return start_gateway()


def test_each_prefix_goes_to_its_service_with_the_path_unchanged(gateway):
    for name in ("core", "ssx", "em", "auth"):
        path = f"/ispyb/api/v1/{name}/things/1?sort=-name&limit=5"
        response = gateway.request("GET", path)
        assert response.status == 200
        seen = response.json()
        assert seen["service"] == name
        assert seen["path"] == path  # strip_path: false
    # The bare prefix too (no redirect to a trailing slash).
    assert gateway.request("GET", "/ispyb/api/v1/core").json()["path"] == "/ispyb/api/v1/core"
    # Methods and bodies pass through.
    response = gateway.request(
        "PATCH",
        "/ispyb/api/v1/core/persons/3",
        body=b'{"givenName": "Ada"}',
        headers={"Content-Type": "application/json"},
    )
    assert response.json()["method"] == "PATCH" and response.json()["bodySize"] == 20


def test_prefix_matching_is_kongs(gateway):
    # Kong's paths are plain string prefixes: /ispyb/api/v1/corex is core's (which
    # answers 404 itself); nothing above the services' prefixes is routed.
    assert gateway.request("GET", "/ispyb/api/v1/corex").json()["service"] == "core"
    for path in ("/ispyb/api/v1", "/ispyb/api/v1/", "/", "/ispyb/api/v2/core"):
        gateway_error(
            gateway.request("GET", path), 404, "NOT_FOUND", "no Route matched with those values"
        )


def test_the_client_gets_forwarding_headers_upstream(gateway):
    seen = gateway.request("GET", "/ispyb/api/v1/core/x").json()["headers"]
    assert seen["x-forwarded-for"] == "127.0.0.1"
    assert seen["x-forwarded-proto"] == "http"
    assert seen["x-real-ip"] == "127.0.0.1"


def test_correlation_id_is_generated_kept_and_passed_upstream(gateway):
    generated = gateway.request("GET", "/ispyb/api/v1/core/x")
    request_id = generated.headers["X-Request-ID"]
    assert UUID.match(request_id)
    assert generated.json()["headers"]["x-request-id"] == request_id
    # Only one X-Request-ID reaches the client even though the service echoes it too.
    assert len(generated.headers.get_all("X-Request-ID")) == 1

    kept = gateway.request("GET", "/ispyb/api/v1/em/x", headers={"X-Request-ID": "client-42.a:b"})
    assert kept.headers["X-Request-ID"] == "client-42.a:b"
    assert kept.json()["headers"]["x-request-id"] == "client-42.a:b"

    # An id the services would refuse (it could forge log content) is replaced here
    # already, so gateway and service logs carry the same id.
    forged = gateway.request("GET", "/ispyb/api/v1/em/x", headers={"X-Request-ID": 'a" b'})
    assert UUID.match(forged.headers["X-Request-ID"])
    assert forged.json()["headers"]["x-request-id"] == forged.headers["X-Request-ID"]


def test_every_request_has_one_json_log_line_in_kongs_layout(gateway):
    request_id = f"log-{uuid.uuid4().hex}"
    response = gateway.request(
        "GET",
        "/ispyb/api/v1/core/proposals?limit=2",
        headers={"X-Request-ID": request_id, "User-Agent": 'tests "quoted"'},
    )
    entry = gateway.log_entry_for(request_id)
    assert entry["correlation_id"] == request_id
    assert entry["request"]["method"] == "GET"
    assert entry["request"]["uri"] == "/ispyb/api/v1/core/proposals?limit=2"
    assert entry["request"]["headers"]["x-request-id"] == request_id
    assert entry["request"]["headers"]["user-agent"] == 'tests "quoted"'  # escaped, parsed
    assert entry["request"]["size"] > 0
    assert entry["upstream_uri"] == "/ispyb/api/v1/core/proposals?limit=2"
    assert entry["response"]["status"] == 200
    assert entry["response"]["size"] >= len(response.body)
    assert entry["service"] == {
        "name": "core",
        "host": "127.0.0.1",
        "port": gateway.ports["core"],
        "protocol": "http",
    }
    assert entry["route"] == {"name": "core-api"}
    assert entry["latencies"]["request"] >= 0 and entry["latencies"]["proxy"] >= 0
    assert isinstance(entry["started_at"], int) and entry["started_at"] > 1_700_000_000_000
    assert entry["client_ip"] == "127.0.0.1"
    # The same lines go to stdout (file-log's path: /dev/stdout); the file is var/log's.
    assert gateway.log_file == gateway.var_dir / "log" / "gateway.log"
    assert sum(1 for e in gateway.log_entries() if e["correlation_id"] == request_id) == 1


def test_the_log_line_names_the_caller_the_service_verified_and_the_client_never_sees_it(
    gateway,
):
    request_id = f"caller-{uuid.uuid4().hex}"
    response = gateway.request(
        "GET",
        "/ispyb/api/v1/em/movies?subject=pipeline-i03&kind=client",
        headers={"X-Request-ID": request_id},
    )
    assert response.status == 200
    assert "X-ISPyB-Subject" not in response.headers
    assert "X-ISPyB-Subject-Kind" not in response.headers
    entry = gateway.log_entry_for(request_id)
    assert entry["caller"] == {"subject": "pipeline-i03", "kind": "client"}
    anonymous = f"anonymous-{uuid.uuid4().hex}"
    gateway.request("GET", "/ispyb/api/v1/core/health", headers={"X-Request-ID": anonymous})
    assert gateway.log_entry_for(anonymous)["caller"] == {"subject": "", "kind": ""}


def test_json_answers_are_compressed_for_clients_that_accept_gzip(gateway):
    path = "/ispyb/api/v1/core/proposals?pad=20000"
    plain = gateway.request("GET", path)
    assert plain.status == 200 and "Content-Encoding" not in plain.headers
    packed = gateway.request("GET", path, headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert len(packed.body) < len(plain.body) / 10
    unpacked = json.loads(gzip.decompress(packed.body))
    assert unpacked["pad"] == plain.json()["pad"] and unpacked["path"] == plain.json()["path"]
    # A small answer is sent as it is.
    small = gateway.request("GET", "/ispyb/api/v1/core/x", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in small.headers
    # Brotli, preferred when both are accepted (the module is installed with nginx).
    assert find_brotli_module(), "bash tools/install-system-deps.sh gateway"
    squeezed = gateway.request("GET", path, headers={"Accept-Encoding": "gzip, br"})
    assert squeezed.headers["Content-Encoding"] == "br"
    assert json.loads(brotli.decompress(squeezed.body))["pad"] == plain.json()["pad"]


def test_cors_preflight_is_answered_by_the_gateway(gateway):
    response = gateway.request(
        "OPTIONS",
        "/ispyb/api/v1/core/proposals",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type,idempotency-key",
        },
    )
    assert response.status == 200
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert "POST" in response.headers["Access-Control-Allow-Methods"].split(",")
    allowed = response.headers["Access-Control-Allow-Headers"].lower().split(",")
    assert {"authorization", "content-type", "x-request-id", "idempotency-key"} <= set(allowed)
    assert response.headers["Access-Control-Max-Age"] == "3600"
    assert response.headers["Vary"] == "Origin"
    assert response.body == b""
    # The service never saw it.
    assert "core-api" in gateway.log_entry_for(response.headers["X-Request-ID"])["route"]["name"]
    assert gateway.log_entry_for(response.headers["X-Request-ID"])["upstream_status"] == ""


def test_cors_refuses_other_origins_and_exposes_the_request_id(gateway):
    refused = gateway.request(
        "OPTIONS",
        "/ispyb/api/v1/core/proposals",
        headers={"Origin": "https://evil.example.com", "Access-Control-Request-Method": "GET"},
    )
    assert refused.status == 200  # as Kong: the browser refuses, for lack of the header
    assert "Access-Control-Allow-Origin" not in refused.headers
    assert "Access-Control-Allow-Credentials" not in refused.headers

    simple = gateway.request("GET", "/ispyb/api/v1/core/x", headers={"Origin": ORIGIN})
    assert simple.status == 200
    assert simple.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert simple.headers["Access-Control-Expose-Headers"] == "X-Request-ID,Idempotent-Replayed"
    assert "Access-Control-Allow-Methods" not in simple.headers  # preflight only

    no_origin = gateway.request("GET", "/ispyb/api/v1/core/x")
    assert "Access-Control-Allow-Origin" not in no_origin.headers

    # OPTIONS without the preflight headers is an ordinary request for the service.
    plain = gateway.request("OPTIONS", "/ispyb/api/v1/core/x")
    assert plain.json()["method"] == "OPTIONS"


def test_cors_origins_come_from_the_site_setting(start_gateway):
    gateway = start_gateway(env={"ISPYB_GATEWAY_CORS_ORIGINS": "https://ispyb.example.org"})
    allowed = gateway.request(
        "GET", "/ispyb/api/v1/core/x", headers={"Origin": "https://ispyb.example.org"}
    )
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://ispyb.example.org"
    default_dev = gateway.request("GET", "/ispyb/api/v1/core/x", headers={"Origin": ORIGIN})
    assert "Access-Control-Allow-Origin" not in default_dev.headers


def test_login_has_its_own_strict_rate_limit(gateway):
    answers = [
        gateway.request(
            "POST",
            "/ispyb/api/v1/auth/login",
            body=b"{}",
            headers={"Content-Type": "application/json"},
        )
        for _ in range(15)
    ]
    statuses = [response.status for response in answers]
    # kong.yml: 10 a minute; nginx lets the first 10 (+1) through at once, then refuses.
    assert statuses[:10] == [200] * 10
    assert statuses[-1] == 429
    limited = next(response for response in answers if response.status == 429)
    body = gateway_error(limited, 429, "RATE_LIMITED", "API rate limit exceeded")
    assert body["details"] == {"service": ["auth"]}
    entry = gateway.log_entry_for(body["requestId"])
    assert entry["response"]["status"] == 429 and entry["route"]["name"] == "auth-login"
    assert entry["service"]["name"] == "auth" and entry["upstream_uri"] == ""
    # Everything else is under the global limit, untouched by the logins.
    assert gateway.request("GET", "/ispyb/api/v1/auth/health").status == 200
    assert gateway.request("GET", "/ispyb/api/v1/core/x").status == 200


def test_global_rate_limit_answers_429(start_gateway, tmp_path):
    def three_a_minute(config):
        limit = next(p for p in config["plugins"] if p["name"] == "rate-limiting")
        limit["config"] = {"minute": 3, "limit_by": "ip", "policy": "local"}

    gateway = start_gateway(source=variant(tmp_path, three_a_minute))
    statuses = [gateway.request("GET", "/ispyb/api/v1/em/x").status for _ in range(6)]
    assert statuses[:3] == [200] * 3 and statuses[-1] == 429
    limited = gateway.request("GET", "/ispyb/api/v1/core/x")  # per client, all services
    gateway_error(limited, 429, "RATE_LIMITED", "API rate limit exceeded")


def test_rate_limits_count_per_client_token_and_per_address_without_one(start_gateway, tmp_path):
    """Clients behind one address (a beamline, a cluster's NAT) each have their own budget:
    the token they send; requests without a token share their address's."""

    def three_a_minute_per_client(config):
        limit = next(p for p in config["plugins"] if p["name"] == "rate-limiting")
        limit["config"] = {
            "minute": 3,
            "limit_by": "header",
            "header_name": "Authorization",
            "policy": "local",
        }

    gateway = start_gateway(source=variant(tmp_path, three_a_minute_per_client))

    def statuses(headers, count):
        return [
            gateway.request("GET", "/ispyb/api/v1/core/x", headers=headers).status
            for _ in range(count)
        ]

    alice = {"Authorization": "Bearer token-of-alice"}
    pipeline = {"Authorization": "Bearer token-of-the-pipeline"}
    assert statuses(alice, 5)[-1] == 429
    # Same address, another client: its own budget, untouched by alice's.
    assert statuses(pipeline, 3) == [200] * 3
    # No token: counted per address, apart from the tokens.
    anonymous = statuses({}, 5)
    assert anonymous[:3] == [200] * 3 and anonymous[-1] == 429
    # Every client's budget is one for all services.
    assert statuses(pipeline, 3)[-1] == 429
    gateway_error(
        gateway.request("GET", "/ispyb/api/v1/em/x", headers=pipeline),
        429,
        "RATE_LIMITED",
        "API rate limit exceeded",
    )


def test_the_login_limit_stays_per_address_whatever_the_token(gateway):
    # A password guesser making up a new Authorization header each time gains nothing.
    statuses = [
        gateway.request(
            "POST",
            "/ispyb/api/v1/auth/login",
            body=b"{}",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer made-up-{n}"},
        ).status
        for n in range(15)
    ]
    assert statuses[:10] == [200] * 10 and statuses[-1] == 429


def test_token_requests_are_limited_per_address_whatever_the_credentials(start_gateway, tmp_path):
    def three_token_requests_a_minute(config):
        auth = next(s for s in config["services"] if s["name"] == "auth")
        route = next(r for r in auth["routes"] if r["name"] == "auth-token")
        route["plugins"][0]["config"]["minute"] = 3

    gateway = start_gateway(source=variant(tmp_path, three_token_requests_a_minute))
    paths = ["/ispyb/api/v1/auth/token", "/ispyb/api/v1/auth/token/refresh"] * 3
    statuses = [
        gateway.request(
            "POST",
            path,
            body=b"{}",
            headers={"Content-Type": "application/json", "Authorization": f"Basic made-up-{n}"},
        ).status
        for n, path in enumerate(paths)
    ]
    assert statuses[:3] == [200] * 3 and statuses[-1] == 429
    # The rest of the API is not affected by it.
    assert gateway.request("GET", "/ispyb/api/v1/auth/health").status == 200


def test_bodies_over_the_size_limit_get_413(gateway):
    # 1 MiB passes.
    response = gateway.request(
        "POST", "/ispyb/api/v1/core/x", body=b"x" * 1024 * 1024, headers={"Content-Type": "a/b"}
    )
    assert response.status == 200 and response.json()["bodySize"] == 1024 * 1024
    # Over 10 MiB (kong.yml): refused on the announced length, before the body is sent.
    with socket.create_connection(("127.0.0.1", gateway.port), timeout=10) as connection:
        connection.sendall(
            b"POST /ispyb/api/v1/core/x HTTP/1.1\r\nHost: gw\r\nX-Request-ID: too-big-1\r\n"
            b"Content-Type: application/json\r\nContent-Length: 11534336\r\n\r\n"
        )
        raw = b""
        while b"\r\n\r\n" not in raw or not raw.rstrip().endswith(b"}"):
            chunk = connection.recv(65536)
            if not chunk:
                break
            raw += chunk
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413")
    assert b"X-Request-ID: too-big-1" in head
    assert b'"code":"PAYLOAD_TOO_LARGE"' in body and b"Request size limit exceeded" in body
    entry = gateway.log_entry_for("too-big-1")
    assert entry["response"]["status"] == 413 and entry["service"]["name"] == "core"


def test_no_route_is_a_json_404(gateway):
    response = gateway.request("GET", "/nowhere", headers={"X-Request-ID": "lost-1"})
    body = gateway_error(response, 404, "NOT_FOUND", "no Route matched with those values")
    assert body["requestId"] == "lost-1" and body["details"] is None
    entry = gateway.log_entry_for("lost-1")
    assert entry["service"]["name"] == "" and entry["route"]["name"] == ""
    assert entry["service"]["port"] is None
    # Preflights for unknown paths too, as Kong.
    preflight = gateway.request(
        "OPTIONS", "/nowhere", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "GET"}
    )
    assert preflight.status == 404


def test_a_down_service_fails_alone_and_fast(start_gateway):
    gateway = start_gateway(running=("core", "em", "auth"))  # ssx is down
    response = gateway.request("GET", "/ispyb/api/v1/ssx/health", timeout=5)
    body = gateway_error(
        response,
        502,
        "SERVICE_UNAVAILABLE",
        "An invalid response was received from the upstream server",
    )
    assert body["details"] == {"service": ["ssx"]}
    entry = gateway.log_entry_for(body["requestId"])
    assert entry["response"]["status"] == 502 and entry["upstream_status"] == "502"
    for name in ("core", "em", "auth"):
        assert gateway.request("GET", f"/ispyb/api/v1/{name}/health").json()["service"] == name
    # Started later, the service is reachable without touching the gateway.
    from tests.gateway.support import StandInService

    ssx = StandInService("ssx", gateway.ports["ssx"]).start()
    try:
        assert gateway.request("GET", "/ispyb/api/v1/ssx/health").status == 200
    finally:
        ssx.stop()


def test_a_slow_service_gets_a_json_504(start_gateway, tmp_path):
    def short_read_timeout(config):
        core = next(s for s in config["services"] if s["name"] == "core")
        core["read_timeout"] = 300

    gateway = start_gateway(source=variant(tmp_path, short_read_timeout))
    response = gateway.request("GET", "/ispyb/api/v1/core/x?sleep=3")
    gateway_error(response, 504, "SERVICE_UNAVAILABLE", "The upstream server is timing out")
    assert gateway.request("GET", "/ispyb/api/v1/em/x?sleep=0.5").status == 200


def test_the_services_own_errors_pass_through_untouched(gateway):
    for status in (404, 500, 502, 503):
        response = gateway.request("GET", f"/ispyb/api/v1/core/x?status={status}")
        assert response.status == status
        assert response.json()["service"] == "core"  # the service's body, not the gateway's


def test_the_docs_page_lists_the_deployed_services(start_gateway):
    gateway = start_gateway(services="core,em")
    response = gateway.request("GET", "/ispyb/api/v1/docs")
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    page = response.body.decode()
    for name in ("core", "em"):
        assert f'href="/ispyb/api/v1/{name}/docs"' in page
        assert f'href="/ispyb/api/v1/{name}/swagger.json"' in page
        assert f'href="/ispyb/api/v1/{name}/openapi.json"' in page
    assert "/ispyb/api/v1/ssx" not in page and "/ispyb/api/v1/auth" not in page
    # Services that are not deployed have no route at all.
    gateway_error(gateway.request("GET", "/ispyb/api/v1/ssx/health"), 404, "NOT_FOUND")


def test_request_termination_bodies_are_served_verbatim(start_gateway, tmp_path):
    text = 'costs $5 ; it\'s a {test} \\ "quoted" $request_id'

    def maintenance(config):
        em = next(s for s in config["services"] if s["name"] == "em")
        em["routes"][0]["plugins"] = [
            {
                "name": "request-termination",
                "config": {"status_code": 503, "content_type": "text/plain", "body": text},
            }
        ]

    gateway = start_gateway(source=variant(tmp_path, maintenance))
    response = gateway.request("GET", "/ispyb/api/v1/em/anything")
    assert response.status == 503
    assert response.body.decode() == text
    assert gateway.request("GET", "/ispyb/api/v1/core/x").status == 200

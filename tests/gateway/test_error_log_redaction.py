"""nginx's error lines through the gateway's redaction (ispyb_gateway.redaction): the Java
token of a quoted request line and upstream URL, and the query's credentials, are
redacted; the rest of the line stays. The real nginx writing them: tests/e2e/
test_compat_through_the_gateway.py."""

from __future__ import annotations

import io

import pytest

from ispyb_gateway import GatewayConfigError, render_site
from ispyb_gateway.redaction import ErrorLogPump, redact_text

TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
UPSTREAM_DOWN = (
    "2026/12/03 10:00:00 [error] 7#7: *3 connect() failed (111: Connection refused) while "
    "connecting to upstream, client: 127.0.0.1, server: , request: "
    f'"GET /ispyb/api/v1/compat/java/{TOKEN}/session/list?password=pw123456 HTTP/1.1", '
    f'upstream: "http://127.0.0.1:8005/ispyb/api/v1/compat/java/{TOKEN}/session/list", '
    'host: "127.0.0.1:8000"\n'
)


def test_an_error_line_is_redacted_and_kept():
    line = redact_text(UPSTREAM_DOWN)
    assert TOKEN not in line and "pw123456" not in line
    assert line.count("/compat/java/REDACTED/session/list") == 2
    assert "?password=REDACTED HTTP/1.1" in line
    assert "connect() failed (111: Connection refused)" in line and line.endswith("\n")


def test_the_login_route_and_other_paths_stay():
    for text in (
        'request: "POST /ispyb/api/v1/compat/java/authenticate?site=ESRF HTTP/1.1"',
        'request: "GET /ispyb/api/v1/core/sessions?limit=5 HTTP/1.1"',
    ):
        assert redact_text(text) == text


def test_the_pump_writes_each_line_redacted(tmp_path):
    path = tmp_path / "gateway-error.log"
    pump = ErrorLogPump(io.BytesIO(UPSTREAM_DOWN.encode() * 2), path)
    pump.start()
    pump.join(5)
    text = path.read_text()
    assert text.count("\n") == 2 and TOKEN not in text


def test_where_nginx_writes_its_error_log(tmp_path):
    """nginx's own file by default (ispyb-gateway run); its stderr under tools/run.py,
    which pumps it redacted into the same file."""
    environ = {"ISPYB_VAR_DIR": str(tmp_path)}
    conf = render_site(environ).nginx_file.read_text()
    assert f"error_log {tmp_path.resolve()}/log/gateway-error.log warn;" in conf
    conf = render_site({**environ, "ISPYB_GATEWAY_ERROR_LOG": "stderr"}).nginx_file.read_text()
    assert "error_log stderr warn;" in conf and "gateway-error.log warn" not in conf
    with pytest.raises(GatewayConfigError, match="ISPYB_GATEWAY_ERROR_LOG"):
        render_site({**environ, "ISPYB_GATEWAY_ERROR_LOG": "syslog"})

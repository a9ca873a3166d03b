import io
import json
import logging

from ispyb_core.app import create_app
from ispyb_shared.logging import JsonFormatter
from tests.conftest import service_config

CORE = "/ispyb/api/v1/core"


def test_request_id_is_kept_or_made_and_echoed(client):
    kept = client.get(f"{CORE}/health", headers={"X-Request-ID": "abc-123"})
    assert kept.headers["X-Request-ID"] == "abc-123"
    made = client.get(f"{CORE}/health")
    assert len(made.headers["X-Request-ID"]) == 36
    # An id that could forge log content is replaced.
    forged = client.get(f"{CORE}/health", headers={"X-Request-ID": 'x" , "level": "x'})
    assert forged.headers["X-Request-ID"] != 'x" , "level": "x'


def test_error_envelope_carries_the_request_id(client):
    response = client.get(f"{CORE}/proposals/0", headers={"X-Request-ID": "req-404"})
    assert response.json["requestId"] == "req-404"
    assert response.headers["X-Request-ID"] == "req-404"


def test_every_log_line_of_a_request_carries_its_id(client):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter("core"))
    logging.getLogger().addHandler(handler)
    try:
        client.get(f"{CORE}/proposals", headers={"X-Request-ID": "trace-me-1"})
        client.get(f"{CORE}/proposals/0", headers={"X-Request-ID": "trace-me-2"})
    finally:
        logging.getLogger().removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    access = [line for line in lines if line["logger"] == "ispyb.access"]
    assert {line["requestId"] for line in access} == {"trace-me-1", "trace-me-2"}
    first = next(line for line in access if line["requestId"] == "trace-me-1")
    assert first["status"] == 200 and first["method"] == "GET" and first["service"] == "core"
    assert first["path"] == f"{CORE}/proposals" and first["durationMs"] >= 0


def test_unknown_route_and_wrong_method_use_the_envelope(client):
    for url in ("/nowhere", f"{CORE}/nowhere", f"{CORE}/proposals/1/nothing"):
        response = client.get(url)
        assert response.status_code == 404
        assert response.json["code"] == "NOT_FOUND"
    response = client.put(f"{CORE}/proposals")
    assert response.status_code == 405
    assert response.json["code"] == "METHOD_NOT_ALLOWED"
    assert "GET" in response.headers["Allow"]


def test_unexpected_error_is_500_without_a_trace(core_database_url, caplog, tokens):
    app = create_app(service_config(core_database_url))

    @app.route("/ispyb/api/v1/core/explode")
    def explode():
        raise RuntimeError("secret internals /etc/passwd")

    response = app.test_client().get("/ispyb/api/v1/core/explode", headers=tokens.admin())
    assert response.status_code == 500
    assert response.json["code"] == "INTERNAL_ERROR"
    text = response.get_data(as_text=True)
    assert "secret" not in text and "Traceback" not in text
    assert "secret internals" in caplog.text  # the log has it, with the request id
    app.extensions["ispyb_database"].dispose()


def test_health_and_ready(client):
    assert client.get(f"{CORE}/health").json == {"status": "ok"}
    assert client.get(f"{CORE}/ready").json["database"] == "ok"


def test_ready_reports_an_unreachable_database(tokens):
    app = create_app(service_config("mysql+pymysql://nobody:x@127.0.0.1:1/none?connect_timeout=1"))
    client = app.test_client()
    assert client.get(f"{CORE}/health").status_code == 200
    ready = client.get(f"{CORE}/ready")
    assert ready.status_code == 503
    response = client.get(f"{CORE}/proposals", headers=tokens.admin())
    assert response.status_code == 503
    assert response.json["code"] == "SERVICE_UNAVAILABLE"
    app.extensions["ispyb_database"].dispose()


def test_swagger_documents_every_field_with_a_description(client):
    spec = client.get(f"{CORE}/swagger.json").json
    assert spec["basePath"] == CORE
    for name, definition in spec["definitions"].items():
        for field, schema in definition.get("properties", {}).items():
            if name == "Error" or field in {"total", "limit", "offset", "results"}:
                continue
            assert schema.get("description"), f"{name}.{field} has no description"
    paths = spec["paths"]
    for path in (
        "/proposals",
        "/sessions",
        "/persons",
        "/laboratories",
        "/lab-contacts",
        "/proposals/{ref}/members",
        "/sessions/{ref}/members",
    ):
        assert path in paths, path
    list_params = {p["name"] for p in paths["/sessions"]["get"]["parameters"]}
    assert {"limit", "offset", "sort", "beamLineName", "startDate.gte"} <= list_params
    docs = client.get(f"{CORE}/docs")
    assert docs.status_code == 200
    assert f"{CORE}/swaggerui/swagger-ui-bundle.js".encode() in docs.data
    assert client.get(f"{CORE}/swaggerui/swagger-ui-bundle.js").status_code == 200


def test_gets_carry_an_etag_and_an_unchanged_answer_is_304(client, factory):
    first = client.get(f"{CORE}/proposals")
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert "private" in first.headers["Cache-Control"]
    assert "Authorization" in first.headers["Vary"]
    again = client.get(f"{CORE}/proposals", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    factory.proposal(proposalCode="mx", proposalNumber="304")
    changed = client.get(f"{CORE}/proposals", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_the_access_line_says_who_did_it(client):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter("core"))
    logging.getLogger().addHandler(handler)
    try:
        answer = client.get(f"{CORE}/proposals", headers={"X-Request-ID": "who-1"})
    finally:
        logging.getLogger().removeHandler(handler)
    # And to the gateway, for its central log (which drops the headers).
    assert answer.headers["X-ISPyB-Subject"] == "test-admin"
    assert answer.headers["X-ISPyB-Subject-Kind"] == "user"
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    [access] = [line for line in lines if line["logger"] == "ispyb.access"]
    assert access["subject"] == "test-admin" and access["subjectKind"] == "user"
    assert access["roles"] == ["admin"]
    assert access["route"] == "/ispyb/api/v1/core/proposals"


def test_the_authorize_dialog_says_what_to_type(client):
    """Swagger UI renders the description as HTML: '<token>' would vanish."""
    document = client.get(f"{CORE}/swagger.json").json
    text = document["securityDefinitions"]["bearer"]["description"]
    assert "<" not in text and "Bearer eyJ" in text

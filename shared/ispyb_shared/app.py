"""Building a service's Flask app: the same shape for every service."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from flask import Blueprint, Flask, current_app, g, redirect, request, url_for
from flask_restx import Api, Namespace, Resource, apidoc
from marshmallow import Schema
from werkzeug.routing import IntegerConverter

from .auth import Caller, JwksUnavailable, TokenVerifier, init_auth

# The request helpers are re-exported: resource modules (and operations.py) import them here.
from .bodies import INT64_MAX as INT64_MAX
from .bodies import MAX_BODY_DEPTH as MAX_BODY_DEPTH
from .bodies import check_json_content as check_json_content
from .bodies import load_body as load_body
from .db import Database, init_database, transactional
from .errors import ERROR_CODES, register_error_handlers
from .listing import list_params as list_params
from .logging import configure_logging, init_request_logging
from .metrics import init_metrics
from .openapi3 import openapi3_view
from .readiness import add_dependency, database_check, readiness_report
from .schemas import ErrorSchema, json_schema, list_json_schema

log = logging.getLogger(__name__)

API_ROOT = "/ispyb/api/v1"
# The auth service's OAuth 2 token endpoint (POST /token), through the gateway
# that serves the Swagger UIs: a path, resolved against the page's origin.
TOKEN_URL = "/ispyb/api/v1/auth/token"
BEARER_SECURITY = {
    "bearer": {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        # Swagger UI renders this as Markdown/HTML: no angle brackets (they vanish).
        "description": "An access token from the auth service (POST /ispyb/api/v1/auth/login"
        "). Enter the word Bearer, a space, then the token: Bearer eyJhbGciOi...",
    },
    # Swagger UI's Authorize dialog logs in with these (through the gateway) and sends the
    # token it gets as Authorization: Bearer.
    "login": {
        "type": "oauth2",
        "flow": "password",
        "tokenUrl": TOKEN_URL,
        "scopes": {},
        "description": "Log in with your ISPyB login name and password (the auth service's "
        "first password plugin: local or LDAP). Leave client_id and client_secret empty.",
    },
    "client": {
        "type": "oauth2",
        "flow": "application",
        "tokenUrl": TOKEN_URL,
        "scopes": {},
        "description": "A machine client's client_id and client_secret (the auth service's "
        "/clients); the token carries all the client's scopes.",
    },
}
# Any one of them authorizes a request.
BEARER_REQUIREMENT = list(BEARER_SECURITY)


def service_prefix(service: str) -> str:
    return f"{API_ROOT}/{service}"


class BoundedIntegerConverter(IntegerConverter):
    """``<int:...>`` path parts beyond any key column (64 bits) are no route (404), rather
    than an overflow in the database driver."""

    def __init__(self, url_map, fixed_digits=0, min=None, max=2**63 - 1, signed=False):
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class ServiceApi(Api):
    def render_root(self):
        # The bare API root leads people to the documentation.
        return redirect(url_for(f"{self.blueprint.name}.doc"))

    def handle_error(self, e):
        # One handler set for the whole app (errors.register_error_handlers): re-raising
        # here makes flask-restx hand the exception to Flask's handlers.
        raise e

    @property
    def __schema__(self):
        schema = super().__schema__
        if not getattr(self, "_ispyb_completed", False):
            document_common_answers(schema, secured=self.security is not None)
            self._ispyb_completed = True
        return schema


# Answers any operation can give, documented on every operation rather than per route.
COMMON_ANSWERS = {
    503: "A dependency (the database, another service) is unavailable",
}
SECURED_ANSWERS = {
    401: "No valid token (Authorization: Bearer <token>)",
    403: "The token's roles or scopes do not allow this",
}
BODY_ANSWERS = {
    400: "The body is not valid JSON, or nests too deep",
    413: "Body too large",
    415: "Body is not JSON",
}


def document_common_answers(schema: dict[str, Any], *, secured: bool) -> None:
    """Complete the OpenAPI document with what every operation may answer: auth errors on
    secured operations, body errors where a body is taken, 503, and JSON beside the
    success type of an operation that produces something else (its errors are JSON)."""
    error = {"description": "", "schema": {"$ref": "#/definitions/Error"}}
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            answers = dict(COMMON_ANSWERS)
            if secured and operation.get("security") != []:
                answers.update(SECURED_ANSWERS)
            if method in {"post", "put", "patch"}:
                answers.update(BODY_ANSWERS)
            for status, text in answers.items():
                responses.setdefault(str(status), {**error, "description": text})
            produces = operation.get("produces")
            if produces and "application/json" not in produces:
                operation["produces"] = [*produces, "application/json"]
    # Every operation refers to Error (503 at least), even in a service without models.
    if "Error" not in schema.setdefault("definitions", {}):
        schema["definitions"]["Error"] = json_schema(ErrorSchema)


def create_service_app(
    *,
    service: str,
    title: str,
    description: str,
    config: Mapping[str, Any],
    namespaces: Iterable[Namespace] = (),
    database: Database | None = None,
    version: str = "1.0",
    warm_up_paths: Iterable[str] = (),
) -> Flask:
    """A Flask app with the service's API under ``/ispyb/api/v1/<service>``.

    It has Swagger UI at ``<prefix>/docs``, the OpenAPI document at
    ``<prefix>/swagger.json`` (Swagger 2.0; OpenAPI 3.1 at ``<prefix>/openapi.json``),
    ``<prefix>/health`` (the process is alive), ``<prefix>/ready`` (each dependency) and
    ``<prefix>/metrics`` (Prometheus, no token: :mod:`ispyb_shared.metrics`). With
    ``api.warm_up`` (the default) it is
    warmed up before it is returned (:func:`warm_up`, ``warm_up_paths`` under the prefix):
    gunicorn builds the app in each worker after the fork, so each worker is warm before
    it accepts its first request.
    """
    configure_logging(service, level=config["logging"]["level"], as_json=config["logging"]["json"])
    app = Flask(f"ispyb_{service}")
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.config.update(
        MAX_CONTENT_LENGTH=config["api"]["max_content_length"],
        RESTX_ERROR_404_HELP=False,
        RESTX_MASK_SWAGGER=False,
        JSON_SORT_KEYS=False,
        ISPYB_CONFIG=config,
        ISPYB_SERVICE=service,
    )
    app.json.sort_keys = False
    prefix = service_prefix(service)

    # Swagger UI's static files under the service prefix, so the UI works through the
    # gateway, which routes by prefix only.
    app.register_blueprint(apidoc.apidoc, url_prefix=prefix)
    app.extensions.setdefault("restx", {})["apidoc_registered"] = True

    blueprint = Blueprint(f"{service}_api", __name__, url_prefix=prefix)
    # OpenAPI 3.1 beside flask-restx's Swagger 2.0 (swagger.json), converted from it.
    blueprint.add_url_rule("/openapi.json", "openapi", openapi3_view)
    api = ServiceApi(
        blueprint,
        title=title,
        version=version,
        description=description
        + "\n\nErrors use one envelope {code, message, details, requestId}; codes: "
        + ", ".join(ERROR_CODES),
        doc="/docs",
        # A service without a database of its own (compat) has no transaction to commit.
        decorators=[transactional] if "database" in config else [],
        validate=False,
    )
    api.add_namespace(_health_namespace())
    for namespace in namespaces:
        api.add_namespace(namespace)
    app.register_blueprint(blueprint)
    app.extensions["ispyb_api"] = api

    if "database" in config:
        database = database or Database(config["database"])
        init_database(app, database)
        add_dependency(app, "database", database_check(database))
    init_request_logging(app)
    init_metrics(app, service=service, prefix=prefix)
    init_conditional_gets(app)
    register_error_handlers(app)
    if "auth" in config:
        # Every endpoint but health, readiness and docs needs a valid token.
        verifier = TokenVerifier.from_settings(config["auth"])
        init_auth(app, verifier)
        if verifier.jwks is not None:
            add_dependency(app, "jwks", verifier.jwks.readiness)
        api.authorizations = BEARER_SECURITY
        api.security = BEARER_REQUIREMENT
    if config["api"].get("warm_up", True):
        warm_up(app, [f"{prefix}{path}" for path in warm_up_paths])
    else:
        log.info("app built (no warm-up)")
    return app


def init_conditional_gets(app: Flask) -> None:
    """An ETag on every successful JSON GET, and 304 to a client that already has it
    (If-None-Match): a page polling every few seconds costs a hash, not a download.

    Registered after the request log, so it runs before it and the log shows the 304.
    Answers depend on the caller: private, revalidated each time, varying with the token.
    """

    @app.after_request
    def _conditional(response):
        if (
            request.method in ("GET", "HEAD")
            and response.status_code == 200
            and response.mimetype == "application/json"
            and not response.direct_passthrough
        ):
            response.add_etag()
            response.headers.setdefault("Cache-Control", "private, no-cache")
            response.vary.add("Authorization")
            response.make_conditional(request)
        return response


# Who the warm-up's reads run as: in this process only, never reachable by a request (the
# reads are called without the request hooks, whose token check sets g.caller).
WARM_UP_CALLER = Caller(
    subject="ispyb-warm-up",
    kind="user",
    roles=frozenset({"admin"}),
    beamlines=frozenset(),
    scopes=frozenset(),
    token_id="",
)


def warm_up(app: Flask, paths: Iterable[str] = ()) -> float:
    """Pay now what a worker's first request would pay: a database connection (kept in
    the pool), the token signing keys (JWKS), and ``paths`` (GET reads, run once through
    their views, compiling their SQL and loading what they use). Nothing fails here: a
    database or an auth service not up yet is left to the first request. Returns ms."""
    started = time.perf_counter()
    database: Database | None = app.extensions.get("ispyb_database")
    if database is not None:
        database.ping()
    verifier = app.extensions.get("ispyb_token_verifier")
    jwks = getattr(verifier, "jwks", None)
    if jwks is not None:
        try:
            jwks._fetch()
        except JwksUnavailable as exc:
            log.info("warm-up: token keys not fetched yet (%s)", exc)
            # A failed warm-up must not hold back the first request's own fetch.
            jwks._last_attempt = None
    for path in paths:
        with app.test_request_context(path, method="GET"):
            g.caller = WARM_UP_CALLER
            try:
                app.make_response(app.dispatch_request())
            except Exception as exc:  # warming up, not serving: the first request reports it
                log.debug("warm-up of %s: %s", path, exc)
    elapsed = (time.perf_counter() - started) * 1000
    log.info("warmed up in %.0f ms", elapsed, extra={"warmUpMs": round(elapsed, 1)})
    return elapsed


def _health_namespace() -> Namespace:
    ns = Namespace("health", path="/", description="Liveness and readiness probes")

    @ns.route("/health")
    class Health(Resource):
        @ns.doc(security=[])
        def get(self):
            """The process is alive (no dependency is checked)."""
            return {"status": "ok"}

    @ns.route("/ready")
    class Ready(Resource):
        @ns.doc(security=[])
        def get(self):
            """The service can serve: each dependency's state (database, the JWKS tokens
            are verified with, core), 503 while a required one is down."""
            return readiness_report(current_app)

    return ns


# --- helpers for resource modules ---------------------------------------------------------


def register_models(
    ns: Namespace, schemas: Mapping[str, type[Schema]], *, list_of: Mapping[str, str] = ()
) -> dict[str, Any]:
    """Swagger models derived from marshmallow schemas (and list envelopes of them)."""
    models = {name: ns.schema_model(name, json_schema(schema)) for name, schema in schemas.items()}
    for list_name, item_name in dict(list_of).items():
        models[list_name] = ns.schema_model(list_name, list_json_schema(schemas[item_name]))
    models["Error"] = ns.schema_model("Error", json_schema(ErrorSchema))
    return models


def document_errors(ns: Namespace, models: Mapping[str, Any], *codes: int) -> Callable:
    """Decorator listing the error answers of an operation, all in the envelope."""
    texts = {
        400: "Malformed request or invalid query parameter",
        404: "Not found",
        409: "Conflict with existing data",
        413: "Body too large",
        415: "Body is not JSON",
        422: "Validation error (details names the fields)",
    }

    def decorate(func):
        for code in codes:
            func = ns.response(code, texts.get(code, "Error"), models["Error"])(func)
        return func

    return decorate

"""The gateway's one OpenAPI 3.1 document: every service's paths and components, merged.

    python tools/openapi.py            # print it
    python tools/openapi.py --write    # regenerate docs/openapi.json (a test keeps it fresh)

Each service's app is built in-process (a test configuration, no database connection, no
warm-up) and its own OpenAPI 3.1 document (``<prefix>/openapi.json``) is read. Paths are
full (``/ispyb/api/v1/core/proposals``) under one server, the gateway. A component
name that two services use for different schemas is prefixed with each one's service
(``ssx_SessionSummary``); identical ones (``Error``) are shared. Paths the gateway does not
route (kong.yml's request-termination routes: user-office sync) are left out.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "docs" / "openapi.json"
KONG = ROOT / "gateway" / "kong.yml"
SERVICES = ("auth", "core", "ssx", "em", "compat")
GATEWAY_URL = "http://localhost:8000"
API_ROOT = "/ispyb/api/v1"
# Never contacted: the apps are only asked for their documents.
_JWKS_URL = "http://auth.invalid/ispyb/api/v1/auth/.well-known/jwks.json"


def _config(service: str) -> dict[str, Any]:
    config: dict[str, Any] = {
        "database": {"url": "sqlite://"},
        "logging": {"level": "ERROR"},
        "api": {"warm_up": False},
    }
    if service == "compat":  # no database of its own
        del config["database"]
    if service != "auth":
        config["auth"] = {"issuer": "ispyb-auth", "audience": "ispyb", "jwks_url": _JWKS_URL}
    if service in ("ssx", "em"):
        config["core"] = {"url": "http://core.invalid"}
    return config


def service_document(service: str) -> dict[str, Any]:
    """One service's OpenAPI 3.1 document, as ``GET <prefix>/openapi.json`` serves it."""
    module = __import__(f"ispyb_{service}.app", fromlist=["create_app"])
    app = module.create_app(_config(service))
    try:
        answer = app.test_client().get(f"{API_ROOT}/{service}/openapi.json")
        assert answer.status_code == 200, (service, answer.status_code)
        return answer.get_json()
    finally:
        if "ispyb_database" in app.extensions:
            app.extensions["ispyb_database"].dispose()


def blocked_prefixes() -> list[str]:
    """Path prefixes the gateway answers itself (kong.yml's request-termination routes)."""
    import yaml

    kong = yaml.safe_load(KONG.read_text())
    prefixes = []
    for service in kong.get("services", []):
        for route in service.get("routes", []):
            plugins = {plugin["name"] for plugin in route.get("plugins", [])}
            if "request-termination" in plugins:
                prefixes.extend(route.get("paths", []))
    return prefixes


def _rename_refs(node: Any, renames: dict[str, str]) -> Any:
    if isinstance(node, dict):
        return {
            key: renames.get(value, value) if key == "$ref" else _rename_refs(value, renames)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_rename_refs(item, renames) for item in node]
    return node


def merge(documents: dict[str, dict[str, Any]], *, blocked: list[str] = ()) -> dict[str, Any]:
    """The services' documents as one, served from the gateway."""
    # Which component names mean different things in different services.
    seen: dict[tuple[str, str], list[Any]] = {}
    for document in documents.values():
        for section, entries in document.get("components", {}).items():
            for name, entry in entries.items():
                variants = seen.setdefault((section, name), [])
                if entry not in variants:
                    variants.append(entry)
    clashing = {key for key, variants in seen.items() if len(variants) > 1}
    operation_ids: dict[str, int] = {}
    for document in documents.values():
        for item in document["paths"].values():
            for operation in item.values():
                if isinstance(operation, dict) and "operationId" in operation:
                    operation_id = operation["operationId"]
                    operation_ids[operation_id] = operation_ids.get(operation_id, 0) + 1

    merged: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "ISPyB",
            "version": "1.0",
            "description": "Every ISPyB service through the gateway: "
            + ", ".join(f"{service} ({doc['info']['title']})" for service, doc in documents.items())
            + ". Each service's own document: /ispyb/api/v1/<service>/openapi.json.",
        },
        "servers": [
            {
                "url": GATEWAY_URL,
                "description": "The gateway of `make run` (a site's gateway URL otherwise)",
            }
        ],
        "security": [],
        "tags": [],
        "paths": {},
        "components": {},
    }
    for service, document in documents.items():
        renames = {
            f"#/components/{section}/{name}": f"#/components/{section}/{service}_{name}"
            for section, name in clashing
            if name in document.get("components", {}).get(section, {})
        }
        document = _rename_refs(document, renames)
        base = document["servers"][0]["url"].rstrip("/")
        tags = {tag["name"]: f"{service}/{tag['name']}" for tag in document.get("tags", [])}
        merged["tags"].extend(
            {**tag, "name": tags[tag["name"]]} for tag in document.get("tags", [])
        )
        security = document.get("security")
        for path, item in document["paths"].items():
            full = base + path
            if any(full == prefix or full.startswith(prefix + "/") for prefix in blocked):
                continue
            converted = {}
            for method, operation in item.items():
                if method == "parameters":
                    converted[method] = operation
                    continue
                operation = dict(operation)
                operation["tags"] = [
                    tags.get(tag, f"{service}/{tag}") for tag in operation.get("tags", [])
                ]
                if operation_ids.get(operation.get("operationId"), 0) > 1:
                    operation["operationId"] = f"{service}_{operation['operationId']}"
                # Each service's default security, made explicit per operation.
                if "security" not in operation and security is not None:
                    operation["security"] = security
                converted[method] = operation
            merged["paths"][full] = converted
        for section, entries in document.get("components", {}).items():
            target = merged["components"].setdefault(section, {})
            for name, entry in entries.items():
                target[f"{service}_{name}" if (section, name) in clashing else name] = entry
    for section in merged["components"].values():
        # Stable order whatever the services' order.
        items = sorted(section.items())
        section.clear()
        section.update(items)
    return merged


def merged_document() -> dict[str, Any]:
    documents = {service: service_document(service) for service in SERVICES}
    return merge(documents, blocked=blocked_prefixes())


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"write {OUTPUT.relative_to(ROOT)}")
    args = parser.parse_args(argv)
    text = render(merged_document())
    if args.write:
        OUTPUT.write_text(text)
        print(f"wrote {OUTPUT.relative_to(ROOT)}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

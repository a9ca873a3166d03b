"""The SSX authorization matrix (docs/authorization.md, SSX section): every endpoint and
every kind of caller gets exactly the documented answer; a coverage test makes sure no
endpoint is left out."""

from __future__ import annotations

import re

import pytest

from tests.ssx.conftest import SSX, run_body

CALLERS = (
    "anonymous",
    "outsider",
    "member",
    "staff",
    "staff_other_beamline",
    "admin",
    "client",
    "client_without_ssx_scope",
    "client_without_core_scopes",
)

RESULT = {"indexingType": "Preliminary", "status": "Running", "hitRate": 5.0}
CHUNK = {"firstImage": 1, "lastImage": 100, "numberOfHits": 10, "numberOfIndexed": 5}

# endpoint -> (method, path template, body, {caller: status})
MATRIX = {
    "register": (
        "POST",
        "/runs",
        "run",
        {
            "anonymous": 401,
            "outsider": 403,
            "member": 403,
            "staff": 201,
            "staff_other_beamline": 422,
            "admin": 201,
            "client": 201,
            "client_without_ssx_scope": 403,
            "client_without_core_scopes": 403,
        },
    ),
    "describe": (
        "GET",
        "/runs/{run}",
        None,
        {
            "anonymous": 401,
            "outsider": 404,
            "member": 200,
            "staff": 200,
            "staff_other_beamline": 404,
            "admin": 200,
            "client": 200,
            "client_without_ssx_scope": 403,
            "client_without_core_scopes": 403,
        },
    ),
    "post_result": (
        "POST",
        "/runs/{run}/results",
        RESULT,
        {
            "anonymous": 401,
            "outsider": 403,
            "member": 403,
            "staff": 201,
            "staff_other_beamline": 404,
            "admin": 201,
            "client": 201,
            "client_without_ssx_scope": 403,
            "client_without_core_scopes": 403,
        },
    ),
    "list_results": (
        "GET",
        "/runs/{run}/results",
        None,
        {
            "anonymous": 401,
            "outsider": 404,
            "member": 200,
            "staff": 200,
            "staff_other_beamline": 404,
            "admin": 200,
            "client": 200,
            "client_without_ssx_scope": 403,
            "client_without_core_scopes": 403,
        },
    ),
    "post_chunk": (
        "POST",
        "/runs/{run}/chunks",
        CHUNK,
        {
            "anonymous": 401,
            "outsider": 403,
            "member": 403,
            "staff": 201,
            "staff_other_beamline": 404,
            "admin": 201,
            "client": 201,
            "client_without_ssx_scope": 403,
            "client_without_core_scopes": 403,
        },
    ),
    "list_chunks": (
        "GET",
        "/runs/{run}/chunks",
        None,
        {
            "anonymous": 401,
            "outsider": 404,
            "member": 200,
            "staff": 200,
            "staff_other_beamline": 404,
            "admin": 200,
            "client": 200,
            "client_without_ssx_scope": 403,
            "client_without_core_scopes": 403,
        },
    ),
    "result_attachment_file": (
        "GET",
        "/runs/{run}/attachments/{attachment}",
        None,
        {
            # The matrix's run has no attachment: whoever sees the run is told 404 too
            # (serving files: tests/ssx/test_files.py).
            "anonymous": 401,
            "outsider": 404,
            "member": 404,
            "staff": 404,
            "staff_other_beamline": 404,
            "admin": 404,
            "client": 404,
            "client_without_ssx_scope": 403,
            "client_without_core_scopes": 403,
        },
    ),
    "result_attachment_file_url": (
        "GET",
        "/runs/{run}/attachments/{attachment}/url",
        None,
        {
            # The matrix's run has no attachment: whoever sees the run is told 404 too
            # (serving files: tests/ssx/test_files.py).
            "anonymous": 401,
            "outsider": 404,
            "member": 404,
            "staff": 404,
            "staff_other_beamline": 404,
            "admin": 404,
            "client": 404,
            "client_without_ssx_scope": 403,
            "client_without_core_scopes": 403,
        },
    ),
    "session_summary": (
        "GET",
        "/sessions/{session}/runs",
        None,
        {
            "anonymous": 401,
            "outsider": 404,
            "member": 200,
            "staff": 200,
            "staff_other_beamline": 404,
            "admin": 200,
            "client": 200,
            "client_without_ssx_scope": 403,
            "client_without_core_scopes": 403,
        },
    ),
    "component_types": (
        "GET",
        "/component-types",
        None,
        {
            "anonymous": 401,
            "outsider": 200,
            "member": 200,
            "staff": 200,
            "staff_other_beamline": 200,
            "admin": 200,
            "client": 200,
            "client_without_ssx_scope": 403,
            "client_without_core_scopes": 200,
        },
    ),
    "concentration_types": (
        "GET",
        "/concentration-types",
        None,
        {
            "anonymous": 401,
            "outsider": 200,
            "member": 200,
            "staff": 200,
            "staff_other_beamline": 200,
            "admin": 200,
            "client": 200,
            "client_without_ssx_scope": 403,
            "client_without_core_scopes": 200,
        },
    ),
    "list_components": (
        "GET",
        "/components?proposalUUID={proposal}",
        None,
        {
            "anonymous": 401,
            "outsider": 404,
            "member": 200,
            "staff": 200,
            "staff_other_beamline": 404,
            "admin": 200,
            "client": 200,
            "client_without_ssx_scope": 403,
            "client_without_core_scopes": 403,
        },
    ),
    "create_component": (
        "POST",
        "/components",
        {"name": "LCP", "componentType": "JetMaterial", "proposalUUID": "{proposal}"},
        {
            "anonymous": 401,
            "outsider": 403,
            "member": 403,
            "staff": 201,
            "staff_other_beamline": 422,
            "admin": 201,
            "client": 201,
            "client_without_ssx_scope": 403,
            "client_without_core_scopes": 403,
        },
    ),
    "get_component": (
        "GET",
        "/components/{component}",
        None,
        {
            "anonymous": 401,
            "outsider": 404,
            "member": 200,
            "staff": 200,
            "staff_other_beamline": 404,
            "admin": 200,
            "client": 200,
            "client_without_ssx_scope": 403,
            "client_without_core_scopes": 403,
        },
    ),
    "patch_component": (
        "PATCH",
        "/components/{component}",
        {"composition": "HEPES 20 mM"},
        {
            "anonymous": 401,
            "outsider": 403,
            "member": 403,
            "staff": 200,
            "staff_other_beamline": 404,
            "admin": 200,
            "client": 200,
            "client_without_ssx_scope": 403,
            "client_without_core_scopes": 403,
        },
    ),
    "list_sample_compositions": (
        "GET",
        "/sample-compositions?blSampleUUID={sample}",
        None,
        {
            "anonymous": 401,
            "outsider": 404,
            "member": 200,
            "staff": 200,
            "staff_other_beamline": 404,
            "admin": 200,
            "client": 200,
            "client_without_ssx_scope": 403,
            "client_without_core_scopes": 403,
        },
    ),
    "create_sample_composition": (
        "POST",
        "/sample-compositions",
        {"componentUUID": "{component}", "blSampleUUID": "{sample}", "abundance": 1.0},
        {
            "anonymous": 401,
            "outsider": 403,
            "member": 403,
            "staff": 201,
            "staff_other_beamline": 422,
            "admin": 201,
            "client": 201,
            "client_without_ssx_scope": 403,
            "client_without_core_scopes": 403,
        },
    ),
    "list_crystal_compositions": (
        "GET",
        "/crystal-compositions?crystalUUID={crystal}",
        None,
        {
            "anonymous": 401,
            "outsider": 404,
            "member": 200,
            "staff": 200,
            "staff_other_beamline": 404,
            "admin": 200,
            "client": 200,
            "client_without_ssx_scope": 403,
            "client_without_core_scopes": 403,
        },
    ),
    "create_crystal_composition": (
        "POST",
        "/crystal-compositions",
        {"componentUUID": "{component}", "crystalUUID": "{crystal}", "pH": 7.0},
        {
            "anonymous": 401,
            "outsider": 403,
            "member": 403,
            "staff": 201,
            "staff_other_beamline": 422,
            "admin": 201,
            "client": 201,
            "client_without_ssx_scope": 403,
            "client_without_core_scopes": 403,
        },
    ),
}


def headers_of(caller: str, tokens) -> dict:
    return {
        "anonymous": {},
        "outsider": tokens.user("outsider"),
        "member": tokens.user("member"),
        "staff": tokens.user("staff1", "staff", beamlines=["i03"]),
        "staff_other_beamline": tokens.user("staff2", "staff", beamlines=["i04"]),
        "admin": tokens.admin(),
        "client": tokens.machine(
            "pipe", "ssx:write", "ssx:read", "core:read", "core:acquisition:write"
        ),
        "client_without_ssx_scope": tokens.machine("pipe", "core:read", "core:acquisition:write"),
        "client_without_core_scopes": tokens.machine("pipe", "ssx:write", "ssx:read"),
    }[caller]


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_matrix(ssx_app, world, tokens, endpoint, caller):
    method, template, body, expected = MATRIX[endpoint]
    admin = tokens.admin()
    run = ssx_app.test_client().post(f"{SSX}/runs", json=run_body(), headers=admin).get_json()
    component = (
        ssx_app.test_client()
        .post(
            f"{SSX}/components",
            json={"name": "HEPES", "componentType": "Buffer", "proposalUUID": world.mx1.uuid},
            headers=admin,
        )
        .get_json()
    )
    protein = world.factory.protein(proposalId=world.mx1.proposalId)
    ids = {
        "run": run["uuid"],
        "session": run["sessionUUID"],
        "proposal": world.mx1.uuid,
        "component": component["uuid"],
        "sample": world.sample.uuid,
        "crystal": world.factory.crystal(proteinId=protein.proteinId).uuid,
        "attachment": 1,
    }
    path = SSX + template.format(**ids)
    if body == "run":
        body = run_body()
    elif isinstance(body, dict):
        body = {
            key: value.format(**ids) if isinstance(value, str) else value
            for key, value in body.items()
        }
    answer = ssx_app.test_client().open(
        path, method=method, json=body, headers=headers_of(caller, tokens)
    )
    assert answer.status_code == expected[caller], answer.get_json()


def test_the_matrix_covers_every_endpoint(ssx_app):
    routes = set()
    for rule in ssx_app.url_map.iter_rules():
        path = rule.rule
        if not path.startswith(SSX) or any(
            path.endswith(end)
            for end in ("/health", "/ready", "/metrics", "/docs", "/swagger.json", "/openapi.json")
        ):
            continue
        if "/swaggerui" in path or path == f"{SSX}/":
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes.add((method, re.sub(r"<[^>]+>", "{}", path.removeprefix(SSX))))
    covered = {
        (method, re.sub(r"\{\w+\}", "{}", template.partition("?")[0]))
        for method, template, _body, _expected in MATRIX.values()
    }
    assert routes == covered
    for _method, _template, _body, expected in MATRIX.values():
        assert set(expected) == set(CALLERS)

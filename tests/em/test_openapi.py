"""em's OpenAPI document: every route is a Resource class written out in its domain's
api.py, every operation shows its answer's model, every list answers the list envelope."""

from __future__ import annotations

import inspect
import re

from tests.em.support import EM

OPEN_PATHS = {"/health", "/ready"}


def _operations(app):
    paths = app.test_client().get(f"{EM}/swagger.json").get_json()["paths"]
    for path, operations in paths.items():
        if path in OPEN_PATHS:
            continue
        for method, operation in operations.items():
            if method != "parameters":
                yield path, method, operation


def test_every_route_is_a_resource_written_in_its_domain_api(em_app):
    """``GET /atlases`` can be found by reading: its class is spelled out in grids/api.py."""
    checked = 0
    for rule in em_app.url_map.iter_rules():
        view = em_app.view_functions[rule.endpoint]
        resource = getattr(view, "view_class", None)
        if resource is None or not resource.__module__.startswith("ispyb_em."):
            continue
        module = inspect.getmodule(resource)
        assert resource.__module__.endswith(".api"), (rule.rule, resource.__module__)
        source = inspect.getsource(module)
        assert re.search(rf"^class {resource.__name__}\(Resource\):", source, re.M), rule.rule
        checked += 1
    assert checked > 20


def test_every_em_operation_documents_its_answer(em_app):
    operations = list(_operations(em_app))
    assert len(operations) > 20
    for path, method, operation in operations:
        answers = {c: r for c, r in operation["responses"].items() if c.startswith("2")}
        assert answers, (method, path)
        for code, answer in answers.items():
            assert "schema" in answer, (method, path, code)


def test_every_em_list_answers_the_list_envelope(em_app):
    document = em_app.test_client().get(f"{EM}/swagger.json").get_json()
    lists = 0
    for path, method, operation in _operations(em_app):
        query = {p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"}
        if method != "get" or "offset" not in query:
            continue
        reference = operation["responses"]["200"]["schema"]["$ref"]
        name = reference.rsplit("/", 1)[-1]
        assert name.endswith("List"), (path, name)
        envelope = document["definitions"][name]
        assert {"total", "limit", "offset", "results"} <= set(envelope["properties"]), path
        lists += 1
    assert lists == 10

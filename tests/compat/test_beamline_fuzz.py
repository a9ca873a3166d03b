"""Schemathesis over the beamline write routes of compat's OpenAPI document
(tests/support/fuzz.py), compat talking to the real core in-process: no 5xx, no answer
outside the document."""

from __future__ import annotations

import re

import schemathesis

from tests.compat.beamline_app import COMPAT, build
from tests.compat.test_beamline_writes import MATRIX
from tests.support.fuzz import FuzzReport, check_operation

EXAMPLES_PER_OPERATION = 12


def test_no_beamline_route_answers_outside_its_document(core_app, factory, tokens):
    app = build(core_app)
    factory.session(
        proposalId=factory.proposal(proposalCode="mx", proposalNumber="4001").proposalId
    )
    schema = schemathesis.openapi.from_wsgi(f"{COMPAT}/swagger.json", app)
    mine = {
        (method, re.sub(r"\{\w+\}", "{}", template.partition("?")[0]))
        for method, template, _body, _expected in MATRIX.values()
    }
    report = FuzzReport()
    for result in schema.get_all_operations():
        operation = result.ok()
        path = re.sub(r"\{\w+\}", "{}", operation.path.removeprefix("/pyispyb"))
        if (operation.method.upper(), path) in mine:
            check_operation(operation, tokens.admin(), EXAMPLES_PER_OPERATION, report)
    assert report.operations == len(MATRIX)
    assert report.cases > 5 * report.operations
    assert not report.failures, "\n".join(report.lines())

"""Schemathesis over the beamline write routes of compat's OpenAPI document
(tests/support/fuzz.py), compat talking to the real core in-process: no 5xx, no answer
outside the document."""

from __future__ import annotations

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
        template.partition("?")[0].split("{")[0].rstrip("/")
        for _m, template, _b, _e in MATRIX.values()
    }
    report = FuzzReport()
    for result in schema.get_all_operations():
        operation = result.ok()
        path = operation.path.removeprefix("/pyispyb")
        if any(path.startswith(prefix) for prefix in mine) and "/auth/" not in path:
            check_operation(operation, tokens.admin(), EXAMPLES_PER_OPERATION, report)
    assert report.operations == len(MATRIX)
    assert report.cases > 5 * report.operations
    assert not report.failures, "\n".join(report.lines())

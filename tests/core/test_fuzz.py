"""Schemathesis over every operation of core's OpenAPI document (tests/support/fuzz.py):
no 5xx, no answer outside the document, on both backends, on the demo facility's data."""

from ispyb_core.demo import seed_demo
from tests.support.fuzz import fuzz

EXAMPLES_PER_OPERATION = 12


def test_no_operation_answers_outside_its_document(core_app, tokens):
    seed_demo(core_app.extensions["ispyb_database"])
    report = fuzz(
        core_app,
        "/ispyb/api/v1/core/swagger.json",
        tokens.admin(),
        max_examples=EXAMPLES_PER_OPERATION,
    )
    assert report.operations > 60
    assert report.cases > 5 * report.operations
    assert not report.failures, "\n".join(report.lines())

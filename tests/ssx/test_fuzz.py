"""Schemathesis over every operation of ssx's OpenAPI document (tests/support/fuzz.py),
ssx talking to the real core in-process: no 5xx, no answer outside the document."""

from tests.support.fuzz import fuzz

EXAMPLES_PER_OPERATION = 12


def test_no_operation_answers_outside_its_document(ssx_app, world, tokens):
    report = fuzz(
        ssx_app,
        "/ispyb/api/v1/ssx/swagger.json",
        tokens.admin(),
        max_examples=EXAMPLES_PER_OPERATION,
    )
    assert report.operations > 10
    assert report.cases > 5 * report.operations
    assert not report.failures, "\n".join(report.lines())

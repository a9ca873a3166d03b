"""Schemathesis over every operation of compat's OpenAPI document (tests/support/fuzz.py),
compat calling the real core in-process: no 5xx, no answer outside the document."""

from tests.support.fuzz import fuzz

EXAMPLES_PER_OPERATION = 12


def test_no_operation_answers_outside_its_document(compat_app, world, tokens):
    compat_app.extensions["test_auth"].answers["/config"] = (200, {"plugins": []})
    report = fuzz(
        compat_app,
        "/ispyb/api/v1/compat/swagger.json",
        tokens.admin(),
        max_examples=EXAMPLES_PER_OPERATION,
    )
    assert report.operations > 8
    assert report.cases > 3 * report.operations
    assert not report.failures, "\n".join(report.lines())

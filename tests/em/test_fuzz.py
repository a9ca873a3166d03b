"""Schemathesis over every operation of em's OpenAPI document (tests/support/fuzz.py),
em asking the real core in-process: no 5xx, no answer outside the document."""

from tests.support.fuzz import fuzz

EXAMPLES_PER_OPERATION = 12


def test_no_operation_answers_outside_its_document(world, tokens):
    report = fuzz(
        world.app,
        "/ispyb/api/v1/em/swagger.json",
        tokens.admin(),
        max_examples=EXAMPLES_PER_OPERATION,
    )
    assert report.operations > 20
    assert report.cases > 5 * report.operations
    assert not report.failures, "\n".join(report.lines())

"""Schemathesis over every operation of auth's OpenAPI document (tests/support/fuzz.py),
the login and token endpoints included: no 5xx, no answer outside the document, whatever
the generated body does to the accounts, clients and keys on the way."""

from tests.auth.conftest import AUTH
from tests.support.fuzz import fuzz

EXAMPLES_PER_OPERATION = 12


def test_no_operation_answers_outside_its_document(auth_app, admin_headers):
    report = fuzz(
        auth_app,
        f"{AUTH}/swagger.json",
        admin_headers,
        max_examples=EXAMPLES_PER_OPERATION,
    )
    assert report.operations > 15
    assert report.cases > 5 * report.operations
    assert not report.failures, "\n".join(report.lines())

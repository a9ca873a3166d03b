"""The errors a client can get from core and auth, in the one envelope and details shape
(tests/support/error_walk.py; ssx and em: their test_error_walk.py; 429s:
tests/auth/test_abuse.py and tests/gateway; the gateway's own errors: tests/gateway)."""

from tests.support.error_walk import ROOT, assert_envelope, walk_generic_errors


def test_core_generic_errors(core_app, tokens):
    walk_generic_errors(core_app, tokens.admin(), "core", "/core/proposals", "/core/laboratories")


def test_core_errors_walk(client, core_app, factory, tokens):
    proposal = factory.proposal(proposalCode="mx", proposalNumber="5")
    details = assert_envelope(client.get(f"{ROOT}/core/proposals?nope=1"), 400, "INVALID_PARAMETER")
    assert list(details) == ["nope"]
    member = tokens.user("nobody")
    assert_envelope(
        core_app.test_client().post(
            f"{ROOT}/core/laboratories", json={"name": "x"}, headers=member
        ),
        403,
        "FORBIDDEN",
    )
    assert_envelope(client.get(f"{ROOT}/core/proposals/999999"), 404, "NOT_FOUND")
    body = {"proposalCode": "mx", "proposalNumber": "5", "personId": proposal.personId}
    assert_envelope(client.post(f"{ROOT}/core/proposals", json=body), 409, "CONFLICT")
    big = b'{"name": "' + b"x" * (11 * 1024 * 1024) + b'"}'
    assert_envelope(
        client.post(f"{ROOT}/core/laboratories", data=big, content_type="application/json"),
        413,
        "PAYLOAD_TOO_LARGE",
    )
    details = assert_envelope(
        client.post(
            f"{ROOT}/core/shipment-documents",
            json={"proposalId": proposal.proposalId, "dewars": [{"containers": [{"x": 1}]}]},
        ),
        422,
        "VALIDATION_ERROR",
    )
    assert all("." in key or "[" in key or key.isidentifier() for key in details)
    assert any(key.startswith("dewars[0].containers[0]") for key in details), details

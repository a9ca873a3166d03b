"""The core client every service shares (ispyb_shared.core_client): what it sends, and how
core's answers and failures become typed errors. Behaviour against the real core is in
tests/em/test_core_client.py and tests/ssx."""

from __future__ import annotations

import json

import pytest
import requests
from requests.adapters import BaseAdapter
from urllib3.exceptions import NewConnectionError

from ispyb_shared.auth import Forbidden, Unauthorized
from ispyb_shared.core_client import CoreClient, CoreUnavailable, Credentials
from ispyb_shared.errors import ApiError, Conflict, ValidationFailed

URL = "http://core.test"
CALLER = Credentials("Bearer t0ken", "req-7")


class Scripted(BaseAdapter):
    """Answers each request with the next (status, body) or raises the next exception."""

    def __init__(self, *answers):
        super().__init__()
        self.answers = list(answers)
        self.sent: list[requests.PreparedRequest] = []

    def send(self, request, **_kwargs):
        self.sent.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        status, body = answer
        response = requests.Response()
        response.status_code = status
        response._content = body if isinstance(body, bytes) else json.dumps(body).encode()
        response.request = request
        return response

    def close(self):
        pass


def client(*answers) -> tuple[CoreClient, Scripted]:
    adapter = Scripted(*answers)
    session = requests.Session()
    session.mount(URL + "/", adapter)
    return CoreClient(url=URL, transport=session), adapter


def test_the_callers_credentials_go_along_and_refs_are_quoted():
    core, line = client((200, {"uuid": "x"}))
    core.get_one("sessions", "mx1/../2 3", CALLER, forbidden="no")
    (sent,) = line.sent
    assert sent.url == f"{URL}/ispyb/api/v1/core/sessions/mx1%2F..%2F2%203"
    assert sent.headers["Authorization"] == "Bearer t0ken"
    assert sent.headers["X-Request-ID"] == "req-7"


def test_uuid_in_values_are_quoted_and_answers_never_widen_the_question():
    asked = "0b5e8f4c-1d2a-4c3b-9e8f-7a6b5c4d3e2f"
    core, line = client(
        (
            200,
            {
                "results": [
                    {"uuid": asked.upper()},
                    {"uuid": "11111111-1111-4111-8111-111111111111"},
                ]
            },
        )
    )
    found = core.find_by_uuids(
        "data-collections", [asked, "not a uuid&x=1"], CALLER, forbidden="no"
    )
    assert list(found) == [asked]
    (sent,) = line.sent
    assert sent.path_url == f"/ispyb/api/v1/core/data-collections?uuid.in={asked}&limit=1000"


@pytest.mark.parametrize(
    ("status", "error"),
    [(400, ApiError), (404, ValidationFailed), (409, Conflict), (422, ValidationFailed)],
)
def test_a_refused_write_is_a_typed_error_with_cores_code_and_details(status, error):
    envelope = {"code": "CONFLICT", "message": "taken", "details": {"key": ["Already used."]}}
    if status == 422:
        envelope["code"] = "VALIDATION_ERROR"
    core, _ = client((status, envelope))
    with pytest.raises(error) as raised:
        core.write("PUT", "/things/1", CALLER, body={}, what="the thing", forbidden="no")
    assert raised.value.details == {"key": ["Already used."]}
    assert "taken" in raised.value.message
    assert raised.value.status == (422 if status == 404 else status)


def test_who_core_refuses():
    core, _ = client((401, {}), (403, {}), (403, {}), (404, {"code": "NOT_FOUND"}))
    with pytest.raises(Unauthorized):
        core.get_one("sessions", "1", CALLER, forbidden="no")
    with pytest.raises(Forbidden, match="needs core:read"):
        core.get_one("sessions", "1", CALLER, forbidden="needs core:read")
    with pytest.raises(Forbidden):
        core.write("DELETE", "/x", CALLER, what="x", forbidden="no")
    assert core.get_one("sessions", "1", CALLER, forbidden="no") is None


@pytest.mark.parametrize(
    ("failure", "maybe_done"),
    [
        (requests.ConnectTimeout("slow to connect"), False),
        (requests.ConnectionError(NewConnectionError(None, "refused")), False),
        (requests.ConnectionError("reset by peer"), True),
        (requests.ReadTimeout("no answer in time"), True),
        ((503, {"code": "SERVICE_UNAVAILABLE"}), False),
        ((500, {"code": "INTERNAL_ERROR"}), False),
        ((502, b"<html>bad gateway</html>"), True),
        ((200, b"<html>not json</html>"), True),
    ],
)
def test_a_write_that_fails_says_whether_core_may_have_done_it(failure, maybe_done):
    core, _ = client(failure)
    with pytest.raises(CoreUnavailable) as raised:
        core.write("PUT", "/x", CALLER, body={}, what="x", forbidden="no")
    assert raised.value.maybe_done is maybe_done
    assert raised.value.status == 503
    assert ("nothing was done" in raised.value.message) is not maybe_done


def test_a_read_that_fails_did_nothing():
    core, _ = client(requests.ReadTimeout("no answer"))
    with pytest.raises(CoreUnavailable) as raised:
        core.get_one("sessions", "1", CALLER, forbidden="no")
    assert raised.value.maybe_done is False


def test_an_empty_answer_to_a_delete_is_fine():
    core, _ = client((204, b""))
    assert core.write("DELETE", "/x", CALLER, what="x", forbidden="no").status == 204

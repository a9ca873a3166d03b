"""The Python client against the running stack: logins and client tokens renewed by
themselves, retries while a service is down, errors as exceptions with the envelope's
fields and request id, both kinds of pagination, the demo data as typed results."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from ispyb_api_client import ApiError, AuthenticationError, IspybError, RetryPolicy
from tests.client.conftest import ACCESS_TOKEN_SECONDS, EM_DEMO_DATA_COLLECTION
from tests.e2e.test_make_run import eventually, service_process
from tests.support.fault_proxy import FaultProxy


def test_a_person_logs_in_and_reads_the_demo_proposals(connect):
    alice = connect("alice")
    assert alice.me()["subject"] == "alice"
    names = {proposal["name"] for proposal in alice.proposals()}
    assert names == {"mx1001", "mx999"}
    session = alice.session("mx1001-1")
    assert session["visit"] == "mx1001-1" and session["beamLineName"] == "i03"
    # Every call's request id is exposed, and it is the one the services logged.
    assert alice.last_call.status == 200 and alice.last_call.attempts == 1
    assert alice.last_request_id == alice.last_call.request_id


def test_the_request_id_of_a_call_is_the_one_sent_and_answered(connect, stack):
    frank = connect("frank")
    frank.get("/core/proposals", request_id="client-test-0001")
    assert frank.last_request_id == "client-test-0001"
    entry = stack.wait_for_log(
        lambda: stack.service_log("core"),
        lambda e: e.get("requestId") == "client-test-0001" and e["logger"] == "ispyb.access",
    )
    assert entry["subject"] == "frank"


def test_a_person_token_is_renewed_before_it_expires_by_its_refresh_token(connect):
    # Renew when less than 29 s of the 30 s remain: after a second, every call renews.
    alice = connect("alice", renew_margin=ACCESS_TOKEN_SECONDS - 1)
    alice.me()
    first = alice.tokens.token
    assert first.lifetime == ACCESS_TOKEN_SECONDS
    time.sleep(1.2)
    assert alice.me()["subject"] == "alice"
    second = alice.tokens.token
    assert alice.tokens.renewals == 2
    assert second.access_token != first.access_token
    # Renewed through /token/refresh: the refresh token was rotated, same session.
    assert second.refresh_token and second.refresh_token != first.refresh_token
    assert alice.me()["tokenId"] != ""


def test_a_refused_refresh_token_means_logging_in_again(connect):
    alice = connect("alice", renew_margin=ACCESS_TOKEN_SECONDS - 1)
    alice.me()
    alice.tokens.token.refresh_token = "not-a-refresh-token"
    time.sleep(1.2)
    assert alice.me()["subject"] == "alice"
    assert alice.tokens.renewals == 2
    assert alice.tokens.token.refresh_token != "not-a-refresh-token"


def test_a_client_token_is_renewed_and_a_refused_token_replaced_once(pipeline, connect):
    client = connect(
        client_id="demo-pipeline",
        client_secret="demo-pipeline-secret",
        renew_margin=ACCESS_TOKEN_SECONDS - 1,
    )
    assert client.me()["kind"] == "client"
    first = client.tokens.token.access_token
    time.sleep(1.2)
    client.me()
    assert client.tokens.token.access_token != first and client.tokens.renewals == 2
    # A token the services refuse (revoked, a retired key): a 401, then one new token.
    pipeline.me()
    pipeline.tokens.token.access_token = "eyJhbGciOiJSUzI1NiJ9.e30.bad"
    assert pipeline.me()["subject"] == "demo-pipeline"
    assert pipeline.last_call.attempts == 2 and pipeline.tokens.renewals == 2


def test_a_scope_subset_is_asked_for_and_what_it_does_not_allow_is_refused(connect):
    em_only = connect(
        client_id="demo-pipeline", client_secret="demo-pipeline-secret", scope="em:write"
    )
    assert em_only.me()["scopes"] == ["em:write"]
    with pytest.raises(ApiError) as refused:
        list(em_only.proposals())
    assert refused.value.status == 403 and refused.value.code == "FORBIDDEN"


def test_bad_credentials_raise_an_authentication_error(connect):
    with pytest.raises(AuthenticationError) as refused:
        connect("alice", password="wrong").me()
    assert refused.value.status == 401 and refused.value.code == "UNAUTHORIZED"
    assert refused.value.request_id
    with pytest.raises(AuthenticationError):
        connect(client_id="demo-pipeline", client_secret="wrong").me()


def test_errors_carry_the_envelope_fields_and_request_id(connect):
    frank = connect("frank")
    with pytest.raises(ApiError) as bad_parameter:
        frank.get("/core/proposals", params={"proposalCod": "mx"})
    error = bad_parameter.value
    assert (error.status, error.code) == (400, "INVALID_PARAMETER")
    assert error.fields == ["proposalCod"] and error.details["proposalCod"]
    assert error.request_id == frank.last_request_id and error.request_id in str(error)
    with pytest.raises(ApiError) as invalid:
        frank.post("/core/shipments", {"proposalId": "one", "shippingName": "x" * 500})
    assert invalid.value.status == 422 and invalid.value.code == "VALIDATION_ERROR"
    assert {"proposalId", "shippingName"} <= set(invalid.value.fields)
    with pytest.raises(ApiError) as missing:
        frank.session("mx1001-99")
    assert (missing.value.status, missing.value.code) == (404, "NOT_FOUND")
    # The gateway's own errors are the same envelope.
    with pytest.raises(ApiError) as no_route:
        frank.get("/nothing-here")
    assert no_route.value.status == 404 and no_route.value.request_id


def test_both_paginations_walk_a_list_to_its_end(connect):
    frank = connect("frank")
    everything = frank.get("/core/sessions", params={"limit": 1000})["results"]
    assert len(everything) >= 4
    ids = [row["sessionId"] for row in everything]
    by_cursor = list(frank.pages("/core/sessions", page_size=1))
    assert [p["results"][0]["sessionId"] for p in by_cursor] == ids
    assert all(page["total"] is None for page in by_cursor[1:])  # after= pages: no count
    by_offset = list(frank.pages("/core/sessions", page_size=3, cursor=False))
    assert len(by_offset) == -(-len(ids) // 3)
    assert [row["sessionId"] for page in by_offset for row in page["results"]] == ids
    # Filters and sort are kept from page to page.
    mx1001 = [
        s["visit"]
        for s in frank.paginate(
            "/core/sessions", {"proposal": "mx1001", "sort": "-startDate"}, page_size=1
        )
    ]
    assert mx1001 and all(visit.startswith("mx1001-") for visit in mx1001)
    assert mx1001 == [s["visit"] for s in frank.sessions(proposal="mx1001", sort="-startDate")]


def test_em_movies_are_walked_by_their_own_cursor(connect):
    frank = connect("frank")
    numbers = [
        movie["movieNumber"] for movie in frank.em_movies(EM_DEMO_DATA_COLLECTION, page_size=70)
    ]
    assert numbers[:300] == list(range(1, 301))
    assert numbers == sorted(numbers)
    assert frank.em_summary(EM_DEMO_DATA_COLLECTION)["movies"] == len(numbers)


def test_the_demo_session_summary_is_typed(connect):
    summary = connect("alice").session_summary("mx1001-1")
    assert summary.session["visit"] == "mx1001-1"
    best = [c["bestResult"] for c in summary.data_collections if c.get("bestResult")]
    assert len(best) >= 2
    assert {b["spaceGroup"] for b in best} <= {"P 43 21 2", "P 41 21 2"}
    assert all(0 < b["resolutionLimitHigh"] < b["resolutionLimitLow"] for b in best)
    assert {"session", "dataCollections", "emSummaries"} == set(summary.as_json())
    assert summary.em == {}  # no cryo-EM in mx1001-1


def test_reads_and_keyed_writes_are_retried_while_a_service_restarts(stack, connect, pipeline):
    session_id = pipeline.session("mx1001-1")["sessionId"]
    frank = connect("frank")
    frank.me()  # the token first: auth stays up
    # Core killed: run.py starts it again after a second; meanwhile the gateway answers 502.
    os.killpg(service_process(stack, "core"), signal.SIGKILL)
    proposals = list(frank.proposals())
    assert len(proposals) == 4
    assert frank.last_call.attempts > 1 and frank.last_call.waits

    os.killpg(service_process(stack, "core"), signal.SIGKILL)
    with pytest.raises(ApiError) as not_retried:
        pipeline.post(
            "/core/data-collection-groups", {"sessionId": session_id, "experimentType": "OSC"}
        )
    assert not_retried.value.status in (502, 503, 504)
    assert not_retried.value.code == "SERVICE_UNAVAILABLE"
    assert pipeline.last_call.attempts == 1  # a write without a key is never repeated

    # Serving again, then killed once more: a keyed write waits for it.
    eventually(lambda: stack.gateway("GET", "/ispyb/api/v1/core/health").status == 200)
    os.killpg(service_process(stack, "core"), signal.SIGKILL)
    group = pipeline.post(
        "/core/data-collection-groups",
        {"sessionId": session_id, "experimentType": "OSC"},
        idempotency_key=True,
    )
    assert group["sessionId"] == session_id
    call = pipeline.last_call
    assert call.idempotency_key and call.status == 201
    assert call.attempts > 1 and len(call.waits) == call.attempts - 1


class ScriptedService:
    """A stand-in for a busy service: answers each request with the next (status,
    Retry-After, code) of its script (the last one repeated) and notes the headers."""

    def __init__(self, script):
        self.script = list(script)
        self.seen: list[dict] = []
        service = self

        class Handler(BaseHTTPRequestHandler):
            def answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                status, retry_after, code = service.script[
                    min(len(service.seen), len(service.script) - 1)
                ]
                service.seen.append({k.lower(): v for k, v in self.headers.items()})
                body = {"code": code, "message": "busy", "details": None}
                if status < 400:
                    body = {"ok": True}
                payload = json.dumps(body).encode()
                self.send_response(status)
                if retry_after:
                    self.send_header("Retry-After", retry_after)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = answer

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def scripted():
    started = []

    def start(script):
        started.append(ScriptedService(script))
        return started[-1]

    yield start
    for service in started:
        service.stop()


def test_retry_after_is_honoured(connect, scripted):
    """Retry-After (seconds) waited for as given, within the policy's limit; beyond it the
    error is raised at once. (The local gateway's 429 has none: the last test.)"""
    busy = scripted(
        [(503, "2", "SERVICE_UNAVAILABLE"), (429, "1", "RATE_LIMITED"), (200, None, None)]
    )
    client = connect(url=busy.url)
    assert client.get("/core/health") == {"ok": True}
    assert client.last_call.waits == [2.0, 1.0] and client.last_call.attempts == 3
    assert len({seen["x-request-id"] for seen in busy.seen}) == 1  # one id, every attempt
    too_long = scripted([(503, "600", "SERVICE_UNAVAILABLE"), (200, None, None)])
    impatient = connect(url=too_long.url, retry=RetryPolicy(max_retry_after=30))
    with pytest.raises(ApiError) as refused:
        impatient.get("/core/health")
    assert refused.value.retry_after == 600 and impatient.last_call.attempts == 1


def test_a_keyed_write_whose_first_attempt_is_still_running_is_asked_again(connect, scripted):
    in_use = [(409, None, "IDEMPOTENCY_KEY_IN_USE"), (200, None, None)]
    service = scripted(in_use)
    client = connect(url=service.url)
    assert client.post("/core/things", {"a": 1}, idempotency_key=True) == {"ok": True}
    assert client.last_call.attempts == 2
    keys = {seen["idempotency-key"] for seen in service.seen}
    assert keys == {client.last_call.idempotency_key}
    # Without a key, or another 409 (a real conflict): raised at once.
    unkeyed = scripted(in_use)
    with pytest.raises(ApiError) as conflict:
        connect(url=unkeyed.url).post("/core/things", {"a": 1})
    assert conflict.value.code == "IDEMPOTENCY_KEY_IN_USE" and len(unkeyed.seen) == 1
    duplicate = scripted([(409, None, "CONFLICT"), (200, None, None)])
    with pytest.raises(ApiError) as conflict:
        connect(url=duplicate.url).post("/core/things", {"a": 1}, idempotency_key=True)
    assert conflict.value.code == "CONFLICT" and len(duplicate.seen) == 1


def test_a_lost_answer_is_retried_only_for_a_keyed_write(gateway_url, pipeline, connect):
    """The fault proxy delivers the request and drops the answer, as a network would."""
    proxy = FaultProxy(gateway_url).start()
    try:
        session_id = pipeline.session("mx1001-1")["sessionId"]
        through = connect(
            url=proxy.url, client_id="demo-pipeline", client_secret="demo-pipeline-secret"
        )
        through.me()
        proxy.lose_answers_to = {"POST"}
        body = {"sessionId": session_id, "experimentType": "OSC", "comments": "lost answer"}
        with pytest.raises(IspybError) as lost:
            through.post("/core/data-collection-groups", body)
        assert "no answer after 1 attempt" in str(lost.value)
        assert len(proxy.lost) == 1
        # With a key the write is repeated (same key each time); the proxy loses them all.
        keyed = connect(
            url=proxy.url,
            client_id="demo-pipeline",
            client_secret="demo-pipeline-secret",
            retry=RetryPolicy(retries=2, backoff=0.05),
        )
        proxy.lose_answers_to = set()
        keyed.me()
        proxy.lose_answers_to = {"POST"}
        with pytest.raises(IspybError) as all_lost:
            keyed.post("/core/data-collection-groups", body, idempotency_key="client-test-key-1")
        assert "no answer after 3 attempt" in str(all_lost.value)
        assert len(proxy.lost) == 1 + 3
        assert keyed.last_call.idempotency_key == "client-test-key-1"
        # A lost login answer is repeated too: a login is safe to repeat.
        proxy.lose_answers_to = {"POST"}
        with pytest.raises(IspybError):
            keyed.tokens.token = None
            keyed.me()
        assert proxy.lost[-3:] == ["POST /ispyb/api/v1/auth/token"] * 3
        proxy.lose_answers_to = set()
        group = through.post("/core/data-collection-groups", body, idempotency_key=True)
        assert group["comments"] == "lost answer"
    finally:
        proxy.stop()


def test_a_lost_answer_to_a_keyed_create_is_sent_again_with_its_key(gateway_url, connect):
    """The first answer is lost, the second arrives: one logical call, two attempts, the
    same Idempotency-Key and request id on both (a service honouring the key answers the
    second from its record: 200, Idempotent-Replayed)."""
    proxy = FaultProxy(gateway_url).start()
    try:
        through = connect(
            url=proxy.url, client_id="demo-pipeline", client_secret="demo-pipeline-secret"
        )
        session_id = through.session("mx1001-1")["sessionId"]
        proxy.lose_next = {"POST": 1}
        body = {"sessionId": session_id, "experimentType": "OSC", "comments": "sent again"}
        group = through.post("/core/data-collection-groups", body, idempotency_key=True)
        assert group["comments"] == "sent again"
        call = through.last_call
        assert call.attempts == 2 and proxy.lost == [
            "POST /ispyb/api/v1/core/data-collection-groups"
        ]
        posts = [
            headers
            for method, path, headers in proxy.forwarded
            if method == "POST" and path.endswith("/data-collection-groups")
        ]
        assert [h["Idempotency-Key"] for h in posts] == [call.idempotency_key] * 2
        assert [h["X-Request-ID"] for h in posts] == [call.request_id] * 2
        # Core honoured the key: the second attempt was answered from the first's record,
        # so the group exists once.
        assert call.replayed is True and call.status == 200
        groups = through.get(
            "/core/data-collection-groups", params={"sessionId": session_id, "limit": 1000}
        )
        assert [g["comments"] for g in groups["results"]].count("sent again") == 1
    finally:
        proxy.stop()


def test_no_credentials_reach_public_endpoints_only(connect, gateway_url):
    anonymous = connect()
    anonymous.get("/core/health")
    assert anonymous.last_call.status == 200 and anonymous.tokens is None
    with pytest.raises(ApiError) as refused:
        anonymous.get("/core/proposals")
    assert refused.value.status == 401
    assert requests.get(f"{gateway_url}/ispyb/api/v1/core/health", timeout=10).ok


def test_a_locked_login_name_says_when_to_try_again_and_is_not_waited_for(connect):
    """auth locks a login name after 5 failures from one source for 15 minutes, with
    Retry-After: longer than the policy allows, so the client raises at once."""
    locked = None
    for _ in range(7):
        try:
            connect("erin", password="wrong").me()
        except AuthenticationError:
            continue
        except ApiError as error:
            locked = error
            break
    assert locked is not None and locked.code == "LOGIN_LOCKED" and locked.status == 429
    assert locked.retry_after and locked.retry_after > 120
    # Enough retries to get past the gateway's 429s (10 logins a minute; their Retry-After
    # is what one more login takes to drain from the limit: at most 6 s).
    policy = RetryPolicy(retries=12, backoff=0.5, max_backoff=3, max_retry_after=120)
    client = connect("erin", retry=policy)
    with pytest.raises(ApiError) as refused:
        client.me()
    assert refused.value.code == "LOGIN_LOCKED", refused.value
    assert refused.value.retry_after > 120
    # Not waited for: any wait was a gateway 429's (its Retry-After, or the backoff).
    assert client.last_call.url.endswith("/auth/login") and client.last_call.status == 429
    assert max(client.last_call.waits, default=0) <= 6


def test_the_gateway_rate_limit_on_logins_is_waited_out(connect):
    """The gateway lets 10 logins a minute through per address (gateway/kong.yml, route
    auth-login): the 11th at once is a 429; a client with retries waits until the bucket
    lets it in. Last in this module, as it uses the minute's logins up."""
    with pytest.raises(ApiError) as limited:
        for _ in range(12):
            connect("bob", retry=RetryPolicy(retries=0)).me()
    assert limited.value.status == 429 and limited.value.code == "RATE_LIMITED"
    assert not isinstance(limited.value, AuthenticationError)
    patient = connect("bob", retry=RetryPolicy(retries=10, backoff=0.5, max_backoff=4))
    patient.tokens.access_token()
    login = patient.last_call
    assert login.url.endswith("/ispyb/api/v1/auth/login") and login.status == 200
    assert login.attempts > 1 and login.waits
    assert patient.me()["subject"] == "bob"

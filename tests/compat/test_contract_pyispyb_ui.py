"""py-ispyb-ui's contract (notes/clients.md §1a/1b): each request it makes, with its
parameters, against compat calling the real core → the fields the UI reads, with their
types. Plus who sees what (a compat route never shows what core would not show the
caller), bad input (4xx in the envelope, with py-ispyb's ``detail``), and the login and
refresh in py-ispyb's shape (auth answered by a stand-in)."""

from __future__ import annotations

import pytest

from tests.compat.conftest import PREFIX

PY = f"{PREFIX}/pyispyb"
NUMBER = (int, float)
OPTIONAL_STR = (str, type(None))
OPTIONAL_INT = (int, type(None))


def check(row: dict, fields: dict) -> None:
    for name, kind in fields.items():
        assert name in row, name
        assert isinstance(row[name], kind), (name, row[name])


def envelope(body: dict, skip=0) -> list[dict]:
    check(body, {"results": list, "total": int, "skip": int, "limit": int})
    assert body["skip"] == skip
    return body["results"]


def test_user_current(compat, world, tokens):
    body = compat.get(f"{PY}/user/current", headers=tokens.user("member")).get_json()
    check(
        body,
        {
            "login": str,
            "givenName": OPTIONAL_STR,
            "familyName": OPTIONAL_STR,
            "Permissions": list,
            "personId": OPTIONAL_INT,
            "beamLineGroups": list,
            "beamLines": list,
        },
    )
    assert body["login"] == "member" and body["givenName"] == "Mem"
    assert body["personId"] == world.member.personId


def test_options_ui(compat, world, tokens):
    body = compat.get(f"{PY}/options/ui", headers=tokens.user("member")).get_json()
    check(body, {"motd": str, "beamLineGroups": list})


def test_proposals_with_skip_limit_search(compat, world, tokens):
    headers = tokens.user("member")
    answer = compat.get(f"{PY}/proposals?skip=0&limit=9999&search=Lyso", headers=headers)
    assert answer.status_code == 200
    body = answer.get_json()
    rows = envelope(body)
    assert body["limit"] == 1000  # clamped
    assert [row["proposal"] for row in rows] == ["mx1"]
    check(rows[0], {"proposal": str, "title": str, "state": OPTIONAL_STR, "_metadata": dict})
    assert rows[0]["_metadata"]["sessions"] == 1
    assert envelope(compat.get(f"{PY}/proposals?skip=1", headers=headers).get_json(), 1) == []


def test_sessions_upcoming_previous_and_calendar(compat, world, tokens):
    headers = tokens.user("member")
    rows = envelope(compat.get(f"{PY}/sessions?proposal=mx1", headers=headers).get_json())
    assert len(rows) == 1
    check(
        rows[0],
        {
            "sessionId": int,
            "session": str,
            "proposal": str,
            "beamLineName": str,
            "beamLineOperator": OPTIONAL_STR,
            "startDate": str,
            "endDate": OPTIONAL_STR,
            "_metadata": dict,
        },
    )
    assert rows[0]["session"] == "mx1-1" and rows[0]["proposal"] == "mx1"
    check(rows[0]["_metadata"], {"active": bool, "sessionTypes": list, "datacollections": int})
    assert rows[0]["_metadata"]["datacollections"] == 2
    # the factory's session ran in January 2026: previous, not upcoming
    assert len(envelope(compat.get(f"{PY}/sessions?previous=true", headers=headers).json)) == 1
    assert envelope(compat.get(f"{PY}/sessions?upcoming=true", headers=headers).json) == []
    calendar = compat.get(f"{PY}/sessions?year=2026&month=1&limit=9999", headers=headers).json
    assert len(envelope(calendar)) == 1
    assert envelope(compat.get(f"{PY}/sessions?year=2026&month=2", headers=headers).json) == []
    one = compat.get(f"{PY}/sessions/{world.mx1_1.sessionId}", headers=headers).get_json()
    assert one["session"] == "mx1-1"


def test_events_one_per_group(compat, world, tokens):
    headers = tokens.user("member")
    answer = compat.get(
        f"{PY}/events?skip=0&limit=10&sessionId={world.mx1_1.sessionId}", headers=headers
    )
    rows = envelope(answer.get_json())
    assert len(rows) == 1
    event = rows[0]
    check(
        event,
        {
            "id": int,
            "type": str,
            "startTime": OPTIONAL_STR,
            "endTime": OPTIONAL_STR,
            "count": int,
            "session": str,
            "sessionId": int,
            "proposal": str,
            "blSampleId": OPTIONAL_INT,
            "attachments": int,
            "Item": dict,
        },
    )
    assert event["type"] == "dc" and event["count"] == 2
    assert event["id"] == max(dc.dataCollectionId for dc in world.dcs)
    item = event["Item"]
    check(item, {"dataCollectionId": int, "wavelength": NUMBER, "DataCollectionGroup": dict})
    check(item["DataCollectionGroup"], {"dataCollectionGroupId": int, "experimentType": str})
    check(item["_metadata"], {"snapshots": dict})
    by_group = compat.get(
        f"{PY}/events?dataCollectionGroupId={world.group.dataCollectionGroupId}",
        headers=headers,
    )
    assert [row["count"] for row in envelope(by_group.get_json())] == [2]


def test_event_types(compat, world, tokens):
    answer = compat.get(
        f"{PY}/events/types?sessionId={world.mx1_1.sessionId}", headers=tokens.user("member")
    )
    rows = envelope(answer.get_json())
    # py-ispyb's eventType is the experiment type (a value of /events?eventType)
    assert rows == [{"eventType": "OSC", "eventTypeName": "OSC"}]
    outsider = compat.get(
        f"{PY}/events/types?sessionId={world.mx1_1.sessionId}", headers=tokens.user("outsider")
    )
    assert envelope(outsider.get_json()) == []


def test_samples(compat, world, tokens):
    headers = tokens.user("member")
    rows = envelope(compat.get(f"{PY}/samples?proposal=mx1&limit=1000", headers=headers).json)
    assert len(rows) == 1
    check(rows[0], {"blSampleId": int, "name": str, "Container": dict, "_metadata": dict})
    check(rows[0]["Container"], {"code": OPTIONAL_STR})
    assert isinstance(rows[0]["Crystal"]["Protein"]["acronym"], str)
    check(rows[0]["_metadata"], {"datacollections": int})


def test_proteins(compat, world, tokens):
    headers = tokens.user("member")
    rows = envelope(compat.get(f"{PY}/proteins?proposal=mx1&skip=0&limit=10", headers=headers).json)
    assert len(rows) == 1
    check(rows[0], {"proteinId": int, "acronym": str, "name": OPTIONAL_STR, "_metadata": dict})
    assert rows[0]["_metadata"]["samples"] == 1


# --- who sees what: compat asks core with the caller's own token ---------------------------


@pytest.mark.parametrize(
    "path",
    ["/proposals", "/sessions", "/samples", "/proteins", "/events?sessionId={mx1_session}"],
)
def test_an_outsider_sees_nothing_of_mx1(compat, world, tokens, path):
    answer = compat.get(
        PY + path.format(mx1_session=world.mx1_1.sessionId), headers=tokens.user("outsider")
    )
    assert answer.status_code == 200
    text = answer.get_data(as_text=True)
    assert "mx1-1" not in text and '"mx1"' not in text and "Lysozyme" not in text


def test_an_outsider_gets_404_for_a_session_of_mx1(compat, world, tokens):
    answer = compat.get(f"{PY}/sessions/{world.mx1_1.sessionId}", headers=tokens.user("outsider"))
    assert answer.status_code == 404
    assert answer.get_json()["detail"]


def test_the_callers_token_and_request_id_are_forwarded(compat_app, compat, world, tokens):
    headers = {**tokens.user("member"), "X-Request-ID": "compat-test-1"}
    compat.get(f"{PY}/sessions", headers=headers)
    calls = compat_app.extensions["test_core_line"].calls
    assert calls and all(call.authorization == headers["Authorization"] for call in calls)
    assert all(call.requestId == "compat-test-1" for call in calls)


@pytest.mark.parametrize(
    "path",
    [
        "/user/current",
        "/options/ui",
        "/proposals",
        "/sessions",
        "/sessions/1",
        "/events",
        "/samples",
        "/proteins",
        "/events/types",
    ],
)
def test_every_read_needs_a_token(compat, path):
    answer = compat.get(PY + path)
    assert answer.status_code == 401
    assert answer.get_json()["detail"]


def test_a_fixed_number_of_core_calls_whatever_the_page(compat_app, compat, world, factory, tokens):
    line = compat_app.extensions["test_core_line"]
    headers = tokens.user("member")
    for path in (
        "/proposals",
        "/sessions",
        "/samples",
        "/proteins",
        f"/events?sessionId={world.mx1_1.sessionId}",
        f"/stats/breakdown?sessionId={world.mx1_1.sessionId}",
        f"/stats/times?sessionId={world.mx1_1.sessionId}",
        f"/stats/errors?sessionId={world.mx1_1.sessionId}",
        f"/stats/hourlies?sessionId={world.mx1_1.sessionId}",
        f"/processings/status?dataCollectionIds=[{world.dcs[0].dataCollectionId}]",
    ):
        line.reset()
        compat.get(PY + path, headers=headers)
        few = len(line.calls)
        for _ in range(3):
            group = factory.data_collection_group(world.mx1_1)
            factory.data_collection(group)
            factory.session(proposalId=world.mx1.proposalId)
        line.reset()
        compat.get(PY + path, headers=headers)
        assert len(line.calls) == few, path


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/proposals?skip=-1", "skip"),
        ("/proposals?limit=0", "limit"),
        ("/sessions?limit=ten", "limit"),
        ("/sessions?year=2026&month=13", "month"),
        ("/sessions?month=3", "month"),
        ("/sessions?year=99999", "year"),
        ("/events?sessionId=abc", "sessionId"),
        ("/events?sessionId=99999999999999999999999", "sessionId"),
        ("/samples?proteinId=-4", "proteinId"),
        ("/events/types?sessionId=0", "sessionId"),
        ("/processings/status", "dataCollectionIds"),
        ("/processings/status?dataCollectionIds=[]", "dataCollectionIds"),
        ("/processings/status?dataCollectionIds=[1,", "dataCollectionIds"),
        ('/processings/status?dataCollectionIds=["a"]', "dataCollectionIds"),
        ("/processings/status?dataCollectionIds=[0]", "dataCollectionIds"),
        ("/processings/status?dataCollectionIds=[true]", "dataCollectionIds"),
        ("/processings/status?dataCollectionIds={}", "dataCollectionIds"),
        (
            "/processings/status?dataCollectionIds=[" + ",".join(["1"] * 201) + "]",
            "dataCollectionIds",
        ),
        ("/processings/status?dataCollectionIds=[1]&colour=blue", "colour"),
        ("/stats/breakdown", "sessionId"),
        ("/stats/breakdown?sessionId=x", "sessionId"),
        ("/stats/times?sessionId=0", "sessionId"),
        ("/stats/times?sessionId=1&runId=2", "runId"),
        ("/data/images/header?imageNumber=1", "dataCollectionId"),
        ("/data/images/histogram?dataCollectionId=1&imageNumber=x", "imageNumber"),
        ("/data/images?dataCollectionId=0&imageNumber=1", "dataCollectionId"),
    ],
)
def test_bad_parameters_are_400_naming_the_field(compat, world, tokens, path, field):
    answer = compat.get(PY + path, headers=tokens.user("member"))
    assert answer.status_code == 400
    body = answer.get_json()
    assert field in body["details"] and body["detail"]


def test_unknown_parameters_are_dropped_not_passed_on(compat, world, tokens):
    answer = compat.get(f"{PY}/proposals?colour=blue&order=x", headers=tokens.user("member"))
    assert answer.status_code == 200


# --- login, refresh, auth/config (auth answered by a stand-in) --------------------------------


def test_processing_statuses(compat, world, factory, tokens):
    """The session page's ``/processings/status?dataCollectionIds=[...]``: py-ispyb's
    ``statuses`` by id, each program's runs as ``{status, autoProcProgramId}`` (1 success,
    0 failed, null running) under ``autoIntegration``; one call to core."""
    done, _other = world.dcs
    factory.processing_run(done, "xia2 dials")
    factory.processing_run(done, "xia2 dials", processingStatus=False)
    factory.processing_run(done, "fast_dp", processingStatus=None)
    ids = f"[{done.dataCollectionId},{_other.dataCollectionId},{world.other_dc.dataCollectionId}]"
    body = compat.get(
        f"{PY}/processings/status?dataCollectionIds={ids}", headers=tokens.user("member")
    ).get_json()
    check(body, {"statuses": dict})
    # the other proposal's data collection is not shown
    assert set(body["statuses"]) == {str(done.dataCollectionId), str(_other.dataCollectionId)}
    mine = body["statuses"][str(done.dataCollectionId)]
    check(mine, {"autoIntegration": dict})
    assert {key: mine[key] for key in ("screening", "xrc", "processing", "em")} == dict.fromkeys(
        ("screening", "xrc", "processing", "em")
    )
    assert sorted(
        (name, run["status"]) for name, runs in mine["autoIntegration"].items() for run in runs
    ) == sorted([("xia2 dials", 1), ("xia2 dials", 0), ("fast_dp", None)])
    assert body["statuses"][str(_other.dataCollectionId)]["autoIntegration"] is None
    # a comma-separated list is taken too
    again = compat.get(
        f"{PY}/processings/status?dataCollectionIds={done.dataCollectionId}",
        headers=tokens.user("member"),
    ).get_json()
    assert list(again["statuses"]) == [str(done.dataCollectionId)]


def test_stats_breakdown_and_times_of_a_session(compat, world, tokens):
    """The session and statistics pages' ``/stats/breakdown`` and ``/stats/times``:
    py-ispyb's shapes (times in hours) from a fixed number of calls to core."""
    member = tokens.user("member")
    sid = world.mx1_1.sessionId
    body = compat.get(f"{PY}/stats/breakdown?sessionId={sid}", headers=member).get_json()
    check(body, {"overview": dict, "history": list, "plottables": dict})
    check(
        body["overview"],
        {"duration": NUMBER, "beamLineName": str, "session": str, "counts": dict},
    )
    counts = body["overview"]["counts"]
    check(
        counts,
        {
            "datacollections": int,
            "failed": int,
            "datacollectionTypes": dict,
            "robot": int,
            "edge": int,
            "xrf": int,
        },
    )
    assert counts["datacollections"] == 2 and counts["datacollectionTypes"] == {"OSC": 2}
    assert body["overview"]["session"] == "mx1-1"
    for point in body["history"]:
        check(point, {"eventType": str, "session": str})
    check(body["plottables"], {"time": list, "series": list})
    assert len(body["plottables"]["time"]) == 2
    assert {series["title"] for series in body["plottables"]["series"]} >= {"energy"}

    times = compat.get(f"{PY}/stats/times?sessionId={sid}", headers=member).get_json()
    check(times, {"average": dict, "sessions": list})
    (entry,) = times["sessions"]
    check(entry, {name: NUMBER for name in ("duration", "datacollection", "thinking")})
    assert entry["session"] == "mx1-1" and times["average"]["count"] == 1


def test_auth_config(compat_app, compat):
    compat_app.extensions["test_auth"].answers["/config"] = (
        200,
        {"plugins": [{"name": "local", "kind": "password"}]},
    )
    assert compat.get(f"{PY}/auth/config").get_json() == {
        "plugins": [{"name": "local", "config": {}}]
    }


def test_auth_config_gives_a_keycloak_realm_the_settings_keycloak_js_reads(compat_app, compat):
    """py-ispyb-ui offers SSO for a plugin named keycloak with KEYCLOAK_SERVER_URL,
    KEYCLOAK_REALM_NAME and KEYCLOAK_CLIENT_ID in its config (from auth's public OIDC
    description); another issuer (not a Keycloak realm) gets none."""
    oidc = {"issuer": "https://sso.example.org/auth/realms/esrf", "clientId": "ispyb-ui"}
    compat_app.extensions["test_auth"].answers["/config"] = (
        200,
        {
            "plugins": [
                {"name": "keycloak", "type": "oidc", "oidc": oidc},
                {"name": "google", "type": "oidc", "oidc": {"issuer": "https://accounts.x"}},
            ]
        },
    )
    assert compat.get(f"{PY}/auth/config").get_json() == {
        "plugins": [
            {
                "name": "keycloak",
                "config": {
                    "KEYCLOAK_SERVER_URL": "https://sso.example.org/auth/",
                    "KEYCLOAK_REALM_NAME": "esrf",
                    "KEYCLOAK_CLIENT_ID": "ispyb-ui",
                },
            },
            {"name": "google", "config": {}},
        ]
    }


def _auth_answers(compat_app, *, me_login="member"):
    auth = compat_app.extensions["test_auth"]
    tokens = {"access_token": "a.b.c", "refresh_token": "r-1", "expires_in": 900}
    auth.answers["/login"] = (200, tokens)
    auth.answers["/token/refresh"] = (200, {**tokens, "refresh_token": "r-2"})
    auth.answers["/me"] = (200, {"subject": me_login, "permissions": ["data:read:own"]})
    return auth


def test_login_in_py_ispybs_shape(compat_app, compat):
    auth = _auth_answers(compat_app)
    answer = compat.post(
        f"{PY}/auth/login", json={"plugin": "local", "login": "member", "password": "pw"}
    )
    assert answer.status_code == 201
    body = answer.get_json()
    assert body["token"] == "a.b.c" and body["login"] == "member"
    assert body["permissions"] == ["data:read:own"]
    assert body["refreshToken"] == "r-1" and body["expiresIn"] == 900
    method, path, sent, _ = auth.calls[0]
    assert (method, path, sent) == (
        "POST",
        "/login",
        {"plugin": "local", "username": "member", "password": "pw"},
    )
    assert auth.calls[1][3] == "Bearer a.b.c"  # /me asked with the new token


def test_refresh(compat_app, compat):
    auth = _auth_answers(compat_app)
    answer = compat.post(f"{PY}/auth/refresh", json={"refreshToken": "r-1"})
    assert answer.status_code == 200
    assert answer.get_json()["refreshToken"] == "r-2"
    assert auth.calls[0][2] == {"refresh_token": "r-1"}


def test_a_refused_login_is_401_with_detail(compat_app, compat):
    compat_app.extensions["test_auth"].answers["/login"] = (
        401,
        {"code": "UNAUTHORIZED", "message": "Wrong login or password."},
    )
    answer = compat.post(
        f"{PY}/auth/login", json={"plugin": "local", "login": "member", "password": "no"}
    )
    assert answer.status_code == 401
    assert answer.get_json()["detail"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"login": "a", "password": "b"}, "plugin"),
        ({"plugin": "local", "login": "a"}, "password"),
        ({"plugin": "local", "username": "a", "password": "b"}, "username"),
        ({"plugin": "", "login": "a", "password": "b"}, "plugin"),
    ],
)
def test_bad_login_bodies_are_422_naming_the_field(compat, body, field):
    answer = compat.post(f"{PY}/auth/login", json=body)
    assert answer.status_code in (400, 422)
    assert field in answer.get_json()["details"]


def test_bad_refresh_body(compat):
    answer = compat.post(f"{PY}/auth/refresh", json={"refresh": "x"})
    assert answer.status_code in (400, 422)

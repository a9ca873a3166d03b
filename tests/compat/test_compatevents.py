"""py-ispyb's robot, XRF and energy-scan events in /events (merged with the groups, paged
over the merged stream), /events/types, /sessions/group, /stats/* by proposal, beamline
and run, /stats/parameters/histogram and /stats/runs (docs/compat.md): contract (the
fields py-ispyb-ui reads), who sees what, bad input, and a fixed number of core calls."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.compat.conftest import PREFIX

PY = f"{PREFIX}/pyispyb"
RUNS = [
    {
        "runId": 1,
        "run": "2026-I",
        "startDate": "2026-01-01T00:00:00",
        "endDate": "2026-03-31T23:59:59",
    },
    {
        "runId": 2,
        "run": "2025-II",
        "startDate": "2025-07-01T00:00:00",
        "endDate": "2025-12-31T23:59:59",
    },
]


def at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 1, 1, hour, minute)


@pytest.fixture
def activity(world, factory):
    """mx1-1: its group (at 09:00, two sweeps), two robot actions (08:50 LOAD, 11:00
    UNLOAD), an energy scan (10:00), an XRF spectrum (10:30); the outsider's mx2-1 has a
    robot action too."""
    from ispyb_core.data_collections.models import DataCollectionGroup
    from ispyb_core.energy_scans.models import EnergyScan
    from ispyb_core.robot_actions.models import RobotAction
    from ispyb_core.xrf_spectra.models import XFEFluorescenceSpectrum
    from tests.compat.test_datacollections import _update

    _update(factory, DataCollectionGroup, world.group.dataCollectionGroupId, startTime=at(9))
    sid = world.mx1_1.sessionId
    made = {
        "load": factory._save(
            RobotAction(
                blsessionId=sid,
                blsampleId=world.sample.blSampleId,
                actionType="LOAD",
                status="SUCCESS",
                startTimestamp=at(8, 50),
                endTimestamp=at(8, 52),
            )
        ),
        "unload": factory._save(
            RobotAction(
                blsessionId=sid, actionType="UNLOAD", startTimestamp=at(11), endTimestamp=at(11, 2)
            )
        ),
        "es": factory._save(
            EnergyScan(sessionId=sid, element="Se", startTime=at(10), endTime=at(10, 5))
        ),
        "xrf": factory._save(
            XFEFluorescenceSpectrum(sessionId=sid, startTime=at(10, 30), endTime=at(10, 31))
        ),
        "other": factory._save(
            RobotAction(
                blsessionId=world.mx2_1.sessionId,
                actionType="LOAD",
                startTimestamp=at(12),
                endTimestamp=at(12, 1),
            )
        ),
    }
    return made


def test_events_merge_every_kind_newest_first(compat_app, compat, world, activity, tokens):
    line = compat_app.extensions["test_core_line"]
    line.reset()
    sid = world.mx1_1.sessionId
    answer = compat.get(
        f"{PY}/events?sessionId={sid}&skip=0&limit=25", headers=tokens.user("member")
    )
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["total"] == 5 and body["skip"] == 0 and body["limit"] == 25
    rows = body["results"]
    assert [row["type"] for row in rows] == ["robot", "xrf", "es", "dc", "robot"]
    assert [row["id"] for row in rows] == [
        activity["unload"].robotActionId,
        activity["xrf"].xfeFluorescenceSpectrumId,
        activity["es"].energyScanId,
        max(dc.dataCollectionId for dc in world.dcs),
        activity["load"].robotActionId,
    ]
    for row in rows:
        assert row["session"] == "mx1-1" and row["proposal"] == "mx1" and row["sessionId"] == sid
        assert isinstance(row["Item"], dict) and isinstance(row["count"], int)
    unload, xrf, es, _dc, load = rows
    assert unload["Item"]["actionType"] == "UNLOAD" and "message" in unload["Item"]
    assert load["Item"]["status"] == "SUCCESS" and load["blSampleId"] == world.sample.blSampleId
    assert load["duration"] == 2 and load["startTime"].startswith("2026-01-01T08:50")
    assert es["Item"]["energyScanId"] == activity["es"].energyScanId
    assert es["Item"]["element"] == "Se"
    assert xrf["Item"]["xfeFluorescenceSpectrumId"] == activity["xrf"].xfeFluorescenceSpectrumId
    # one call per kind and one for the page's sweeps
    assert len(line.calls) == 5


def test_events_page_over_the_merged_stream(compat, world, activity, tokens):
    member, sid = tokens.user("member"), world.mx1_1.sessionId
    every = compat.get(f"{PY}/events?sessionId={sid}&limit=25", headers=member).json["results"]
    for skip, limit in ((0, 2), (1, 2), (2, 2), (3, 3), (4, 1), (5, 2)):
        page = compat.get(
            f"{PY}/events?sessionId={sid}&skip={skip}&limit={limit}", headers=member
        ).get_json()
        assert page["total"] == 5 and page["skip"] == skip
        assert [(r["type"], r["id"]) for r in page["results"]] == [
            (r["type"], r["id"]) for r in every[skip : skip + limit]
        ]


def test_events_by_kind(compat, world, activity, tokens):
    member, sid = tokens.user("member"), world.mx1_1.sessionId

    def kinds(query):
        body = compat.get(f"{PY}/events?sessionId={sid}&{query}", headers=member).get_json()
        return body["total"], [row["type"] for row in body["results"]]

    assert kinds("eventType=robot") == (2, ["robot", "robot"])
    assert kinds("eventType=robot&skip=1&limit=1") == (2, ["robot"])
    assert kinds("eventType=xrf") == (1, ["xrf"])
    assert kinds("eventType=es") == (1, ["es"])
    assert kinds("eventType=OSC") == (1, ["dc"])
    assert kinds("eventType=SAD") == (0, [])
    by_sample = compat.get(f"{PY}/events?blSampleId={world.sample.blSampleId}", headers=member)
    assert [row["type"] for row in by_sample.json["results"]] == ["robot"]
    group = world.group.dataCollectionGroupId
    assert kinds(f"dataCollectionGroupId={group}&eventType=robot") == (0, [])
    assert kinds(f"dataCollectionGroupId={group}&eventType=OSC") == (1, ["dc"])


def test_event_types_name_every_kind(compat, world, activity, tokens):
    sid = world.mx1_1.sessionId
    body = compat.get(f"{PY}/events/types?sessionId={sid}", headers=tokens.user("member")).json
    assert body["results"] == [
        {"eventType": "OSC", "eventTypeName": "OSC"},
        {"eventType": "robot", "eventTypeName": "Sample Actions"},
        {"eventType": "xrf", "eventTypeName": "XRF Spectrum"},
        {"eventType": "es", "eventTypeName": "Energy Scan"},
    ]


@pytest.mark.parametrize("caller", ["outsider", "staff-i04"])
def test_events_never_show_what_core_hides(compat, world, activity, tokens, caller):
    headers = (
        tokens.user("outsider")
        if caller == "outsider"
        else tokens.user("heidi", "staff", beamlines=["i04"])
    )
    sid = world.mx1_1.sessionId
    for path in (
        f"/events?sessionId={sid}",
        f"/events?sessionId={sid}&eventType=robot",
        f"/events?blSampleId={world.sample.blSampleId}",
        f"/events/types?sessionId={sid}",
        "/events?eventType=es",
    ):
        answer = compat.get(f"{PY}{path}", headers=headers)
        assert answer.status_code == 200
        assert answer.json["total"] == 0 and answer.json["results"] == [], path
    # their own session's robot action is theirs to see
    mine = compat.get(f"{PY}/events?eventType=robot", headers=headers).json
    assert [row["id"] for row in mine["results"]] == [activity["other"].robotActionId]


@pytest.mark.parametrize(
    "query, field",
    [
        ("skip=990&limit=25", "skip"),
        ("skip=-1", "skip"),
        ("limit=0", "limit"),
        ("sessionId=abc", "sessionId"),
        ("blSampleId=0", "blSampleId"),
        ("eventType=" + "an-event-kind-name-longer-than-forty-five-chars", "eventType"),
    ],
)
def test_events_bad_input(compat, world, tokens, query, field):
    answer = compat.get(f"{PY}/events?{query}", headers=tokens.user("member"))
    assert answer.status_code == 400
    body = answer.get_json()
    assert field in body["details"] and body["detail"]


def test_one_kind_pages_at_any_depth(compat, world, activity, tokens):
    answer = compat.get(
        f"{PY}/events?eventType=robot&skip=990&limit=25", headers=tokens.user("member")
    )
    assert answer.status_code == 200 and answer.json["results"] == []
    assert answer.json["total"] == 2


# --- /sessions/group ---------------------------------------------------------------------


@pytest.fixture
def groups(core_app, tokens):
    answer = core_app.test_client().patch(
        "/ispyb/api/v1/core/options/ui",
        json={"beamlineGroups": [{"name": "MX", "beamlines": ["i03", "i04"]}]},
        headers=tokens.user("frank", "staff"),
    )
    assert answer.status_code == 200, answer.get_json()


def test_sessions_of_a_beamline_group(compat_app, compat, world, groups, tokens):
    line = compat_app.extensions["test_core_line"]
    line.reset()
    body = compat.get(
        f"{PY}/sessions/group?beamLineGroup=MX", headers=tokens.user("frank", "staff")
    ).json
    assert [row["session"] for row in body["results"]] == ["mx1-1", "mx2-1"]
    assert body["total"] == 2
    assert len(line.calls) == 3  # the options, the group's sessions, their counts
    row = body["results"][0]
    for name in ("sessionId", "session", "proposal", "beamLineName", "startDate", "_metadata"):
        assert name in row
    assert row["_metadata"]["uiGroups"] == ["MX"] and row["_metadata"]["datacollections"] == 2
    member = compat.get(f"{PY}/sessions/group?beamLineGroup=MX", headers=tokens.user("member")).json
    assert [row["session"] for row in member["results"]] == ["mx1-1"]
    staff = tokens.user("frank", "staff")
    for query in (
        "beamLineGroup=EM",
        "beamLineGroup=MX&upcoming=true",
        "beamLineGroup=MX&sessionType=commissioning",
    ):
        assert compat.get(f"{PY}/sessions/group?{query}", headers=staff).json["results"] == []
    previous = compat.get(f"{PY}/sessions/group?beamLineGroup=MX&previous=true", headers=staff)
    assert len(previous.json["results"]) == 2


@pytest.mark.parametrize(
    "query, field",
    [
        ("", "beamLineGroup"),
        ("beamLineGroup=MX&upcoming=maybe", "upcoming"),
        ("beamLineGroup=MX&skip=1", "skip"),
        ("beamLineGroup=" + "x" * 101, "beamLineGroup"),
    ],
)
def test_sessions_of_a_group_bad_input(compat, world, tokens, query, field):
    answer = compat.get(f"{PY}/sessions/group?{query}", headers=tokens.user("frank", "staff"))
    assert answer.status_code == 400
    assert field in answer.get_json()["details"]


# --- /stats by proposal, beamline and run; histogram; runs ---------------------------------


@pytest.fixture
def runs(compat_app, monkeypatch):
    monkeypatch.setitem(compat_app.config["ISPYB_CONFIG"], "pyispyb_runs", RUNS)


def test_runs_newest_first(compat, runs, tokens):
    body = compat.get(f"{PY}/stats/runs", headers=tokens.user("member")).get_json()
    assert body["total"] == 2 and [row["run"] for row in body["results"]] == ["2026-I", "2025-II"]
    assert set(body["results"][0]) == {"run", "runId", "startDate", "endDate"}
    page = compat.get(f"{PY}/stats/runs?skip=1&limit=1", headers=tokens.user("member")).json
    assert [row["runId"] for row in page["results"]] == [2]


def test_runs_none_configured(compat, tokens):
    body = compat.get(f"{PY}/stats/runs", headers=tokens.user("member")).get_json()
    assert body == {"results": [], "total": 0, "skip": 0, "limit": 25}


def test_stats_of_a_beamline_run(compat_app, compat, world, activity, runs, tokens):
    staff = tokens.user("frank", "staff")
    line = compat_app.extensions["test_core_line"]
    line.reset()
    body = compat.get(f"{PY}/stats/breakdown?beamLineName=i03&runId=1", headers=staff).get_json()
    assert len(line.calls) == 6  # the sessions, then one call per kind
    overview = body["overview"]
    assert overview["run"] == "2026-I" and overview["startDate"].startswith("2026-01-01")
    assert overview["counts"] == {
        "datacollections": 2,
        "failed": 0,
        "datacollectionTypes": {"OSC": 2},
        "robot": 2,
        "edge": 1,
        "xrf": 1,
    }
    kinds = [point["eventType"] for point in body["history"]]
    assert kinds.count("session") == 1 and kinds.count("robot") == 2
    assert len(body["plottables"]["time"]) == 2
    # another run: no session of i03 started in it
    other = compat.get(f"{PY}/stats/breakdown?beamLineName=i03&runId=2", headers=staff).json
    assert other["overview"]["counts"]["datacollections"] == 0
    errors = compat.get(f"{PY}/stats/errors?beamLineName=i03&runId=1", headers=staff).json
    assert [(t["experimentType"], t["total"]) for t in errors["totals"]] == [("OSC", 2)]
    hourlies = compat.get(f"{PY}/stats/hourlies?beamLineName=i03&runId=1", headers=staff).json
    assert hourlies["loaded"]["average"][8] > 0 and hourlies["datacollections"]["average"][9] > 0
    times = compat.get(f"{PY}/stats/times?beamLineName=i03&runId=1", headers=staff).json
    assert [row["session"] for row in times["sessions"]] == ["mx1-1"]
    assert times["average"]["count"] == 1
    assert times["sessions"][0]["robot"] == pytest.approx(4 / 60)
    # what core hides: the outsider's view of the same run is empty
    outsider = compat.get(
        f"{PY}/stats/breakdown?beamLineName=i03&runId=1", headers=tokens.user("outsider")
    ).json
    assert outsider["overview"]["counts"]["datacollections"] == 0 and outsider["history"] == []


def test_times_and_hourlies_of_a_proposal(compat, world, activity, tokens):
    member = tokens.user("member")
    times = compat.get(f"{PY}/stats/times?proposal=mx1", headers=member).get_json()
    assert [row["session"] for row in times["sessions"]] == ["mx1-1"]
    for name in ("duration", "startup", "datacollection", "edge", "xrf", "robot", "thinking"):
        assert isinstance(times["average"][name], (int, float))
    assert times["average"]["edge"] == pytest.approx(5 / 60)
    hourlies = compat.get(f"{PY}/stats/hourlies?proposal=mx1", headers=member).json
    assert hourlies["datacollections"]["hour"] == list(range(24))
    outsider = compat.get(f"{PY}/stats/times?proposal=mx1", headers=tokens.user("outsider")).json
    assert outsider["sessions"] == [] and outsider["average"]["count"] == 0


def test_parameter_histogram(compat, world, activity, runs, tokens):
    member, sid = tokens.user("member"), world.mx1_1.sessionId
    body = compat.get(f"{PY}/stats/parameters/histogram?sessionId={sid}", headers=member).json
    assert body["parameter"] == "energy" and body["unit"] == "eV"
    (i03,) = body["beamLines"]
    assert i03["beamLineName"] == "i03" and len(i03["bin"]) == len(i03["frequency"]) == 120
    # 0.9763 Å is 12699 eV: the 12600 bin
    assert i03["frequency"][i03["bin"].index(12600)] == 2 and sum(i03["frequency"]) == 2
    staff = tokens.user("frank", "staff")
    by_run = compat.get(
        f"{PY}/stats/parameters/histogram?beamLineName=i03&runId=1&parameter=beamsizex",
        headers=staff,
    ).json
    assert by_run["unit"] == "um" and [b["beamLineName"] for b in by_run["beamLines"]] == ["i03"]
    outsider = compat.get(
        f"{PY}/stats/parameters/histogram?sessionId={sid}", headers=tokens.user("outsider")
    )
    assert outsider.status_code == 404


@pytest.mark.parametrize(
    "route, query, field",
    [
        ("breakdown", "", "sessionId"),
        ("breakdown", "proposal=mx1", "sessionId"),
        ("breakdown", "beamLineName=i03", "sessionId"),
        ("breakdown", "beamLineName=i03&runId=9", "runId"),
        ("breakdown", "beamLineName=i03&runId=x", "runId"),
        ("times", "", "sessionId"),
        ("times", "proposal=" + "x" * 65, "proposal"),
        ("errors", "sessionId=1&colour=red", "colour"),
        (
            "hourlies",
            "beamLineName=a-beamline-name-much-longer-than-forty-five-chars&runId=1",
            "beamLineName",
        ),
        ("parameters/histogram", "sessionId=1&parameter=flux", "parameter"),
        ("parameters/histogram", "", "sessionId"),
        ("runs", "skip=-1", "skip"),
        ("runs", "run=1", "run"),
    ],
)
def test_stats_bad_input(compat, world, runs, tokens, route, query, field):
    answer = compat.get(f"{PY}/stats/{route}?{query}", headers=tokens.user("member"))
    assert answer.status_code == 400, answer.get_json()
    body = answer.get_json()
    assert field in body["details"] and body["detail"]

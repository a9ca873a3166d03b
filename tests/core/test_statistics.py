"""Statistics of a session, a proposal, a beamline: time breakdown, counts, hourly activity
and quality distributions computed in the database, in a fixed number of statements."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from ispyb_core.energy_scans.models import EnergyScan
from ispyb_core.robot_actions.models import RobotAction
from ispyb_core.screenings.models import Screening
from ispyb_core.xrf_spectra.models import XFEFluorescenceSpectrum
from ispyb_shared.testing import count_queries
from tests.support.checks import assert_refused

CORE = "/ispyb/api/v1/core"
DAY = dt.datetime(2026, 1, 1)


def at(hour: int, minute: int = 0, day: dt.datetime = DAY) -> dt.datetime:
    return day + dt.timedelta(hours=hour, minutes=minute)


@pytest.fixture
def world(factory):
    """mx1-1 on i03 (08:00-20:00) with sweeps, robot actions, a scan, a spectrum and a
    screening; mx1-2 on i04 a month later; mx2-1 on i03, another proposal."""
    f = factory
    mx1 = f.proposal(proposalCode="mx", proposalNumber="1")
    mx2 = f.proposal(proposalCode="mx", proposalNumber="2")
    session = f.session(
        proposalId=mx1.proposalId,
        visit_number=1,
        beamLineName="i03",
        startDate=at(8),
        endDate=at(20),
    )
    group = f.data_collection_group(session)

    def sweep(start, end, images, status):
        return f.data_collection(
            group, startTime=start, endTime=end, numberOfImages=images, runStatus=status
        )

    dc1 = sweep(at(9), at(9, 30), 100, "DataCollection Successful")
    dc2 = sweep(at(9, 20), at(9, 40), 50, "DataCollection Failed")  # overlaps dc1
    dc3 = sweep(at(11), at(11, 10), 10, "DataCollection Stopped")
    dc4 = sweep(at(19, 50), at(20, 30), 20, None)  # runs past the session's end
    sweep(at(12), None, 5, "DataCollection Successful")  # no end: counted, no time
    # dc1: an incomplete result with a better resolution loses to a complete one.
    f.processing_run(
        dc1, overall={"resolutionLimitHigh": 1.5, "completeness": 80.0, "ccHalf": 0.995}
    )
    f.processing_run(
        dc1,
        overall={
            "resolutionLimitHigh": 1.8,
            "completeness": 99.0,
            "ccHalf": 99.0,
            "meanIOverSigI": 12.0,
        },
    )
    f.processing_run(
        dc2,
        overall={
            "resolutionLimitHigh": 2.5,
            "completeness": 95.0,
            "ccHalf": 98.0,
            "meanIOverSigI": 8.0,
        },
    )
    f.processing_run(dc3, overall={"resolutionLimitHigh": 1.0}, processingStatus=False)
    f.processing_run(
        dc4,
        overall={
            "resolutionLimitHigh": 3.5,
            "completeness": 60.0,
            "ccHalf": 0.5,  # a fraction: 50 %
            "meanIOverSigI": 2.0,
        },
    )
    sid = session.sessionId
    f._save(
        RobotAction(
            blsessionId=sid,
            actionType="LOAD",
            status="SUCCESS",
            startTimestamp=at(8, 50),
            endTimestamp=at(8, 55),
        )
    )
    f._save(  # during dc1: adds nothing to the busy time
        RobotAction(
            blsessionId=sid,
            actionType="LOAD",
            status="ERROR",
            startTimestamp=at(9, 25),
            endTimestamp=at(9, 27),
        )
    )
    f._save(EnergyScan(sessionId=sid, element="Se", startTime=at(10), endTime=at(10, 5)))
    f._save(XFEFluorescenceSpectrum(sessionId=sid, startTime=at(10, 30), endTime=at(10, 32)))
    f._save(Screening(dataCollectionId=dc1.dataCollectionId, bltimeStamp=at(9, 35)))

    later = f.session(
        proposalId=mx1.proposalId,
        visit_number=2,
        beamLineName="i04",
        startDate=dt.datetime(2026, 2, 1, 8),
    )
    f.data_collection(
        f.data_collection_group(later),
        startTime=dt.datetime(2026, 2, 1, 10),
        endTime=dt.datetime(2026, 2, 1, 10, 10),
        numberOfImages=7,
    )
    other = f.session(
        proposalId=mx2.proposalId,
        visit_number=1,
        beamLineName="i03",
        startDate=dt.datetime(2026, 3, 1, 8),
    )
    f.data_collection(
        f.data_collection_group(other),
        startTime=dt.datetime(2026, 3, 1, 9),
        endTime=dt.datetime(2026, 3, 1, 9, 1),
        numberOfImages=1,
    )
    member = f.person(login="member")
    f.proposal_member(mx1, member)
    return {"session": session, "member": member}


def test_session_statistics(client, world):
    response = client.get(f"{CORE}/sessions/mx1-1/statistics?bins=2")
    assert response.status_code == 200, response.json
    body = response.json
    assert body["visit"] == "mx1-1"
    assert body["sessionId"] == world["session"].sessionId
    assert body["since"] is None and body["until"] is None
    assert body["timeBreakdown"] == {
        "unit": "s",
        "collecting": 1800 + 1200 + 600 + 600,  # dc4 clipped at 20:00
        "robot": 300 + 120,
        "energyScans": 300,
        "xrf": 120,
        # dc1 and dc2 together 09:00-09:40, the robot action inside them counted once
        "busy": 2400 + 600 + 600 + 300 + 300 + 120,
        "idle": 12 * 3600 - 4320,
        "total": 12 * 3600,
    }
    counts = body["counts"]
    by_status = counts.pop("runStatus")
    assert counts == {
        "sessions": 1,
        "dataCollections": 5,
        "dataCollectionsFailed": 1,
        "dataCollectionsAborted": 1,
        "images": 185,
        "robotActions": 2,
        "robotActionsFailed": 1,
        "energyScans": 1,
        "xrfSpectra": 1,
        "screenings": 1,
    }
    assert {row["runStatus"]: row["count"] for row in by_status} == {
        "DataCollection Successful": 2,
        "DataCollection Failed": 1,
        "DataCollection Stopped": 1,
        None: 1,
    }
    assert by_status[0] == {"runStatus": "DataCollection Successful", "count": 2}
    assert body["hourly"] == [
        {"hour": "2026-01-01T09:00:00", "dataCollections": 2, "images": 150},
        {"hour": "2026-01-01T11:00:00", "dataCollections": 1, "images": 10},
        {"hour": "2026-01-01T12:00:00", "dataCollections": 1, "images": 5},
        {"hour": "2026-01-01T19:00:00", "dataCollections": 1, "images": 20},
    ]
    quality = body["quality"]
    resolution = quality["resolution"]
    assert resolution["unit"] == "Å"
    assert resolution["count"] == 3  # dc3's only run failed
    assert resolution["min"] == pytest.approx(1.8)
    assert resolution["max"] == pytest.approx(3.5)
    assert resolution["mean"] == pytest.approx((1.8 + 2.5 + 3.5) / 3)
    assert [b["count"] for b in resolution["bins"]] == [2, 1]
    assert resolution["bins"][0]["from"] == pytest.approx(1.8)
    assert resolution["bins"][0]["to"] == pytest.approx(2.65)
    assert resolution["bins"][1]["to"] == pytest.approx(3.5)
    assert quality["completeness"]["unit"] == "%"
    assert quality["completeness"]["mean"] == pytest.approx((99 + 95 + 60) / 3)
    assert quality["ccHalf"]["unit"] == "%"
    assert quality["ccHalf"]["min"] == pytest.approx(50.0)  # the fraction, in percent
    assert quality["ccHalf"]["max"] == pytest.approx(99.0)
    assert quality["meanIOverSigI"]["unit"] == ""
    assert [b["count"] for b in quality["meanIOverSigI"]["bins"]] == [1, 2]


def test_the_best_result_is_the_one_the_session_list_shows(client, world):
    sweeps = client.get(f"{CORE}/sessions/mx1-1/data-collections").json["results"]
    best = sorted(s["bestResult"]["resolutionLimitHigh"] for s in sweeps if s.get("bestResult"))
    resolution = client.get(f"{CORE}/sessions/mx1-1/statistics").json["quality"]["resolution"]
    assert (resolution["min"], resolution["max"], resolution["count"]) == pytest.approx(
        (best[0], best[-1], len(best))
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_database_ranks_the_best_result_as_the_session_list_does(client, factory, seed):
    """statistics ranks in SQL, the session list in Python (processing.result_quality):
    over sweeps with several results each, ties, an unknown (0 or no) resolution, no
    completeness, the 90 % threshold on both sides and CC½ in both conventions, every
    figure's values are those of the sweeps' best results."""
    rng = random.Random(seed)
    proposal = factory.proposal(proposalCode="mx", proposalNumber="7")
    session = factory.session(
        proposalId=proposal.proposalId, visit_number=1, startDate=at(0), endDate=at(23)
    )
    group = factory.data_collection_group(session)
    for minute in range(20):
        sweep = factory.data_collection(
            group, startTime=at(1, minute), endTime=at(1, minute + 1), numberOfImages=10
        )
        for _ in range(rng.randint(1, 4)):
            factory.processing_run(
                sweep,
                overall={
                    "resolutionLimitHigh": rng.choice([None, 0.0, 1.2, 1.5, 1.5, 2.0, 3.1]),
                    "completeness": rng.choice([None, 50.0, 89.9, 90.0, 99.0, 99.0]),
                    "ccHalf": rng.choice([None, 0.42, 0.99, 42.0, 99.0]),
                    "meanIOverSigI": rng.choice([None, 1.5, 8.0, 15.0]),
                },
                processingStatus=rng.choice([True, True, True, False]),
            )
    sweeps = client.get(f"{CORE}/sessions/mx7-1/data-collections?limit=100").json["results"]
    best = [s["bestResult"] for s in sweeps if s.get("bestResult")]
    quality = client.get(f"{CORE}/sessions/mx7-1/statistics").json["quality"]
    for figure, key in (
        ("resolution", "resolutionLimitHigh"),
        ("completeness", "completeness"),
        ("ccHalf", "ccHalf"),
        ("meanIOverSigI", "meanIOverSigI"),
    ):
        values = [b[key] for b in best if b[key] is not None]
        answer = quality[figure]
        assert answer["count"] == len(values), figure
        if values:
            assert (answer["min"], answer["max"], answer["mean"]) == pytest.approx(
                (min(values), max(values), sum(values) / len(values)), rel=1e-5
            ), figure


def test_a_period_keeps_the_rows_starting_in_it_and_clips_the_times(client, world):
    body = client.get(
        f"{CORE}/sessions/mx1-1/statistics?since=2026-01-01T09:30:00&until=2026-01-01T19:55"
    ).json
    assert body["since"] == "2026-01-01T09:30:00"
    times = body["timeBreakdown"]
    # dc3 (600 s) and dc4 clipped to 19:50-19:55 (300 s); dc1, dc2 started before.
    assert times["collecting"] == 900
    assert times["robot"] == 0
    assert times["total"] == 10 * 3600 + 25 * 60
    assert times["busy"] == 900 + 300 + 120
    assert body["counts"]["dataCollections"] == 3
    assert body["counts"]["screenings"] == 1
    assert [h["hour"] for h in body["hourly"]] == [
        "2026-01-01T11:00:00",
        "2026-01-01T12:00:00",
        "2026-01-01T19:00:00",
    ]


def test_an_empty_session(client, factory):
    factory.session(
        proposalId=factory.proposal(proposalCode="mx", proposalNumber="9").proposalId,
        visit_number=1,
        startDate=at(8),
        endDate=at(10),
    )
    body = client.get(f"{CORE}/sessions/mx9-1/statistics").json
    assert body["timeBreakdown"]["total"] == 7200
    assert body["timeBreakdown"]["idle"] == 7200
    assert body["counts"]["dataCollections"] == 0
    assert body["hourly"] == []
    assert body["quality"]["resolution"] == {
        "unit": "Å",
        "count": 0,
        "min": None,
        "max": None,
        "mean": None,
        "bins": [],
    }


def test_a_session_without_dates_is_as_long_as_its_activity(client, factory):
    session = factory.session(startDate=None, endDate=None)
    group = factory.data_collection_group(session)
    factory.data_collection(group, startTime=at(9), endTime=at(9, 10))
    factory.data_collection(group, startTime=at(9, 50), endTime=at(10), numberOfImages=3)
    times = client.get(f"{CORE}/sessions/{session.sessionId}/statistics").json["timeBreakdown"]
    assert (times["total"], times["busy"], times["idle"]) == (3600, 1200, 2400)


def test_proposal_statistics_cover_its_sessions(client, world, tokens, core_app):
    body = client.get(f"{CORE}/proposals/mx1/statistics").json
    assert body["proposal"] == "mx1"
    assert body["counts"]["sessions"] == 2
    assert body["counts"]["dataCollections"] == 6
    assert body["timeBreakdown"]["total"] == 12 * 3600 + 24 * 3600
    assert body["timeBreakdown"]["collecting"] == 4200 + 600
    member = core_app.test_client()
    member.environ_base["HTTP_AUTHORIZATION"] = tokens.user("member")["Authorization"]
    assert member.get(f"{CORE}/proposals/mx1/statistics").json["counts"] == body["counts"]
    # Staff of i04 see only the proposal's session on i04.
    staff = core_app.test_client()
    staff.environ_base["HTTP_AUTHORIZATION"] = tokens.user("grace", "staff", beamlines=["i04"])[
        "Authorization"
    ]
    seen = staff.get(f"{CORE}/proposals/mx1/statistics").json
    assert seen["counts"]["sessions"] == 1
    assert seen["counts"]["dataCollections"] == 1


def test_beamline_statistics_over_a_period(client, world):
    body = client.get(
        f"{CORE}/beamlines/i03/statistics?since=2026-01-01T10:00&until=2026-01-01T12:00"
    ).json
    assert body["beamLineName"] == "i03"
    assert body["timeBreakdown"] == {
        "unit": "s",
        "collecting": 600,
        "robot": 0,
        "energyScans": 300,
        "xrf": 120,
        "busy": 1020,
        "idle": 7200 - 1020,
        "total": 7200,  # mx2-1, on i03 in March, is outside the period
    }
    assert body["counts"]["sessions"] == 2
    assert body["counts"]["dataCollections"] == 1
    whole = client.get(f"{CORE}/beamlines/i03/statistics").json
    assert whole["counts"]["dataCollections"] == 6
    assert client.get(f"{CORE}/beamlines/nowhere/statistics").json["counts"]["sessions"] == 0


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("bins=0", "bins"),
        ("bins=101", "bins"),
        ("bins=ten", "bins"),
        ("bins=-1", "bins"),
        ("since=yesterday", "since"),
        ("until=2026-13-01", "until"),
        ("since=2026-01-02&until=2026-01-01", "until"),
        ("since=2026-01-01&until=2026-01-01", "until"),
        ("binz=3", "binz"),
        ("fields=nope", None),
    ],
)
@pytest.mark.parametrize(
    "path", ["/sessions/mx1-1/statistics", "/proposals/mx1/statistics", "/beamlines/i03/statistics"]
)
def test_bad_input_is_refused_naming_the_parameter(client, world, path, query, field):
    response = client.get(f"{CORE}{path}?{query}")
    assert_refused(response, 400, response.json["code"], field)


def test_unknown_session_and_proposal(client, world):
    assert client.get(f"{CORE}/sessions/mx1-99/statistics").status_code == 404
    assert client.get(f"{CORE}/proposals/mx404/statistics").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/sessions/{visit}/statistics",
        "/proposals/{proposal}/statistics",
        "/beamlines/i03/statistics",
    ],
)
def test_statement_count_does_not_grow_with_the_rows(client, core_db, factory, path):
    proposal = factory.proposal(proposalCode="mx", proposalNumber="7")
    session = factory.session(proposalId=proposal.proposalId, visit_number=1)
    group = factory.data_collection_group(session)
    url = CORE + path.format(visit="mx7-1", proposal="mx7")
    statements = {}
    sweeps = 0
    for size in (2, 12):  # two values at least: the buckets are counted
        while sweeps < size:
            sweep = factory.data_collection(
                group, startTime=at(9, sweeps), endTime=at(9, sweeps + 1), numberOfImages=10
            )
            factory.processing_run(sweep, overall={"resolutionLimitHigh": 1.5 + sweeps})
            factory._save(
                RobotAction(
                    blsessionId=session.sessionId,
                    startTimestamp=at(10, sweeps),
                    endTimestamp=at(10, sweeps + 1),
                )
            )
            sweeps += 1
        with count_queries(core_db.engine) as counter:
            response = client.get(url)
        assert response.status_code == 200, response.json
        assert response.json["counts"]["dataCollections"] == size
        statements[size] = counter.count
    assert statements[2] == statements[12], statements
    assert statements[12] <= 7, statements


def test_a_sparse_fieldset(client, world):
    body = client.get(f"{CORE}/sessions/mx1-1/statistics?fields=visit,counts").json
    assert set(body) == {"visit", "counts"}

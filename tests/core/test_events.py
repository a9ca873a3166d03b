"""Timelines: GET /sessions/{ref}/events (and by proposal, sample, beamline), one
time-ordered, cursor-paged stream of what a beamline recorded, in a fixed number of
statements per page."""

import datetime as dt

import pytest
from PIL import Image as PILImage

from ispyb_core.energy_scans.models import EnergyScan
from ispyb_core.images.models import Image
from ispyb_core.robot_actions.models import RobotAction
from ispyb_core.screenings.models import Screening
from ispyb_core.xrf_spectra.models import XFEFluorescenceSpectrum
from tests.conftest import service_config
from tests.support.checks import assert_refused
from tests.support.round_trips import sent_to

CORE = "/ispyb/api/v1/core"
SECRET = "test-signing-secret-0123456789"


def at(hour, minute=0):
    return dt.datetime(2026, 1, 1, hour, minute)


@pytest.fixture
def world(factory):
    member, outsider = factory.person(login="member"), factory.person(login="outsider")
    mine = factory.proposal(proposalCode="mx", proposalNumber="1")
    theirs = factory.proposal(proposalCode="mx", proposalNumber="2")
    session = factory.session(proposalId=mine.proposalId, visit_number=1, beamLineName="i03")
    later = factory.session(proposalId=mine.proposalId, visit_number=2, beamLineName="i04")
    other = factory.session(proposalId=theirs.proposalId, visit_number=1, beamLineName="i03")
    factory.proposal_member(mine, member)
    factory.session_member(session, member)
    factory.proposal_member(theirs, outsider)
    factory.session_member(other, outsider)
    sample, spare = factory.shipment_in_proposal(mine, samples=2)["samples"]
    sid = session.sessionId
    group = factory.data_collection_group(
        session, blSampleId=sample.blSampleId, startTime=at(9), endTime=at(10)
    )
    first = factory.data_collection(
        group,
        startTime=at(9),
        endTime=at(9, 30),
        runStatus="DataCollection Successful",
        imagePrefix="thau",
        numberOfImages=3600,
    )
    second = factory.data_collection(
        group, startTime=at(9, 40), endTime=at(10), runStatus="DataCollection Failed"
    )
    factory.processing_run(first, "xia2")
    action = factory._save(
        RobotAction(
            blsessionId=sid,
            blsampleId=sample.blSampleId,
            actionType="LOAD",
            status="SUCCESS",
            startTimestamp=at(8, 50),
            endTimestamp=at(8, 55),
        )
    )
    scan = factory._save(
        EnergyScan(sessionId=sid, blSampleId=spare.blSampleId, element="Se", startTime=at(11))
    )
    spectrum = factory._save(XFEFluorescenceSpectrum(sessionId=sid, energy=13.5, startTime=at(12)))
    screening = factory._save(
        Screening(dataCollectionId=first.dataCollectionId, bltimeStamp=at(9, 35))
    )
    # Another session of the proposal, on another beamline, and another proposal's.
    elsewhere = factory.data_collection(factory.data_collection_group(later), startTime=at(14))
    theirs_dc = factory.data_collection(factory.data_collection_group(other), startTime=at(13))
    factory._save(
        RobotAction(blsessionId=other.sessionId, actionType="LOAD", startTimestamp=at(13))
    )
    return {
        "session": session,
        "sample": sample,
        "spare": spare,
        "group": group,
        "first": first,
        "second": second,
        "action": action,
        "scan": scan,
        "spectrum": spectrum,
        "screening": screening,
        "elsewhere": elsewhere,
        "theirs": theirs_dc,
    }


def _keys(response):
    assert response.status_code == 200, response.json
    return [(event["type"], event["id"]) for event in response.json["results"]]


def test_a_session_timeline_is_every_kind_of_event_newest_first(client, world):
    response = client.get(f"{CORE}/sessions/mx1-1/events")
    w = world
    assert _keys(response) == [
        ("xrfSpectrum", w["spectrum"].xfeFluorescenceSpectrumId),
        ("energyScan", w["scan"].energyScanId),
        ("dataCollection", w["second"].dataCollectionId),
        ("screening", w["screening"].screeningId),
        ("dataCollection", w["first"].dataCollectionId),
        ("robotAction", w["action"].robotActionId),
    ]
    body = response.json
    assert body["total"] is None and body["links"]["next"] is None
    events = {(e["type"], e["id"]): e for e in body["results"]}
    first = events[("dataCollection", w["first"].dataCollectionId)]
    assert first["uuid"] == w["first"].uuid
    assert first["startTime"] == "2026-01-01T09:00:00"
    assert first["endTime"] == "2026-01-01T09:30:00"
    assert first["status"] == "DataCollection Successful"
    assert first["sessionId"] == w["session"].sessionId
    assert first["blSampleId"] == w["sample"].blSampleId
    assert first["sampleName"] == w["sample"].name
    assert first["dataCollectionGroupId"] == w["group"].dataCollectionGroupId
    assert first["title"].startswith("OSC thau_")
    assert first["bestResult"]["processingPrograms"] == "xia2"
    assert first["bestResult"]["resolutionLimitHigh"] == 1.8
    assert first["item"]["numberOfImages"] == 3600
    assert first["thumbnailUrl"] is None  # this core serves no files
    second = events[("dataCollection", w["second"].dataCollectionId)]
    assert second["bestResult"] is None and second["status"] == "DataCollection Failed"
    action = events[("robotAction", w["action"].robotActionId)]
    assert action["status"] == "SUCCESS" and action["item"]["actionType"] == "LOAD"
    assert action["title"] == f"LOAD {w['sample'].name}"
    assert action["bestResult"] is None
    scan = events[("energyScan", w["scan"].energyScanId)]
    assert scan["item"]["element"] == "Se" and scan["sampleName"] == w["spare"].name
    assert scan["status"] is None
    spectrum = events[("xrfSpectrum", w["spectrum"].xfeFluorescenceSpectrumId)]
    assert spectrum["item"]["energy"] == 13.5 and spectrum["blSampleId"] is None
    screening = events[("screening", w["screening"].screeningId)]
    assert screening["sessionId"] == w["session"].sessionId
    assert screening["dataCollectionGroupId"] == w["group"].dataCollectionGroupId
    assert screening["item"]["dataCollectionId"] == w["first"].dataCollectionId
    # By id and UUID too; oldest first on request.
    assert _keys(client.get(f"{CORE}/sessions/{w['session'].uuid}/events")) == _keys(response)
    ascending = client.get(f"{CORE}/sessions/{w['session'].sessionId}/events?sort=startTime")
    assert _keys(ascending) == list(reversed(_keys(response)))


def test_group_true_answers_one_event_per_group(client, world):
    response = client.get(f"{CORE}/sessions/mx1-1/events?group=true&type=dataCollectionGroup")
    assert _keys(response) == [("dataCollectionGroup", world["group"].dataCollectionGroupId)]
    group = response.json["results"][0]
    assert group["item"]["dataCollections"] == [
        world["first"].dataCollectionId,
        world["second"].dataCollectionId,
    ]
    assert group["item"]["numberOfImages"] == 3600
    assert group["bestResult"]["processingPrograms"] == "xia2"
    assert group["title"] == "OSC: 2 sweeps"
    everything = _keys(client.get(f"{CORE}/sessions/mx1-1/events?group=true"))
    assert [name for name, _ in everything].count("dataCollection") == 0
    assert len(everything) == 5


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("type=robotAction,energyScan", ["energyScan", "robotAction"]),
        ("status=SUCCESS,DataCollection Failed", ["dataCollection", "robotAction"]),
        ("since=2026-01-01T09:35:00", ["xrfSpectrum", "energyScan", "dataCollection", "screening"]),
        ("until=2026-01-01T09:35:00", ["dataCollection", "robotAction"]),
        (
            "since=2026-01-01T09:00:00&until=2026-01-01T11:00:00",
            ["dataCollection", "screening", "dataCollection"],
        ),
        ("blSampleId={sample}", ["dataCollection", "screening", "dataCollection", "robotAction"]),
        ("blSampleId.in={sample},{spare}&type=energyScan", ["energyScan"]),
        ("updatedSince=2026-01-01T10:30:00", ["xrfSpectrum", "energyScan"]),
        ("updatedSince=2026-01-01T09:58:00", ["xrfSpectrum", "energyScan", "dataCollection"]),
    ],
)
def test_filters(client, world, query, expected):
    query = query.format(sample=world["sample"].blSampleId, spare=world["spare"].blSampleId)
    response = client.get(f"{CORE}/sessions/mx1-1/events?{query}")
    assert [name for name, _ in _keys(response)] == expected


def test_updated_since_sees_a_sweep_whose_processing_changed(client, factory, world):
    from ispyb_core.processing.models import AutoProcIntegration, AutoProcProgram

    program = factory._save(AutoProcProgram(processingPrograms="autoPROC", recordTimeStamp=at(15)))
    factory._save(
        AutoProcIntegration(
            dataCollectionId=world["second"].dataCollectionId,
            autoProcProgramId=program.autoProcProgramId,
        )
    )
    response = client.get(f"{CORE}/sessions/mx1-1/events?updatedSince=2026-01-01T14:00:00")
    assert _keys(response) == [("dataCollection", world["second"].dataCollectionId)]


def test_pages_follow_the_cursor_to_the_end(client, world):
    everything = _keys(client.get(f"{CORE}/sessions/mx1-1/events"))
    for sort in ("-startTime", "startTime"):
        url = f"{CORE}/sessions/mx1-1/events?limit=2&sort={sort}"
        seen = []
        while url:
            response = client.get(url)
            seen += _keys(response)
            assert len(response.json["results"]) <= 2
            url = response.json["links"]["next"]
        assert seen == (everything if sort.startswith("-") else list(reversed(everything)))


def test_events_at_the_same_time_and_without_time_page_stably(client, factory, world):
    sid = world["session"].sessionId
    for _ in range(3):
        factory._save(RobotAction(blsessionId=sid, actionType="WASH", startTimestamp=at(12)))
        factory._save(XFEFluorescenceSpectrum(sessionId=sid, startTime=None))
        factory._save(EnergyScan(sessionId=sid, startTime=at(12)))
    everything = _keys(client.get(f"{CORE}/sessions/mx1-1/events?limit=100"))
    assert len(everything) == 15
    for sort in ("-startTime", "startTime"):
        url = f"{CORE}/sessions/mx1-1/events?limit=4&sort={sort}"
        seen = []
        while url:
            response = client.get(url)
            seen += _keys(response)
            url = response.json["links"]["next"]
        assert seen == (everything if sort.startswith("-") else list(reversed(everything)))


def test_proposal_sample_and_beamline_timelines(client, world):
    w = world
    proposal = _keys(client.get(f"{CORE}/proposals/mx1/events?type=dataCollection"))
    assert proposal == [
        ("dataCollection", w["elsewhere"].dataCollectionId),
        ("dataCollection", w["second"].dataCollectionId),
        ("dataCollection", w["first"].dataCollectionId),
    ]
    sample = _keys(client.get(f"{CORE}/samples/{w['spare'].uuid}/events"))
    assert sample == [("energyScan", w["scan"].energyScanId)]
    beamline = _keys(client.get(f"{CORE}/beamlines/i03/events?type=dataCollection"))
    assert beamline == [
        ("dataCollection", w["theirs"].dataCollectionId),
        ("dataCollection", w["second"].dataCollectionId),
        ("dataCollection", w["first"].dataCollectionId),
    ]
    assert _keys(client.get(f"{CORE}/beamlines/nowhere/events")) == []


def test_each_caller_sees_only_the_rows_they_may(core_app, tokens, world):
    member = core_app.test_client()
    member.environ_base["HTTP_AUTHORIZATION"] = tokens.user("member")["Authorization"]
    outsider = core_app.test_client()
    outsider.environ_base["HTTP_AUTHORIZATION"] = tokens.user("outsider")["Authorization"]
    assert len(_keys(member.get(f"{CORE}/sessions/mx1-1/events"))) == 6
    assert outsider.get(f"{CORE}/sessions/mx1-1/events").status_code == 404
    assert outsider.get(f"{CORE}/proposals/mx1/events").status_code == 404
    assert outsider.get(f"{CORE}/samples/{world['sample'].uuid}/events").status_code == 404
    # The beamline's stream holds only what each sees.
    assert _keys(outsider.get(f"{CORE}/beamlines/i03/events?type=dataCollection")) == [
        ("dataCollection", world["theirs"].dataCollectionId)
    ]
    mine = {i for _, i in _keys(member.get(f"{CORE}/beamlines/i03/events?type=dataCollection"))}
    assert world["theirs"].dataCollectionId not in mine


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("type=dataCollection,movie", "type"),
        ("type=", "type"),
        ("since=yesterday", "since"),
        ("until=2026-13-01", "until"),
        ("updatedSince=soon", "updatedSince"),
        ("since=2026-01-02&until=2026-01-01", "until"),
        ("blSampleId=x", "blSampleId"),
        ("group=maybe", "group"),
        ("after=not-a-cursor", "after"),
        ("after=eyJzIjogIngifQ", "after"),
        ("offset=5", "offset"),
        ("limit=0", "limit"),
        ("sort=title", "sort"),
        ("colour=red", "colour"),
    ],
)
def test_bad_input_is_a_400_naming_the_parameter(client, world, query, field):
    response = client.get(f"{CORE}/sessions/mx1-1/events?{query}")
    assert_refused(response, 400, "INVALID_PARAMETER", field)


def test_a_cursor_of_another_sort_is_refused(client, world):
    page = client.get(f"{CORE}/sessions/mx1-1/events?limit=1").json
    cursor = page["links"]["next"].split("after=")[1]
    response = client.get(f"{CORE}/sessions/mx1-1/events?sort=startTime&after={cursor}")
    assert_refused(response, 400, "INVALID_PARAMETER", "after")
    response = client.get(f"{CORE}/sessions/mx1-1/events?group=true&after={cursor}")
    assert_refused(response, 400, "INVALID_PARAMETER", "after")


def test_unknown_scopes_are_404(client, world):
    for path in ("/sessions/mx9-9/events", "/proposals/zz1/events", "/samples/999999/events"):
        assert_refused(client.get(CORE + path), 404, "NOT_FOUND")


def test_a_page_is_a_fixed_number_of_statements(client, core_db, factory, world):
    sid = world["session"].sessionId
    group = world["group"]
    for index in range(30):
        collection = factory.data_collection(group, startTime=at(16, index))
        factory.processing_run(collection)
        factory._save(RobotAction(blsessionId=sid, actionType="LOAD", startTimestamp=at(16, index)))
        factory._save(EnergyScan(sessionId=sid, startTime=at(16, index)))
        factory._save(XFEFluorescenceSpectrum(sessionId=sid, startTime=at(16, index)))
        factory._save(
            Screening(dataCollectionId=collection.dataCollectionId, bltimeStamp=at(16, index))
        )
    counts = {}
    for query in ("limit=5", "limit=100", "limit=100&group=true", "limit=3&group=true"):
        with sent_to(core_db) as sent:
            response = client.get(f"{CORE}/sessions/mx1-1/events?{query}")
        assert response.status_code == 200
        assert sent.transaction_control() == [], repr(sent)
        counts[query] = sent.count
    # The session, the keys, one statement per type on the page, the best results.
    # (a page of groups: the groups, their sweeps, their best results). A page with fewer
    # types on it needs fewer.
    assert counts["limit=5"] == counts["limit=100"] <= 8, counts
    assert counts["limit=3&group=true"] <= counts["limit=100&group=true"] <= 9, counts


def test_an_unchanged_timeline_is_304(client, world):
    first = client.get(f"{CORE}/sessions/mx1-1/events")
    assert first.headers.get("ETag")
    again = client.get(
        f"{CORE}/sessions/mx1-1/events", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304


@pytest.fixture
def files_app(core_app_session, core_database_url, tmp_path):
    from ispyb_core.app import create_app

    files = {
        "roots": [str(tmp_path)],
        "thumbnail_cache": str(tmp_path / "cache"),
        "signing_secret": SECRET,
        "url_seconds": 60,
    }
    return create_app(
        service_config(core_database_url, files=files, api={"warm_up": False}),
        database=core_app_session.extensions["ispyb_database"],
    )


def test_thumbnails_are_signed_urls_of_the_first_image_or_the_snapshot(
    core_app, files_app, factory, tokens, world, tmp_path
):
    PILImage.new("RGB", (64, 48), (10, 200, 10)).save(tmp_path / "thumb.jpg", "JPEG")
    PILImage.new("RGB", (64, 48), (200, 10, 10)).save(tmp_path / "snap.jpg", "JPEG")
    first, second = world["first"], world["second"]
    for number in (2, 1):
        factory._save(
            Image(
                dataCollectionId=first.dataCollectionId,
                imageNumber=number,
                jpegThumbnailFileFullPath=str(tmp_path / "thumb.jpg"),
            )
        )
    with factory.database.sessionmaker() as db:
        db.get(type(second), second.dataCollectionId).xtalSnapshotFullPath1 = str(
            tmp_path / "snap.jpg"
        )
        db.commit()
    member = files_app.test_client()
    member.environ_base["HTTP_AUTHORIZATION"] = tokens.user("member")["Authorization"]
    events = member.get(f"{CORE}/sessions/mx1-1/events?type=dataCollection").json["results"]
    urls = {event["id"]: event["thumbnailUrl"] for event in events}
    assert "/images/" in urls[first.dataCollectionId]
    assert (
        f"/data-collections/{second.dataCollectionId}/snapshots/1?" in urls[second.dataCollectionId]
    )
    anonymous = files_app.test_client()
    for url in urls.values():
        answer = anonymous.get(url)
        assert answer.status_code == 200 and answer.mimetype == "image/jpeg"
    grouped = member.get(f"{CORE}/sessions/mx1-1/events?group=true&type=dataCollectionGroup")
    assert "/images/" in grouped.json["results"][0]["thumbnailUrl"]


# --- the processing status of many sweeps ---------------------------------------------------


def test_the_status_of_many_sweeps_in_one_request(client, core_db, factory, world):
    from ispyb_core.processing.models import AutoProcIntegration, AutoProcProgram

    first, second = world["first"], world["second"]
    for status, programs in ((None, "xia2"), (False, "autoPROC"), (None, "autoPROC")):
        program = factory._save(
            AutoProcProgram(
                processingPrograms=programs,
                processingStatus=status,
                processingStartTime=at(10, 5),
            )
        )
        factory._save(
            AutoProcIntegration(
                dataCollectionId=first.dataCollectionId,
                autoProcProgramId=program.autoProcProgramId,
            )
        )
    asked = f"{second.uuid},{first.dataCollectionId},999999,{world['theirs'].dataCollectionId}"
    with sent_to(core_db) as sent:
        response = client.get(f"{CORE}/data-collections/status?ids={asked}")
    assert response.status_code == 200, response.json
    assert sent.count <= 2, repr(sent)
    body = response.json
    assert [r["dataCollectionId"] for r in body["results"]] == [
        second.dataCollectionId,
        first.dataCollectionId,
        world["theirs"].dataCollectionId,
    ]
    assert body["notFound"] == ["999999"]
    idle, busy = body["results"][0], body["results"][1]
    assert idle["processing"] == {"running": 0, "success": 0, "failed": 0}
    assert idle["programs"] == [] and idle["runStatus"] == "DataCollection Failed"
    assert busy["processing"] == {"running": 2, "success": 1, "failed": 1}
    assert busy["programs"] == [
        {"processingPrograms": "autoPROC", "running": 1, "success": 0, "failed": 1},
        {"processingPrograms": "xia2", "running": 1, "success": 1, "failed": 0},
    ]
    assert busy["lastProcessingChange"] == "2026-01-01T10:05:00"
    # Unchanged: 304 to a poll with the ETag.
    again = client.get(
        f"{CORE}/data-collections/status?ids={asked}",
        headers={"If-None-Match": response.headers["ETag"]},
    )
    assert again.status_code == 304


def test_the_status_shows_only_visible_sweeps(core_app, tokens, world):
    outsider = core_app.test_client()
    outsider.environ_base["HTTP_AUTHORIZATION"] = tokens.user("outsider")["Authorization"]
    asked = f"{world['first'].dataCollectionId},{world['theirs'].uuid}"
    body = outsider.get(f"{CORE}/data-collections/status?ids={asked}").json
    assert [r["dataCollectionId"] for r in body["results"]] == [world["theirs"].dataCollectionId]
    assert body["notFound"] == [str(world["first"].dataCollectionId)]


@pytest.mark.parametrize(
    "query",
    [
        "",
        "ids=",
        "ids=1,two",
        "ids=" + ",".join(str(n) for n in range(1, 202)),
        "ids=99999999999999999999999",
        "ids=1&colour=red",
    ],
)
def test_bad_status_requests_are_a_400_naming_the_parameter(client, world, query):
    response = client.get(f"{CORE}/data-collections/status?{query}")
    assert_refused(response, 400, "INVALID_PARAMETER", "colour" if "colour" in query else "ids")


def test_two_hundred_sweeps_are_allowed(client, world):
    response = client.get(
        f"{CORE}/data-collections/status?ids=" + ",".join(str(n) for n in range(1, 201))
    )
    assert response.status_code == 200
    assert len(response.json["results"]) + len(response.json["notFound"]) == 200


# --- updatedSince on the data collection and processing lists -------------------------------


def test_updated_since_on_data_collection_and_processing_lists(client, factory, world):
    from ispyb_core.processing.models import AutoProcIntegration, AutoProcProgram

    first, second = world["first"], world["second"]
    program = factory._save(
        AutoProcProgram(processingPrograms="autoPROC", processingStartTime=at(15))
    )
    factory._save(
        AutoProcIntegration(
            dataCollectionId=second.dataCollectionId, autoProcProgramId=program.autoProcProgramId
        )
    )
    since = "updatedSince=2026-01-01T09:50:00"
    listed = client.get(f"{CORE}/data-collections?{since}").json["results"]
    assert [c["dataCollectionId"] for c in listed] == [
        second.dataCollectionId,
        world["theirs"].dataCollectionId,
        world["elsewhere"].dataCollectionId,
    ]
    later = client.get(f"{CORE}/sessions/mx1-1/data-collections?updatedSince=2026-01-01T14:30:00")
    assert [c["dataCollectionId"] for c in later.json["results"]] == [second.dataCollectionId]
    groups = client.get(
        f"{CORE}/data-collection-groups?sessionId={world['session'].sessionId}&{since}"
    )
    assert [g["dataCollectionGroupId"] for g in groups.json["results"]] == [
        world["group"].dataCollectionGroupId
    ]
    runs = client.get(f"{CORE}/data-collections/{first.uuid}/processing?updatedSince=2026-01-01")
    assert runs.status_code == 200 and runs.json["results"] == []  # the factory's run has no times
    runs = client.get(
        f"{CORE}/data-collections/{second.uuid}/processing?updatedSince=2026-01-01T15:00"
    )
    assert [r["program"]["autoProcProgramId"] for r in runs.json["results"]] == [
        program.autoProcProgramId
    ]
    for path in (
        "/data-collections?updatedSince=soon",
        f"/data-collections/{first.uuid}/processing?updatedSince=soon",
    ):
        assert_refused(client.get(CORE + path), 400, "INVALID_PARAMETER", "updatedSince")

"""EXI's contract (notes/clients.md §2): each request of its MX welcome -> session ->
data-collection path, against compat calling the real core -> the fields EXI reads, with
their types. Fields core has no data for are there, ``None`` (or 0, empty lists), so EXI's
templates render. The login is in tests/compat/test_java.py (auth is a stand-in there)."""

from __future__ import annotations

from tests.compat.conftest import PREFIX

JAVA = f"{PREFIX}/java"
NUMBER = (int, float)
OPT_STR = (str, type(None))
OPT_INT = (int, type(None))
OPT_NUMBER = (int, float, type(None))
OPT_BOOL = (bool, type(None))


def check(row: dict, fields: dict) -> None:
    for name, kind in fields.items():
        assert name in row, name
        assert isinstance(row[name], kind), (name, row[name])


def token(tokens, login="member", *roles):
    return tokens.mint(login, roles=roles, purpose="compat-java")


# v_session: what SessionGrid and the welcome pages read.
SESSION = {
    "sessionId": int,
    "BLSession_sessionId": int,
    "beamLineName": OPT_STR,
    "beamLineOperator": OPT_STR,
    "BLSession_startDate": OPT_STR,
    "BLSession_endDate": OPT_STR,
    "BLSession_protectedData": OPT_STR,
    "Proposal_proposalId": int,
    "Proposal_proposalCode": str,
    "Proposal_ProposalNumber": str,
    "Proposal_title": OPT_STR,
    "comments": OPT_STR,
    "expSessionPk": OPT_INT,
    "dataCollectionGroupCount": int,
    "testDataCollectionGroupCount": int,
    "energyScanCount": int,
    "xrfSpectrumCount": int,
    "sampleCount": int,
    "imagesCount": int,
}

PROPOSAL = {
    "Proposal_proposalId": int,
    "Proposal_proposalCode": str,
    "Proposal_proposalNumber": str,
    "Proposal_title": OPT_STR,
}

# v_datacollection_summary: what MxDataCollectionController's grid and templates read.
DATA_COLLECTION = {
    "DataCollection_dataCollectionId": int,
    "DataCollection_dataCollectionNumber": OPT_INT,
    "DataCollection_imagePrefix": OPT_STR,
    "DataCollection_imageDirectory": OPT_STR,
    "DataCollection_fileTemplate": OPT_STR,
    "DataCollection_numberOfImages": OPT_INT,
    "DataCollection_startTime": OPT_STR,
    "DataCollection_endTime": OPT_STR,
    "DataCollection_runStatus": OPT_STR,
    "DataCollection_wavelength": OPT_NUMBER,
    "DataCollection_exposureTime": OPT_NUMBER,
    "DataCollection_resolution": OPT_NUMBER,
    "DataCollection_axisStart": OPT_NUMBER,
    "DataCollection_axisRange": OPT_NUMBER,
    "DataCollectionGroup_dataCollectionGroupId": int,
    "DataCollectionGroup_experimentType": OPT_STR,
    "BLSession_sessionId": int,
    "BLSample_blSampleId": OPT_INT,
    "totalNumberOfImages": OPT_INT,
    "firstImageId": OPT_INT,
    "lastImageId": OPT_INT,
    "hasPhasing": OPT_BOOL,
    "hasMR": OPT_BOOL,
    "autoProcIntegrationId": OPT_STR,
    "processingPrograms": OPT_STR,
    "processingStatus": OPT_STR,
    "resolutionsLimitHigh": OPT_STR,
    "rMerges": OPT_STR,
    "completenessList": OPT_STR,
}


def test_session_list(compat, world, tokens):
    rows = compat.get(f"{JAVA}/{token(tokens)}/session/list").get_json()
    assert isinstance(rows, list) and rows
    for row in rows:
        check(row, SESSION)


def test_managers_sessions_by_date_and_proposal_list(compat, world, tokens):
    staff = token(tokens, "frank", "staff")
    rows = compat.get(f"{JAVA}/{staff}/proposal/session/date/20000101/20991231/list").get_json()
    assert len(rows) >= 2
    for row in rows:
        check(row, SESSION)
    proposals = compat.get(f"{JAVA}/{staff}/proposal/list").get_json()
    assert len(proposals) >= 2
    for row in proposals:
        check(row, PROPOSAL)


def test_proposal_info(compat, world, tokens):
    body = compat.get(f"{JAVA}/{token(tokens)}/proposal/mx1/info/get").get_json()
    assert isinstance(body, list) and len(body) == 1
    check(
        body[0],
        {
            "proposal": list,
            "proteins": list,
            "crystals": list,
            "labcontacts": list,
            "plateTypes": list,
            "macromolecules": list,
            "buffers": list,
            "stockSolutions": list,
            "ligands": list,
        },
    )
    check(body[0]["proposal"][0], PROPOSAL)
    for protein in body[0]["proteins"]:
        check(protein, {"proteinId": int, "acronym": OPT_STR})


def test_proposal_sessions(compat, world, tokens):
    rows = compat.get(f"{JAVA}/{token(tokens)}/proposal/mx1/session/list").get_json()
    assert [row["sessionId"] for row in rows] == [world.mx1_1.sessionId]
    check(rows[0], SESSION)


def test_session_data_collections_and_one(compat, world, tokens):
    path = f"{JAVA}/{token(tokens)}/proposal/mx1/mx/datacollection"
    rows = compat.get(f"{path}/session/{world.mx1_1.sessionId}/list").get_json()
    assert len(rows) == 2
    for row in rows:
        check(row, DATA_COLLECTION)
    (one,) = compat.get(f"{path}/{rows[0]['DataCollection_dataCollectionId']}/list").get_json()
    check(one, DATA_COLLECTION)

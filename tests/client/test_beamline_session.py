"""A beamline session scripted as beamline control and its pipeline would run it, through
the gateway with the Python client: log in as a beamline client, load a sample (robot
action), screen it (screening with its strategy), collect (a data collection with its
group in one call, and its images), an energy scan, a fluorescence spectrum, the
processing result. Every step is sent twice with the same Idempotency-Key, as a retry
after a lost answer would be: the second is a replay and nothing is written twice. Then
the PI reads it all back."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
VISIT = "mx1002-1"


class Beamline:
    def __init__(self, client):
        self.client = client
        self.keys: list[str] = []

    def write(self, path: str, body: dict) -> dict:
        """POST ``body`` with a key, then again with the same key: the same row, replayed."""
        key = f"beamline-{uuid.uuid4()}"
        first = self.client.post(path, body, idempotency_key=key)
        assert self.client.last_call.status == 201 and not self.client.last_call.replayed
        again = self.client.post(path, body, idempotency_key=key)
        assert self.client.last_call.status == 200 and self.client.last_call.replayed
        assert again == first
        self.keys.append(key)
        return first


def _one(client, path: str, **params) -> dict:
    page = client.get(path, params={**params, "limit": 100})
    assert page["total"] == 1 and len(page["results"]) == 1, page
    return page["results"][0]


def test_a_scripted_beamline_session_writes_each_thing_once(connect):
    beamline = Beamline(connect(client_id="demo-pipeline", client_secret="demo-pipeline-secret"))
    client = beamline.client
    sample_name = f"lyso-{uuid.uuid4().hex[:6]}"
    session = client.get(f"/core/sessions/{VISIT}")
    # A sample of the session's proposal, made for this test (its name is unique).
    pi = connect("carol")
    lyso = pi.get("/core/samples", params={"name": "lyso-1", "limit": 1})["results"][0]
    sample = pi.post(
        "/core/samples",
        {
            "name": sample_name,
            "crystalId": lyso["crystalId"],
            "containerId": lyso["containerId"],
            "location": "9",
        },
        idempotency_key=True,
    )

    robot = beamline.write(
        "/core/robot-actions",
        {"session": VISIT, "sample": sample_name, "actionType": "LOAD", "status": "SUCCESS"},
    )
    characterisation = beamline.write(
        "/core/data-collections",
        {
            "session": VISIT,
            "sample": sample_name,
            "experimentType": "Characterization",
            "numberOfImages": 4,
            "axisRange": 1.0,
            "imagePrefix": f"{sample_name}_ref",
        },
    )
    screening = beamline.write(
        "/core/screenings",
        {
            "dataCollectionId": characterisation["dataCollectionId"],
            "programVersion": "EDNA 2.1",
            "outputs": [
                {
                    "indexingSuccess": True,
                    "strategySuccess": True,
                    "lattices": [{"spaceGroup": "P 43 21 2", "unitCell_a": 79.1}],
                    "strategies": [
                        {
                            "program": "BEST",
                            "resolution": 1.6,
                            "wedges": [
                                {
                                    "wedgeNumber": 1,
                                    "numberOfImages": 900,
                                    "subWedges": [{"axisStart": 0, "axisEnd": 90}],
                                }
                            ],
                        }
                    ],
                }
            ],
        },
    )
    sweep = beamline.write(
        "/core/data-collections",
        {
            "session": VISIT,
            "sample": sample_name,
            "experimentType": "OSC",
            "numberOfImages": 3,
            "axisRange": 0.1,
            "imagePrefix": sample_name,
        },
    )
    for number in (1, 2, 3):
        beamline.write(
            "/core/images",
            {
                "dataCollectionId": sweep["dataCollectionId"],
                "imageNumber": number,
                "fileName": f"{sample_name}_{number:05d}.cbf",
                "fileLocation": f"/data/{VISIT}/",
            },
        )
    scan = beamline.write(
        "/core/energy-scans",
        {"session": VISIT, "sample": sample_name, "element": "Se", "edgeEnergy": "K"},
    )
    spectrum = beamline.write(
        "/core/xrf-spectra", {"session": VISIT, "sample": sample_name, "energy": 13.5}
    )
    document = json.loads((EXAMPLES / "processing-result.json").read_text())
    for integration in document["integrations"]:
        integration["dataCollection"] = sweep["uuid"]
    program = beamline.write(
        "/core/processing-programs",
        {"processingPrograms": "xia2 dials", "dataCollections": [sweep["uuid"]]},
    )
    result = beamline.write(
        f"/core/processing-programs/{program['program']['uuid']}/results", document
    )
    assert len(beamline.keys) == 11

    # The PI reads it all back: each thing once.
    sample_id = sample["blSampleId"]
    assert _one(pi, "/core/robot-actions", blsampleId=sample_id)["uuid"] == robot["uuid"]
    sweeps = pi.get("/core/data-collections", params={"blSampleId": sample_id, "limit": 100})[
        "results"
    ]
    assert sorted(s["uuid"] for s in sweeps) == sorted([characterisation["uuid"], sweep["uuid"]])
    read = _one(pi, "/core/screenings", dataCollectionId=characterisation["dataCollectionId"])
    assert read["uuid"] == screening["uuid"]
    [output] = read["outputs"]
    assert output["strategies"][0]["wedges"][0]["subWedges"][0]["axisEnd"] == 90
    images = pi.get(
        "/core/images", params={"dataCollectionId": sweep["dataCollectionId"], "limit": 100}
    )
    assert sorted(i["imageNumber"] for i in images["results"]) == [1, 2, 3]
    assert _one(pi, "/core/energy-scans", blSampleId=sample_id)["uuid"] == scan["uuid"]
    assert _one(pi, "/core/xrf-spectra", blSampleId=sample_id)["uuid"] == spectrum["uuid"]
    [run] = pi.get(f"/core/data-collections/{sweep['uuid']}/processing")["results"]
    assert run["program"]["uuid"] == program["program"]["uuid"]
    assert len(run["results"]) == 1
    assert result  # the posted document's answer
    assert session["sessionId"] == sweeps[0]["sessionId"]

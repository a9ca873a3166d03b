"""The resources besides the movie batch: program runs, particle picking, classification
(with selected classes and class images), initial models, tomograms and tilt alignments,
the grid hierarchy. Every row belongs to a data collection; references across data
collections are refused with the field named."""

from __future__ import annotations

import uuid

from tests.em.support import row_counts


def test_program_runs(world):
    created = world.post(
        "/programs",
        {
            "dataCollectionUUID": world.dc.upper(),
            "processingPrograms": "MotionCor2",
            "processingStartTime": "2026-11-09T10:00:00",
        },
    )
    assert created.status_code == 201, created.json
    program = created.json
    assert program["dataCollectionUUID"] == world.dc  # canonical form
    assert program["processingStatus"] is None and program["recordTimeStamp"]
    ref = program["uuid"]
    done = world.patch(
        f"/programs/{ref}",
        {"processingStatus": True, "processingEndTime": "2026-11-09T11:00:00"},
    )
    assert done.status_code == 200, done.json
    assert done.json["processingStatus"] is True
    assert world.get(f"/programs/{program['autoProcProgramId']}").json == done.json
    listed = world.get(f"/programs?dataCollectionUUID={world.dc}&processingStatus=true").json
    assert [p["uuid"] for p in listed["results"]] == [ref]
    everything = world.get(f"/programs?dataCollectionUUID={world.dc}&limit=100").json
    assert everything["total"] == 6  # and the world's five
    # A run stays with its data collection.
    moved = world.patch(f"/programs/{ref}", {"dataCollectionUUID": world.other_dc})
    assert moved.status_code == 422 and "dataCollectionUUID" in moved.json["details"]


def test_lists_are_per_data_collection(world):
    response = world.get("/programs")
    assert response.status_code == 400
    assert "dataCollectionUUID" in response.json["details"]
    assert world.get("/programs?dataCollectionUUID=nope").status_code == 400
    both = world.get(f"/programs?dataCollectionUUID.in={world.dc},{world.other_dc}").json
    # The member sees only the first data collection's runs.
    assert {p["dataCollectionUUID"] for p in both["results"]} == {world.dc}


def test_a_program_of_a_data_collection_core_does_not_know(world, em_db):
    before = row_counts(em_db)
    response = world.post("/programs", {"dataCollectionUUID": str(uuid.uuid4())})
    assert response.status_code == 422
    assert "dataCollectionUUID" in response.json["details"]
    assert row_counts(em_db) == before


def test_particle_picking(world):
    body = world.ingest(world.records([1, 2], particles=False)).json
    first_micrograph = body["records"][0]["motionCorrectionId"]
    picked = world.post(
        "/particle-pickers",
        {
            "programId": world.programs["picking"],
            "firstMotionCorrectionId": first_micrograph,
            "particleDiameter": 14.5,
            "numberOfParticles": 123456,
        },
    )
    assert picked.status_code == 201, picked.json
    listed = world.get(f"/particle-pickers?dataCollectionUUID={world.dc}").json
    assert [p["numberOfParticles"] for p in listed["results"]] == [123456]
    summary = world.get(f"/data-collections/{world.dc}/summary").json
    assert summary["particlesPicked"] == 123456

    other = world.create_programs(world.other_dc)
    wrong = world.post(
        "/particle-pickers",
        {"programId": other["picking"], "firstMotionCorrectionId": first_micrograph},
    )
    assert wrong.status_code == 422
    assert "firstMotionCorrectionId" in wrong.json["details"]
    missing = world.post("/particle-pickers", {"numberOfParticles": 3})
    assert missing.status_code == 422 and "programId" in missing.json["details"]


def classification(world, **extra):
    classes = [
        {
            "classNumber": number,
            "classImageFullPath": f"/dls/class2d/class_{number:03d}.png",
            "particlesPerClass": 1000 * number,
            "estimatedResolution": 30.0 - number,
            "classDistribution": number / 55,
            "selected": number in (3, 7, 9),
        }
        for number in range(1, 11)
    ]
    return {
        "programId": world.programs["class2d"],
        "type": "2D",
        "batchNumber": 1,
        "numberOfParticlesPerBatch": 55000,
        "numberOfClassesPerBatch": 10,
        "symmetry": "C1",
        "classes": classes,
        **extra,
    }


def test_classification_with_selected_classes_and_their_images(world):
    created = world.post("/particle-classification-groups", classification(world))
    assert created.status_code == 201, created.json
    group = created.json
    assert [c["classNumber"] for c in group["classes"]] == list(range(1, 11))
    assert world.get(f"/particle-classification-groups/{group['uuid']}").json == group

    listed = world.get(f"/particle-classification-groups?dataCollectionUUID={world.dc}&type=2D")
    assert listed.json["total"] == 1
    assert listed.json["results"][0]["classes"] == group["classes"]

    selected = world.get(
        f"/particle-classifications?dataCollectionUUID={world.dc}&selected=true&sort=classNumber"
    ).json
    assert [(c["classNumber"], c["classImageFullPath"]) for c in selected["results"]] == [
        (3, "/dls/class2d/class_003.png"),
        (7, "/dls/class2d/class_007.png"),
        (9, "/dls/class2d/class_009.png"),
    ]
    # A person at the facility picks one more class.
    class_ten = group["classes"][-1]["particleClassificationId"]
    changed = world.patch(f"/particle-classifications/{class_ten}", {"selected": True})
    assert changed.status_code == 200 and changed.json["selected"] is True
    again = world.get(f"/particle-classifications?dataCollectionUUID={world.dc}&selected=true").json
    assert again["total"] == 4
    moved = world.patch(
        f"/particle-classifications/{class_ten}", {"particleClassificationGroupId": 1}
    )
    assert moved.status_code == 422


def test_classification_refusals(world, em_db):
    body = classification(world)
    body["classes"][4]["classNumber"] = 1
    repeated = world.post("/particle-classification-groups", body)
    assert repeated.status_code == 422
    assert "classes[4].classNumber" in repeated.json["details"]
    wrong_type = world.post("/particle-classification-groups", classification(world, type="4D"))
    assert wrong_type.status_code == 422 and "type" in wrong_type.json["details"]
    other = world.create_programs(world.other_dc)
    before = row_counts(em_db)
    picker = world.post(
        "/particle-pickers", {"programId": other["picking"], "numberOfParticles": 1}
    ).json
    crossed = world.post(
        "/particle-classification-groups",
        classification(world, particlePickerId=picker["particlePickerId"]),
    )
    assert crossed.status_code == 422
    assert "particlePickerId" in crossed.json["details"]
    assert row_counts(em_db)["ParticleClassificationGroup"] == before["ParticleClassificationGroup"]


def test_initial_models(world):
    group = world.post("/particle-classification-groups", classification(world)).json
    chosen = [c["particleClassificationId"] for c in group["classes"] if c["selected"]]
    created = world.post(
        "/cryoem-initial-models",
        {"resolution": 12.5, "numberOfParticles": 21000, "particleClassificationIds": chosen},
    )
    assert created.status_code == 201, created.json
    model = created.json
    assert model["particleClassificationIds"] == sorted(chosen)
    assert world.get(f"/cryoem-initial-models/{model['uuid']}").json == model
    listed = world.get(f"/cryoem-initial-models?dataCollectionUUID={world.dc}").json
    assert [m["cryoemInitialModelId"] for m in listed["results"]] == [model["cryoemInitialModelId"]]
    missing = world.post(
        "/cryoem-initial-models", {"resolution": 1.0, "particleClassificationIds": [999999]}
    )
    assert missing.status_code == 422
    assert "particleClassificationIds[0]" in missing.json["details"]
    empty = world.post("/cryoem-initial-models", {"particleClassificationIds": []})
    assert empty.status_code == 422


def test_tomograms_and_tilt_alignments(world):
    tilts = world.ingest(world.records(range(1, 4))).json["records"]
    tomogram = world.post(
        "/tomograms",
        {
            "dataCollectionUUID": world.dc,
            "autoProcProgramId": world.programs["motion"],
            "volumeFile": "/dls/tomo/volume.mrc",
            "sizeX": 1000,
            "sizeY": 1000,
            "sizeZ": 500,
            "pixelSpacing": 10.2,
            "tiltAngleOffset": 0.5,
        },
    )
    assert tomogram.status_code == 201, tomogram.json
    tomogram_id = tomogram.json["tomogramId"]
    for angle, tilt in zip((-3.0, 0.0, 3.0), tilts, strict=True):
        aligned = world.post(
            "/tilt-image-alignments",
            {
                "movieId": tilt["movieId"],
                "tomogramId": tomogram_id,
                "refinedTiltAngle": angle,
                "defocusU": 20000.0,
            },
        )
        assert aligned.status_code == 201, aligned.json
    listed = world.get(
        f"/tilt-image-alignments?dataCollectionUUID={world.dc}&tomogramId={tomogram_id}"
        "&sort=refinedTiltAngle"
    ).json
    assert [a["refinedTiltAngle"] for a in listed["results"]] == [-3.0, 0.0, 3.0]
    one = listed["results"][0]
    assert world.get(f"/tilt-image-alignments/{one['uuid']}").json == one
    again = world.post(
        "/tilt-image-alignments", {"movieId": tilts[0]["movieId"], "tomogramId": tomogram_id}
    )
    assert again.status_code == 409
    assert set(again.json["details"]) == {"movieId", "tomogramId"}
    assert world.get(f"/tomograms?dataCollectionUUID={world.dc}").json["total"] == 1


def test_the_grid_hierarchy(world, em_core):
    atlas = world.post(
        "/atlases",
        {
            "dataCollectionUUID": world.dc,
            "atlasImage": "/dls/atlas/Atlas_1.jpg",
            "pixelSize": 1200.0,
            "cassetteSlot": 4,
            "mode": "Single Particle",
        },
    )
    assert atlas.status_code == 201, atlas.json
    assert atlas.json["dataCollectionGroupUUID"] == em_core.groups[world.dc]
    square = world.post(
        "/grid-squares",
        {"atlasId": atlas.json["atlasId"], "gridSquareLabel": 7, "stageLocationX": 12.5},
    )
    assert square.status_code == 201, square.json
    hole = world.post(
        "/foil-holes",
        {"gridSquareId": square.json["gridSquareId"], "foilHoleLabel": "FoilHole_1001"},
    )
    assert hole.status_code == 201, hole.json
    assert world.get(f"/foil-holes/{hole.json['uuid']}").json == hole.json
    squares = world.get(
        f"/grid-squares?dataCollectionUUID={world.dc}&atlasId={atlas.json['atlasId']}"
    ).json
    assert squares["total"] == 1
    assert world.get(f"/atlases?dataCollectionUUID={world.dc}").json["total"] == 1
    assert world.post("/foil-holes", {"gridSquareId": 999999, "foilHoleLabel": "x"}).json[
        "details"
    ] == {"gridSquareId": ["No grid square with id 999999."]}
    not_an_atlas_field = world.post(
        "/atlases",
        {
            "dataCollectionUUID": world.dc,
            "atlasImage": "/a.jpg",
            "pixelSize": 1.0,
            "dataCollectionGroupUUID": str(uuid.uuid4()),
        },
    )
    assert not_an_atlas_field.status_code == 422
    # A tomogram on a grid square of another grid is refused.
    other_grid = em_core.add_data_collection(members=("member",))
    tomogram = world.post(
        "/tomograms",
        {"dataCollectionUUID": other_grid, "gridSquareId": square.json["gridSquareId"]},
    )
    assert tomogram.status_code == 422 and "gridSquareId" in tomogram.json["details"]

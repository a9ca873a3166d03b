"""expand=: nested blocks embedded on request, declared per resource, validated
(docs/api-conventions.md, "Embedding: expand=")."""

import pytest

CORE = "/ispyb/api/v1/core"


@pytest.fixture
def shipped(factory):
    proposal = factory.proposal(proposalCode="mx", proposalNumber="1")
    return factory.shipment_in_proposal(proposal, samples=3)


def _sample_keys(row):
    return {"crystal", "diffractionPlan"} & set(row)


def test_a_sample_answers_its_row_without_expand(client, shipped):
    sample = shipped["samples"][0]
    row = client.get(f"{CORE}/samples/{sample.blSampleId}").json
    assert row["blSampleId"] == sample.blSampleId
    assert _sample_keys(row) == set()
    assert row["crystalId"] == sample.crystalId


@pytest.mark.parametrize(
    ("expand", "keys", "protein"),
    [
        ("crystal", {"crystal"}, False),
        ("crystal.protein", {"crystal"}, True),
        ("protein", {"crystal"}, True),
        ("diffractionPlan", {"diffractionPlan"}, False),
        ("crystal.protein,diffractionPlan", {"crystal", "diffractionPlan"}, True),
        (" diffractionPlan , crystal ", {"crystal", "diffractionPlan"}, False),
    ],
)
def test_a_sample_embeds_what_expand_names(client, shipped, expand, keys, protein):
    sample = shipped["samples"][0]
    for url in (
        f"{CORE}/samples/{sample.uuid}?expand={expand}",
        f"{CORE}/samples?containerId={sample.containerId}&expand={expand}",
    ):
        response = client.get(url)
        assert response.status_code == 200, response.json
        row = response.json if "results" not in response.json else response.json["results"][0]
        assert _sample_keys(row) == keys
        if "crystal" in keys:
            assert row["crystal"]["crystalId"] == sample.crystalId
            assert ("protein" in row["crystal"]) is protein
            if protein:
                assert row["crystal"]["protein"]["proteinId"] == shipped["protein"].proteinId


@pytest.mark.parametrize("bad", ["nope", "crystal,nope", "crystal.nope", "Crystal", "<b>"])
def test_an_unknown_block_is_a_400_naming_expand_and_the_allowed_ones(client, shipped, bad):
    for url in (
        f"{CORE}/samples?expand={bad}",
        f"{CORE}/samples/{shipped['samples'][0].blSampleId}?expand={bad}",
    ):
        response = client.get(url)
        assert response.status_code == 400, response.json
        body = response.json
        assert body["code"] == "INVALID_PARAMETER"
        assert set(body["details"]) == {"expand"}
        problem = body["details"]["expand"][0]
        assert "Allowed: crystal, crystal.protein, diffractionPlan." in problem
        if bad != "<b>":
            assert repr(bad.split(",")[-1]) in problem
        else:
            assert "<b>" not in problem


def test_expand_and_fields_combine(client, shipped):
    sample = shipped["samples"][0]
    row = client.get(f"{CORE}/samples/{sample.blSampleId}?expand=protein&fields=name,crystal").json
    assert set(row) == {"name", "crystal"}
    assert row["crystal"]["protein"]["acronym"] == shipped["protein"].acronym
    # a block not expanded is not answered, even named in fields=
    row = client.get(f"{CORE}/samples/{sample.blSampleId}?fields=name,crystal").json
    assert set(row) == {"name"}


def test_a_write_answers_the_blocks_expand_names(client, shipped):
    sample = shipped["samples"][1]
    response = client.patch(f"{CORE}/samples/{sample.blSampleId}", json={"comments": "x"})
    assert response.status_code == 200, response.json
    assert _sample_keys(response.json) == set()
    response = client.patch(
        f"{CORE}/samples/{sample.blSampleId}?expand=crystal.protein", json={"comments": "y"}
    )
    assert response.status_code == 200, response.json
    assert response.json["crystal"]["protein"]["proteinId"] == shipped["protein"].proteinId
    response = client.patch(f"{CORE}/samples/{sample.blSampleId}?expand=x", json={"comments": "z"})
    assert response.status_code == 400
    assert set(response.json["details"]) == {"expand"}


def test_shipments_list_embeds_contents_in_one_request(client, core_db, factory, shipped):
    proposal_id = shipped["shipment"].proposalId
    url = f"{CORE}/shipments?proposalId={proposal_id}"
    plain = client.get(url).json["results"]
    assert [set(row) & {"dewars", "sessions"} for row in plain] == [set()]
    response = client.get(f"{url}&expand=dewars.containers.samples")
    assert response.status_code == 200, response.json
    (row,) = response.json["results"]
    (dewar,) = row["dewars"]
    (container,) = dewar["containers"]
    assert [s["blSampleId"] for s in container["samples"]] == [
        s.blSampleId for s in shipped["samples"]
    ]
    assert _sample_keys(container["samples"][0]) == set()
    assert "sessions" not in row
    response = client.get(f"{url}&expand=dewars")
    (row,) = response.json["results"]
    assert "containers" not in row["dewars"][0]
    response = client.get(f"{url}&expand=dewars.containers.samples.crystal.protein,sessions")
    (row,) = response.json["results"]
    sample = row["dewars"][0]["containers"][0]["samples"][0]
    assert sample["crystal"]["protein"]["proteinId"] == shipped["protein"].proteinId
    assert row["sessions"] == []


def test_the_shipment_item_answers_its_contents_plans_on_request(client, shipped):
    url = f"{CORE}/shipments/{shipped['shipment'].uuid}"
    row = client.get(url).json
    sample = row["dewars"][0]["containers"][0]["samples"][0]
    assert set(row) >= {"dewars", "sessions"}
    assert sample["crystal"]["protein"]["proteinId"] == shipped["protein"].proteinId
    assert "diffractionPlan" not in sample
    row = client.get(f"{url}?expand=dewars.containers.samples.diffractionPlan").json
    samples = row["dewars"][0]["containers"][0]["samples"]
    assert all("diffractionPlan" in s for s in samples)
    response = client.get(f"{url}?expand=dewars.nope")
    assert response.status_code == 400
    assert "dewars.containers.samples.diffractionPlan" in response.json["details"]["expand"][0]


def test_a_plan_comes_on_request(client, factory, shipped):
    plan = factory.diffraction_plan(userPath="collect/here")
    sample = shipped["samples"][0]
    url = f"{CORE}/samples/{sample.blSampleId}"
    patched = client.patch(url, json={"diffractionPlanId": plan.diffractionPlanId})
    assert patched.status_code == 200
    assert "diffractionPlan" not in patched.json
    assert patched.json["diffractionPlanId"] == plan.diffractionPlanId
    assert client.get(f"{url}?expand=diffractionPlan").json["diffractionPlan"]["userPath"] == (
        "collect/here"
    )
    other = client.get(f"{CORE}/samples/{shipped['samples'][1].blSampleId}?expand=diffractionPlan")
    assert other.json["diffractionPlan"] is None


@pytest.fixture
def collected(factory, shipped):
    session = factory.session(proposalId=shipped["shipment"].proposalId)
    sample = shipped["samples"][0]
    with_sample = factory.data_collection_group(session, blSampleId=sample.blSampleId)
    without = factory.data_collection_group(session)
    return {
        "session": session,
        "sample": sample,
        "sweeps": [
            factory.data_collection(with_sample),
            factory.data_collection(with_sample),
            factory.data_collection(without),
        ],
    }


def test_data_collections_carry_sample_labels_and_embed_group_and_sample(
    client, shipped, collected
):
    sample, sweeps = collected["sample"], collected["sweeps"]
    url = (
        f"{CORE}/data-collections?sessionId={collected['session'].sessionId}&sort=dataCollectionId"
    )
    rows = client.get(url).json["results"]
    assert [(r["sampleName"], r["proteinAcronym"]) for r in rows] == [
        (sample.name, shipped["protein"].acronym),
        (sample.name, shipped["protein"].acronym),
        (None, None),
    ]
    assert not {"dataCollectionGroup", "blSample"} & set(rows[0])
    for expand in ("dataCollectionGroup,blSample", "group,sample"):
        rows = client.get(f"{url}&expand={expand}").json["results"]
        assert rows[0]["dataCollectionGroup"]["dataCollectionGroupId"] == (
            sweeps[0].dataCollectionGroupId
        )
        assert rows[0]["dataCollectionGroup"]["visit"] == rows[0]["visit"]
        assert rows[0]["blSample"]["blSampleId"] == sample.blSampleId
        assert "crystal" not in rows[0]["blSample"]
        assert rows[2]["blSample"] is None
    session = collected["session"]
    visit = f"{CORE}/sessions/{session.sessionId}/data-collections?sort=dataCollectionId"
    sweeps_of_session = client.get(visit)
    assert sweeps_of_session.status_code == 200, sweeps_of_session.json
    rows = sweeps_of_session.json["results"]
    assert [r["sampleName"] for r in rows] == [sample.name, sample.name, None]
    assert not {"dataCollectionGroup", "blSample"} & set(rows[0])
    one = client.get(f"{CORE}/data-collections/{sweeps[0].uuid}?expand=sample").json
    assert one["blSample"]["name"] == sample.name and one["sampleName"] == sample.name
    assert "dataCollectionGroup" not in one
    bad = client.get(f"{url}&expand=session")
    assert bad.status_code == 400
    assert bad.json["details"] == {
        "expand": ["Unknown block(s): 'session'. Allowed: blSample, dataCollectionGroup."]
    }


def test_proposals_carry_the_pi_name_and_sessions_their_sweep_count(client, factory, collected):
    person = factory.person(givenName="Ada", familyName="Lovelace")
    proposal = factory.proposal(personId=person.personId)
    nameless = factory.proposal(personId=factory.person(givenName=None, familyName=None).personId)
    rows = client.get(f"{CORE}/proposals?limit=100")
    names = {r["proposalId"]: r["personName"] for r in rows.json["results"]}
    names = {key: names[key] for key in (proposal.proposalId, nameless.proposalId)}
    assert names == {proposal.proposalId: "Ada Lovelace", nameless.proposalId: None}
    assert client.get(f"{CORE}/proposals/{proposal.proposalId}").json["personName"] == (
        "Ada Lovelace"
    )
    session = collected["session"]
    empty = factory.session(proposalId=session.proposalId)
    rows = client.get(f"{CORE}/sessions?proposalId={session.proposalId}").json["results"]
    counts = {r["sessionId"]: r["dataCollectionCount"] for r in rows}
    assert counts == {session.sessionId: 3, empty.sessionId: 0}
    assert client.get(f"{CORE}/sessions/{session.uuid}").json["dataCollectionCount"] == 3


def test_lists_without_expand_refuse_it(client, shipped):
    response = client.get(f"{CORE}/proteins?expand=crystal")
    assert response.status_code == 400
    assert response.json["details"] == {"expand": ["Unknown parameter."]}


def test_expand_is_documented_with_its_allowed_values(client):
    document = client.get(f"{CORE}/swagger.json").json
    parameters = {
        path: {p["name"]: p for p in operation.get("parameters", [])}
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method == "get"
    }
    expand = parameters["/shipments"]["expand"]
    assert expand["items"]["enum"][:3] == [
        "dewars",
        "dewars.containers",
        "dewars.containers.samples",
    ]
    assert parameters["/samples/{ref}"]["expand"]["items"]["enum"] == [
        "crystal",
        "crystal.protein",
        "diffractionPlan",
    ]
    assert "expand" in parameters["/data-collections"]
    assert "expand" not in parameters["/proteins"]


@pytest.fixture
def grouped(factory, shipped):
    group = factory.sample_group(proposalId=shipped["shipment"].proposalId)
    for order, sample in enumerate(shipped["samples"][:2], start=1):
        factory.sample_group_member(group, sample, order)
    return {**shipped, "group": group}


def _group_samples(body):
    return [member["blSample"] for member in body["members"]]


def test_a_sample_group_answers_its_samples_rows_without_expand(client, grouped):
    group = grouped["group"]
    item = client.get(f"{CORE}/sample-groups/{group.uuid}").json
    (row,) = client.get(f"{CORE}/sample-groups?proposalId={group.proposalId}").json["results"]
    for body in (item, row):
        samples = _group_samples(body)
        assert [s["blSampleId"] for s in samples] == [s.blSampleId for s in grouped["samples"][:2]]
        assert [_sample_keys(s) for s in samples] == [set(), set()]
        assert samples[0]["crystalId"] == grouped["samples"][0].crystalId


@pytest.mark.parametrize(
    ("expand", "keys", "protein"),
    [
        ("crystal", {"crystal"}, False),
        ("protein", {"crystal"}, True),
        ("crystal.protein", {"crystal"}, True),
        ("members.blSample.crystal.protein", {"crystal"}, True),
        ("diffractionPlan", {"diffractionPlan"}, False),
        ("members.blSample.diffractionPlan,crystal", {"crystal", "diffractionPlan"}, False),
    ],
)
def test_a_sample_group_embeds_what_expand_names(client, grouped, expand, keys, protein):
    group = grouped["group"]
    for url in (
        f"{CORE}/sample-groups/{group.blSampleGroupId}?expand={expand}",
        f"{CORE}/sample-groups?proposalId={group.proposalId}&expand={expand}",
    ):
        response = client.get(url)
        assert response.status_code == 200, response.json
        body = response.json if "results" not in response.json else response.json["results"][0]
        for sample in _group_samples(body):
            assert _sample_keys(sample) == keys
            if "crystal" in keys:
                assert ("protein" in sample["crystal"]) is protein
                if protein:
                    assert sample["crystal"]["protein"]["proteinId"] == grouped["protein"].proteinId


@pytest.mark.parametrize("bad", ["nope", "blSample.crystal", "members", "Crystal"])
def test_an_unknown_sample_group_block_is_a_400_naming_expand(client, grouped, bad):
    group = grouped["group"]
    for url in (
        f"{CORE}/sample-groups?expand={bad}",
        f"{CORE}/sample-groups/{group.uuid}?expand={bad}",
    ):
        response = client.get(url)
        assert response.status_code == 400, response.json
        assert response.json["code"] == "INVALID_PARAMETER"
        assert set(response.json["details"]) == {"expand"}
        assert repr(bad) in response.json["details"]["expand"][0]


def test_sample_group_writes_answer_the_blocks_expand_names(client, grouped):
    group, third = grouped["group"], grouped["samples"][2]
    url = f"{CORE}/sample-groups/{group.uuid}"
    renamed = client.patch(url, json={"name": "renamed"})
    assert renamed.status_code == 200, renamed.json
    assert [_sample_keys(s) for s in _group_samples(renamed.json)] == [set(), set()]
    renamed = client.patch(f"{url}?expand=protein", json={"name": "again"})
    assert {s["crystal"]["protein"]["proteinId"] for s in _group_samples(renamed.json)} == {
        grouped["protein"].proteinId
    }
    added = client.post(
        f"{url}/samples?expand=diffractionPlan", json={"blSampleId": third.blSampleId}
    )
    assert added.status_code == 201, added.json
    assert _sample_keys(added.json["blSample"]) == {"diffractionPlan"}
    moved = client.patch(f"{url}/samples/{third.blSampleId}", json={"groupOrder": 9})
    assert moved.status_code == 200, moved.json
    assert _sample_keys(moved.json["blSample"]) == set()
    moved = client.patch(
        f"{url}/samples/{third.blSampleId}?expand=blSample.crystal", json={"groupOrder": 8}
    )
    assert moved.json["blSample"]["crystal"]["crystalId"] == third.crystalId
    refused = client.post(f"{url}/samples?expand=members", json={"blSampleId": third.blSampleId})
    assert refused.status_code == 400 and set(refused.json["details"]) == {"expand"}
    created = client.post(
        f"{CORE}/sample-groups?expand=crystal", json={"proposalId": group.proposalId, "name": "n"}
    )
    assert created.status_code == 201 and created.json["members"] == []


def test_a_container_answers_its_samples_on_request(client, shipped):
    container_id = shipped["samples"][0].containerId
    item_url = f"{CORE}/containers/{container_id}"
    list_url = f"{CORE}/containers?proposalId={shipped['shipment'].proposalId}"
    assert "samples" not in client.get(item_url).json
    assert "samples" not in client.get(list_url).json["results"][0]
    for url in (f"{item_url}?expand=samples", f"{list_url}&expand=samples"):
        response = client.get(url)
        assert response.status_code == 200, response.json
        body = response.json if "results" not in response.json else response.json["results"][0]
        assert [s["blSampleId"] for s in body["samples"]] == [
            s.blSampleId for s in shipped["samples"]
        ]
        assert _sample_keys(body["samples"][0]) == set()
    body = client.get(f"{item_url}?expand=samples.crystal.protein,samples.diffractionPlan").json
    sample = body["samples"][0]
    assert _sample_keys(sample) == {"crystal", "diffractionPlan"}
    assert sample["crystal"]["protein"]["proteinId"] == shipped["protein"].proteinId
    body = client.get(f"{item_url}?expand=samples.crystal").json
    assert "protein" not in body["samples"][0]["crystal"]


@pytest.mark.parametrize("bad", ["crystal", "sample", "samples.nope", "dewars.containers.samples"])
def test_an_unknown_container_block_is_a_400_naming_expand(client, shipped, bad):
    container_id = shipped["samples"][0].containerId
    for url in (
        f"{CORE}/containers?expand={bad}",
        f"{CORE}/containers/{container_id}?expand={bad}",
    ):
        response = client.get(url)
        assert response.status_code == 400, response.json
        assert response.json["code"] == "INVALID_PARAMETER"
        assert set(response.json["details"]) == {"expand"}
        assert "Allowed: samples, samples.crystal" in response.json["details"]["expand"][0]


def test_container_writes_answer_the_blocks_expand_names(client, shipped):
    container_id = shipped["samples"][0].containerId
    url = f"{CORE}/containers/{container_id}"
    plain = client.patch(url, json={"comments": "a"})
    assert plain.status_code == 200, plain.json
    assert "samples" not in plain.json
    expanded = client.patch(f"{url}?expand=samples.crystal", json={"comments": "b"})
    assert expanded.status_code == 200, expanded.json
    assert expanded.json["comments"] == "b"
    assert len(expanded.json["samples"]) == len(shipped["samples"])
    assert "crystal" in expanded.json["samples"][0]
    created = client.post(
        f"{CORE}/containers?expand=samples",
        json={"code": "new", "dewarId": shipped["dewar"].dewarId, "containerType": "Puck"},
    )
    assert created.status_code == 201, created.json
    assert created.json["samples"] == []
    refused = client.patch(f"{url}?expand=nope", json={"comments": "c"})
    assert refused.status_code == 400 and set(refused.json["details"]) == {"expand"}

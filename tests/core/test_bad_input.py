"""Every kind of bad input gets a 4xx in the envelope naming the field; nothing is written."""

import json

import pytest

from ispyb_core.models import Base
from tests.support.checks import assert_refused
from tests.support.checks import row_counts as table_row_counts

CORE = "/ispyb/api/v1/core"


def row_counts(core_db):
    return table_row_counts(core_db, Base.metadata)


@pytest.fixture
def targets(factory):
    """(method, url, a valid body) for every endpoint that takes a body."""
    proposal = factory.proposal()
    person = factory.person()
    session = factory.session(proposalId=proposal.proposalId)
    contact = factory.lab_contact(proposalId=proposal.proposalId, personId=person.personId)
    lab = factory.laboratory()
    member_person = factory.person()
    factory.proposal_member(proposal, person)
    factory.session_member(session, person)
    shipped = factory.shipment_in_proposal(proposal, samples=2)
    sample, other_sample = shipped["samples"]
    plan = factory.diffraction_plan(presetForProposalId=proposal.proposalId)
    dc_group = factory.data_collection_group(session)
    sweep = factory.data_collection(dc_group)
    run = factory.processing_run(sweep)
    shell = {"resolutionLimitLow": 40.0, "resolutionLimitHigh": 2.0, "completeness": 99.0}
    result = {
        "integrations": [{"dataCollection": sweep.uuid}],
        "autoProc": {"spaceGroup": "P 1"},
        "statistics": {"overall": shell, "innerShell": shell, "outerShell": shell},
    }
    collection_targets = {
        "create data collection group": (
            "post",
            f"{CORE}/data-collection-groups",
            {"sessionId": session.sessionId, "experimentType": "OSC"},
        ),
        "update data collection group": (
            "patch",
            f"{CORE}/data-collection-groups/{dc_group.uuid}",
            {"comments": "x"},
        ),
        "create data collection": (
            "post",
            f"{CORE}/data-collections",
            {"dataCollectionGroupId": dc_group.dataCollectionGroupId, "wavelength": 1.0},
        ),
        "update data collection": (
            "patch",
            f"{CORE}/data-collections/{sweep.uuid}",
            {"runStatus": "DataCollection Successful"},
        ),
        "register processing run": (
            "post",
            f"{CORE}/processing-programs",
            {"processingPrograms": "xia2", "dataCollections": [sweep.uuid]},
        ),
        "update processing run": (
            "patch",
            f"{CORE}/processing-programs/{run.uuid}",
            {"processingMessage": "x"},
        ),
        "post processing result": (
            "post",
            f"{CORE}/processing-programs/{run.uuid}/results",
            result,
        ),
        # docs/workflows.md
        "record workflow": (
            "post",
            f"{CORE}/workflows",
            {
                "dataCollectionGroupId": dc_group.dataCollectionGroupId,
                "workflowType": "MXPressE",
                "steps": [{"workflowStepType": "Mesh"}],
            },
        ),
        "request processing job": (
            "post",
            f"{CORE}/processing-jobs",
            {
                "dataCollectionId": sweep.dataCollectionId,
                "parameters": [{"parameterKey": "d_min", "parameterValue": "1.8"}],
            },
        ),
        "record processing message": (
            "post",
            f"{CORE}/processing-messages",
            {"autoProcProgramId": run.autoProcProgramId, "severity": "WARNING"},
        ),
    }
    group = factory.sample_group(proposalId=proposal.proposalId)
    factory.sample_group_member(group, sample)
    registered = factory.registered_dewar()
    other_proposal = factory.proposal()
    return collection_targets | {
        "create proposal": (
            "post",
            f"{CORE}/proposals",
            {"proposalCode": "mx", "proposalNumber": "1", "personId": person.personId},
        ),
        "update proposal": ("patch", f"{CORE}/proposals/{proposal.proposalId}", {"title": "x"}),
        "create session": (
            "post",
            f"{CORE}/sessions",
            {
                "proposalId": proposal.proposalId,
                "beamLineName": "i03",
                "startDate": "2026-01-01T00:00:00",
                "endDate": "2026-01-02T00:00:00",
            },
        ),
        "update session": ("patch", f"{CORE}/sessions/{session.sessionId}", {"comments": "x"}),
        "create person": ("post", f"{CORE}/persons", {"familyName": "X", "login": "newlogin"}),
        "update person": ("patch", f"{CORE}/persons/{person.personId}", {"givenName": "Y"}),
        "create laboratory": ("post", f"{CORE}/laboratories", {"name": "L"}),
        "update laboratory": ("patch", f"{CORE}/laboratories/{lab.laboratoryId}", {"city": "C"}),
        "create lab contact": (
            "post",
            f"{CORE}/lab-contacts",
            {
                "proposalId": proposal.proposalId,
                "personId": member_person.personId,
                "cardName": "new card",
            },
        ),
        "update lab contact": (
            "patch",
            f"{CORE}/lab-contacts/{contact.labContactId}",
            {"courierAccount": "1"},
        ),
        "add proposal member": (
            "post",
            f"{CORE}/proposals/{proposal.proposalId}/members",
            {"personId": member_person.personId, "role": "Associate"},
        ),
        "change proposal member": (
            "patch",
            f"{CORE}/proposals/{proposal.proposalId}/members/{person.personId}",
            {"role": "Associate"},
        ),
        "add session member": (
            "post",
            f"{CORE}/sessions/{session.sessionId}/members",
            {"personId": member_person.personId, "role": "Staff"},
        ),
        "change session member": (
            "patch",
            f"{CORE}/sessions/{session.sessionId}/members/{person.personId}",
            {"role": "Staff"},
        ),
        "create protein": (
            "post",
            f"{CORE}/proteins",
            {"proposalId": proposal.proposalId, "acronym": "newprot"},
        ),
        "update protein": (
            "patch",
            f"{CORE}/proteins/{shipped['protein'].proteinId}",
            {"name": "Lysozyme"},
        ),
        "create crystal": (
            "post",
            f"{CORE}/crystals",
            {"proteinId": shipped["protein"].proteinId},
        ),
        "update crystal": ("patch", f"{CORE}/crystals/{sample.crystalId}", {"spaceGroup": "C2"}),
        "create diffraction plan": (
            "post",
            f"{CORE}/diffraction-plans",
            {"presetForProposalId": proposal.proposalId},
        ),
        "update diffraction plan": (
            "patch",
            f"{CORE}/diffraction-plans/{plan.diffractionPlanId}",
            {"comments": "x"},
        ),
        "create shipment": (
            "post",
            f"{CORE}/shipments",
            {"proposalId": proposal.proposalId, "shippingName": "S"},
        ),
        "update shipment": (
            "patch",
            f"{CORE}/shipments/{shipped['shipment'].shippingId}",
            {"comments": "x"},
        ),
        "link shipment session": (
            "post",
            f"{CORE}/shipments/{shipped['shipment'].shippingId}/sessions",
            {"sessionId": session.sessionId},
        ),
        "create dewar": (
            "post",
            f"{CORE}/dewars",
            {"shippingId": shipped["shipment"].shippingId, "code": "D"},
        ),
        "update dewar": ("patch", f"{CORE}/dewars/{shipped['dewar'].dewarId}", {"comments": "x"}),
        "create container": (
            "post",
            f"{CORE}/containers",
            {"dewarId": shipped["dewar"].dewarId, "code": "C", "containerType": "Unipuck"},
        ),
        "update container": (
            "patch",
            f"{CORE}/containers/{shipped['container'].containerId}",
            {"comments": "x"},
        ),
        "create sample": (
            "post",
            f"{CORE}/samples",
            {
                "containerId": shipped["container"].containerId,
                "crystalId": sample.crystalId,
                "name": "S",
                "location": "5",
            },
        ),
        "update sample": ("patch", f"{CORE}/samples/{sample.blSampleId}", {"comments": "x"}),
        "create sample group": (
            "post",
            f"{CORE}/sample-groups",
            {"proposalId": proposal.proposalId, "name": "G"},
        ),
        "update sample group": (
            "patch",
            f"{CORE}/sample-groups/{group.blSampleGroupId}",
            {"name": "H"},
        ),
        "add sample to group": (
            "post",
            f"{CORE}/sample-groups/{group.blSampleGroupId}/samples",
            {"blSampleId": other_sample.blSampleId},
        ),
        "change sample in group": (
            "patch",
            f"{CORE}/sample-groups/{group.blSampleGroupId}/samples/{sample.blSampleId}",
            {"groupOrder": 4},
        ),
        "register dewar": ("post", f"{CORE}/dewar-registry", {"facilityCode": "FAC-NEW"}),
        "update registered dewar": (
            "patch",
            f"{CORE}/dewar-registry/{registered.dewarRegistryId}",
            {"manufacturerSerialNumber": "SN"},
        ),
        "share registered dewar": (
            "post",
            f"{CORE}/dewar-registry/{registered.dewarRegistryId}/proposals",
            {"proposalId": other_proposal.proposalId},
        ),
        "post shipment document": (
            "post",
            f"{CORE}/shipment-documents",
            {
                "proposalId": proposal.proposalId,
                "shippingName": "One shot",
                "dewars": [
                    {
                        "code": "D1",
                        "containers": [
                            {
                                "code": "C1",
                                "containerType": "Unipuck",
                                "samples": [
                                    {"name": "a", "location": "1", "crystalId": sample.crystalId}
                                ],
                            }
                        ],
                    }
                ],
            },
        ),
    }


def send(client, method, url, **kwargs):
    return getattr(client, method)(url, **kwargs)


def test_valid_bodies_are_accepted(client, targets):
    for name, (method, url, body) in targets.items():
        response = send(client, method, url, json=body)
        assert response.status_code in (200, 201), (name, response.json)


def test_malformed_json(client, core_db, targets):
    before = row_counts(core_db)
    for method, url, _ in targets.values():
        response = send(client, method, url, data='{"title": ', content_type="application/json")
        assert_refused(response, 400, "BAD_REQUEST")
        response = send(client, method, url, data="[1, 2]", content_type="application/json")
        assert_refused(response, 422, "VALIDATION_ERROR", "_body")
        response = send(
            client, method, url, data="title=x", content_type="application/x-www-form-urlencoded"
        )
        assert_refused(response, 415, "UNSUPPORTED_MEDIA_TYPE")
    assert row_counts(core_db) == before


def test_unknown_fields(client, core_db, targets):
    before = row_counts(core_db)
    for method, url, body in targets.values():
        response = send(client, method, url, json={**body, "notAColumn": 1})
        assert_refused(response, 422, "VALIDATION_ERROR", "notAColumn")
    assert row_counts(core_db) == before


def test_read_only_fields_cannot_be_written(client, core_db, targets):
    before = row_counts(core_db)
    method, url, body = targets["create proposal"]
    assert_refused(
        send(client, method, url, json={**body, "uuid": "x"}), 422, "VALIDATION_ERROR", "uuid"
    )
    assert_refused(
        send(client, method, url, json={**body, "proposalId": 5}),
        422,
        "VALIDATION_ERROR",
        "proposalId",
    )
    assert row_counts(core_db) == before


@pytest.mark.parametrize(
    "target, field, value",
    [
        ("create proposal", "personId", "seven"),
        ("create proposal", "title", 12),
        ("create session", "nbShifts", "many"),
        ("create session", "scheduled", "perhaps"),
        ("update session", "visit_number", 1.5),
        ("create person", "laboratoryId", [1]),
        ("create laboratory", "laboratoryPk", {"a": 1}),
        ("add session member", "remote", "sometimes"),
        ("create session", "nbShifts", 2**40),
        ("create sample", "location", 5),
        ("create container", "capacity", "16"),
        ("create crystal", "cell_a", "big"),
        ("create protein", "hazardGroup", 1.5),
        ("update dewar", "isStorageDewar", "perhaps"),
        ("update shipment", "isStorageShipping", [True]),
        ("create diffraction plan", "numberOfImages", 2**24),
        ("add sample to group", "type", "solvent"),
        ("post shipment document", "dewars", "many"),
        ("post shipment document", "proteins", {"acronym": "x"}),
    ],
)
def test_wrong_types(client, core_db, targets, target, field, value):
    before = row_counts(core_db)
    method, url, body = targets[target]
    assert_refused(
        send(client, method, url, json={**body, field: value}), 422, "VALIDATION_ERROR", field
    )
    assert row_counts(core_db) == before


@pytest.mark.parametrize(
    "target, field",
    [
        ("create proposal", "proposalCode"),
        ("create proposal", "proposalNumber"),
        ("create proposal", "personId"),
        ("create session", "proposalId"),
        ("create session", "startDate"),
        ("create session", "beamLineName"),
        ("create person", "familyName"),
        ("create laboratory", "name"),
        ("create lab contact", "cardName"),
        ("add proposal member", "personId"),
        ("add session member", "personId"),
        ("create protein", "acronym"),
        ("create crystal", "proteinId"),
        ("create diffraction plan", "presetForProposalId"),
        ("create shipment", "shippingName"),
        ("create dewar", "shippingId"),
        ("create container", "code"),
        ("create sample", "location"),
        ("create sample", "crystalId"),
        ("create sample group", "name"),
        ("add sample to group", "blSampleId"),
        ("link shipment session", "sessionId"),
        ("register dewar", "facilityCode"),
        ("post shipment document", "proposalId"),
        ("post shipment document", "dewars"),
        ("record workflow", "dataCollectionGroupId"),
        ("request processing job", "dataCollectionId"),
        ("record processing message", "autoProcProgramId"),
        ("record processing message", "severity"),
    ],
)
def test_missing_required_fields(client, core_db, targets, target, field):
    before = row_counts(core_db)
    method, url, body = targets[target]
    without = {key: value for key, value in body.items() if key != field}
    assert_refused(send(client, method, url, json=without), 422, "VALIDATION_ERROR", field)
    # null is not a way around it
    assert_refused(
        send(client, method, url, json={**body, field: None}), 422, "VALIDATION_ERROR", field
    )
    assert row_counts(core_db) == before


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01T00:00:00", "2026-02-30", 20260101])
def test_bad_dates(client, core_db, targets, value):
    before = row_counts(core_db)
    for target in ("create session", "update session"):
        method, url, body = targets[target]
        assert_refused(
            send(client, method, url, json={**body, "startDate": value}),
            422,
            "VALIDATION_ERROR",
            "startDate",
        )
    assert row_counts(core_db) == before


@pytest.mark.parametrize(
    "target, field, limit",
    [
        ("create proposal", "title", 200),
        ("update proposal", "title", 200),
        ("create session", "comments", 2000),
        ("create person", "familyName", 100),
        ("create person", "login", 45),
        ("create laboratory", "name", 45),
        ("create lab contact", "cardName", 40),
        ("create protein", "acronym", 45),
        ("create shipment", "shippingName", 45),
        ("update shipment", "comments", 1000),
        ("create dewar", "code", 45),
        ("create dewar", "barCode", 45),
        ("create container", "barcode", 45),
        ("create sample", "name", 45),
        ("create sample group", "name", 100),
        ("update diffraction plan", "userPath", 100),
        ("register dewar", "facilityCode", 20),
        ("post shipment document", "externalId", 100),
    ],
)
def test_too_long_strings(client, core_db, targets, target, field, limit):
    before = row_counts(core_db)
    method, url, body = targets[target]
    assert_refused(
        send(client, method, url, json={**body, field: "x" * (limit + 1)}),
        422,
        "VALIDATION_ERROR",
        field,
    )
    assert row_counts(core_db) == before
    assert send(client, method, url, json={**body, field: "x" * limit}).status_code in (200, 201)


@pytest.mark.parametrize(
    "target, field",
    [
        ("create proposal", "personId"),
        ("update proposal", "personId"),
        ("create session", "proposalId"),
        ("create person", "laboratoryId"),
        ("update person", "laboratoryId"),
        ("create lab contact", "personId"),
        ("create lab contact", "proposalId"),
        ("add proposal member", "personId"),
        ("add session member", "personId"),
        ("create protein", "proposalId"),
        ("create crystal", "proteinId"),
        ("create diffraction plan", "presetForProposalId"),
        ("create shipment", "proposalId"),
        ("update shipment", "returnLabContactId"),
        ("link shipment session", "sessionId"),
        ("create dewar", "shippingId"),
        ("update dewar", "firstExperimentId"),
        ("create container", "dewarId"),
        ("update container", "ownerId"),
        ("create sample", "containerId"),
        ("create sample", "crystalId"),
        ("update sample", "diffractionPlanId"),
        ("create sample group", "proposalId"),
        ("add sample to group", "blSampleId"),
        ("register dewar", "labContactId"),
        ("share registered dewar", "proposalId"),
        ("post shipment document", "proposalId"),
        ("post shipment document", "sendingLabContactId"),
    ],
)
def test_references_to_missing_rows(client, core_db, targets, target, field):
    before = row_counts(core_db)
    method, url, body = targets[target]
    assert_refused(
        send(client, method, url, json={**body, field: 987654}), 422, "VALIDATION_ERROR", field
    )
    assert row_counts(core_db) == before


def test_duplicates_of_unique_keys(client, core_db, factory, targets):
    existing = factory.person(login="dupe")
    factory.proposal(proposalCode="mx", proposalNumber="1")
    before = row_counts(core_db)
    method, url, body = targets["create proposal"]
    assert_refused(send(client, method, url, json=body), 409, "CONFLICT", "proposalNumber")
    method, url, body = targets["create person"]
    assert_refused(
        send(client, method, url, json={**body, "login": "dupe"}), 409, "CONFLICT", "login"
    )
    method, url, body = targets["update person"]
    assert_refused(
        send(client, method, url, json={"login": existing.login}), 409, "CONFLICT", "login"
    )
    assert row_counts(core_db) == before


def test_duplicates_of_samples_and_shipping_keys(client, core_db, factory, targets):
    factory.dewar(barCode="DUPE-DW")
    factory.container(barcode="DUPE-C")
    factory.registered_dewar(facilityCode="DUPE-FAC")
    before = row_counts(core_db)
    for target, field, value in [
        ("create dewar", "barCode", "DUPE-DW"),
        ("create container", "barcode", "DUPE-C"),
        ("register dewar", "facilityCode", "DUPE-FAC"),
        ("create protein", "acronym", "newprot"),
    ]:
        method, url, body = targets[target]
        if target == "create protein":
            assert send(client, method, url, json=body).status_code == 201
            before = row_counts(core_db)
        response = send(client, method, url, json={**body, field: value})
        assert_refused(response, 409, "CONFLICT", field)
    for target in ("add sample to group", "link shipment session"):
        method, url, body = targets[target]
        assert send(client, method, url, json=body).status_code == 201
        before = row_counts(core_db)
        assert_refused(send(client, method, url, json=body), 409, "CONFLICT")
    assert row_counts(core_db) == before


@pytest.mark.parametrize("value", ["tomorrow", "2026-02-30", "2026-01-01T25:00:00", 20260101])
def test_bad_shipping_dates(client, core_db, targets, value):
    before = row_counts(core_db)
    for target in ("create shipment", "update shipment", "post shipment document"):
        method, url, body = targets[target]
        assert_refused(
            send(client, method, url, json={**body, "deliveryAgent_shippingDate": value}),
            422,
            "VALIDATION_ERROR",
            "deliveryAgent_shippingDate",
        )
    assert row_counts(core_db) == before


def test_bad_enum_and_format_values(client, core_db, targets):
    before = row_counts(core_db)
    method, url, body = targets["create proposal"]
    assert_refused(
        send(client, method, url, json={**body, "state": "Pending"}),
        422,
        "VALIDATION_ERROR",
        "state",
    )
    assert_refused(
        send(client, method, url, json={**body, "proposalCode": "m1"}),
        422,
        "VALIDATION_ERROR",
        "proposalCode",
    )
    method, url, body = targets["create person"]
    assert_refused(
        send(client, method, url, json={**body, "emailAddress": "not-an-email"}),
        422,
        "VALIDATION_ERROR",
        "emailAddress",
    )
    assert row_counts(core_db) == before


def test_bad_query_parameters(client):
    for query, name in [
        ("limit=ten", "limit"),
        ("proposalId=abc", "proposalId"),
        ("startDate.gte=someday", "startDate.gte"),
        ("beamLineName.gt=i03", "beamLineName.gt"),
        ("bogus=1", "bogus"),
        ("scheduled=maybe", "scheduled"),
        # Empty, beyond 64 bits, Unicode digits, not finite, zone past year 9999.
        ("limit=", "limit"),
        ("offset=", "offset"),
        ("offset=20891515066137394020352", "offset"),
        ("proposalId=99999999999999999999", "proposalId"),
        ("proposalId=%D9%A1%D9%A2", "proposalId"),
        ("nbShifts.gte=%C2%B2", "nbShifts.gte"),
        ("startDate.gte=9999-12-31T23:00:00-02:00", "startDate.gte"),
    ]:
        response = client.get(f"{CORE}/sessions?{query}")
        assert_refused(response, 400, "INVALID_PARAMETER", name)


def test_body_too_large(client, targets):
    method, url, _body = targets["create laboratory"]
    response = send(
        client,
        method,
        url,
        data=b'{"name": "' + b"x" * (11 * 1024 * 1024) + b'"}',
        content_type="application/json",
    )
    assert_refused(response, 413, "PAYLOAD_TOO_LARGE")


def test_floats_beyond_single_precision_are_refused_naming_the_field(client, targets):
    method, url, body = targets["create data collection"]
    response = send(client, method, url, json={**body, "xBeam": 1e39})
    assert_refused(response, 422, "VALIDATION_ERROR", "xBeam")


def test_bodies_nested_too_deep_or_holding_unstorable_text(client, core_db, targets):
    """JSON nested 1,000 deep, lone surrogates and numbers no column holds reach no parser
    limit, no database encoder and no driver: 4xx in the envelope, the place named,
    nothing written."""
    before = row_counts(core_db)
    deep = "[" * 1000 + "]" * 1000
    for method, url, body in targets.values():
        response = send(
            client, method, url, data=f'{{"x": {deep}}}', content_type="application/json"
        )
        assert_refused(response, 400, "BAD_REQUEST")
        field = next(iter(body))
        for text in ("\udc80", "a\ud800b"):
            raw = json.dumps({**body, field: text})  # \udc80 travels as its JSON escape
            response = send(client, method, url, data=raw, content_type="application/json")
            assert_refused(response, 422, "VALIDATION_ERROR", field)
        # Numbers no column holds, whatever the field: beyond 64 bits, or not finite.
        for number in ("19265529274905837984284672", "1e400", "-1e400"):
            raw = json.dumps(body)[:-1] + f', "{field}": {number}}}'
            response = send(client, method, url, data=raw, content_type="application/json")
            assert_refused(response, 422, "VALIDATION_ERROR", field)
    assert row_counts(core_db) == before


@pytest.mark.parametrize("value", ["0001-01-01T00:00:01+00:02", "9999-12-31T23:30:00-01:00"])
def test_dates_pushed_out_of_range_by_their_zone(client, core_db, targets, value):
    before = row_counts(core_db)
    method, url, body = targets["create session"]
    response = send(client, method, url, json={**body, "startDate": value})
    assert_refused(response, 422, "VALIDATION_ERROR", "startDate")
    assert row_counts(core_db) == before


@pytest.mark.parametrize("ref", ["%C2%B2", "99999999999999999999999", "١٢"])
def test_references_that_are_not_ascii_ids(client, ref):
    for path in ("proposals", "sessions", "samples", "data-collections"):
        response = client.get(f"{CORE}/{path}/{ref}")
        assert_refused(response, 404, "NOT_FOUND")

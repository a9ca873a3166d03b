"""The plain-value reads (ispyb_shared.plain) answer what the ORM reads answered.

Each list read from Core rows is compared, on the demo data and on edge rows (nulls,
unicode, an owner without a name, external ids, zero dates written by a legacy
program on MariaDB), with the marshmallow dump of the ORM objects the previous code
read (the same statement, entities instead of columns): the same JSON text, keys in
the same order, the same total and next cursor; and the HTTP answer's results are that
JSON too (the compiled dump of the plain rows, as a request dumps them).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from sqlalchemy import select, text

from ispyb_core.access import proposal_condition, session_condition
from ispyb_core.data_collections.models import DataCollection
from ispyb_core.demo import seed_demo
from ispyb_core.processing import service as processing
from ispyb_core.processing.models import AutoProcIntegration, AutoProcProgram
from ispyb_core.processing.schemas import ProcessingRunRead
from ispyb_core.proposals import service as proposals
from ispyb_core.proposals.models import Proposal
from ispyb_core.proposals.schemas import ProposalRead
from ispyb_core.sessions import service as sessions
from ispyb_core.sessions.schemas import SessionRead
from ispyb_core.shipments import service as shipments
from ispyb_core.shipments.models import Shipping
from ispyb_core.shipments.schemas import ShipmentContentsRead
from ispyb_shared.auth.caller import Caller
from ispyb_shared.dumping import compiled_dump
from ispyb_shared.listing import paginate, parse_list_args
from tests.core.test_processing import (  # noqa: F401 (fixtures)
    ANISOTROPY,
    pipeline,
    register,
    result_document,
    sweeps,
)

CORE = "/ispyb/api/v1/core"

ADMIN = Caller(
    subject="admin",
    kind="user",
    roles=frozenset({"admin"}),
    beamlines=frozenset(),
    scopes=frozenset(),
    token_id="t",
)


def _user(login: str) -> Caller:
    return Caller(
        subject=login,
        kind="user",
        roles=frozenset(),
        beamlines=frozenset(),
        scopes=frozenset(),
        token_id="t",
    )


def _staff(*beamlines: str) -> Caller:
    return Caller(
        subject="staff1",
        kind="user",
        roles=frozenset({"staff"}),
        beamlines=frozenset(beamlines),
        scopes=frozenset(),
        token_id="t",
    )


def _edge_rows(factory, core_db, backend: str) -> str:
    """Rows at the edges of what the columns hold; the login of a member."""
    nameless = factory.person(givenName=None, familyName=None, login="nameless")
    spaced = factory.person(givenName="Zoë", familyName="Ångström – 日本")
    empty = factory.proposal(
        personId=nameless.personId,
        proposalCode="cm",
        proposalNumber="7",
        title=None,
        proposalType=None,
        state=None,
        startDate=None,
        endDate=None,
    )
    rich = factory.proposal(
        personId=spaced.personId,
        proposalCode="mx",
        proposalNumber="77",
        title='Lysozyme \u00e9t\u00e9 \U0001f9ea "quoted" \\ back',
        proposalType="MX",
        state="Closed",
        startDate=dt.datetime(2026, 2, 28, 23, 59, 59),
        endDate=dt.datetime(2026, 3, 1, 0, 0, 0),
        externalId=uuid.UUID("12345678-1234-5678-1234-567812345678").bytes,
    )
    factory.proposal_member(rich, nameless)
    factory.session(
        proposalId=empty.proposalId,
        beamLineName=None,
        comments=None,
        scheduled=None,
        archived=None,
        nbShifts=None,
        endDate=None,
    )
    factory.session(
        proposalId=rich.proposalId,
        beamLineName="i04-1",
        comments="Ünïcode \U0001f52c comment",
        scheduled=True,
        archived=False,
        nbShifts=0,
        startDate=dt.datetime(2026, 1, 1, 0, 0, 0),
        externalId=uuid.UUID("87654321-4321-8765-4321-876543218765").bytes,
    )
    zero = factory.session(proposalId=rich.proposalId, beamLineName="i04-1")
    if backend == "mariadb":
        # A legacy program's zero dates (sql_mode ''): read as null by either path.
        with core_db.engine.begin() as connection:
            connection.execute(text("SET SESSION sql_mode = ''"))
            connection.execute(
                text(
                    "UPDATE BLSession SET startDate = '0000-00-00 00:00:00', "
                    "endDate = '0000-00-00 00:00:00' WHERE sessionId = :id"
                ),
                {"id": zero.sessionId},
            )
            connection.execute(
                text(
                    "UPDATE Proposal SET startDate = '0000-00-00 00:00:00' WHERE proposalId = :id"
                ),
                {"id": empty.proposalId},
            )
    return "nameless"


def _orm_proposals(db_session, params, caller):
    statement = select(Proposal).where(proposal_condition(caller))
    return paginate(db_session, statement, params, proposals.LIST_SPEC)


def _orm_sessions(db_session, params, caller):
    statement = (
        sessions._sessions()
        .where(session_condition(caller))
        .options(sessions._data_collection_count())
    )
    return paginate(db_session, statement, params, sessions.LIST_SPEC)


READS = {
    "proposals": (proposals.list_proposals, _orm_proposals, ProposalRead, proposals.LIST_SPEC),
    "sessions": (sessions.list_sessions, _orm_sessions, SessionRead, sessions.LIST_SPEC),
}

QUERIES = {
    "proposals": [
        {},
        {"sort": "-startDate", "limit": "2"},
        {"sort": "title,-proposalId", "limit": "1", "offset": "1"},
        {"search": "mx"},
        {"state": "Closed"},
        {"offset": "1000"},
    ],
    "sessions": [
        {},
        {"sort": "beamLineName,-endDate", "limit": "2"},
        {"limit": "1", "offset": "2"},
        {"search": "i04"},
        {"proposal": "mx77"},
        {"beamLineName.in": "i04-1,i03", "startDate.gte": "2025-01-01"},
        {"offset": "1000"},
    ],
}


def _text(value) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


def _compare(core_db, name: str, query: dict, caller: Caller) -> int:
    plain_read, orm_read, schema, spec = READS[name]
    params = parse_list_args(query, spec, default_limit=25, max_limit=1000)
    with core_db.read_sessionmaker() as db_session:
        orm = orm_read(db_session, params, caller)
        expected = schema(many=True).dump(orm.results)  # marshmallow over ORM objects
    params = parse_list_args(query, spec, default_limit=25, max_limit=1000)
    with core_db.read_sessionmaker() as db_session:
        plain = plain_read(db_session=db_session, params=params, caller=caller)
        assert not any(isinstance(row, schema.Meta.model) for row in plain.results)
        answered = compiled_dump(schema(many=True))(plain.results)  # as a request dumps
        slow = schema(many=True).dump(plain.results)  # marshmallow over the plain rows
    assert _text(answered) == _text(expected), (name, query)
    assert _text(slow) == _text(expected), (name, query)
    assert (plain.total, plain.next_after) == (orm.total, orm.next_after), (name, query)
    return len(expected)


@pytest.mark.parametrize("data", ["demo", "edge"])
def test_plain_lists_answer_the_orm_dump(client, factory, core_db, backend, data):
    if data == "demo":
        seed_demo(core_db)
        member = None
    else:
        member = _edge_rows(factory, core_db, backend)
    callers = [ADMIN, _staff("i04-1"), _user(member or "nobody")]
    seen = 0
    for name, queries in QUERIES.items():
        for query in queries:
            for caller in callers:
                seen += _compare(core_db, name, query, caller)
    assert seen > 0
    # The HTTP answers: the same results as the ORM dump, whole envelope otherwise kept.
    for name, path in (("proposals", "/proposals"), ("sessions", "/sessions")):
        _, orm_read, schema, spec = READS[name]
        params = parse_list_args({}, spec, default_limit=25, max_limit=1000)
        with core_db.read_sessionmaker() as db_session:
            orm = orm_read(db_session, params, ADMIN)
            expected = schema(many=True).dump(orm.results)
        response = client.get(f"{CORE}{path}")
        assert response.status_code == 200, response.json
        body = response.json
        assert _text(body["results"]) == _text(expected)
        assert body["total"] == orm.total
        assert list(body) == ["total", "limit", "offset", "after", "results", "links"]


def _orm_runs(db_session, collection_ids):
    """The runs of the sweeps as ORM objects (the previous read; the writes' answers)."""
    condition = AutoProcProgram.autoProcProgramId.in_(
        select(AutoProcIntegration.autoProcProgramId).where(
            AutoProcIntegration.dataCollectionId.in_(collection_ids)
        )
    )
    return processing._load_runs_where(db_session, condition, plain=False)


def _compare_processing(core_db, collection_ids) -> int:
    with core_db.read_sessionmaker() as db_session:
        expected = ProcessingRunRead(many=True).dump(_orm_runs(db_session, collection_ids))
    with core_db.read_sessionmaker() as db_session:
        runs = processing.runs_of(db_session, collection_ids)
        assert runs and all(not isinstance(run.program, AutoProcProgram) for run in runs), (
            "the read is plain"
        )
        answered = compiled_dump(ProcessingRunRead(many=True))(runs)
        slow = ProcessingRunRead(many=True).dump(runs)
    assert _text(answered) == _text(expected)
    assert _text(slow) == _text(expected)
    return len(expected)


def test_plain_processing_answers_the_orm_dump_on_the_demo(client, core_db):
    seed_demo(core_db)
    with core_db.read_sessionmaker() as db_session:
        ids = list(
            db_session.execute(
                select(AutoProcIntegration.dataCollectionId)
                .where(AutoProcIntegration.dataCollectionId.is_not(None))
                .distinct()
            ).scalars()
        )
    assert ids
    for collection_id in ids:
        _compare_processing(core_db, [collection_id])
    _compare_processing(core_db, ids)
    # the HTTP answer of one sweep: the same JSON
    with core_db.read_sessionmaker() as db_session:
        expected = ProcessingRunRead(many=True).dump(_orm_runs(db_session, ids[:1]))
    response = client.get(f"{CORE}/data-collections/{ids[0]}/processing")
    assert response.status_code == 200, response.json
    assert _text(response.json["results"]) == _text(expected)


def test_plain_processing_answers_the_orm_dump_on_edge_rows(client, pipeline, sweeps, core_db):  # noqa: F811
    refs = [sweep["dataCollectionId"] for sweep in sweeps["sweeps"]]
    # CC1/2 as fractions (put in percent), awkward floats, an anisotropy, attachments
    fractions = result_document(refs[:1], high=1.234567890123, cc_half=0.998, r_merge=1e-7)
    fractions["autoProc"]["spaceGroup"] = "P 21 21 21 é日"
    register(pipeline, refs[:1], programs="xia2 🧪", result=fractions)
    register(pipeline, refs[:2], result=result_document(refs[:2], anisotropy=ANISOTROPY))
    register(pipeline, refs[2:])  # a run of nothing
    lean = result_document(refs[1:2], high=0.1)
    lean.pop("attachments")
    register(pipeline, refs[1:2], programs="autoPROC", result=lean)
    assert _compare_processing(core_db, refs) == 4
    for ref in refs:
        _compare_processing(core_db, [ref])
    with core_db.read_sessionmaker() as db_session:
        assert db_session.get(DataCollection, refs[0]) is not None


def _compare_shipment(core_db, ref: str, caller: Caller = ADMIN) -> dict:
    with core_db.read_sessionmaker() as db_session:
        orm = shipments.get_shipment_contents(db_session=db_session, ref=ref, caller=caller)
        expected = ShipmentContentsRead().dump(orm)
    with core_db.read_sessionmaker() as db_session:
        plain = shipments.read_shipment_contents(db_session=db_session, ref=ref, caller=caller)
        assert not isinstance(plain, Shipping)
        answered = compiled_dump(ShipmentContentsRead())(plain)
        slow = ShipmentContentsRead().dump(plain)
    assert _text(answered) == _text(expected), ref
    assert _text(slow) == _text(expected), ref
    return expected


def test_plain_shipment_answers_the_orm_dump(client, factory, core_db, backend):
    seed_demo(core_db)
    # edge rows: an empty dewar, a container without samples, a sample without crystal
    # or plan, a crystal without protein, two sessions, unicode, awkward floats
    proposal = factory.proposal(proposalCode="mx", proposalNumber="99")
    made = factory.shipment_in_proposal(proposal, samples=3)
    shipment = made["shipment"]
    factory.dewar(shippingId=shipment.shippingId, comments="Ünïcode \U0001f9ca")
    factory.container(dewarId=made["dewar"].dewarId, code=None, capacity=None)
    plan = factory.diffraction_plan(exposureTime=0.1, requiredResolution=1.23456789)
    factory.sample(
        containerId=made["container"].containerId,
        crystalId=None,
        diffractionPlanId=plan.diffractionPlanId,
        name="s\u00e9\u65e5",
        location="4",
    )
    crystal = factory.crystal(proteinId=made["protein"].proteinId, cell_a=79.1, cell_b=1e-7)
    factory.sample(
        containerId=made["container"].containerId, crystalId=crystal.crystalId, location="5"
    )
    for visit in (2, 1):
        factory.shipment_session(
            shipment, factory.session(proposalId=proposal.proposalId, visit_number=visit)
        )
    empty = factory.shipment(proposalId=proposal.proposalId, shippingName=None)
    with core_db.read_sessionmaker() as db_session:
        ids = list(db_session.execute(select(Shipping.shippingId)).scalars())
    assert len(ids) >= 3
    for shipping_id in ids:
        _compare_shipment(core_db, str(shipping_id))
    whole = _compare_shipment(core_db, shipment.uuid)
    assert len(whole["dewars"]) == 2 and len(whole["sessions"]) == 2
    assert [len(c["samples"]) for c in whole["dewars"][0]["containers"]] == [5, 0]
    assert _compare_shipment(core_db, str(empty.shippingId))["dewars"] == []
    # not visible, not there: the same 404
    for ref, caller in ((str(shipment.shippingId), _user("nobody")), ("999999", ADMIN)):
        with core_db.read_sessionmaker() as db_session, pytest.raises(Exception) as orm:
            shipments.get_shipment_contents(db_session=db_session, ref=ref, caller=caller)
        with core_db.read_sessionmaker() as db_session, pytest.raises(Exception) as plain:
            shipments.read_shipment_contents(db_session=db_session, ref=ref, caller=caller)
        assert type(orm.value) is type(plain.value) and str(orm.value) == str(plain.value)
    # the HTTP answer (expand= left-outs included): the ORM dump's JSON
    for query in ("", "?expand=dewars.containers.samples.diffractionPlan", "?fields=uuid,dewars"):
        response = client.get(f"{CORE}/shipments/{shipment.shippingId}{query}")
        assert response.status_code == 200, response.json
    response = client.get(f"{CORE}/shipments/{shipment.shippingId}")
    with core_db.read_sessionmaker() as db_session:
        orm = shipments.get_shipment_contents(
            db_session=db_session, ref=str(shipment.shippingId), caller=ADMIN
        )
        from ispyb_core.shipments.api import ITEM_EXPAND

        left_out = ITEM_EXPAND.excluded(ShipmentContentsRead, ITEM_EXPAND.resolve(None))
        expected = ShipmentContentsRead(exclude=left_out).dump(orm)
    assert _text(response.json) == _text(expected)

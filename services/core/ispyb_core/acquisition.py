"""What the rows a beamline writes share: the session and sample they name, who writes them.

Beamline control names a session by visit (``mx1001-2``), id or UUID, and a sample by id,
UUID or name within the session's proposal; these helpers find them or answer a 422
naming the field. Writers need not be able to read what they name (a beamline client may
have only ``core:acquisition:write``): the writer check is by the session's beamline.
"""

from __future__ import annotations

from typing import Any

from marshmallow import fields
from sqlalchemy import select
from sqlalchemy.orm import Session, contains_eager

from ispyb_shared.auth import Caller
from ispyb_shared.crud import check_period, create_row, one_or_404, ref_condition, update_row
from ispyb_shared.errors import Conflict, ValidationFailed
from ispyb_shared.listing import paginate
from ispyb_shared.uuids import parse_uuid

from .access import PROCESSING_READ_SCOPES, require_acquisition_writer, session_condition
from .crystals.models import Crystal
from .proteins.models import Protein
from .samples.models import BLSample
from .sessions.models import BLSession
from .sessions.service import visit_condition

# Pipelines read what the beamline recorded, like data collections.
ACQUISITION_READ = PROCESSING_READ_SCOPES


class NamedReference(fields.Field):
    """A row named by its id (a JSON integer or digits), its UUID or its name; loads as
    text (the lookup decides which it is)."""

    default_error_messages = {"invalid": "Must be an id, a UUID or a name."}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if isinstance(value, str) and value.strip() and len(value) <= 255:
            return value.strip()
        raise self.make_error("invalid")


def sessions_with_proposal():
    return select(BLSession).join(BLSession.Proposal).options(contains_eager(BLSession.Proposal))


def visible_session_condition(caller: Caller):
    return session_condition(caller, ACQUISITION_READ)


def session_for_write(
    db_session: Session, ref: Any, *, field: str, caller: Caller, action: str
) -> BLSession:
    """The session ``ref`` (visit, id or UUID) names, for a write by ``caller``: 422 on
    ``field`` when there is none, 403 when the caller may not write on its beamline."""
    if ref is None:
        raise ValidationFailed(f"{field} is required.", {field: ["Required."]})
    condition = ref_condition(
        str(ref), id_column=BLSession.sessionId, uuid_column=BLSession.uuid, by_name=visit_condition
    )
    session = (
        db_session.execute(sessions_with_proposal().where(condition).limit(1))
        .unique()
        .scalar_one_or_none()
    )
    if session is None:
        raise ValidationFailed(
            "A referenced row does not exist.",
            {field: [f"No session {ref} (a visit such as mx1234-5, an id or a UUID)."]},
        )
    require_acquisition_writer(caller, beamline=session.beamLineName, action=action)
    return session


def sample_in_proposal(db_session: Session, ref: Any, *, proposal_id: int, field: str) -> BLSample:
    """The sample of proposal ``proposal_id`` that ``ref`` names (id, UUID or name)."""
    text = str(ref)
    statement = (
        select(BLSample)
        .join(BLSample.Crystal)
        .join(Crystal.Protein)
        .options(contains_eager(BLSample.Crystal).contains_eager(Crystal.Protein))
        .where(Protein.proposalId == proposal_id)
    )
    if (text.isascii() and text.isdigit()) or parse_uuid(text):
        condition = ref_condition(text, id_column=BLSample.blSampleId, uuid_column=BLSample.uuid)
    else:
        condition = BLSample.name == text
    found = db_session.execute(statement.where(condition).limit(2)).unique().scalars().all()
    if not found:
        raise ValidationFailed(
            "A referenced row does not exist.",
            {field: [f"No sample {ref} in the session's proposal."]},
        )
    if len(found) > 1:
        raise ValidationFailed(
            "The sample name is ambiguous.",
            {field: [f"Several samples of the proposal are named {ref}: use the id or UUID."]},
        )
    return found[0]


def check_sample_of_session(
    db_session: Session, sample_id: Any, *, session: BLSession, field: str
) -> None:
    """A row's sample must belong to the proposal of its session."""
    if sample_id is None:
        return
    sample_in_proposal(db_session, str(sample_id), proposal_id=session.proposalId, field=field)


def resolve_session_and_sample(
    db_session: Session,
    data: dict[str, Any],
    *,
    session_column: str,
    sample_column: str,
    caller: Caller,
    action: str,
) -> BLSession:
    """Fill ``session_column`` and ``sample_column`` of a new row's ``data`` from the
    ``session`` and ``sample`` references (or check the ids given), in place."""
    session_ref = data.pop("session", None)
    sample_ref = data.pop("sample", None)
    if session_ref is not None and data.get(session_column) is not None:
        raise ValidationFailed(
            "Name the session once.", {"session": [f"Not allowed with {session_column}."]}
        )
    if sample_ref is not None and data.get(sample_column) is not None:
        raise ValidationFailed(
            "Name the sample once.", {"sample": [f"Not allowed with {sample_column}."]}
        )
    if session_ref is not None:
        session = session_for_write(
            db_session, session_ref, field="session", caller=caller, action=action
        )
    else:
        session = session_for_write(
            db_session, data.get(session_column), field=session_column, caller=caller, action=action
        )
    data[session_column] = session.sessionId
    if sample_ref is not None:
        sample = sample_in_proposal(
            db_session, sample_ref, proposal_id=session.proposalId, field="sample"
        )
        data[sample_column] = sample.blSampleId
    else:
        check_sample_of_session(
            db_session, data.get(sample_column), session=session, field=sample_column
        )
    return session


class SessionRows:
    """Reads and writes of a table whose rows belong to a session (and maybe a sample):
    energy scans, fluorescence spectra. Visibility is the session's; writers are
    acquisition writers of its beamline."""

    def __init__(
        self,
        model,
        *,
        key: str,
        session_column: str = "sessionId",
        sample_column: str = "blSampleId",
        period: tuple[str, str] = ("startTime", "endTime"),
        what: str,
    ):
        self.model = model
        self.key = getattr(model, key)
        self.session_column = session_column
        self.sample_column = sample_column
        self.period = period
        self.what = what

    def all(self):
        return (
            select(self.model)
            .outerjoin(self.model.BLSession)
            .outerjoin(BLSession.Proposal)
            .options(contains_eager(self.model.BLSession).contains_eager(BLSession.Proposal))
        )

    def visible(self, caller: Caller):
        return self.all().where(visible_session_condition(caller))

    def list(self, *, db_session: Session, params, spec, caller: Caller):
        return paginate(db_session, self.visible(caller), params, spec)

    def get(self, *, db_session: Session, ref: str, caller: Caller):
        condition = ref_condition(ref, id_column=self.key, uuid_column=self.model.uuid)
        return one_or_404(db_session, self.visible(caller).where(condition), self.what, ref)

    def create(self, *, db_session: Session, data: dict[str, Any], caller: Caller):
        data = dict(data)
        resolve_session_and_sample(
            db_session,
            data,
            session_column=self.session_column,
            sample_column=self.sample_column,
            caller=caller,
            action=f"record {self.what.lower()}s",
        )
        check_period(data, start=self.period[0], end=self.period[1])
        return self._reload(db_session, create_row(db_session, self.model, data))

    def update(self, *, db_session: Session, row, data: dict[str, Any], caller: Caller):
        session = row.BLSession
        require_acquisition_writer(
            caller, beamline=session.beamLineName, action=f"change {self.what.lower()}s"
        )
        current = getattr(row, self.session_column)
        if self.session_column in data and data[self.session_column] != current:
            raise Conflict(
                f"A {self.what.lower()} cannot move to another session.",
                {self.session_column: ["Cannot be changed."]},
            )
        if data.get(self.sample_column) is not None:
            check_sample_of_session(
                db_session, data[self.sample_column], session=session, field=self.sample_column
            )
        check_period(data, start=self.period[0], end=self.period[1], current=row)
        update_row(db_session, row, data)
        return self._reload(db_session, row)

    def _reload(self, db_session: Session, row):
        statement = self.all().where(self.key == getattr(row, self.key.key))
        return db_session.execute(statement.execution_options(populate_existing=True)).scalar_one()


def visit_field():
    return fields.Function(
        lambda row: row.BLSession.visit,
        dump_only=True,
        metadata={"description": "Visit name of the session, e.g. mx1234-5 (derived)."},
    )


def session_uuid_field():
    return fields.Function(
        lambda row: row.BLSession.uuid,
        dump_only=True,
        metadata={"description": "UUID of the session (derived)."},
    )


def session_reference_field():
    return NamedReference(
        load_only=True,
        metadata={"description": "The session: visit (mx1234-5), id or UUID."},
    )


def sample_reference_field():
    return NamedReference(
        load_only=True,
        metadata={"description": "The sample: id, UUID or name within the proposal."},
    )

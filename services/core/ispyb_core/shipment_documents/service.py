"""One-shot shipment entry: a whole shipment from one document, in one transaction.

The document is checked completely before anything is written: the schema (every part
with its resource's own checks) and then the rules (references to existing rows of the
proposal, barcodes, positions and capacities, duplicates within the document). Every
problem is reported at once under the JSON path of the bad value, e.g.
``dewars[1].containers[0].samples[3].location``. The same checks serve the CSV import
(csv_import.py), which adds a document's dewars to an existing shipment.

Inserts are batched: one flush per level (proteins and dewars; containers and plans;
crystals; samples and history), not one round trip per row.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from ispyb_shared.auth import Caller
from ispyb_shared.errors import Conflict, ValidationFailed, field_paths
from ispyb_shared.uuids import parse_uuid

from ..access import (
    person_condition,
    proposal_id_condition,
    require_member_write,
    session_condition,
)
from ..containers.models import Container
from ..containers.positions import KNOWN_CAPACITIES, capacity_of, capacity_problem
from ..crystals.models import Crystal
from ..dewar_registry.service import registered_dewar_ids
from ..dewars.models import Dewar
from ..diffraction_plans.models import DiffractionPlan
from ..diffraction_plans.service import plan_condition
from ..ownership import References, other_proposal
from ..persons.models import Person
from ..proposals.service import get_proposal
from ..proteins.models import Protein
from ..samples.models import BLSample
from ..sessions.models import BLSession
from ..shipments import lifecycle
from ..shipments.models import Shipping
from ..shipments.service import add_shipment, check_contacts, get_shipment_contents
from . import schemas
from .models import ShipmentDocument

NESTED = ("proteins", "dewars", "containers", "samples", "Crystal", "Protein", "DiffractionPlan")


def known(values) -> list:
    """The values to look up: sorted (stable SQL), without the nulls a document may hold."""
    return sorted(value for value in values if value is not None)


json_paths = field_paths  # marshmallow's nested messages -> {"dewars[1].code": [...]}


def document_hash(raw: dict[str, Any]) -> str:
    canonical = json.dumps(raw, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def columns_of(part: dict[str, Any]) -> dict[str, Any]:
    """A document part without its nested parts: the values of its row."""
    return {key: value for key, value in part.items() if key not in NESTED}


@dataclass
class CheckedContents:
    """What the checks resolved, for writing: keyed by the JSON path of the part."""

    proposal_id: int | None
    existing_protein_ids: dict[str, int] = field(default_factory=dict)
    new_protein_acronyms: dict[str, str] = field(default_factory=dict)
    registry_ids: dict[str, int] = field(default_factory=dict)
    capacities: dict[str, int | None] = field(default_factory=dict)


class ContentsCheck:
    """The rules of a document's contents, checked with a fixed number of queries."""

    def __init__(
        self,
        db_session: Session,
        caller: Caller,
        *,
        proposal_id: int | None,
        problems: dict[str, list[str]],
        shipping: Shipping | None = None,
    ):
        self.db = db_session
        self.caller = caller
        self.proposal_id = proposal_id
        self.problems = problems
        # Paths the schema already refused: rules do not pile more messages onto them.
        self.refused = set(problems)
        self.shipping = shipping
        self.checked = CheckedContents(proposal_id=proposal_id)
        self.new_acronyms: set[str] = set()

    def add(self, path: str, message: str) -> None:
        self.problems.setdefault(path, []).append(message)

    def was_refused(self, path: str) -> bool:
        return any(
            refused == path or refused.startswith((f"{path}.", f"{path}["))
            for refused in self.refused
        )

    def run(self, document: dict[str, Any]) -> CheckedContents:
        dewars = list(enumerate(document.get("dewars") or []))
        containers = [
            (f"dewars[{i}].containers[{j}]", container)
            for i, dewar in dewars
            for j, container in enumerate(dewar.get("containers") or [])
        ]
        samples = [
            (f"{path}.samples[{k}]", sample)
            for path, container in containers
            for k, sample in enumerate(container.get("samples") or [])
        ]
        dewar_parts = [(f"dewars[{i}]", dewar) for i, dewar in dewars]
        self._check_new_proteins(document.get("proteins") or [])
        self._check_dewars(dewar_parts)
        self._check_containers(dewar_parts, containers)
        self._check_positions(containers)
        self._check_sample_references(samples)
        self._check_sessions_and_owners(dewar_parts, containers)
        return self.checked

    # --- proteins -------------------------------------------------------------------

    def _check_new_proteins(self, proteins: list[dict[str, Any]]) -> None:
        paths = {}
        for index, protein in enumerate(proteins):
            acronym = protein.get("acronym")
            if acronym is None:
                continue
            path = f"proteins[{index}].acronym"
            if acronym in paths:
                self.add(path, f"Protein {acronym!r} is already listed ({paths[acronym]}).")
            else:
                paths[acronym] = path
        if paths and self.proposal_id is not None:
            existing = self.db.scalars(
                select(Protein.acronym).where(
                    Protein.proposalId == self.proposal_id, Protein.acronym.in_(known(paths))
                )
            )
            for acronym in set(existing):
                self.add(
                    paths[acronym],
                    f"The proposal already has a protein {acronym!r}: refer to it by acronym "
                    "in the crystals instead.",
                )
        self.new_acronyms = set(paths)

    def _resolve_proteins(self, references: list[tuple[str, dict[str, Any]]]) -> None:
        ids = {ref["proteinId"] for _path, ref in references if "proteinId" in ref}
        uuids = {parse_uuid(ref["uuid"]) for _path, ref in references if "uuid" in ref}
        acronyms = {ref["acronym"] for _path, ref in references if "acronym" in ref}
        existing: list[Protein] = []
        if self.proposal_id is not None and (ids or uuids or acronyms):
            existing = list(
                self.db.scalars(
                    select(Protein).where(
                        Protein.proposalId == self.proposal_id,
                        Protein.proteinId.in_(known(ids))
                        | Protein.uuid.in_(known(uuids))
                        | Protein.acronym.in_(known(acronyms)),
                    )
                )
            )
        by_id = {protein.proteinId: protein.proteinId for protein in existing}
        by_uuid = {protein.uuid: protein.proteinId for protein in existing}
        by_acronym: dict[str, list[int]] = {}
        for protein in existing:
            by_acronym.setdefault(protein.acronym, []).append(protein.proteinId)
        for path, ref in references:
            if "acronym" in ref and ref["acronym"] in self.new_acronyms:
                self.checked.new_protein_acronyms[path] = ref["acronym"]
                continue
            if "proteinId" in ref:
                found = by_id.get(ref["proteinId"])
            elif "uuid" in ref:
                found = by_uuid.get(parse_uuid(ref["uuid"]))
            else:
                matches = by_acronym.get(ref["acronym"], [])
                if len(matches) > 1:
                    self.add(
                        path,
                        f"The proposal has {len(matches)} proteins {ref['acronym']!r}: give "
                        "the proteinId.",
                    )
                    continue
                found = matches[0] if matches else None
            if found is None:
                (key, value), *_ = ref.items()
                self.add(
                    path,
                    f"No protein with {key} {value!r} in the proposal or in the document's "
                    "proteins.",
                )
            else:
                self.checked.existing_protein_ids[path] = found

    # --- dewars and containers -----------------------------------------------------

    def _check_dewars(self, dewars: list[tuple[str, dict[str, Any]]]) -> None:
        self._unique_in_document(dewars, "code", "Dewar name")
        if self.shipping is not None:
            codes = {dewar["code"] for _path, dewar in dewars if dewar.get("code")}
            taken = set(
                self.db.scalars(
                    select(Dewar.code).where(
                        Dewar.shippingId == self.shipping.shippingId, Dewar.code.in_(known(codes))
                    )
                )
            )
            for path, dewar in dewars:
                if dewar.get("code") in taken:
                    self.add(f"{path}.code", f"The shipment already has a dewar {dewar['code']!r}.")
        self._unique_barcodes(dewars, "barCode", Dewar.barCode, "dewar")
        codes = {dewar["facilityCode"] for _path, dewar in dewars if dewar.get("facilityCode")}
        if codes and self.proposal_id is not None:
            self.checked.registry_ids = registered_dewar_ids(self.db, codes, self.proposal_id)
        for path, dewar in dewars:
            code = dewar.get("facilityCode")
            if code and self.proposal_id is not None and code not in self.checked.registry_ids:
                self.add(
                    f"{path}.facilityCode",
                    f"No dewar {code!r} is registered for the shipment's proposal.",
                )

    def _check_containers(
        self,
        dewars: list[tuple[str, dict[str, Any]]],
        containers: list[tuple[str, dict[str, Any]]],
    ) -> None:
        for dewar_path, dewar in dewars:
            self._unique_in_document(
                [
                    (f"{dewar_path}.containers[{j}]", container)
                    for j, container in enumerate(dewar.get("containers") or [])
                ],
                "code",
                "Container name in this dewar",
            )
        self._unique_barcodes(containers, "barcode", Container.barcode, "container")
        for path, container in containers:
            capacity = capacity_of(container.get("containerType"), container.get("capacity"))
            self.checked.capacities[path] = capacity
            # A part refused as a whole (not an object...) or whose capacity or type was
            # refused already has its message.
            sized = not any(
                self.was_refused(refused)
                for refused in (f"{path}.capacity", f"{path}.containerType")
            )
            sized = sized and path not in self.refused
            if capacity is None and sized:
                self.add(
                    f"{path}.capacity",
                    "Give the number of positions: core knows the capacity of "
                    f"{', '.join(KNOWN_CAPACITIES)} containers only.",
                )

    def _check_positions(self, containers: list[tuple[str, dict[str, Any]]]) -> None:
        for path, container in containers:
            taken: dict[tuple[str, int | None], str] = {}
            for k, sample in enumerate(container.get("samples") or []):
                location = sample.get("location")
                if location is None:
                    continue
                sample_path = f"{path}.samples[{k}]"
                problem = capacity_problem(location, self.checked.capacities.get(path))
                if problem is not None:
                    self.add(f"{sample_path}.location", problem)
                position = (location, sample.get("subLocation"))
                if position in taken:
                    self.add(
                        f"{sample_path}.location",
                        f"Position {location} is already given to {taken[position]}.",
                    )
                else:
                    taken[position] = sample_path

    def _unique_in_document(self, parts, key: str, what: str) -> None:
        seen: dict[Any, str] = {}
        for path, part in parts:
            value = part.get(key)
            if value is None:
                continue
            if value in seen:
                self.add(f"{path}.{key}", f"{what} {value!r} is also used by {seen[value]}.")
            else:
                seen[value] = path

    def _unique_barcodes(self, parts, key: str, column, what: str) -> None:
        """Barcodes are unique across the facility (ISPyB's unique keys on Dewar.barCode
        and Container.barcode): within the document and against the database."""
        self._unique_in_document(parts, key, "Barcode")
        values = {part[key] for _path, part in parts if part.get(key)}
        if not values:
            return
        used = set(self.db.scalars(select(column).where(column.in_(known(values)))))
        for path, part in parts:
            if part.get(key) in used:
                self.add(f"{path}.{key}", f"Another {what} already has barcode {part[key]!r}.")

    # --- references of samples, dewars and containers ------------------------------

    def _check_sample_references(self, samples: list[tuple[str, dict[str, Any]]]) -> None:
        # A sample refused as a whole (crystalId and Crystal both or neither given...) is
        # not looked further into; otherwise its refused fields are simply absent.
        usable = [(path, sample) for path, sample in samples if path not in self.refused]
        self._resolve_proteins(
            [
                (f"{path}.crystal.protein", sample["Crystal"]["Protein"])
                for path, sample in usable
                if "Protein" in sample.get("Crystal", {})
                and not self.was_refused(f"{path}.crystal.protein")
            ]
        )
        crystal_ids = {sample["crystalId"] for _path, sample in usable if "crystalId" in sample}
        crystals: dict[int, int] = {}
        if crystal_ids:
            crystals = dict(
                self.db.execute(
                    select(Crystal.crystalId, Protein.proposalId)
                    .join(Crystal.Protein)
                    .where(
                        Crystal.crystalId.in_(known(crystal_ids)),
                        proposal_id_condition(self.caller, Protein.proposalId),
                    )
                ).all()
            )
        plan_ids = {
            sample["diffractionPlanId"]
            for _path, sample in usable
            if sample.get("diffractionPlanId") is not None
        }
        plans: set[int] = set()
        if plan_ids:
            plans = set(
                self.db.scalars(
                    select(DiffractionPlan.diffractionPlanId).where(
                        DiffractionPlan.diffractionPlanId.in_(known(plan_ids)),
                        plan_condition(self.caller),
                    )
                )
            )
        for path, sample in usable:
            if sample.get("crystalId") is not None:
                crystal_id = sample["crystalId"]
                if crystal_id not in crystals:
                    self.add(f"{path}.crystalId", f"No Crystal with crystalId {crystal_id!r}.")
                elif problem := other_proposal(crystals[crystal_id], self.proposal_id):
                    self.add(f"{path}.crystalId", problem)
            plan_id = sample.get("diffractionPlanId")
            if plan_id is not None and plan_id not in plans:
                self.add(
                    f"{path}.diffractionPlanId",
                    f"No DiffractionPlan with diffractionPlanId {plan_id!r}.",
                )

    def _check_sessions_and_owners(self, dewars, containers) -> None:
        wanted = [(f"{path}.firstExperimentId", d.get("firstExperimentId")) for path, d in dewars]
        wanted += [(f"{path}.sessionId", c.get("sessionId")) for path, c in containers]
        wanted = [(path, value) for path, value in wanted if value is not None]
        if wanted:
            sessions = dict(
                self.db.execute(
                    select(BLSession.sessionId, BLSession.proposalId).where(
                        BLSession.sessionId.in_(known({value for _path, value in wanted})),
                        session_condition(self.caller),
                    )
                ).all()
            )
            for path, value in wanted:
                if value not in sessions:
                    self.add(path, f"No BLSession with sessionId {value!r}.")
                elif problem := other_proposal(sessions[value], self.proposal_id):
                    self.add(path, problem)
        owners = [(f"{path}.ownerId", c["ownerId"]) for path, c in containers if c.get("ownerId")]
        if owners:
            visible = set(
                self.db.scalars(
                    select(Person.personId).where(
                        Person.personId.in_(known({value for _path, value in owners})),
                        person_condition(self.caller),
                    )
                )
            )
            for path, value in owners:
                if value not in visible:
                    self.add(path, f"No Person with personId {value!r}.")


def load_document(schema, raw: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The document's valid parts and the schema's problems, by JSON path."""
    try:
        return schema.load(raw), {}
    except ValidationError as exc:
        valid = exc.valid_data if isinstance(exc.valid_data, dict) else {}
        return valid, json_paths(exc.messages if isinstance(exc.messages, dict) else {})


def write_contents(
    db_session: Session,
    shipping: Shipping,
    document: dict[str, Any],
    checked: CheckedContents,
) -> None:
    """Insert checked contents into ``shipping``, one batch per level."""
    now = lifecycle.facility_time()
    new_proteins = {
        protein["acronym"]: Protein(
            **protein, proposalId=checked.proposal_id, isCreatedBySampleSheet=True
        )
        for protein in document.get("proteins") or []
    }
    dewars = [
        (
            f"dewars[{i}]",
            dewar,
            Dewar(
                **columns_of(dewar),
                shippingId=shipping.shippingId,
                dewarStatus=lifecycle.OPENED,
                bltimeStamp=now,
                dewarRegistryId=checked.registry_ids.get(dewar.get("facilityCode")),
            ),
        )
        for i, dewar in enumerate(document["dewars"])
    ]
    db_session.add_all([*new_proteins.values(), *(row for _path, _part, row in dewars)])
    db_session.flush()

    containers = []
    plans = {}
    for dewar_path, dewar, dewar_row in dewars:
        for j, container in enumerate(dewar.get("containers") or []):
            path = f"{dewar_path}.containers[{j}]"
            row = Container(
                **{
                    **columns_of(container),
                    "capacity": checked.capacities[path],
                    "dewarId": dewar_row.dewarId,
                    "bltimeStamp": now,
                }
            )
            containers.append((path, container, row))
            for k, sample in enumerate(container.get("samples") or []):
                if "DiffractionPlan" in sample:
                    plans[f"{path}.samples[{k}]"] = DiffractionPlan(**sample["DiffractionPlan"])
    db_session.add_all([*(row for _path, _part, row in containers), *plans.values()])
    db_session.flush()

    crystals = {}
    for path, container, _row in containers:
        for k, sample in enumerate(container.get("samples") or []):
            if "Crystal" not in sample:
                continue
            sample_path = f"{path}.samples[{k}]"
            reference = f"{sample_path}.crystal.protein"
            if reference in checked.new_protein_acronyms:
                protein_id = new_proteins[checked.new_protein_acronyms[reference]].proteinId
            else:
                protein_id = checked.existing_protein_ids[reference]
            crystals[sample_path] = Crystal(**columns_of(sample["Crystal"]), proteinId=protein_id)
    db_session.add_all(crystals.values())
    db_session.flush()

    rows: list[Any] = []
    for path, container, container_row in containers:
        for k, sample in enumerate(container.get("samples") or []):
            sample_path = f"{path}.samples[{k}]"
            values = columns_of(sample)
            if sample_path in crystals:
                values["crystalId"] = crystals[sample_path].crystalId
            if sample_path in plans:
                values["diffractionPlanId"] = plans[sample_path].diffractionPlanId
            rows.append(BLSample(**values, containerId=container_row.containerId))
    for _path, _part, dewar_row in dewars:
        lifecycle.record_dewar_history(db_session, dewar_row)
    db_session.add_all(rows)
    db_session.flush()


def _refuse(problems: dict[str, list[str]], what: str) -> None:
    count = sum(len(messages) for messages in problems.values())
    raise ValidationFailed(
        f"The {what} has {count} error{'s' if count != 1 else ''}; nothing was written.",
        problems,
    )


def _previous_document(db_session: Session, proposal_id: int, external_id: str):
    return db_session.execute(
        select(ShipmentDocument).where(
            ShipmentDocument.proposalId == proposal_id,
            ShipmentDocument.externalId == external_id,
        )
    ).scalar_one_or_none()


def submit_document(
    *, db_session: Session, raw: dict[str, Any], caller: Caller
) -> tuple[Shipping, bool]:
    """Create the shipment a document describes; (shipment with contents, created).

    With an ``externalId`` already used in the proposal, the same document returns the
    shipment it created (created is False) and a different one is refused (409).
    """
    require_member_write(caller, (), what="shipments")
    document, problems = load_document(schemas.ShipmentDocument(), raw)
    references = References(db_session, caller)
    proposal = references.get("proposalId", document.get("proposalId"), get_proposal, "Proposal")
    proposal_id = proposal.proposalId if proposal is not None else None
    external_id = document.get("externalId")
    if proposal_id is not None and external_id is not None:
        previous = _previous_document(db_session, proposal_id, external_id)
        if previous is not None:
            if previous.documentHash != document_hash(raw):
                raise Conflict(
                    f"externalId {external_id!r} was used for another document (shipment "
                    f"{previous.shippingId}).",
                    {"externalId": ["Already used for a different document in this proposal."]},
                )
            shipping = get_shipment_contents(
                db_session=db_session, ref=str(previous.shippingId), caller=caller
            )
            return shipping, False
    if proposal_id is not None:
        check_contacts(references, document, proposal_id)
    for path, messages in references.problems.items():
        problems.setdefault(path, []).extend(messages)
    checked = ContentsCheck(db_session, caller, proposal_id=proposal_id, problems=problems).run(
        document
    )
    if problems:
        _refuse(problems, "shipment document")

    shipment_values = {
        key: value
        for key, value in document.items()
        if key not in {"externalId", "proteins", "dewars"}
    }
    shipping = add_shipment(db_session, shipment_values, caller=caller)
    write_contents(db_session, shipping, document, checked)
    if external_id is not None:
        db_session.add(
            ShipmentDocument(
                proposalId=proposal_id,
                externalId=external_id,
                documentHash=document_hash(raw),
                shippingId=shipping.shippingId,
            )
        )
        db_session.flush()
    return get_shipment_contents(
        db_session=db_session, ref=str(shipping.shippingId), caller=caller
    ), True


@dataclass
class CheckedDocument:
    """A contents document after the checks: its valid parts, what they resolved to, and
    the problems by JSON path (nothing may be written when there are any)."""

    contents: dict[str, Any]
    resolved: CheckedContents
    problems: dict[str, list[str]]


def check_contents(
    *, db_session: Session, shipping: Shipping, document: dict[str, Any], caller: Caller
) -> CheckedDocument:
    """Check a contents document (dewars only) for adding to an existing shipment."""
    require_member_write(caller, (), what=f"shipment {shipping.shippingId}")
    contents, problems = load_document(schemas.ShipmentDocument(only=("dewars",)), document)
    resolved = ContentsCheck(
        db_session, caller, proposal_id=shipping.proposalId, problems=problems, shipping=shipping
    ).run(contents)
    return CheckedDocument(contents, resolved, problems)

"""``ispyb-core import-shipment-csv``: the shipment spreadsheet import, for facility staff.

It acts as facility staff (whoever can run it holds the database credentials) and does
exactly what ``POST /shipments/{ref}/import-csv`` does, in one transaction.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ispyb_shared.auth import USER, Caller
from ispyb_shared.cli import Command
from ispyb_shared.db import Database
from ispyb_shared.errors import ApiError
from ispyb_shared.uuids import is_uuid

from ..proposals.service import get_proposal
from ..shipments.models import Shipping
from ..shipments.service import create_shipment, get_shipment
from .csv_import import import_csv


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--proposal", required=True, help="proposal name (mx1234), id or UUID")
    parser.add_argument(
        "--shipment",
        required=True,
        help="shipment name in the proposal (created when there is none), id or UUID",
    )
    parser.add_argument("file", type=Path, help="the CSV file (docs/shipments.md)")


def facility_staff() -> Caller:
    return Caller(
        subject=f"cli:{getpass.getuser()}",
        kind=USER,
        roles=frozenset({"staff"}),
        beamlines=frozenset(),
        scopes=frozenset(),
        token_id="command-line",
    )


def _shipment(db_session: Session, proposal_ref: str, shipment_ref: str, caller: Caller):
    proposal = get_proposal(db_session=db_session, ref=proposal_ref, caller=caller)
    if shipment_ref.isdigit() or is_uuid(shipment_ref):
        shipping = get_shipment(db_session=db_session, ref=shipment_ref, caller=caller)
        if shipping.proposalId != proposal.proposalId:
            raise ApiError(f"Shipment {shipment_ref} is not a shipment of {proposal.name}.")
        return shipping
    named = db_session.scalars(
        select(Shipping).where(
            Shipping.proposalId == proposal.proposalId, Shipping.shippingName == shipment_ref
        )
    ).all()
    if len(named) > 1:
        ids = ", ".join(str(shipping.shippingId) for shipping in named)
        raise ApiError(
            f"{proposal.name} has several shipments {shipment_ref!r} ({ids}): give the id."
        )
    if named:
        return named[0]
    return create_shipment(
        db_session=db_session,
        data={"proposalId": proposal.proposalId, "shippingName": shipment_ref},
        caller=caller,
    )


def _run(args: argparse.Namespace, database: Database) -> int:
    try:
        text = args.file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"ispyb-core: cannot read {args.file}: {exc}", file=sys.stderr)
        return 2
    caller = facility_staff()
    try:
        with database.sessionmaker() as db_session, db_session.begin():
            shipping = _shipment(db_session, args.proposal, args.shipment, caller)
            counts = import_csv(db_session=db_session, shipping=shipping, text=text, caller=caller)
            name, shipping_id = shipping.shippingName, shipping.shippingId
    except ApiError as exc:
        print(f"ispyb-core: {exc.message}", file=sys.stderr)
        for where, messages in (exc.details or {}).items():
            for message in messages:
                print(f"{where}: {message}", file=sys.stderr)
        return 1
    print(
        f"ispyb-core: imported {counts['dewars']} dewar(s), {counts['containers']} "
        f"container(s) and {counts['samples']} sample(s) into shipment {name!r} "
        f"({shipping_id})"
    )
    return 0


IMPORT_SHIPMENT_CSV = Command(
    help="import a shipment spreadsheet (CSV) into a shipment of a proposal",
    add_arguments=_add_arguments,
    run=_run,
)

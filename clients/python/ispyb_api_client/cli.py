"""``ispyb-api``: what people do by hand against the ISPyB API.

    ispyb-api session-summary mx1001-1
    ispyb-api register-data-collection sweep.json --key i03-2026-03-01-0001
    ispyb-api post-processing result.json --program 42
    ispyb-api import-shipment-csv samples.csv --proposal mx1002 --shipment "Run 1"
    ispyb-api ingest-em-movies /data/cm1003-1/summaries --data-collection <uuid>

Connection and credentials from flags or the environment: ``ISPYB_URL`` (default
http://localhost:8000), ``ISPYB_USERNAME``/``ISPYB_PASSWORD`` (``ISPYB_PLUGIN``, default
local) or ``ISPYB_CLIENT_ID``/``ISPYB_CLIENT_SECRET`` (``ISPYB_SCOPE``). ``--json``
prints the answers as JSON for scripts. Exit status: 0 done, 1 refused by the API (the
error, its fields and request id on standard error), 2 bad usage or unreadable input.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .client import Client, RetryPolicy
from .errors import ApiError, IspybError
from .progress import Progress


class UsageError(Exception):
    """Bad arguments or input files: exit status 2."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        client = make_client(args)
        result = args.run(client, args)
    except UsageError as error:
        print(f"ispyb-api: {error}", file=sys.stderr)
        return 2
    except ApiError as error:
        if args.json:
            print(json.dumps({"error": error_json(error)}, indent=2))
        print(f"ispyb-api: {error}", file=sys.stderr)
        return 1
    except IspybError as error:
        print(f"ispyb-api: {error}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(result["json"], indent=2, default=str))
    else:
        print(result["text"])
    return 0


def error_json(error: ApiError) -> dict[str, Any]:
    return {
        "status": error.status,
        "code": error.code,
        "message": error.message,
        "details": error.details,
        "requestId": error.request_id,
    }


def build_parser() -> argparse.ArgumentParser:
    env = os.environ.get
    parser = argparse.ArgumentParser(
        prog="ispyb-api", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--url", default=env("ISPYB_URL", "http://localhost:8000"))
    parser.add_argument("--username", default=env("ISPYB_USERNAME"))
    parser.add_argument(
        "--password",
        default=env("ISPYB_PASSWORD"),
        help="better in ISPYB_PASSWORD (a flag is visible to other users); asked for on a "
        "terminal when missing",
    )
    parser.add_argument("--plugin", default=env("ISPYB_PLUGIN", "local"))
    parser.add_argument("--client-id", default=env("ISPYB_CLIENT_ID"))
    parser.add_argument(
        "--client-secret", default=env("ISPYB_CLIENT_SECRET"), help="better in ISPYB_CLIENT_SECRET"
    )
    parser.add_argument("--scope", default=env("ISPYB_SCOPE"))
    parser.add_argument("--retries", type=int, default=5, help="retries of a failed call")
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")
    parser.add_argument(
        "--no-progress", action="store_true", help="no progress bar (never drawn off a terminal)"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    summary = commands.add_parser("session-summary", help="a session and its data collections")
    summary.add_argument("session", help="visit (mx1001-1), id or UUID")
    summary.set_defaults(run=session_summary)

    register = commands.add_parser(
        "register-data-collection",
        help="a data collection group and its sweep, idempotent by key",
    )
    register.add_argument(
        "file", help='JSON: {"dataCollectionGroup": {...}, "dataCollection": {...}}; - for stdin'
    )
    register.add_argument(
        "--key", help='the registration key (default: the file\'s "key", else a new UUID)'
    )
    register.add_argument(
        "--session", help="the session (visit mx1001-1, id or UUID) when the file names none"
    )
    register.set_defaults(run=register_data_collection)

    processing = commands.add_parser(
        "post-processing", help="a processing result document (docs/data-collections.md)"
    )
    processing.add_argument("file", help="the result document (JSON); - for stdin")
    processing.add_argument("--program", help="a registered run (id or UUID) to post the result to")
    processing.add_argument(
        "--data-collection",
        action="append",
        help="the sweeps processed (id or UUID; repeat for several): without --program a new "
        "run of them is registered with the result; one sweep also fills integrations "
        "that name none",
    )
    processing.add_argument("--programs", help="the new run's processingPrograms (xia2 dials)")
    processing.add_argument("--command-line", help="the new run's processingCommandLine")
    processing.add_argument("--idempotency-key", help="default: a new one, reused by retries")
    processing.set_defaults(run=post_processing)

    shipment = commands.add_parser(
        "import-shipment-csv", help="the shipment spreadsheet (docs/shipments.md)"
    )
    shipment.add_argument("file", help="the CSV file; - for stdin")
    shipment.add_argument("--shipment", required=True, help="id or UUID, or a name with --proposal")
    shipment.add_argument("--proposal", help="the proposal (mx1002) whose shipment is named")
    shipment.set_defaults(run=import_shipment_csv)

    movies = commands.add_parser(
        "ingest-em-movies", help="cryo-EM movies from a directory of JSON summaries (docs/em.md)"
    )
    movies.add_argument(
        "directory",
        help='*.json files, each one movie record, a list of them, or {"records": [...]}',
    )
    movies.add_argument(
        "--data-collection", help="dataCollectionUUID of records that do not name theirs"
    )
    movies.add_argument("--batch-size", type=int, default=500)
    movies.set_defaults(run=ingest_em_movies)
    return parser


def make_client(args: argparse.Namespace) -> Client:
    if args.username and args.client_id:
        raise UsageError("give --username or --client-id, not both")
    password = args.password
    if args.username and password is None:
        if not sys.stdin.isatty():
            raise UsageError("--username needs a password (ISPYB_PASSWORD)")
        password = getpass.getpass(f"Password for {args.username}: ")
    if args.client_id and not args.client_secret:
        raise UsageError("--client-id needs a secret (ISPYB_CLIENT_SECRET)")
    return Client(
        args.url,
        username=args.username,
        password=password,
        plugin=args.plugin,
        client_id=args.client_id,
        client_secret=args.client_secret,
        scope=args.scope,
        retry=RetryPolicy(retries=args.retries),
    )


def progress_enabled(args: argparse.Namespace) -> bool | None:
    return False if args.no_progress else None  # None: when stderr is a terminal


def read_text(name: str) -> str:
    try:
        return sys.stdin.read() if name == "-" else Path(name).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"cannot read {name}: {error}") from None


def read_json(name: str) -> Any:
    text = read_text(name)
    try:
        return json.loads(text)
    except ValueError as error:
        raise UsageError(f"{name} is not JSON: {error}") from None


# -- commands -------------------------------------------------------------------------


def session_summary(client: Client, args) -> dict:
    summary = client.session_summary(args.session)
    session = summary.session
    lines = [
        f"{session.get('visit')} on {session.get('beamLineName')}: "
        f"{session.get('startDate')} to {session.get('endDate')}",
        f"{len(summary.data_collections)} data collection(s)",
    ]
    if summary.data_collections:
        lines.append(f"{'id':>8}  {'start':19}  {'type':12}  {'prefix':20}  {'best result':40}")
    for collection in summary.data_collections:
        best = collection.get("bestResult")
        em = summary.em.get(collection.get("uuid"))
        if em:
            resolution = (em.get("estimatedResolution") or {}).get("median")
            result = (
                f"{em.get('movies')} movies, {em.get('ctfs')} CTF, "
                f"median CTF resolution {_number(resolution)} Å"
            )
        elif best:
            result = (
                f"{best.get('spaceGroup')} {_number(best.get('resolutionLimitHigh'))} Å "
                f"{_number(best.get('completeness'))} % ({best.get('processingPrograms')})"
            )
        else:
            result = "-"
        lines.append(
            f"{collection.get('dataCollectionId'):>8}  {collection.get('startTime')!s:19}  "
            f"{collection.get('experimentType')!s:12}  "
            f"{collection.get('imagePrefix')!s:20}  {result}"
        )
    return {"json": summary.as_json(), "text": "\n".join(lines)}


def register_data_collection(client: Client, args) -> dict:
    document = read_json(args.file)
    if not isinstance(document, dict) or not {"dataCollectionGroup", "dataCollection"} <= set(
        document
    ):
        raise UsageError(f"{args.file} needs dataCollectionGroup and dataCollection")
    key = args.key or document.get("key") or str(uuid.uuid4())
    group = dict(document["dataCollectionGroup"])
    if args.session:
        group["sessionId"] = client.session(args.session)["sessionId"]
    elif "sessionId" not in group:
        raise UsageError("the file's dataCollectionGroup names no sessionId: give --session")
    registration = client.register_data_collection(key, group, document["dataCollection"])
    text = (
        f"registration {registration['registrationKey']}: group "
        f"{registration['dataCollectionGroupId']}, data collection "
        f"{registration['dataCollectionId']} "
        f"({(registration.get('dataCollection') or {}).get('uuid')})"
    )
    return {"json": registration, "text": text}


def post_processing(client: Client, args) -> dict:
    document = read_json(args.file)
    if not isinstance(document, dict):
        raise UsageError(f"{args.file} must hold one result document (a JSON object)")
    key = args.idempotency_key or True
    if not args.program and not args.data_collection:
        raise UsageError("give --program (a registered run) or --data-collection")
    if args.data_collection and len(args.data_collection) == 1:
        sweep = args.data_collection[0]
        document["integrations"] = [
            {"dataCollection": sweep, **integration}
            for integration in document.get("integrations") or []
        ]
    if args.program:
        run = client.post_processing_result(args.program, document, idempotency_key=key)
    else:
        if not args.programs:
            raise UsageError("--data-collection needs --programs (the run's programs)")
        body: dict[str, Any] = {
            "processingPrograms": args.programs,
            "dataCollections": args.data_collection,
            "result": document,
        }
        if args.command_line:
            body["processingCommandLine"] = args.command_line
        run = client.create_processing_program(body, idempotency_key=key)
    program = run.get("program") or {}
    results = run.get("results") or []
    text = (
        f"processing run {program.get('autoProcProgramId')} ({program.get('uuid')}): "
        f"{len(results)} result(s)"
    )
    return {"json": run, "text": text}


def import_shipment_csv(client: Client, args) -> dict:
    text = read_text(args.file)
    shipment: Any = args.shipment
    if args.proposal:
        shipment = client.find_shipment(args.proposal, args.shipment)["shippingId"]
    contents = client.import_shipment_csv(shipment, text)
    samples = sum(
        len(container.get("samples") or [])
        for dewar in contents.get("dewars") or []
        for container in dewar.get("containers") or []
    )
    summary = (
        f"shipment {contents.get('shippingId')} ({contents.get('shippingName')}): "
        f"{len(contents.get('dewars') or [])} dewar(s), {samples} sample(s)"
    )
    return {"json": contents, "text": summary}


def ingest_em_movies(client: Client, args) -> dict:
    directory = Path(args.directory)
    if not directory.is_dir():
        raise UsageError(f"{directory} is not a directory")
    if args.batch_size < 1:
        raise UsageError("--batch-size must be at least 1")
    records = []
    for path in sorted(directory.glob("*.json")):
        document = read_json(str(path))
        if isinstance(document, dict) and "records" in document:
            document = document["records"]
        for record in document if isinstance(document, list) else [document]:
            if not isinstance(record, dict):
                raise UsageError(f"{path}: a record must be a JSON object")
            if "dataCollectionUUID" not in record:
                if not args.data_collection:
                    raise UsageError(f"{path}: no dataCollectionUUID (give --data-collection)")
                record = {"dataCollectionUUID": args.data_collection, **record}
            records.append(record)
    if not records:
        raise UsageError(f"no movie records in {directory}/*.json")
    with Progress(len(records), "movies", enabled=progress_enabled(args)) as bar:
        report = client.ingest_movies(records, batch_size=args.batch_size, progress=bar.advance)
    movies = report.counts["movies"]
    text = (
        f"{report.received} record(s) in {report.batches} batch(es): "
        f"{movies['created']} movie(s) stored, {movies['existing']} already there"
    )
    return {"json": report.as_json(), "text": text}


def _number(value: Any) -> str:
    return "-" if value is None else f"{value:g}"

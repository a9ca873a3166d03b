"""Every task of the ``ispyb-api`` command (the installed console script) on the demo
data, through the gateway: a session's summary, registering a data collection, posting
a processing result, importing a shipment CSV, ingesting EM movies; ``--json`` output,
exit statuses, and the progress bar drawn on a terminal only."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.client.conftest import EM_DEMO_DATA_COLLECTION, PIPELINE

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "docs" / "examples"
COMMAND = str(Path(sys.executable).parent / "ispyb-api")


@pytest.fixture
def cli(gateway_url):
    """``cli(args, as_user="alice")`` or ``cli(args, as_client=True)``: the console
    script with its connection and credentials in the environment, as scripts set them."""

    def run(args, *, as_user=None, as_client=False, stdin=None, stderr=subprocess.PIPE):
        env = {k: v for k, v in os.environ.items() if not k.startswith("ISPYB_")}
        env["ISPYB_URL"] = gateway_url
        if as_user:
            env.update(ISPYB_USERNAME=as_user, ISPYB_PASSWORD=f"demo-{as_user}")
        if as_client:
            env.update(
                ISPYB_CLIENT_ID=PIPELINE["client_id"],
                ISPYB_CLIENT_SECRET=PIPELINE["client_secret"],
            )
        return subprocess.run(
            [COMMAND, *args],
            env=env,
            input=stdin,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            timeout=120,
        )

    return run


def test_session_summary_as_text_and_json(cli):
    text = cli(["session-summary", "mx1001-1"], as_user="alice")
    assert text.returncode == 0, text.stderr
    assert text.stdout.startswith("mx1001-1 on i03: ")
    assert "P 43 21 2" in text.stdout and "autoPROC staraniso" in text.stdout
    answer = cli(["--json", "session-summary", "mx1001-1"], as_user="alice")
    summary = json.loads(answer.stdout)
    assert summary["session"]["visit"] == "mx1001-1"
    assert len(summary["dataCollections"]) >= 4
    assert any(c["bestResult"] for c in summary["dataCollections"])
    # A cryo-EM session: each EM data collection with its live summary from em.
    em = cli(["--json", "session-summary", "cm1003-1"], as_user="frank")
    assert em.returncode == 0, em.stderr
    [movies] = json.loads(em.stdout)["emSummaries"].values()
    assert movies["movies"] >= 300 and movies["ctfs"] >= 300
    em_text = cli(["session-summary", "cm1003-1"], as_user="frank").stdout
    assert f"{movies['movies']} movies, {movies['ctfs']} CTF, median CTF resolution" in em_text
    # Another proposal's session is not shown to alice: exit 1, the error on stderr.
    refused = cli(["--json", "session-summary", "mx1002-1"], as_user="alice")
    assert refused.returncode == 1
    error = json.loads(refused.stdout)["error"]
    assert error["status"] == 404 and error["code"] == "NOT_FOUND" and error["requestId"]
    assert error["requestId"] in refused.stderr


def register(cli, key: str, *extra: str):
    return cli(
        [
            "--json",
            "register-data-collection",
            str(EXAMPLES / "data-collection-registration.json"),
            "--session",
            "mx1001-1",
            "--key",
            key,
            *extra,
        ],
        as_client=True,
    )


def test_register_a_data_collection_and_post_its_processing(cli, connect, tmp_path):
    key = f"cli-{uuid.uuid4()}"
    first = register(cli, key)
    assert first.returncode == 0, first.stderr
    registration = json.loads(first.stdout)
    assert registration["registrationKey"] == key
    sweep = registration["dataCollection"]
    assert sweep["visit"] == "mx1001-1" and sweep["imagePrefix"] == "lyso_x1"
    # The same key again: the same rows (a lost answer is retried safely).
    again = json.loads(register(cli, key).stdout)
    assert again["dataCollectionId"] == registration["dataCollectionId"]
    text = register(cli, key)
    assert text.returncode == 0
    # The same key with another body is refused, naming the field.
    changed = tmp_path / "changed.json"
    document = json.loads((EXAMPLES / "data-collection-registration.json").read_text())
    document["dataCollection"]["numberOfImages"] = 1800
    changed.write_text(json.dumps(document))
    refused = cli(
        ["register-data-collection", str(changed), "--session", "mx1001-1", "--key", key],
        as_client=True,
    )
    assert refused.returncode == 1 and "422 VALIDATION_ERROR" in refused.stderr
    assert "key:" in refused.stderr and "request id" in refused.stderr

    # A new run of that sweep with its result, in one call.
    posted = cli(
        [
            "--json",
            "post-processing",
            str(EXAMPLES / "processing-result.json"),
            "--data-collection",
            sweep["uuid"],
            "--programs",
            "xia2 dials",
        ],
        as_client=True,
    )
    assert posted.returncode == 0, posted.stderr
    run = json.loads(posted.stdout)
    assert run["program"]["processingPrograms"] == "xia2 dials" and len(run["results"]) == 1
    # A run registered first (as a pipeline starting), its result posted by the CLI.
    pipeline = connect(**PIPELINE)
    started = pipeline.create_processing_program(
        {"processingPrograms": "autoPROC", "dataCollections": [sweep["uuid"]]}
    )
    program_id = started["program"]["autoProcProgramId"]
    second = cli(
        [
            "post-processing",
            str(EXAMPLES / "processing-result.json"),
            "--program",
            str(program_id),
            "--data-collection",
            sweep["uuid"],
        ],
        as_client=True,
    )
    assert second.returncode == 0, second.stderr
    assert second.stdout.startswith(f"processing run {program_id} ")
    runs = pipeline.processing(sweep["uuid"])
    assert len(runs) == 2
    summary = connect("alice").session_summary("mx1001-1")
    [mine] = [c for c in summary.data_collections if c["uuid"] == sweep["uuid"]]
    assert mine["bestResult"]["resolutionLimitHigh"] == pytest.approx(1.6)

    # A result out of physical range: refused whole, the path of the field named.
    bad = json.loads((EXAMPLES / "processing-result.json").read_text())
    bad["statistics"]["overall"]["completeness"] = 120
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    refused = cli(
        ["post-processing", str(tmp_path / "bad.json"), "--program", str(program_id)],
        as_client=True,
    )
    assert refused.returncode == 1
    assert "statistics.overall.completeness: Must be between 0 and 100" in refused.stderr
    # Integrations that name no sweep (no --data-collection to fill them in).
    assert "integrations[0].dataCollection: " in refused.stderr


def test_import_a_shipment_csv(cli, connect):
    carol = connect("carol")
    proposal = carol.proposal("mx1002")
    name = f"CLI import {uuid.uuid4().hex[:8]}"
    carol.post("/core/shipments", {"proposalId": proposal["proposalId"], "shippingName": name})
    csv = str(EXAMPLES / "shipment.csv")
    args = ["import-shipment-csv", csv, "--proposal", "mx1002", "--shipment", name]
    imported = cli(args, as_user="carol")
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.strip().endswith(": 1 dewar(s), 10 sample(s)")
    # The same file again adds nothing: its dewar is already in the shipment.
    again = cli(["--json", *args], as_user="carol")
    assert again.returncode == 1
    error = json.loads(again.stdout)["error"]
    assert error["status"] == 422 and error["details"]
    # A shipment the person may not see.
    other = cli(args, as_user="alice")
    assert other.returncode == 1


def movie_files(directory: Path, programs: dict[str, int], numbers: range) -> None:
    directory.mkdir()
    for number in numbers:
        record = {
            "movieNumber": number,
            "movieFullPath": f"/data/cm1003-1/raw/FoilHole_{number}_Data.tiff",
            "createdTimeStamp": "2026-11-09T12:00:00",
            "numberOfFrames": 40,
            "motionCorrection": {
                "autoProcProgramId": programs["MotionCor2"],
                "totalMotion": 10 + number % 7,
                "averageMotionPerFrame": 0.3,
            },
            "ctf": {
                "autoProcProgramId": programs["CTFFIND4"],
                "estimatedDefocus": 15000 + number,
                "estimatedResolution": 3.5,
            },
        }
        (directory / f"movie_{number:05d}.json").write_text(json.dumps(record))


def test_ingest_em_movies_from_a_directory(cli, connect, tmp_path):
    staff = connect("frank")
    programs = {
        program["processingPrograms"]: program["autoProcProgramId"]
        for program in staff.em_programs(EM_DEMO_DATA_COLLECTION)
    }
    before = staff.em_summary(EM_DEMO_DATA_COLLECTION)["movies"]
    start = 10_000 + uuid.uuid4().int % 80_000
    directory = tmp_path / "summaries"
    movie_files(directory, programs, range(start, start + 10))
    args = [
        "ingest-em-movies",
        str(directory),
        "--data-collection",
        EM_DEMO_DATA_COLLECTION,
        "--batch-size",
        "4",
    ]
    done = cli(["--json", *args], as_client=True)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["batches"] == 3 and report["received"] == 10
    assert report["movies"] == {"created": 10, "existing": 0}
    assert report["ctfs"]["created"] == 10
    assert done.stderr == ""  # no progress bar off a terminal
    assert staff.em_summary(EM_DEMO_DATA_COLLECTION)["movies"] == before + 10

    # Again, with standard error a terminal: the bar is drawn; nothing is stored twice.
    controller, terminal = pty.openpty()
    try:
        again = cli(args, as_client=True, stderr=terminal)
    finally:
        os.close(terminal)
    drawn = b""
    try:
        while chunk := os.read(controller, 4096):
            drawn += chunk
    except OSError:
        pass
    os.close(controller)
    assert again.returncode == 0
    assert again.stdout.strip() == (
        "10 record(s) in 3 batch(es): 0 movie(s) stored, 10 already there"
    )
    assert b"movies [" in drawn and b"10/10" in drawn
    quiet = cli(["--no-progress", *args], as_client=True, stderr=subprocess.PIPE)
    assert quiet.returncode == 0 and quiet.stderr == ""

    # A person without staff rights may not write EM data.
    refused = cli(args, as_user="alice")
    assert refused.returncode == 1 and "403 FORBIDDEN" in refused.stderr


def test_bad_usage_and_unreadable_input_exit_with_2(cli, tmp_path):
    missing = cli(
        ["post-processing", str(tmp_path / "nope.json"), "--program", "1"], as_client=True
    )
    assert missing.returncode == 2 and "cannot read" in missing.stderr
    (tmp_path / "broken.json").write_text("{")
    broken = cli(["register-data-collection", str(tmp_path / "broken.json")], as_client=True)
    assert broken.returncode == 2 and "is not JSON" in broken.stderr
    # A username without a password and no terminal to ask on.
    no_password = cli(["--username", "alice", "session-summary", "mx1001-1"], stdin="")
    assert no_password.returncode == 2 and "ISPYB_PASSWORD" in no_password.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    nothing = cli(["ingest-em-movies", str(empty)], as_client=True)
    assert nothing.returncode == 2 and "no movie records" in nothing.stderr
    # Flags override the environment: a wrong secret is an API error (1), not usage.
    wrong = cli(["--client-secret", "wrong", "session-summary", "mx1001-1"], as_client=True)
    assert wrong.returncode == 1 and "401 UNAUTHORIZED" in wrong.stderr

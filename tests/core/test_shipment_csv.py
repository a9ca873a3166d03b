"""The shipment spreadsheet: the example in the repository imports through the API and
with the command line; a broken one reports line numbers and imports nothing."""

import io
from pathlib import Path

import pytest

from ispyb_core.__main__ import main
from tests.core.test_bad_input import row_counts

CORE = "/ispyb/api/v1/core"
EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "shipment.csv"


@pytest.fixture
def mx1002(factory):
    """The proposal the example is written for, with its two proteins."""
    proposal = factory.proposal(proposalCode="mx", proposalNumber="1002")
    factory.protein(proposalId=proposal.proposalId, acronym="mpro")
    factory.protein(proposalId=proposal.proposalId, acronym="lyso")
    return proposal


def post_csv(client, shipping_id, text, content_type="text/csv"):
    return client.post(
        # the plans of the samples too (expand=)
        f"{CORE}/shipments/{shipping_id}/import-csv?expand=dewars.containers.samples.diffractionPlan",
        data=text.encode("utf-8"),
        content_type=content_type,
    )


def test_the_example_imports_through_the_api(client, factory, mx1002):
    shipment = factory.shipment(proposalId=mx1002.proposalId)
    response = post_csv(client, shipment.shippingId, EXAMPLE.read_text(encoding="utf-8"))
    assert response.status_code == 201, response.json
    [dewar] = response.json["dewars"]
    assert dewar["code"] == "DW-A" and dewar["dewarStatus"] == "opened"
    pucks = {c["code"]: c for c in dewar["containers"]}
    assert pucks["puck-01"]["capacity"] == 16 and pucks["puck-02"]["capacity"] == 10
    samples = pucks["puck-01"]["samples"]
    assert [s["location"] for s in samples] == ["1", "2", "3", "4", "5", "6"]
    first = samples[0]
    assert first["name"] == "mpro-x0001" and first["code"] == "PIN-0001"
    assert first["comments"] == "soaked 2 h"
    assert first["crystal"]["spaceGroup"] == "C2"
    assert first["crystal"]["cell_beta"] == pytest.approx(101.9)
    assert first["crystal"]["protein"]["acronym"] == "mpro"
    assert first["diffractionPlan"]["userPath"] == "fragments/x0001"
    assert first["diffractionPlan"]["requiredResolution"] == pytest.approx(1.8)
    assert samples[3]["comments"] == "cracked, collect anyway"
    last = pucks["puck-02"]["samples"][-1]
    assert last["diffractionPlan"] is None and last["crystal"]["spaceGroup"] is None


def test_the_example_imports_with_the_command_line(
    core_app, core_database_url, factory, mx1002, client, monkeypatch, capsys
):
    monkeypatch.setenv("ISPYB_CORE__DATABASE__URL", core_database_url)
    argv = ["import-shipment-csv", "--proposal", "mx1002", "--shipment", "Spring run"]
    assert main([*argv, str(EXAMPLE)]) == 0
    assert "imported 1 dewar(s), 2 container(s) and 10 sample(s)" in capsys.readouterr().out
    shipments = client.get(f"{CORE}/shipments?proposal=mx1002").json["results"]
    assert [s["shippingName"] for s in shipments] == ["Spring run"]
    history = client.get(f"{CORE}/shipments/{shipments[0]['shippingId']}/history").json
    assert history["results"][0]["changedBy"].startswith("cli:")

    # Into the same shipment again: the dewar name is taken, and nothing is written.
    before = row_counts(core_app.extensions["ispyb_database"])
    assert main([*argv, str(EXAMPLE)]) == 1
    errors = capsys.readouterr().err
    assert "line 2: dewar: The shipment already has a dewar 'DW-A'." in errors
    assert row_counts(core_app.extensions["ispyb_database"]) == before


def test_the_command_line_reports_bad_files_and_proposals(
    core_app, core_database_url, mx1002, tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("ISPYB_CORE__DATABASE__URL", core_database_url)
    broken = tmp_path / "broken.csv"
    broken.write_text("dewar,container,position,protein,sample\nDW,p,3,nope,s\n")
    argv = ["import-shipment-csv", "--proposal", "mx1002", "--shipment", "S", str(broken)]
    assert main(argv) == 1
    errors = capsys.readouterr().err
    assert "line 2: protein: No protein with acronym 'nope'" in errors
    assert "line 2: capacity: Give the number of positions" in errors
    assert main([*argv[:2], "mx9999", *argv[3:]]) == 1
    assert "Proposal mx9999 does not exist" in capsys.readouterr().err
    assert main([*argv[:-1], str(tmp_path / "missing.csv")]) == 2


def broken_example() -> str:
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace(",2,mpro,", ",17,mpro,")  # line 3: outside a Unipuck
    lines[4] = lines[4].replace(",mpro,", ",nope,")  # line 5: no such protein
    lines[5] = lines[5].replace("114.2 53.9 45.1 90 101.9 90", "114.2 53.9")  # line 6
    lines[8] = lines[8].replace(",2,lyso,", ",1,lyso,")  # line 9: position 1 is taken
    lines[9] = lines[9].replace("Spinepuck", "Unipuck")  # line 10: disagrees with line 8
    return "\n".join(lines) + "\n"


def test_a_broken_file_reports_line_numbers_and_imports_nothing(client, factory, core_db, mx1002):
    shipment = factory.shipment(proposalId=mx1002.proposalId)
    before = row_counts(core_db)
    response = post_csv(client, shipment.shippingId, broken_example())
    assert response.status_code == 422
    assert response.json["code"] == "VALIDATION_ERROR"
    details = response.json["details"]
    assert list(details) == ["line 3", "line 5", "line 6", "line 9", "line 10"]
    assert details["line 3"] == [
        "position: Position 17 is outside the container's capacity (1 to 16)."
    ]
    assert details["line 5"][0].startswith("protein: No protein with acronym 'nope'")
    assert details["line 6"][0].startswith("cell: Give 6 numbers")
    assert details["line 9"] == ["position: Position 1 is already given to line 8."]
    assert details["line 10"][0].startswith("container type: 'Unipuck' here but 'Spinepuck'")
    assert row_counts(core_db) == before


def test_header_and_format_problems(client, factory, core_db, mx1002):
    shipment = factory.shipment(proposalId=mx1002.proposalId)
    before = row_counts(core_db)

    def details(text):
        response = post_csv(client, shipment.shippingId, text)
        assert response.status_code == 422, response.json
        return response.json["details"]

    assert details("") == {"line 1": ["The file is empty: its first line names the columns."]}
    header = details("Dewar,Container,Shelf,position\n")["line 1"]
    assert any("Unknown column 'shelf'" in message for message in header)
    assert any("Column 'sample' is missing." in message for message in header)
    assert details("dewar,container,position,protein,sample\n") == {
        "line 2": ["The file has no sample rows."]
    }
    rows = (
        "dewar,container,container type,capacity,position,protein,sample\n"
        "DW,p,Box,many,1,mpro,a\n"
        "DW,p,Box,,,mpro,b,extra\n"
        'DW,"p\nq",Box,4,,mpro,c\n'
        "DW,q,Box,4,x1,mpro,d\n"
    )
    assert details(rows) == {
        "line 2": ["capacity: Not a whole number."],
        "line 3": ["8 cells but 7 columns."],
        "line 4": ["position: Required."],
        "line 6": ["position: A position is a whole number from 1, without leading zeros."],
    }
    assert row_counts(core_db) == before


def test_only_csv_bodies_are_accepted(client, factory, mx1002):
    shipment = factory.shipment(proposalId=mx1002.proposalId)
    response = post_csv(client, shipment.shippingId, "{}", content_type="application/json")
    assert response.status_code == 415
    assert response.json["code"] == "UNSUPPORTED_MEDIA_TYPE"
    response = client.post(
        f"{CORE}/shipments/{shipment.shippingId}/import-csv",
        data=b"\xff\xfe",
        content_type="text/csv",
    )
    assert response.status_code == 400
    # A spreadsheet saved with a byte-order mark is fine.
    text = "\ufeff" + EXAMPLE.read_text(encoding="utf-8")
    assert post_csv(client, shipment.shippingId, text).status_code == 201


def test_a_browser_form_upload_imports_the_same(client, factory, mx1002):
    """multipart/form-data, as a <form> or FormData sends it; a spreadsheet's UTF-8 byte
    order mark is no problem."""
    shipment = factory.shipment(proposalId=mx1002.proposalId)
    text = "\ufeff" + EXAMPLE.read_text(encoding="utf-8")
    response = client.post(
        f"{CORE}/shipments/{shipment.shippingId}/import-csv",
        data={"spreadsheet": (io.BytesIO(text.encode("utf-8")), "shipment.csv", "text/csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.json
    [dewar] = response.json["dewars"]
    assert dewar["code"] == "DW-A"


def test_a_form_without_exactly_one_file_is_refused_naming_it(client, core_db, factory, mx1002):
    shipment = factory.shipment(proposalId=mx1002.proposalId)
    before = row_counts(core_db)
    url = f"{CORE}/shipments/{shipment.shippingId}/import-csv"
    empty = client.post(url, data={"note": "no file"}, content_type="multipart/form-data")
    assert empty.status_code == 422
    assert empty.json["code"] == "VALIDATION_ERROR" and "file" in empty.json["details"]
    csv = EXAMPLE.read_bytes()
    two = client.post(
        url,
        data={"a": (io.BytesIO(csv), "a.csv"), "b": (io.BytesIO(csv), "b.csv")},
        content_type="multipart/form-data",
    )
    assert two.status_code == 422 and "file" in two.json["details"]
    other = client.post(url, data=b"{}", content_type="application/json")
    assert other.status_code == 415
    assert row_counts(core_db) == before

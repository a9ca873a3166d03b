"""User-office synchronisation (issue 9): format, semantics, endpoint, CLI, adapters."""

from __future__ import annotations

import copy
import http.server
import json
import threading
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ispyb_core.lab_contacts.models import LabContact
from ispyb_core.persons.models import Person
from ispyb_core.proposals.models import Proposal, ProposalHasPerson
from ispyb_core.sessions.models import BLSession, SessionHasPerson
from ispyb_core.user_office.adapters import (
    FileAdapter,
    HttpAdapter,
    UserOfficeAdapter,
    make_adapter,
)
from ispyb_core.user_office.cli import sync_once
from ispyb_core.user_office.engine import DocumentInvalid, sync_document
from ispyb_core.user_office.external_ids import external_id_bytes
from ispyb_core.user_office.models import UserOfficeSyncRun
from ispyb_core.user_office.schemas import document_json_schema
from ispyb_shared.testing import count_queries
from tests.support.checks import assert_refused
from tests.support.round_trips import sent_to

SYNC = "/ispyb/api/v1/core/user-office/sync"
RUNS = "/ispyb/api/v1/core/user-office/sync-runs"
SCHEMA_FILE = Path(__file__).resolve().parents[2] / "docs" / "user-office-sync.schema.json"


def eid(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_DNS, name))


def document() -> dict:
    return {
        "version": 1,
        "persons": [
            {
                "externalId": eid("alice"),
                "login": "alice",
                "givenName": "Alice",
                "familyName": "Liddell",
                "emailAddress": "alice@example.org",
                "laboratory": {"name": "Wonder Lab", "city": "Oxford", "country": "UK"},
            },
            {"externalId": eid("bob"), "login": "bob", "familyName": "Builder"},
            {"externalId": eid("carol"), "login": "carol", "familyName": "Danvers"},
        ],
        "proposals": [
            {
                "externalId": eid("mx100"),
                "proposalCode": "mx",
                "proposalNumber": "100",
                "title": "Lysozyme",
                "state": "Open",
                "members": [
                    {"person": eid("alice"), "role": "Principal Investigator"},
                    {"person": eid("bob"), "role": "Co-Investigator"},
                ],
            },
            {
                "externalId": eid("mx200"),
                "proposalCode": "mx",
                "proposalNumber": "200",
                "title": "Thaumatin",
                "state": "Open",
                "members": [{"person": eid("carol"), "role": "Principal Investigator"}],
            },
        ],
        "sessions": [
            {
                "externalId": eid("mx100-1"),
                "proposal": eid("mx100"),
                "beamLineName": "i03",
                "startDate": "2026-05-01T08:00:00",
                "endDate": "2026-05-02T08:00:00",
                "visit_number": 1,
                "participants": [
                    {"person": eid("alice"), "role": "Team Leader"},
                    {"person": eid("bob"), "role": "Team Member", "remote": True},
                ],
            },
            {
                "externalId": eid("mx100-next"),
                "proposal": eid("mx100"),
                "beamLineName": "i04",
                "startDate": "2026-06-01T08:00:00",
                "endDate": "2026-06-01T20:00:00",
                "participants": [],
            },
            {
                "externalId": eid("mx200-1"),
                "proposal": eid("mx200"),
                "beamLineName": "i04",
                "startDate": "2026-07-01T08:00:00",
                "endDate": "2026-07-01T20:00:00",
            },
        ],
        "labContacts": [{"proposal": eid("mx100"), "person": eid("alice"), "cardName": "alice"}],
    }


def counts(core_db) -> dict:
    with core_db.engine.connect() as conn:
        return {
            model.__name__: conn.scalar(select(func.count()).select_from(model))
            for model in (Person, Proposal, ProposalHasPerson, BLSession, SessionHasPerson)
        } | {"LabContact": conn.scalar(select(func.count()).select_from(LabContact))}


def test_published_json_schema_matches_the_schemas():
    assert json.loads(SCHEMA_FILE.read_text()) == document_json_schema()


def test_first_sync_creates_everything(core_db):
    run = sync_document(core_db.engine, document(), source="test")
    assert run["status"] == "applied"
    assert run["conflicts"] == []
    assert counts(core_db) == {
        "Person": 3,
        "Proposal": 2,
        "ProposalHasPerson": 3,
        "BLSession": 3,
        "SessionHasPerson": 2,
        "LabContact": 1,
    }
    assert run["counts"]["total"]["created"] == 3 + 2 + 3 + 3 + 2 + 1 + 1  # +1 laboratory
    with core_db.engine.connect() as conn:
        visits = dict(conn.execute(select(BLSession.externalId, BLSession.visit_number)).all())
        alice = conn.execute(select(Person).where(Person.login == "alice")).one()
        mx100 = conn.execute(select(Proposal).where(Proposal.proposalNumber == "100")).one()
    assert visits[external_id_bytes(eid("mx100-1"))] == 1
    assert visits[external_id_bytes(eid("mx100-next"))] == 2  # next free visit number
    assert visits[external_id_bytes(eid("mx200-1"))] == 1
    assert bytes(alice.externalId) == external_id_bytes(eid("alice"))
    assert alice.laboratoryId is not None
    assert mx100.personId == alice.personId


def test_same_document_again_writes_nothing(core_db):
    sync_document(core_db.engine, document(), source="test")
    before = counts(core_db)
    with count_queries(core_db.engine) as queries:
        run = sync_document(core_db.engine, document(), source="test")
    writes = [
        s
        for s in queries.statements
        if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
        and "UserOfficeSyncRun" not in s
    ]
    assert writes == []
    assert counts(core_db) == before
    total = run["counts"]["total"]
    assert total["created"] == total["updated"] == total["deactivated"] == 0
    assert total["unchanged"] == 3 + 2 + 3 + 3 + 2 + 1
    assert len(queries.statements) < 20  # bulk SELECTs, not a round trip per row


def test_changed_document_updates_deactivates_and_reports_conflicts(core_db, factory):
    sync_document(core_db.engine, document(), source="test")
    # A person created by hand whose login a new feed person claims, with another externalId.
    dave = factory.person(login="dave")
    with core_db.engine.begin() as conn:
        conn.execute(
            Person.__table__.update()
            .where(Person.personId == dave.personId)
            .values(externalId=external_id_bytes(eid("someone-else")))
        )
    changed = copy.deepcopy(document())
    changed["persons"][1]["familyName"] = "The Builder"  # update
    changed["persons"].append({"externalId": eid("dave"), "login": "dave"})  # conflict
    changed["proposals"][0]["members"] = changed["proposals"][0]["members"][:1]  # bob removed
    changed["proposals"][1]["state"] = "Closed"  # deactivated
    changed["sessions"][0]["participants"] = changed["sessions"][0]["participants"][:1]
    changed["sessions"][2]["proposal"] = eid("mx100")  # moved: conflict
    run = sync_document(core_db.engine, changed, source="test")

    assert run["counts"]["persons"]["updated"] == 1
    assert run["counts"]["proposals"]["deactivated"] == 1
    assert run["counts"]["proposalMembers"]["deactivated"] == 1
    assert run["counts"]["sessionParticipants"]["deactivated"] == 1
    messages = {(c["entity"], c["externalId"]): c["message"] for c in run["conflicts"]}
    assert "belongs to another external person" in messages[("person", eid("dave"))]
    assert "another proposal" in messages[("session", eid("mx200-1"))]
    assert run["counts"]["total"]["conflicts"] == 2
    with core_db.engine.connect() as conn:
        bob = conn.execute(select(Person).where(Person.login == "bob")).one()
        assert bob.familyName == "The Builder"  # person kept and updated
        assert (
            conn.scalar(
                select(func.count())
                .select_from(ProposalHasPerson)
                .where(ProposalHasPerson.personId == bob.personId)
            )
            == 0
        )
        mx200 = conn.execute(select(Proposal).where(Proposal.proposalNumber == "200")).one()
        assert mx200.state == "Closed"
        moved = conn.execute(
            select(BLSession).where(BLSession.externalId == external_id_bytes(eid("mx200-1")))
        ).one()
        assert moved.proposalId == mx200.proposalId  # not moved
        assert conn.execute(select(Person.externalId).where(Person.login == "dave")).scalar() == (
            external_id_bytes(eid("someone-else"))
        )
    assert counts(core_db)["BLSession"] == 3  # nothing deleted


def test_existing_rows_are_adopted_by_login_and_code_number(core_db, factory):
    alice = factory.person(login="alice")
    proposal = factory.proposal(proposalCode="mx", proposalNumber="100", personId=alice.personId)
    run = sync_document(core_db.engine, document(), source="test")
    assert run["counts"]["persons"] == {"created": 2, "updated": 1, "unchanged": 0}
    assert run["counts"]["proposals"]["updated"] == 1
    with core_db.engine.connect() as conn:
        ext = conn.scalar(
            select(Proposal.externalId).where(Proposal.proposalId == proposal.proposalId)
        )
    assert bytes(ext) == external_id_bytes(eid("mx100"))


def test_broken_document_changes_nothing_and_names_paths(core_db):
    sync_document(core_db.engine, document(), source="test")
    before = counts(core_db)
    broken = copy.deepcopy(document())
    broken["persons"][0]["familyName"] = "Changed"
    broken["proposals"][1]["state"] = "Sleeping"
    broken["sessions"][0]["participants"][0]["person"] = eid("nobody")
    with pytest.raises(DocumentInvalid) as raised:
        sync_document(core_db.engine, broken, source="test")
    paths = {e["path"] for e in raised.value.errors}
    assert "$.proposals[1].state" in paths
    broken["proposals"][1]["state"] = "Open"
    with pytest.raises(DocumentInvalid) as raised:
        sync_document(core_db.engine, broken, source="test")
    assert {e["path"] for e in raised.value.errors} == {"$.sessions[0].participants[0].person"}
    assert counts(core_db) == before
    with core_db.engine.connect() as conn:
        assert conn.scalar(select(Person.familyName).where(Person.login == "alice")) == "Liddell"


def test_push_endpoint_applies_and_records(core_app, core_db, tokens):
    client = core_app.test_client()
    headers = tokens.machine("user-office", "core:sync:write")
    response = client.post(SYNC, json=document(), headers=headers)
    assert response.status_code == 200, response.json
    assert response.json["status"] == "applied"
    assert response.json["counts"]["total"]["created"] > 0
    run_id = response.json["userOfficeSyncRunId"]
    again = client.post(SYNC, json=document(), headers=headers)
    assert again.json["counts"]["total"]["created"] == 0
    listed = client.get(RUNS, headers=tokens.user("frank", "staff"))
    assert listed.status_code == 200
    assert listed.json["total"] == 2
    assert listed.json["results"][0]["source"] == "push:user-office"
    one = client.get(f"{RUNS}/{run_id}", headers=headers)
    assert one.status_code == 200 and one.json["userOfficeSyncRunId"] == run_id
    assert client.get(f"{RUNS}/999999", headers=headers).status_code == 404


def test_push_endpoint_refuses_broken_document_with_paths(core_app, core_db, tokens):
    client = core_app.test_client()
    headers = tokens.machine("user-office", "core:sync:write")
    broken = document()
    del broken["proposals"][0]["proposalCode"]
    response = client.post(SYNC, json=broken, headers=headers)
    assert response.status_code == 422
    assert {
        "path": "$.proposals[0].proposalCode",
        "message": "Missing data for required field.",
    } in (response.json["details"]["errors"])
    assert counts(core_db)["Person"] == 0
    with core_db.engine.connect() as conn:
        assert conn.scalar(select(UserOfficeSyncRun.status)) == "refused"


def test_sync_runs_are_listed_like_every_list(core_app, core_db, tokens):
    client = core_app.test_client()
    pusher = tokens.machine("user-office", "core:sync:write")
    broken = document()
    del broken["proposals"][0]["proposalCode"]
    for body in (document(), broken, document()):
        client.post(SYNC, json=body, headers=pusher)
    staff = tokens.user("frank", "staff")

    with sent_to(core_db) as sent:
        page = client.get(f"{RUNS}?limit=2", headers=staff)
    assert page.status_code == 200, page.json
    assert sent.count == 1, repr(sent)
    assert page.json["total"] == 3
    assert (page.json["limit"], page.json["offset"]) == (2, 0)
    newest_first = [run["userOfficeSyncRunId"] for run in page.json["results"]]
    assert newest_first == sorted(newest_first, reverse=True)
    assert [run["status"] for run in page.json["results"]] == ["applied", "refused"]
    rest = client.get(page.json["links"]["next"], headers=staff).json
    assert rest["total"] is None and [run["status"] for run in rest["results"]] == ["applied"]

    refused = client.get(f"{RUNS}?status=refused", headers=staff).json
    assert refused["total"] == 1 and refused["results"][0]["errors"]
    oldest = client.get(f"{RUNS}?sort=userOfficeSyncRunId&limit=1", headers=staff).json
    assert oldest["results"][0]["userOfficeSyncRunId"] == min(
        newest_first + [run["userOfficeSyncRunId"] for run in rest["results"]]
    )
    for query, name in [
        ("limit=-1", "limit"),
        ("limit=", "limit"),
        ("limit=0", "limit"),
        ("limit=100000", "limit"),
        ("offset=-1", "offset"),
        ("sort=source", "sort"),
        ("bogus=1", "bogus"),
    ]:
        assert_refused(client.get(f"{RUNS}?{query}", headers=staff), 400, "INVALID_PARAMETER", name)


def test_who_may_read_sync_runs_is_checked_before_the_parameters(core_app, tokens):
    response = core_app.test_client().get(
        f"{RUNS}?limit=-1", headers=tokens.machine("reader", "core:read")
    )
    assert_refused(response, 403, "FORBIDDEN")


def test_who_may_push_is_checked_before_the_body(core_app, core_db, tokens):
    client = core_app.test_client()
    staff = tokens.user("frank", "staff")
    assert_refused(client.post(SYNC, data="not json", headers=staff), 403, "FORBIDDEN")
    pusher = tokens.machine("user-office", "core:sync:write")
    refused = client.post(SYNC, data="version=1", content_type="text/plain", headers=pusher)
    assert_refused(refused, 415, "UNSUPPORTED_MEDIA_TYPE")
    with core_db.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(UserOfficeSyncRun)) == 0


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        (lambda t: {}, 401),
        (lambda t: t.user("root", "admin"), 403),
        (lambda t: t.user("frank", "staff"), 403),
        (lambda t: t.machine("reader", "core:read"), 403),
        (lambda t: t.machine("pipeline", "core:acquisition:write"), 403),
    ],
)
def test_push_endpoint_needs_a_sync_client(core_app, core_db, tokens, headers, status):
    response = core_app.test_client().post(SYNC, json=document(), headers=headers(tokens))
    assert response.status_code == status
    assert counts(core_db)["Person"] == 0


def test_file_adapter_and_cli_summary(core_db, tmp_path, capsys):
    path = tmp_path / "feed.json"
    path.write_text(json.dumps(document()))
    adapter = make_adapter({"adapter": "file", "path": str(path)})
    assert isinstance(adapter, FileAdapter)
    assert sync_once(adapter, core_db) == 0
    out = capsys.readouterr().out
    assert "sync-user-office: persons: 3 created" in out
    assert "done: 15 created, 0 updated, 0 unchanged, 0 deactivated, 0 conflicts" in out
    assert sync_once(adapter, core_db) == 0
    assert "done: 0 created, 0 updated, 14 unchanged" in capsys.readouterr().out
    path.write_text(json.dumps({"version": 2}))
    assert sync_once(adapter, core_db) == 1
    assert "$.version" in capsys.readouterr().out


def test_http_adapter_reads_a_local_user_office(core_db):
    body = json.dumps(document()).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/export"
        adapter = make_adapter({"adapter": "http", "url": url, "timeout_seconds": 5})
        assert isinstance(adapter, HttpAdapter)
        assert adapter.fetch() == document()
        assert sync_once(adapter, core_db) == 0
    finally:
        server.shutdown()
        server.server_close()
    assert counts(core_db)["Proposal"] == 2


class SiteAdapter(UserOfficeAdapter):
    def fetch(self):
        return document()


def test_site_adapter_named_by_class():
    adapter = make_adapter({"adapter": f"{__name__}.SiteAdapter"})
    assert isinstance(adapter, SiteAdapter)
    with pytest.raises(TypeError):
        make_adapter({"adapter": "json.JSONDecoder"})


def test_config_section_is_validated():
    from ispyb_core.config import CoreConfig
    from ispyb_shared.config import ConfigError, validate_config

    from ..conftest import service_config

    config = validate_config(service_config("sqlite://"), CoreConfig)
    assert config["user_office"]["adapter"] == "file"
    with pytest.raises(ConfigError):
        validate_config(service_config("sqlite://", user_office={"adapter": "ftp"}), CoreConfig)
    with pytest.raises(ConfigError):
        validate_config(service_config("sqlite://", user_office={"bogus": 1}), CoreConfig)


def test_swapped_logins_are_conflicts_not_overwrites(core_db):
    sync_document(core_db.engine, document(), source="test")
    swapped = copy.deepcopy(document())
    swapped["persons"][1]["login"], swapped["persons"][2]["login"] = "carol", "bob"
    run = sync_document(core_db.engine, swapped, source="test")
    assert {c["externalId"] for c in run["conflicts"]} == {eid("bob"), eid("carol")}
    with core_db.engine.connect() as conn:
        assert conn.scalar(select(Person.familyName).where(Person.login == "bob")) == "Builder"


def test_a_failure_while_applying_rolls_back_and_is_recorded(core_db, monkeypatch):
    from ispyb_core.user_office import engine

    real = engine.apply_document

    def apply_then_fail(conn, data, progress):
        real(conn, data, progress)
        raise RuntimeError("disk full")

    monkeypatch.setattr(engine, "apply_document", apply_then_fail)
    with pytest.raises(RuntimeError):
        sync_document(core_db.engine, document(), source="test")
    assert counts(core_db)["Person"] == 0
    with core_db.engine.connect() as conn:
        last = conn.execute(select(UserOfficeSyncRun)).one()
    assert last.status == "failed" and "disk full" in last.errors


def test_command_line_sync(tmp_path, monkeypatch, capsys):
    from ispyb_core.__main__ import main

    monkeypatch.setenv("ISPYB_CORE__DATABASE__URL", f"sqlite:///{tmp_path}/core.sqlite")
    feed = tmp_path / "feed.json"
    feed.write_text(json.dumps(document()))
    assert main(["migrate"]) == 0
    assert main(["sync-user-office", "--file", str(feed)]) == 0
    assert "done: 15 created" in capsys.readouterr().out
    monkeypatch.setenv("ISPYB_CORE__USER_OFFICE__PATH", str(feed))
    assert main(["sync-user-office"]) == 0
    assert "0 created, 0 updated, 14 unchanged" in capsys.readouterr().out

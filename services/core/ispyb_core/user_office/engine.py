"""The sync engine: plain functions, a few bulk SELECTs, the diff in Python, bulk
INSERT/UPDATE/DELETE (executemany), everything in one transaction.

Rules (docs/user-office-sync.md):
- persons match on externalId, then login; proposals on externalId, then code+number;
  sessions on externalId, then (proposal, visit_number); a row found by the second key
  without an externalId is adopted (its externalId is set); one that has another
  externalId is a conflict, reported and left alone;
- a second sync of the same document writes nothing (only the run record);
- closed/cancelled proposals keep their data (state changes only); a member or participant
  no longer in the feed loses the membership row (the person and the data stay);
- a session whose externalId is known under another proposal is a conflict (not moved);
- a session without visit_number gets the next free number of its proposal.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Iterable
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import Engine, bindparam, delete, insert, select, update

from ..lab_contacts.models import LabContact
from ..laboratories.models import Laboratory
from ..persons.models import Person
from ..proposals.models import Proposal, ProposalHasPerson
from ..sessions.models import BLSession, SessionHasPerson
from .external_ids import external_id_bytes, external_id_text
from .models import UserOfficeSyncRun
from .schemas import SyncDocument

Progress = Callable[[str], None]
CHUNK = 500

PERSON_FIELDS = ("login", "givenName", "familyName", "title", "emailAddress", "phoneNumber")
PROPOSAL_FIELDS = ("proposalCode", "proposalNumber", "title", "proposalType", "state", "personId")
SESSION_FIELDS = ("beamLineName", "startDate", "endDate", "visit_number")
INACTIVE_STATES = ("Closed", "Cancelled")


class DocumentInvalid(Exception):
    """The document breaks the format: ``errors`` is a list of {path, message}."""

    def __init__(self, errors: list[dict[str, str]], run_id: int | None = None):
        super().__init__(f"{len(errors)} error(s) in the user-office document")
        self.errors = errors
        self.run_id = run_id


def _paths(messages: Any, path: str = "$") -> list[dict[str, str]]:
    if isinstance(messages, dict):
        found = []
        for key, value in messages.items():
            if key == "_schema":
                sub = path
            elif isinstance(key, int):
                sub = f"{path}[{key}]"
            else:
                sub = f"{path}.{key}"
            found.extend(_paths(value, sub))
        return found
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        return [{"path": path, "message": message} for message in messages]
    if isinstance(messages, list):
        return [e for m in messages for e in _paths(m, path)]
    return [{"path": path, "message": str(messages)}]


def validate_document(document: Any) -> dict[str, Any]:
    """The loaded document, or DocumentInvalid with the JSON paths of every error."""
    if not isinstance(document, dict):
        raise DocumentInvalid([{"path": "$", "message": "The document must be a JSON object."}])
    try:
        data = SyncDocument().load(document)
    except ValidationError as exc:
        raise DocumentInvalid(_paths(exc.messages)) from None
    errors: list[dict[str, str]] = []

    def unique(items, key, what, path):
        seen: dict[Any, int] = {}
        for index, item in enumerate(items):
            value = key(item)
            if value in seen:
                errors.append(
                    {
                        "path": f"$.{path}[{index}]",
                        "message": f"Duplicate {what} (see [{seen[value]}]).",
                    }
                )
            seen.setdefault(value, index)
        return seen

    persons = unique(
        data["persons"], lambda p: external_id_bytes(p["externalId"]), "externalId", "persons"
    )
    unique(data["persons"], lambda p: p["login"], "login", "persons")
    proposals = unique(
        data["proposals"], lambda p: external_id_bytes(p["externalId"]), "externalId", "proposals"
    )
    unique(
        data["proposals"],
        lambda p: (p["proposalCode"], p["proposalNumber"]),
        "code+number",
        "proposals",
    )
    unique(data["sessions"], lambda s: external_id_bytes(s["externalId"]), "externalId", "sessions")
    unique(data["labContacts"], lambda c: (c["proposal"], c["cardName"]), "cardName", "labContacts")

    def known(value, table, path, what):
        if external_id_bytes(value) not in table:
            errors.append(
                {"path": path, "message": f"No {what} with this externalId in the document."}
            )

    for i, proposal in enumerate(data["proposals"]):
        if not any(m["role"] == "Principal Investigator" for m in proposal["members"]):
            errors.append(
                {"path": f"$.proposals[{i}].members", "message": "No Principal Investigator."}
            )
        for j, member in enumerate(proposal["members"]):
            known(member["person"], persons, f"$.proposals[{i}].members[{j}].person", "person")
    for i, session in enumerate(data["sessions"]):
        known(session["proposal"], proposals, f"$.sessions[{i}].proposal", "proposal")
        if session["endDate"] < session["startDate"]:
            errors.append({"path": f"$.sessions[{i}].endDate", "message": "Before startDate."})
        for j, participant in enumerate(session["participants"]):
            known(
                participant["person"],
                persons,
                f"$.sessions[{i}].participants[{j}].person",
                "person",
            )
    for i, contact in enumerate(data["labContacts"]):
        known(contact["proposal"], proposals, f"$.labContacts[{i}].proposal", "proposal")
        known(contact["person"], persons, f"$.labContacts[{i}].person", "person")
    if errors:
        raise DocumentInvalid(errors)
    return data


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None, microsecond=0)


def _chunks(items: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _counter(*extra: str) -> dict[str, int]:
    return dict.fromkeys(("created", "updated", "unchanged", *extra), 0)


def _bulk_update(conn, table, key: str, columns: Iterable[str], rows: list[dict]) -> None:
    if not rows:
        return
    columns = list(columns)
    statement = (
        update(table)
        .where(table.c[key] == bindparam("b_key"))
        .values({c: bindparam(f"b_{c}") for c in columns})
    )
    params = [{"b_key": r[key], **{f"b_{c}": r[c] for c in columns}} for r in rows]
    for chunk in _chunks(params, 5000):
        conn.execute(statement, chunk)


def _bulk_insert(conn, table, rows: list[dict]) -> None:
    for chunk in _chunks(rows, 5000):
        conn.execute(insert(table), chunk)


def apply_document(conn, data: dict[str, Any], progress: Progress) -> tuple[dict, list]:
    """Apply a validated document on ``conn`` (inside the caller's transaction)."""
    counts: dict[str, dict[str, int]] = {}
    conflicts: list[dict[str, str]] = []

    def conflict(entity: str, external_id: str, message: str) -> None:
        conflicts.append({"entity": entity, "externalId": external_id, "message": message})

    # Laboratories (by name; created when missing, never changed).
    labs = {
        name: lab_id
        for lab_id, name in conn.execute(select(Laboratory.laboratoryId, Laboratory.name))
    }
    wanted_labs: dict[str, dict] = {}
    for person in data["persons"]:
        lab = person.get("laboratory")
        if lab and lab["name"] not in labs:
            wanted_labs.setdefault(lab["name"], lab)
    counts["laboratories"] = {"created": len(wanted_labs)}
    if wanted_labs:
        _bulk_insert(
            conn,
            Laboratory.__table__,
            [
                {k: lab.get(k) for k in ("name", "address", "city", "country")}
                for lab in wanted_labs.values()
            ],
        )
        labs = {
            name: lab_id
            for lab_id, name in conn.execute(select(Laboratory.laboratoryId, Laboratory.name))
        }

    # Persons.
    progress(f"persons: {len(data['persons'])} in the feed")
    person_cols = (
        Person.personId,
        Person.externalId,
        Person.laboratoryId,
        *tuple(Person.__table__.c[f] for f in PERSON_FIELDS),
    )
    rows = [dict(r._mapping) for r in conn.execute(select(*person_cols))]
    by_ext = {bytes(r["externalId"]): r for r in rows if r["externalId"] is not None}
    by_login = {r["login"]: r for r in rows if r["login"] is not None}
    person_ids: dict[bytes, int] = {}
    count = counts["persons"] = _counter()
    new_persons, changed_persons = [], []
    for p in data["persons"]:
        ext = external_id_bytes(p["externalId"])
        wanted = {f: p.get(f) for f in PERSON_FIELDS}
        lab = p.get("laboratory")
        wanted["laboratoryId"] = labs[lab["name"]] if lab else None
        row = by_ext.get(ext)
        if row is None:
            other = by_login.get(p["login"])
            if other is not None and other["externalId"] is not None:
                conflict(
                    "person",
                    p["externalId"],
                    f"login {p['login']!r} belongs to another external person "
                    f"({external_id_text(other['externalId'])}); not changed",
                )
                continue
            if other is None:
                new_persons.append({"externalId": ext, **wanted})
                continue
            row = other  # adopted: its externalId is set below
        elif row["login"] != p["login"] and p["login"] in by_login:
            conflict(
                "person",
                p["externalId"],
                f"login {p['login']!r} belongs to another person; login not changed",
            )
            wanted["login"] = row["login"]
        person_ids[ext] = row["personId"]
        current = {k: row[k] for k in wanted}
        if current == wanted and row["externalId"] is not None:
            count["unchanged"] += 1
        else:
            changed_persons.append({"personId": row["personId"], "externalId": ext, **wanted})
    _bulk_update(
        conn,
        Person.__table__,
        "personId",
        ("externalId", "laboratoryId", *PERSON_FIELDS),
        changed_persons,
    )
    _bulk_insert(conn, Person.__table__, new_persons)
    count["created"], count["updated"] = len(new_persons), len(changed_persons)
    if new_persons:
        person_ids.update(
            _ids_by_external_id(conn, Person.personId, Person.externalId, new_persons)
        )
    progress(f"persons: {_describe(count)}")

    # Proposals.
    progress(f"proposals: {len(data['proposals'])} in the feed")
    proposal_cols = (
        Proposal.proposalId,
        Proposal.externalId,
        *tuple(Proposal.__table__.c[f] for f in PROPOSAL_FIELDS),
    )
    rows = [dict(r._mapping) for r in conn.execute(select(*proposal_cols))]
    by_ext = {bytes(r["externalId"]): r for r in rows if r["externalId"] is not None}
    by_name = {(r["proposalCode"], r["proposalNumber"]): r for r in rows}
    proposal_ids: dict[bytes, int] = {}
    count = counts["proposals"] = _counter("deactivated")
    new_proposals, changed_proposals = [], []
    for p in data["proposals"]:
        ext = external_id_bytes(p["externalId"])
        name = (p["proposalCode"], p["proposalNumber"])
        pi = next(m["person"] for m in p["members"] if m["role"] == "Principal Investigator")
        wanted = {f: p.get(f) for f in PROPOSAL_FIELDS if f != "personId"}
        wanted["personId"] = person_ids.get(external_id_bytes(pi))
        row = by_ext.get(ext)
        if row is None:
            other = by_name.get(name)
            if other is not None and other["externalId"] is not None:
                conflict(
                    "proposal",
                    p["externalId"],
                    f"{''.join(name)} belongs to another external proposal "
                    f"({external_id_text(other['externalId'])}); not changed",
                )
                continue
            if other is None:
                if wanted["personId"] is None:
                    conflict(
                        "proposal",
                        p["externalId"],
                        "its Principal Investigator is in conflict; not created",
                    )
                    continue
                new_proposals.append({"externalId": ext, **wanted})
                continue
            row = other
        elif name != (row["proposalCode"], row["proposalNumber"]) and name in by_name:
            conflict(
                "proposal",
                p["externalId"],
                f"{''.join(name)} is another proposal; name not changed",
            )
            wanted["proposalCode"], wanted["proposalNumber"] = (
                row["proposalCode"],
                row["proposalNumber"],
            )
        if wanted["personId"] is None:
            wanted["personId"] = row["personId"]
        proposal_ids[ext] = row["proposalId"]
        current = {k: row[k] for k in wanted}
        if current == wanted and row["externalId"] is not None:
            count["unchanged"] += 1
            continue
        changed_proposals.append({"proposalId": row["proposalId"], "externalId": ext, **wanted})
        if wanted["state"] in INACTIVE_STATES and row["state"] not in INACTIVE_STATES:
            count["deactivated"] += 1
        else:
            count["updated"] += 1
    _bulk_update(
        conn, Proposal.__table__, "proposalId", ("externalId", *PROPOSAL_FIELDS), changed_proposals
    )
    _bulk_insert(conn, Proposal.__table__, new_proposals)
    count["created"] = len(new_proposals)
    if new_proposals:
        proposal_ids.update(
            _ids_by_external_id(conn, Proposal.proposalId, Proposal.externalId, new_proposals)
        )
    progress(f"proposals: {_describe(count)}")

    # Proposal members.
    wanted_members: dict[tuple[int, int], str] = {}
    for p in data["proposals"]:
        proposal_id = proposal_ids.get(external_id_bytes(p["externalId"]))
        if proposal_id is None:
            continue
        for m in p["members"]:
            person_id = person_ids.get(external_id_bytes(m["person"]))
            if person_id is not None:
                wanted_members.setdefault((proposal_id, person_id), m["role"])
    synced = set(proposal_ids.values())
    t = ProposalHasPerson.__table__
    existing: dict[tuple[int, int], dict] = {}
    removed: list[int] = []
    for r in conn.execute(select(t.c.proposalHasPersonId, t.c.proposalId, t.c.personId, t.c.role)):
        if r.proposalId not in synced:
            continue
        key = (r.proposalId, r.personId)
        if key in existing or key not in wanted_members:
            removed.append(r.proposalHasPersonId)
        else:
            existing[key] = dict(r._mapping)
    count = counts["proposalMembers"] = _counter("deactivated")
    new_rows = [
        {"proposalId": k[0], "personId": k[1], "role": role}
        for k, role in wanted_members.items()
        if k not in existing
    ]
    changed = [
        {"proposalHasPersonId": existing[k]["proposalHasPersonId"], "role": role}
        for k, role in wanted_members.items()
        if k in existing and existing[k]["role"] != role
    ]
    _bulk_update(conn, t, "proposalHasPersonId", ("role",), changed)
    _bulk_insert(conn, t, new_rows)
    for chunk in _chunks(removed):
        conn.execute(delete(t).where(t.c.proposalHasPersonId.in_(chunk)))
    count.update(
        created=len(new_rows),
        updated=len(changed),
        deactivated=len(removed),
        unchanged=len(existing) - len(changed),
    )

    # Sessions.
    progress(f"sessions: {len(data['sessions'])} in the feed")
    session_cols = (
        BLSession.sessionId,
        BLSession.externalId,
        BLSession.proposalId,
        *tuple(BLSession.__table__.c[f] for f in SESSION_FIELDS),
    )
    rows = [dict(r._mapping) for r in conn.execute(select(*session_cols))]
    by_ext = {bytes(r["externalId"]): r for r in rows if r["externalId"] is not None}
    by_visit = {(r["proposalId"], r["visit_number"]): r for r in rows}
    next_visit: dict[int, int] = {}
    for r in rows:
        next_visit[r["proposalId"]] = max(
            next_visit.get(r["proposalId"], 1), (r["visit_number"] or 0) + 1
        )
    for s in data["sessions"]:  # numbers the feed gives are not handed out automatically
        proposal_id = proposal_ids.get(external_id_bytes(s["proposal"]))
        if proposal_id is not None and s.get("visit_number"):
            next_visit[proposal_id] = max(next_visit.get(proposal_id, 1), s["visit_number"] + 1)
    session_ids: dict[bytes, int] = {}
    count = counts["sessions"] = _counter()
    new_sessions, changed_sessions = [], []
    for s in data["sessions"]:
        ext = external_id_bytes(s["externalId"])
        proposal_id = proposal_ids.get(external_id_bytes(s["proposal"]))
        if proposal_id is None:
            conflict("session", s["externalId"], "its proposal is in conflict; not synchronised")
            continue
        wanted = {
            "beamLineName": s["beamLineName"],
            "startDate": s["startDate"].replace(microsecond=0),
            "endDate": s["endDate"].replace(microsecond=0),
            "visit_number": s.get("visit_number"),
        }
        row = by_ext.get(ext)
        if row is None and wanted["visit_number"]:
            other = by_visit.get((proposal_id, wanted["visit_number"]))
            if other is not None and other["externalId"] is not None:
                conflict(
                    "session",
                    s["externalId"],
                    f"visit {wanted['visit_number']} of its proposal is another external session; "
                    "not changed",
                )
                continue
            row = other
        if row is None:
            if not wanted["visit_number"]:
                wanted["visit_number"] = next_visit.get(proposal_id, 1)
                next_visit[proposal_id] = wanted["visit_number"] + 1
            by_visit[(proposal_id, wanted["visit_number"])] = wanted
            new_sessions.append(
                {"externalId": ext, "proposalId": proposal_id, "scheduled": True, **wanted}
            )
            continue
        if row["proposalId"] != proposal_id:
            conflict(
                "session",
                s["externalId"],
                "the session belongs to another proposal in ISPyB; not moved",
            )
            continue
        if not wanted["visit_number"]:
            wanted["visit_number"] = row["visit_number"]
        elif (
            wanted["visit_number"] != row["visit_number"]
            and (proposal_id, wanted["visit_number"]) in by_visit
        ):
            conflict(
                "session",
                s["externalId"],
                f"visit {wanted['visit_number']} is taken; not renumbered",
            )
            wanted["visit_number"] = row["visit_number"]
        session_ids[ext] = row["sessionId"]
        current = {k: row[k] for k in wanted}
        if current == wanted and row["externalId"] is not None:
            count["unchanged"] += 1
        else:
            changed_sessions.append({"sessionId": row["sessionId"], "externalId": ext, **wanted})
    _bulk_update(
        conn, BLSession.__table__, "sessionId", ("externalId", *SESSION_FIELDS), changed_sessions
    )
    _bulk_insert(conn, BLSession.__table__, new_sessions)
    count["created"], count["updated"] = len(new_sessions), len(changed_sessions)
    if new_sessions:
        session_ids.update(
            _ids_by_external_id(conn, BLSession.sessionId, BLSession.externalId, new_sessions)
        )
    progress(f"sessions: {_describe(count)}")

    # Session participants.
    wanted_parts: dict[tuple[int, int], tuple[str, bool]] = {}
    for s in data["sessions"]:
        session_id = session_ids.get(external_id_bytes(s["externalId"]))
        if session_id is None:
            continue
        for m in s["participants"]:
            person_id = person_ids.get(external_id_bytes(m["person"]))
            if person_id is not None:
                wanted_parts.setdefault((session_id, person_id), (m["role"], bool(m["remote"])))
    synced = set(session_ids.values())
    t = SessionHasPerson.__table__
    existing_parts = {
        (r.sessionId, r.personId): (r.role, bool(r.remote))
        for r in conn.execute(select(t.c.sessionId, t.c.personId, t.c.role, t.c.remote))
        if r.sessionId in synced
    }
    new_rows = [
        {"sessionId": k[0], "personId": k[1], "role": v[0], "remote": v[1]}
        for k, v in wanted_parts.items()
        if k not in existing_parts
    ]
    changed = [
        {"sessionId": k[0], "personId": k[1], "role": v[0], "remote": v[1]}
        for k, v in wanted_parts.items()
        if k in existing_parts and existing_parts[k] != v
    ]
    gone = [{"b_s": k[0], "b_p": k[1]} for k in existing_parts if k not in wanted_parts]
    if changed:
        statement = (
            update(t)
            .where(t.c.sessionId == bindparam("b_s"), t.c.personId == bindparam("b_p"))
            .values(role=bindparam("b_role"), remote=bindparam("b_remote"))
        )
        conn.execute(
            statement,
            [
                {
                    "b_s": r["sessionId"],
                    "b_p": r["personId"],
                    "b_role": r["role"],
                    "b_remote": r["remote"],
                }
                for r in changed
            ],
        )
    _bulk_insert(conn, t, new_rows)
    if gone:
        conn.execute(
            delete(t).where(t.c.sessionId == bindparam("b_s"), t.c.personId == bindparam("b_p")),
            gone,
        )
    counts["sessionParticipants"] = {
        "created": len(new_rows),
        "updated": len(changed),
        "unchanged": len(existing_parts) - len(changed) - len(gone),
        "deactivated": len(gone),
    }

    # Lab contacts (matched by proposal + cardName; never removed: shipments refer to them).
    t = LabContact.__table__
    existing_cards = {
        (r.proposalId, r.cardName): (r.labContactId, r.personId)
        for r in conn.execute(select(t.c.labContactId, t.c.proposalId, t.c.cardName, t.c.personId))
    }
    count = counts["labContacts"] = _counter()
    new_rows, changed = [], []
    for c in data["labContacts"]:
        proposal_id = proposal_ids.get(external_id_bytes(c["proposal"]))
        person_id = person_ids.get(external_id_bytes(c["person"]))
        if proposal_id is None or person_id is None:
            conflict(
                "labContact", c["proposal"], f"{c['cardName']!r}: proposal or person in conflict"
            )
            continue
        current = existing_cards.get((proposal_id, c["cardName"]))
        if current is None:
            new_rows.append(
                {"proposalId": proposal_id, "personId": person_id, "cardName": c["cardName"]}
            )
        elif current[1] != person_id:
            changed.append({"labContactId": current[0], "personId": person_id})
        else:
            count["unchanged"] += 1
    _bulk_update(conn, t, "labContactId", ("personId",), changed)
    _bulk_insert(conn, t, new_rows)
    count["created"], count["updated"] = len(new_rows), len(changed)
    return counts, conflicts


def _ids_by_external_id(conn, id_column, ext_column, new_rows: list[dict]) -> dict[bytes, int]:
    wanted = {row["externalId"] for row in new_rows}
    return {
        bytes(ext): row_id
        for row_id, ext in conn.execute(
            select(id_column, ext_column).where(ext_column.is_not(None))
        )
        if bytes(ext) in wanted
    }


def _describe(count: dict[str, int]) -> str:
    return ", ".join(f"{value} {key}" for key, value in count.items())


def summary(counts: dict[str, dict[str, int]], conflicts: list) -> dict[str, int]:
    """Totals over every entity: created / updated / unchanged / deactivated / conflicts."""
    totals = dict.fromkeys(("created", "updated", "unchanged", "deactivated"), 0)
    for count in counts.values():
        for key in totals:
            totals[key] += count.get(key, 0)
    totals["conflicts"] = len(conflicts)
    return totals


def sync_document(
    engine: Engine, document: Any, *, source: str, progress: Progress | None = None
) -> dict[str, Any]:
    """Validate and apply ``document`` in one transaction; record the run. Returns the run
    (as :func:`run_as_dict`). Raises DocumentInvalid (run recorded as refused)."""
    progress = progress or (lambda _message: None)
    started = _now()
    try:
        data = validate_document(document)
    except DocumentInvalid as exc:
        exc.run_id = _record(engine, started, source, "refused", None, [], exc.errors)[
            "userOfficeSyncRunId"
        ]
        raise
    try:
        with engine.begin() as conn:
            counts, conflicts = apply_document(conn, data, progress)
            counts["total"] = summary(counts, conflicts)
            run = _record(conn, started, source, "applied", counts, conflicts, [])
    except Exception as exc:  # rolled back; the failure is recorded, then raised
        error = {"path": "$", "message": f"{type(exc).__name__}: {str(exc)[:500]}"}
        _record(engine, started, source, "failed", None, [], [error])
        raise
    return run


def _record(target, started, source, status, counts, conflicts, errors) -> dict[str, Any]:
    values = {
        "startedAt": started,
        "finishedAt": _now(),
        "source": source[:255],
        "status": status,
        "counts": json.dumps(counts) if counts is not None else None,
        "conflicts": json.dumps(conflicts),
        "errors": json.dumps(errors),
    }
    if isinstance(target, Engine):
        with target.begin() as conn:
            result = conn.execute(insert(UserOfficeSyncRun.__table__).values(values))
    else:
        result = target.execute(insert(UserOfficeSyncRun.__table__).values(values))
    values["userOfficeSyncRunId"] = result.inserted_primary_key[0]
    return run_as_dict(values)


def run_as_dict(row: Any) -> dict[str, Any]:
    get = row.get if isinstance(row, dict) else lambda k: getattr(row, k)
    return {
        "userOfficeSyncRunId": get("userOfficeSyncRunId"),
        "startedAt": get("startedAt"),
        "finishedAt": get("finishedAt"),
        "source": get("source"),
        "status": get("status"),
        "counts": json.loads(get("counts")) if get("counts") else None,
        "conflicts": json.loads(get("conflicts") or "[]"),
        "errors": json.loads(get("errors") or "[]"),
    }

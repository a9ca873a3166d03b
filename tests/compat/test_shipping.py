"""py-ispyb-ui's shipment, contact and admin pages against compat calling the real core
(docs/compat.md): /shippings, /labcontacts, /options and the dialect's /openapi.json.
The contract (each request with the UI's parameters → the fields it reads, with their
types), the writes (one core write each; a refused one leaves nothing written), bad
input (4xx in the envelope with py-ispyb's ``detail``, the field named) and the writes'
authorization matrix (the reads' rows are in test_authorization.py)."""

from __future__ import annotations

import pytest

from tests.compat.conftest import PREFIX
from tests.compat.test_authorization import CALLERS

PY = f"{PREFIX}/pyispyb"
OPTIONAL_STR = (str, type(None))
OPTIONAL_INT = (int, type(None))


def check(row: dict, fields: dict) -> None:
    for name, kind in fields.items():
        assert name in row, name
        assert isinstance(row[name], kind), (name, row[name])


SHIPPING_FIELDS = {
    "shippingId": int,
    "proposalId": int,
    "shippingName": OPTIONAL_STR,
    "sendingLabContactId": OPTIONAL_INT,
    "returnLabContactId": OPTIONAL_INT,
    "shippingStatus": OPTIONAL_STR,
    "safetyLevel": OPTIONAL_STR,
    "comments": OPTIONAL_STR,
    "bltimeStamp": OPTIONAL_STR,
    "LabContact": (dict, type(None)),
    "LabContact1": (dict, type(None)),
    "_metadata": dict,
}
CONTACT_FIELDS = {
    "labContactId": int,
    "personId": int,
    "proposalId": int,
    "cardName": str,
    "defaultCourrierCompany": OPTIONAL_STR,
    "courierAccount": OPTIONAL_STR,
    "billingReference": OPTIONAL_STR,
    "dewarAvgCustomsValue": OPTIONAL_INT,
    "dewarAvgTransportValue": OPTIONAL_INT,
    "recordTimeStamp": OPTIONAL_STR,
    "Person": dict,
}


def shipping_world(w, factory):
    """mx1's contact card (member's) and a shipment sent and returned through it, once
    per world; mx2 gets a card of its own (outsider's)."""
    if not hasattr(w, "card"):
        w.card = factory.lab_contact(
            proposalId=w.mx1.proposalId, personId=w.member.personId, cardName="Mem's card"
        )
        w.other_card = factory.lab_contact(
            proposalId=w.mx2.proposalId, personId=w.outsider.personId
        )
        w.shipment = factory.shipment(
            proposalId=w.mx1.proposalId,
            shippingName="Lysozyme trip",
            sendingLabContactId=w.card.labContactId,
            returnLabContactId=w.card.labContactId,
        )
        dewar = factory.dewar(shippingId=w.shipment.shippingId)
        container = factory.container(dewarId=dewar.dewarId)
        factory.sample(containerId=container.containerId, crystalId=factory.crystal().crystalId)
        factory.shipment_session(w.shipment, w.mx1_1)
        w.colleague = factory.person(login="colleague", givenName="Col", familyName="League")
        factory.proposal_member(w.mx1, w.colleague)
    return w


@pytest.fixture
def ship(world, factory):
    return shipping_world(world, factory)


def _core_shipment(core_app, tokens, shipping_id):
    client = core_app.test_client()
    answer = client.get(
        f"/ispyb/api/v1/core/shipments/{shipping_id}", headers=tokens.user("root", "admin")
    )
    return answer.get_json()


# --- the contract -----------------------------------------------------------------------


def test_shippings_of_a_proposal(compat, ship, tokens):
    answer = compat.get(f"{PY}/shippings?proposal=mx1", headers=tokens.user("member"))
    assert answer.status_code == 200
    body = answer.get_json()
    check(body, {"results": list, "total": int, "skip": int, "limit": int})
    rows = {row["shippingId"]: row for row in body["results"]}
    assert body["total"] == len(rows) == 2  # the world's sample shipment, and this one
    row = rows[ship.shipment.shippingId]
    check(row, SHIPPING_FIELDS)
    assert row["shippingName"] == "Lysozyme trip" and row["shippingStatus"] == "opened"
    check(row["LabContact"], {"cardName": str, "Person": dict})
    assert row["LabContact1"]["Person"] == {"givenName": "Mem", "familyName": "Ber"}
    meta = row["_metadata"]
    check(meta, {"dewars": int, "samples": int, "sessions": list})
    assert (meta["dewars"], meta["samples"]) == (1, 1)
    assert meta["sessions"][0]["session"] == "mx1-1"


def test_shippings_page(compat, ship, tokens):
    body = compat.get(f"{PY}/shippings?skip=1&limit=9999", headers=tokens.user("member")).get_json()
    assert (body["skip"], body["limit"], body["total"], len(body["results"])) == (1, 1000, 2, 1)


def test_one_shipping(compat, ship, tokens):
    answer = compat.get(f"{PY}/shippings/{ship.shipment.shippingId}", headers=tokens.user("member"))
    assert answer.status_code == 200
    check(answer.get_json(), SHIPPING_FIELDS)
    assert answer.get_json()["_metadata"]["samples"] == 1


def test_labcontacts_of_a_proposal(compat, ship, tokens):
    body = compat.get(f"{PY}/labcontacts?proposal=mx1", headers=tokens.user("member")).get_json()
    check(body, {"results": list, "total": int, "skip": int, "limit": int})
    assert [row["labContactId"] for row in body["results"]] == [ship.card.labContactId]
    row = body["results"][0]
    check(row, CONTACT_FIELDS)
    check(
        row["Person"],
        {"givenName": OPTIONAL_STR, "familyName": OPTIONAL_STR, "emailAddress": OPTIONAL_STR},
    )
    assert row["Person"]["familyName"] == "Ber" and row["cardName"] == "Mem's card"


def test_labcontacts_of_an_unknown_proposal_are_none(compat, ship, tokens):
    for name in ("mx999", "nodigits", "mx2"):  # mx2: not the member's
        body = compat.get(
            f"{PY}/labcontacts?proposal={name}", headers=tokens.user("member")
        ).get_json()
        assert (body["total"], body["results"]) == (0, []), name


def test_one_labcontact(compat, ship, tokens):
    answer = compat.get(f"{PY}/labcontacts/{ship.card.labContactId}", headers=tokens.user("member"))
    assert answer.status_code == 200
    check(answer.get_json(), CONTACT_FIELDS)


def test_the_dialects_openapi_document(compat, world):
    answer = compat.get(f"{PY}/openapi.json")  # public, as py-ispyb's
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["openapi"].startswith("3.1")
    schemas = body["components"]["schemas"]
    assert schemas["SampleStatus"]["enum"] == [
        "Sample Action",
        "Data Collected",
        "Strategy",
        "Auto Integrated",
    ]
    for name in ("LabContact", "LabContactCreate", "Shipping", "ShippingCreate", "Options"):
        assert schemas[name]["type"] == "object" and schemas[name]["properties"], name
    create = schemas["ShippingCreate"]
    assert set(create["required"]) >= {"proposalId", "shippingName"}
    assert create["properties"]["shippingName"]["title"] == "Name"
    assert create["properties"]["safetyLevel"]["enum"] == ["GREEN", "YELLOW", "RED"]
    person = schemas["LabContactCreate"]["properties"]["Person"]
    assert person["properties"]["givenName"]["title"] == "First Name"
    assert "motd" in schemas["Options"]["properties"]
    assert body["paths"] and all("/pyispyb/" in path for path in body["paths"])
    assert "/pyispyb/shippings" in body["paths"]


def test_options_for_an_admin(compat, world, tokens):
    admin = tokens.user("root", "admin")
    body = compat.get(f"{PY}/options", headers=admin).get_json()
    check(
        body,
        {"motd": str, "beamLineGroups": list, "query_debug": bool, "enable_legacy_routes": bool},
    )
    sent = {
        "motd": "Beam down Tuesday",
        "beamLineGroups": [{"groupName": "MX", "uiGroup": "mx", "beamLines": ["i03", "i04"]}],
        "query_debug": True,
    }
    answer = compat.patch(f"{PY}/options", json=sent, headers=admin)
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["motd"] == "Beam down Tuesday" and body["query_debug"] is False
    assert body["beamLineGroups"][0]["groupName"] == "MX"
    assert body["beamLineGroups"][0]["beamLines"] == ["i03", "i04"]
    ui = compat.get(f"{PY}/options/ui", headers=tokens.user("member")).get_json()
    assert ui["motd"] == "Beam down Tuesday"
    cleared = compat.patch(f"{PY}/options", json={"motd": ""}, headers=admin).get_json()
    assert cleared["motd"] == ""


# --- writes -----------------------------------------------------------------------------


def test_create_a_shipping(compat, core_app, ship, tokens):
    sent = {
        "proposalId": ship.mx1.proposalId,
        "shippingName": "Second trip",
        "sendingLabContactId": ship.card.labContactId,
        "returnLabContactId": ship.card.labContactId,
        "shippingStatus": "ready",  # py-ispyb's form sends one; core starts 'opened'
        "safetyLevel": "YELLOW",
        "comments": "fragile",
        "unknownField": 1,
    }
    answer = compat.post(f"{PY}/shippings", json=sent, headers=tokens.user("member"))
    assert answer.status_code == 201, answer.get_json()
    row = answer.get_json()
    check(row, SHIPPING_FIELDS)
    assert (row["shippingName"], row["shippingStatus"], row["comments"]) == (
        "Second trip",
        "opened",
        "fragile",
    )
    assert row["LabContact"]["cardName"] == "Mem's card"
    stored = _core_shipment(core_app, tokens, row["shippingId"])
    assert stored["proposalId"] == ship.mx1.proposalId and stored["comments"] == "fragile"


def test_edit_a_shipping_sent_back_whole(compat, compat_app, core_app, ship, tokens):
    headers = tokens.user("member")
    path = f"{PY}/shippings/{ship.shipment.shippingId}"
    row = compat.get(path, headers=headers).get_json()
    line = compat_app.extensions["test_core_line"]
    line.reset()
    answer = compat.patch(path, json={**row, "comments": "now with labels"}, headers=headers)
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["comments"] == "now with labels"
    patches = [call for call in line.calls if call.method == "PATCH"]
    assert len(patches) == 1  # one write: only what changed is sent
    stepped = compat.patch(path, json={**row, "shippingStatus": "ready"}, headers=headers)
    assert stepped.status_code == 200 and stepped.get_json()["shippingStatus"] == "ready"
    assert _core_shipment(core_app, tokens, ship.shipment.shippingId)["shippingStatus"] == "ready"


def test_a_refused_shipping_edit_writes_nothing(compat, core_app, ship, tokens):
    headers = tokens.user("member")
    path = f"{PY}/shippings/{ship.shipment.shippingId}"
    moved = compat.patch(
        path, json={"proposalId": ship.mx2.proposalId, "comments": "x"}, headers=headers
    )
    assert moved.status_code == 422 and "proposalId" in moved.get_json()["details"]
    skipped = compat.patch(
        path, json={"shippingStatus": "at facility", "comments": "x"}, headers=headers
    )
    assert 400 <= skipped.status_code < 500 and skipped.get_json()["detail"]
    stored = _core_shipment(core_app, tokens, ship.shipment.shippingId)
    assert stored["comments"] is None and stored["shippingStatus"] == "opened"


def test_create_a_labcontact_by_person_id_or_names(compat, ship, tokens):
    headers = tokens.user("member")
    sent = {
        "proposalId": ship.mx1.proposalId,
        "personId": ship.member.personId,
        "cardName": "by id",
        "dewarAvgCustomsValue": None,
    }
    # member already has mx1's card: core's one card per person and proposal
    answer = compat.post(f"{PY}/labcontacts", json=sent, headers=headers)
    assert answer.status_code == 409 and answer.get_json()["detail"]
    colleague = ship.colleague
    sent = {
        "proposalId": ship.mx1.proposalId,
        "cardName": "by names",
        "courierAccount": "ACC-1",
        "Person": {"givenName": "Col", "familyName": "League", "emailAddress": None},
    }
    answer = compat.post(f"{PY}/labcontacts", json=sent, headers=headers)
    assert answer.status_code == 201, answer.get_json()
    row = answer.get_json()
    check(row, CONTACT_FIELDS)
    assert row["personId"] == colleague.personId and row["courierAccount"] == "ACC-1"


def test_a_labcontact_for_an_unknown_person_is_refused(compat, ship, tokens):
    sent = {
        "proposalId": ship.mx1.proposalId,
        "cardName": "ghost",
        "Person": {"givenName": "No", "familyName": "Body"},
    }
    answer = compat.post(f"{PY}/labcontacts", json=sent, headers=tokens.user("member"))
    assert answer.status_code == 422 and "Person" in answer.get_json()["details"]
    missing = compat.post(
        f"{PY}/labcontacts",
        json={"proposalId": ship.mx1.proposalId, "cardName": "ghost"},
        headers=tokens.user("member"),
    )
    assert missing.status_code == 422 and "personId" in missing.get_json()["details"]


def test_edit_a_labcontact(compat, ship, tokens):
    headers = tokens.user("member")
    path = f"{PY}/labcontacts/{ship.card.labContactId}"
    row = compat.get(path, headers=headers).get_json()
    answer = compat.patch(path, json={**row, "billingReference": "PO-7"}, headers=headers)
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["billingReference"] == "PO-7"
    renamed = {**row, "Person": {**row["Person"], "familyName": "Other"}, "cardName": "z"}
    refused = compat.patch(path, json=renamed, headers=headers)
    assert refused.status_code == 422 and "Person" in refused.get_json()["details"]
    after = compat.get(path, headers=headers).get_json()
    assert after["cardName"] == "Mem's card"  # nothing written


# --- bad input --------------------------------------------------------------------------

BAD = [
    ("get", "/shippings?skip=-1", None, 400, "skip"),
    ("get", "/shippings?limit=x", None, 400, "limit"),
    ("get", "/labcontacts?skip=x", None, 400, "skip"),
    ("post", "/shippings", {"proposalId": 1}, 422, "shippingName"),
    ("post", "/shippings", "MX1", 422, None),
    (
        "post",
        "/shippings",
        {
            "proposalId": "one",
            "shippingName": "s",
            "sendingLabContactId": 1,
            "returnLabContactId": 1,
        },
        422,
        "proposalId",
    ),
    (
        "post",
        "/shippings",
        {
            "proposalId": 1,
            "shippingName": "s",
            "sendingLabContactId": 1,
            "returnLabContactId": 1,
            "safetyLevel": "PINK",
        },
        422,
        "safetyLevel",
    ),
    ("patch", "/shippings/{shipment}", {"shippingName": ""}, 422, "shippingName"),
    ("patch", "/shippings/{shipment}", {"comments": "x" * 1001}, 422, "comments"),
    ("patch", "/shippings/{shipment}", {"sendingLabContactId": 0}, 422, "sendingLabContactId"),
    ("post", "/labcontacts", {"cardName": "c"}, 422, "proposalId"),
    ("post", "/labcontacts", {"proposalId": 1, "cardName": "c", "Person": 3}, 422, "Person"),
    ("patch", "/labcontacts/{card}", {"cardName": "x" * 41}, 422, "cardName"),
    ("patch", "/labcontacts/{card}", {"dewarAvgCustomsValue": -1}, 422, "dewarAvgCustomsValue"),
    ("patch", "/options", {"motd": 5}, 422, "motd"),
    ("patch", "/options", {"beamLineGroups": [{"groupName": "MX"}]}, 422, "beamLineGroups"),
    ("get", "/shippings/999999", None, 404, None),
    ("patch", "/shippings/999999", {"comments": "x"}, 404, None),
    ("get", "/labcontacts/999999", None, 404, None),
    ("patch", "/labcontacts/999999", {"cardName": "x"}, 404, None),
]


@pytest.mark.parametrize(("method", "path", "body", "status", "field"), BAD)
def test_bad_input(compat, ship, tokens, method, path, body, status, field):
    path = path.format(shipment=ship.shipment.shippingId, card=ship.card.labContactId)
    headers = tokens.user("root", "admin")
    kwargs = {"json": body} if body is not None else {}
    answer = getattr(compat, method)(PY + path, headers=headers, **kwargs)
    assert answer.status_code == status, answer.get_json()
    error = answer.get_json()
    assert error["detail"] == error["message"]
    if field:  # named, or a nested field of it (beamLineGroups[0].beamLines)
        assert any(key.split("[")[0] == field for key in error.get("details") or {}), error


def test_a_fixed_number_of_core_calls_whatever_the_page(compat_app, compat, ship, factory, tokens):
    line = compat_app.extensions["test_core_line"]
    headers = tokens.user("member")
    for path in ("/shippings", "/shippings?proposal=mx1", "/labcontacts?proposal=mx1"):
        line.reset()
        compat.get(PY + path, headers=headers)
        few = len(line.calls)
        for _ in range(3):
            other = factory.person()
            factory.lab_contact(proposalId=ship.mx1.proposalId, personId=other.personId)
            factory.shipment_in_proposal(ship.mx1, samples=2)
        line.reset()
        compat.get(PY + path, headers=headers)
        assert len(line.calls) == few, path


# --- who may write what (the reads are in test_authorization.py's matrix) ----------------

WRITE = {  # outsider, member, staff, staff-i04, admin, core-reader, no-scope-client
    "shipping create": (
        "post",
        lambda w: "/shippings",
        lambda w: {
            "proposalId": w.mx1.proposalId,
            "shippingName": "matrix",
            "sendingLabContactId": w.card.labContactId,
            "returnLabContactId": w.card.labContactId,
        },
        (422, 201, 201, 422, 201, 403, 403),
    ),
    "shipping edit": (
        "patch",
        lambda w: f"/shippings/{w.shipment.shippingId}",
        lambda w: {"comments": "matrix"},
        (404, 200, 200, 404, 200, 403, 403),
    ),
    "labcontact create": (
        "post",
        lambda w: "/labcontacts",
        lambda w: {
            "proposalId": w.mx1.proposalId,
            "personId": w.colleague.personId,
            "cardName": "matrix",
        },
        (422, 201, 201, 422, 201, 403, 403),
    ),
    "labcontact edit": (
        "patch",
        lambda w: f"/labcontacts/{w.card.labContactId}",
        lambda w: {"billingReference": "matrix"},
        (404, 200, 200, 404, 200, 403, 403),
    ),
    "options": ("get", lambda w: "/options", lambda w: None, (403, 403, 403, 403, 200, 403, 403)),
    "options edit": (
        "patch",
        lambda w: "/options",
        lambda w: {"motd": "matrix"},
        (403, 403, 403, 403, 200, 403, 403),
    ),
}
ORDER = ("outsider", "member", "staff", "staff-i04", "admin", "core-reader", "no-scope-client")


def write_routes(compat_app) -> set[tuple[str, str]]:
    """This module's matrix, as (method, rule) for test_authorization's completeness."""
    adapter = compat_app.url_map.bind("localhost")
    ids = type(
        "W",
        (),
        {
            "shipment": type("S", (), {"shippingId": 1}),
            "card": type("C", (), {"labContactId": 1}),
        },
    )
    return {
        (
            method.upper(),
            adapter.match(PY + path(ids), method=method.upper(), return_rule=True)[0].rule,
        )
        for method, path, _body, _expected in WRITE.values()
    }


@pytest.mark.parametrize("caller", ["anonymous", *ORDER])
@pytest.mark.parametrize("operation", list(WRITE))
def test_write_authorization_matrix(compat, core_app, ship, tokens, operation, caller):
    method, path, body, expected = WRITE[operation]
    status = 401 if caller == "anonymous" else expected[ORDER.index(caller)]
    kwargs = {} if body(ship) is None else {"json": body(ship)}
    answer = getattr(compat, method)(PY + path(ship), headers=CALLERS[caller](tokens), **kwargs)
    assert answer.status_code == status, (operation, caller, answer.get_json())
    if status >= 400:
        assert answer.get_json()["detail"]
    if operation == "shipping edit" and status >= 400:
        assert _core_shipment(core_app, tokens, ship.shipment.shippingId)["comments"] is None


@pytest.mark.parametrize("caller", ["outsider", "staff-i04"])
def test_what_core_hides_compat_hides(compat, ship, tokens, caller):
    headers = CALLERS[caller](tokens)
    for path in (
        "/shippings",
        "/shippings?proposal=mx1",
        "/labcontacts",
        "/labcontacts?proposal=mx1",
    ):
        text = compat.get(f"{PY}{path}", headers=headers).get_data(as_text=True)
        assert "Lysozyme trip" not in text and "mx1-1" not in text, (caller, path)
        assert "Mem's card" not in text and f'"shippingId": {ship.shipment.shippingId},' not in text


def test_a_lost_card_look_up_after_the_write_still_answers_the_write(
    compat, core_app, ship, tokens, monkeypatch
):
    from ispyb_compat.pyispyb.shipping import service
    from ispyb_shared.errors import CoreUnavailable

    def down(_ids):
        raise CoreUnavailable("Core cannot be reached; nothing was done.", maybe_done=False)

    monkeypatch.setattr(service, "_cards", down)
    sent = {
        "proposalId": ship.mx1.proposalId,
        "shippingName": "written",
        "sendingLabContactId": ship.card.labContactId,
        "returnLabContactId": ship.card.labContactId,
    }
    answer = compat.post(f"{PY}/shippings", json=sent, headers=tokens.user("member"))
    assert answer.status_code == 201 and answer.get_json()["LabContact"] is None
    assert _core_shipment(core_app, tokens, answer.get_json()["shippingId"])["shippingName"] == (
        "written"
    )


def test_core_unreachable_before_a_write_writes_nothing(compat, compat_app, ship, tokens):
    line = compat_app.extensions["test_core_line"]
    line.down = True
    answer = compat.patch(
        f"{PY}/shippings/{ship.shipment.shippingId}",
        json={"comments": "lost"},
        headers=tokens.user("member"),
    )
    assert answer.status_code == 503 and answer.get_json()["detail"]
    assert not [call for call in line.calls if call.method == "PATCH"]

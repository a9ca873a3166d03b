"""py-ispyb's shipments, lab contacts and options, translated onto core's ``/shipments``,
``/lab-contacts`` and ``/options/ui`` with the caller's own token (docs/compat.md).

Every list is a fixed number of calls to core whatever the page size (the page with its
contents embedded, then one call for the contact cards it names). Every write is one
write to core (a read before it, when the translation needs the row): a refused or
failed write leaves nothing written. Core alone decides who sees and changes what; the
admin routes (/options) are also refused here to anyone but an admin.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ispyb_shared.core_client import error_from_envelope
from ispyb_shared.errors import CoreUnavailable, Forbidden, NotFound, ValidationFailed

from ...upstreams import credentials, upstreams
from ..service import _core_page, _envelope, _proposal_names, page_params

SHIPMENT_CONTENTS = "dewars.containers.samples,sessions"
SHIPMENT_WRITES = (
    "shippingName",
    "sendingLabContactId",
    "returnLabContactId",
    "shippingStatus",
    "comments",
)
CONTACT_WRITES = (
    "cardName",
    "defaultCourrierCompany",
    "courierAccount",
    "billingReference",
    "dewarAvgCustomsValue",
    "dewarAvgTransportValue",
)
PERSON_FIELDS = ("givenName", "familyName", "emailAddress", "phoneNumber")
WRITE_REFUSED = "Core refuses this change to the caller."
MAX_CARDS = 1000


def _core():
    return upstreams().core


def _one(path: str, what: str) -> dict[str, Any]:
    """One row of core, or 404 when core does not show it to the caller."""
    answer = _core().request("GET", path, credentials())
    if answer.status == 404:
        raise NotFound(f"No such {what} (or the caller may not see it).")
    if answer.status == 403:
        raise Forbidden("Core refuses this look-up to the caller.")
    if answer.status != 200 or not isinstance(answer.body, dict):
        raise CoreUnavailable("Core's answer cannot be read; nothing was done.", maybe_done=False)
    return answer.body


def _write(method: str, path: str, body: dict[str, Any], what: str) -> dict[str, Any]:
    """One write to core. A 404 on a PATCH is the row's (the caller may not see it); on a
    POST it is about a row the body names (core's 422)."""
    answer = _core().request(method, path, credentials(), body=body)
    if 200 <= answer.status < 300 and isinstance(answer.body, dict):
        return answer.body
    if 200 <= answer.status < 300:
        raise CoreUnavailable(f"Core's answer to {what} cannot be read.", maybe_done=True)
    if answer.status == 403:
        raise Forbidden(WRITE_REFUSED)
    if answer.status == 404 and method == "PATCH":
        raise NotFound(f"No such {what.removeprefix('the ')} (or the caller may not see it).")
    status = 422 if answer.status == 404 else answer.status
    raise error_from_envelope(status, answer.body, what=what)


def _picked(body: Mapping[str, Any], names: Iterable[str]) -> dict[str, Any]:
    return {name: body[name] for name in names if name in body}


# --- lab contacts -----------------------------------------------------------------------


def _person(person: Any) -> dict[str, Any] | None:
    if not isinstance(person, Mapping):
        return None
    return {**{name: person.get(name) for name in PERSON_FIELDS}, "Laboratory": None}


def pyispyb_labcontact(row: Mapping[str, Any]) -> dict[str, Any]:
    """Core's contact card in py-ispyb's shape (``Person`` nested; its ``Laboratory`` is
    null: core's card embeds the person, not the person's laboratory)."""
    return {
        "labContactId": row.get("labContactId"),
        "personId": row.get("personId"),
        "proposalId": row.get("proposalId"),
        "cardName": row.get("cardName"),
        "defaultCourrierCompany": row.get("defaultCourrierCompany"),
        "courierAccount": row.get("courierAccount"),
        "billingReference": row.get("billingReference"),
        "dewarAvgCustomsValue": row.get("dewarAvgCustomsValue"),
        "dewarAvgTransportValue": row.get("dewarAvgTransportValue"),
        "recordTimeStamp": row.get("recordTimeStamp"),
        "Person": _person(row.get("person", row.get("Person"))),
    }


def _proposal_id(name: str) -> int | None:
    """A proposal's id from its name (mx1234), if the caller may see it: one call."""
    code = name.rstrip("0123456789")
    number = name[len(code) :]
    if not code or not number:
        return None
    page = _core_page(
        "/proposals",
        {
            "proposalCode.in": ",".join(dict.fromkeys((code, code.lower()))),
            "proposalNumber": number,
            "limit": 1,
            "fields": "proposalId",
        },
    )
    rows = page.get("results") or []
    return rows[0].get("proposalId") if rows else None


def labcontacts(args) -> dict[str, Any]:
    """``/labcontacts?proposal&skip&limit``: ``proposal`` (a name) is looked up first, as
    core filters contact cards by proposalId."""
    skip, limit = page_params(args)
    params: dict[str, Any] = {"offset": skip, "limit": limit}
    if args.get("proposal"):
        proposal_id = _proposal_id(args["proposal"][:64])
        if proposal_id is None:
            return {"results": [], "total": 0, "skip": skip, "limit": limit}
        params["proposalId"] = proposal_id
    page = _core_page("/lab-contacts", params)
    rows = [pyispyb_labcontact(row) for row in page.get("results", [])]
    return _envelope(page, rows, skip, limit)


def labcontact(contact_id: int) -> dict[str, Any]:
    return pyispyb_labcontact(_one(f"/lab-contacts/{contact_id}", "lab contact"))


def _contact_values(body: Mapping[str, Any]) -> dict[str, Any]:
    data = _picked(body, CONTACT_WRITES)
    # Core's average values are NOT NULL (default 0): an emptied form field is not sent.
    for name in ("dewarAvgCustomsValue", "dewarAvgTransportValue"):
        if name in data and data[name] is None:
            del data[name]
    return data


def _person_id(person: Mapping[str, Any]) -> int:
    """The one person core shows the caller with this given and family name (and
    e-mail, when sent): compat creates no person (that would be a second write)."""
    params = {"familyName": person["familyName"], "limit": 2, "fields": "personId"}
    if person.get("givenName"):
        params["givenName"] = person["givenName"]
    if person.get("emailAddress"):
        params["emailAddress"] = person["emailAddress"]
    rows = _core_page("/persons", params).get("results") or []
    if len(rows) != 1:
        problem = (
            "No person with these names is known to core (or visible to the caller)"
            if not rows
            else "Several persons have these names: send personId"
        )
        raise ValidationFailed(
            "The contact's person cannot be found.",
            {"Person": [f"{problem}; this dialect creates no person (core's /persons does)."]},
        )
    return rows[0]["personId"]


def create_labcontact(body: Mapping[str, Any]) -> dict[str, Any]:
    """``POST /labcontacts``: one core ``POST /lab-contacts`` (the person looked up
    first when only ``Person`` is sent)."""
    if "personId" in body:
        person_id = body["personId"]
    elif isinstance(body.get("Person"), Mapping):
        person_id = _person_id(body["Person"])
    else:
        raise ValidationFailed(
            "The contact's person is missing.",
            {"personId": ["Send personId, or Person with the person's names."]},
        )
    data = {"proposalId": body["proposalId"], "personId": person_id, **_contact_values(body)}
    return pyispyb_labcontact(_write("POST", "/lab-contacts", data, "the lab contact"))


def update_labcontact(contact_id: int, body: Mapping[str, Any]) -> dict[str, Any]:
    """``PATCH /labcontacts/{id}``: one core ``PATCH /lab-contacts/{id}`` after reading
    the card (the form sends it back whole: what did not change is not sent)."""
    current = _one(f"/lab-contacts/{contact_id}", "lab contact")
    for name in ("proposalId", "personId"):
        if name in body and body[name] != current.get(name):
            raise ValidationFailed(
                "A contact card keeps its proposal and person.",
                {name: ["Cannot be changed (create another card)."]},
            )
    if isinstance(body.get("Person"), Mapping):
        shown = _person(current.get("person", current.get("Person"))) or {}
        changed = [
            name
            for name in PERSON_FIELDS
            if name in body["Person"]
            and (body["Person"][name] or None) != (shown.get(name) or None)
        ]
        if changed:
            raise ValidationFailed(
                "A contact's person is changed through core's /persons, not here.",
                {"Person": [f"Changed here: {', '.join(changed)}; nothing was written."]},
            )
    data = {
        name: value for name, value in _contact_values(body).items() if value != current.get(name)
    }
    if not data:
        return pyispyb_labcontact(current)
    return pyispyb_labcontact(
        _write("PATCH", f"/lab-contacts/{contact_id}", data, "the lab contact")
    )


# --- shipments --------------------------------------------------------------------------


def _cards(proposal_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """The contact cards of these proposals by id, in one call."""
    ids = sorted({i for i in proposal_ids if isinstance(i, int)})
    if not ids:
        return {}
    page = _core_page(
        "/lab-contacts", {"proposalId.in": ",".join(map(str, ids)), "limit": MAX_CARDS}
    )
    return {row.get("labContactId"): row for row in page.get("results", [])}


def _card(cards: Mapping[int, Mapping[str, Any]], contact_id: Any) -> dict[str, Any] | None:
    card = cards.get(contact_id)
    if card is None:
        return None
    person = card.get("person", card.get("Person")) or {}
    return {
        "cardName": card.get("cardName"),
        "Person": {"givenName": person.get("givenName"), "familyName": person.get("familyName")},
    }


def pyispyb_shipping(row: Mapping[str, Any], cards: Mapping[int, Mapping]) -> dict[str, Any]:
    """Core's shipment (with its contents and sessions) in py-ispyb's shape."""
    dewars = row.get("dewars") or []
    samples = sum(
        len(container.get("samples") or [])
        for dewar in dewars
        for container in dewar.get("containers") or []
    )
    return {
        "shippingId": row.get("shippingId"),
        "proposalId": row.get("proposalId"),
        "shippingName": row.get("shippingName"),
        "sendingLabContactId": row.get("sendingLabContactId"),
        "returnLabContactId": row.get("returnLabContactId"),
        "shippingStatus": row.get("shippingStatus"),
        "safetyLevel": None,
        "comments": row.get("comments"),
        "bltimeStamp": row.get("bltimeStamp") or row.get("creationDate"),
        "LabContact": _card(cards, row.get("returnLabContactId")),
        "LabContact1": _card(cards, row.get("sendingLabContactId")),
        "_metadata": {
            "dewars": len(dewars),
            "samples": samples,
            "sessions": [
                {
                    "sessionId": session.get("sessionId"),
                    "session": session.get("visit"),
                    "beamLineName": session.get("beamLineName"),
                    "startDate": session.get("startDate"),
                    "endDate": session.get("endDate"),
                }
                for session in row.get("sessions") or []
            ],
        },
    }


def _shaped(row: Mapping[str, Any], *, written: bool = False) -> dict[str, Any]:
    """``row`` with its contact cards. After a write core has made, a failed look-up of
    the cards does not turn the answer into an error (the shipment is written): the
    cards are then null."""
    try:
        cards = _cards([row.get("proposalId")])
    except (CoreUnavailable, Forbidden, NotFound):
        if not written:
            raise
        cards = {}
    return pyispyb_shipping(row, cards)


def shippings(args) -> dict[str, Any]:
    """``/shippings?proposal&skip&limit``: one core page with the contents embedded, one
    call for the contact cards of the page's proposals."""
    skip, limit = page_params(args)
    params: dict[str, Any] = {"offset": skip, "limit": limit, "expand": SHIPMENT_CONTENTS}
    if args.get("proposal"):
        params["proposal.in"] = _proposal_names(args["proposal"][:64])
    page = _core_page("/shipments", params)
    rows = page.get("results", [])
    cards = _cards(row.get("proposalId") for row in rows)
    return _envelope(page, [pyispyb_shipping(row, cards) for row in rows], skip, limit)


def shipping(shipping_id: int) -> dict[str, Any]:
    return _shaped(_one(f"/shipments/{shipping_id}", "shipment"))


def create_shipping(body: Mapping[str, Any]) -> dict[str, Any]:
    """``POST /shippings``: one core ``POST /shipments`` (it starts 'opened'; the
    safety level is not kept by core)."""
    data = {"proposalId": body["proposalId"], **_picked(body, SHIPMENT_WRITES)}
    data.pop("shippingStatus", None)
    return _shaped(_write("POST", "/shipments", data, "the shipment"), written=True)


def update_shipping(shipping_id: int, body: Mapping[str, Any]) -> dict[str, Any]:
    """``PATCH /shippings/{id}``: one core ``PATCH /shipments/{id}`` after reading it (the
    form sends the row back whole: what did not change is not sent, so an unchanged
    status is no lifecycle step)."""
    current = _one(f"/shipments/{shipping_id}", "shipment")
    if "proposalId" in body and body["proposalId"] != current.get("proposalId"):
        raise ValidationFailed(
            "A shipment keeps its proposal.", {"proposalId": ["Cannot be changed."]}
        )
    data = {
        name: value
        for name, value in _picked(body, SHIPMENT_WRITES).items()
        if value != current.get(name)
    }
    if not data:
        return _shaped(current)
    return _shaped(_write("PATCH", f"/shipments/{shipping_id}", data, "the shipment"), written=True)


# --- options ----------------------------------------------------------------------------


def _require_admin() -> None:
    from ispyb_shared.auth import current_caller

    if not current_caller().is_admin:
        raise Forbidden("Only an admin may read or change the site's options.")


def _options(core_options: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "motd": core_options.get("messageOfTheDay") or "",
        "beamLineGroups": [
            {
                "groupName": group.get("name"),
                "uiGroup": "mx",
                "permission": "",
                "beamLines": list(group.get("beamlines") or []),
            }
            for group in core_options.get("beamlineGroups") or []
        ],
        "query_debug": False,
        "enable_legacy_routes": False,
    }


def options() -> dict[str, Any]:
    """``GET /options`` (admins): core's /options/ui as py-ispyb's Options."""
    _require_admin()
    return _options(_one("/options/ui", "options"))


def update_options(body: Mapping[str, Any]) -> dict[str, Any]:
    """``PATCH /options`` (admins): one core ``PATCH /options/ui``."""
    _require_admin()
    data: dict[str, Any] = {}
    if "motd" in body:
        data["messageOfTheDay"] = body["motd"] or None
    if "beamLineGroups" in body:
        data["beamlineGroups"] = [
            {"name": group["groupName"], "beamlines": list(group["beamLines"])}
            for group in body["beamLineGroups"] or []
        ]
    if not data:
        return options()
    answer = _core().request("PATCH", "/options/ui", credentials(), body=data)
    if answer.status == 403:
        raise Forbidden(WRITE_REFUSED)
    if not 200 <= answer.status < 300 or not isinstance(answer.body, dict):
        if 400 <= answer.status < 500:
            raise error_from_envelope(answer.status, answer.body, what="the options")
        raise CoreUnavailable("Core's answer to the options cannot be read.", maybe_done=True)
    return _options(answer.body)

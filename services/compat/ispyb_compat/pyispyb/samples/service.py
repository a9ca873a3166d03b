"""py-ispyb's sample routes (py-ispyb-ui's sample list, sample changer and sample editor;
mxcubecore's PATCH), translated onto core (samples, crystals, containers) and ssx
(components, concentration types) with the caller's own token.

Nothing is kept here and nothing is decided here: core and ssx decide who may read or
write. The few fields this module reads itself are checked here (422 naming the field);
the others are passed on under core's names, so core's 422 names them.
docs/compat.md ("Samples") lists what is translated and what is left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ispyb_shared.core_client import CoreClient, Credentials, error_from_envelope
from ispyb_shared.errors import CoreUnavailable, Forbidden, InvalidParameter, NotFound

from .. import service as dialect
from ..beamline import service as beamline
from ..beamline.service import SAMPLE_FIELDS, _invalid, _mapping, _picked, identifier
from ..service import CORE_NESTED, MAX_LIMIT, page_params, pyispyb_crystal

SAMPLE_REFUSED = "Core refuses this change of a sample to the caller."
# py-ispyb's Crystal block: the columns core's crystals keep under the same names.
CRYSTAL_FIELDS = (
    "name",
    "morphology",
    "color",
    "size_X",
    "size_Y",
    "size_Z",
    "cell_a",
    "cell_b",
    "cell_c",
    "cell_alpha",
    "cell_beta",
    "cell_gamma",
    "comments",
    "diffractionPlanId",
)
EXPAND = "crystal.protein,diffractionPlan"
_TRUE = {"true", "1", "yes"}


# --- reads ---------------------------------------------------------------------------------


def assigned(args) -> bool:
    return str(args.get("assigned", "")).strip().lower() in _TRUE


def _container_block(container: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "containerId": container.get("containerId"),
        "code": container.get("code"),
        "sampleChangerLocation": container.get("sampleChangerLocation"),
        "beamlineLocation": container.get("beamlineLocation"),
    }


def _listed_sample(row: Mapping[str, Any], container: Mapping[str, Any], counts) -> dict:
    return {
        **{key: value for key, value in row.items() if key not in CORE_NESTED},
        "Crystal": pyispyb_crystal(row.get("crystal")),
        "DiffractionPlan": row.get("diffractionPlan")
        or {"diffractionPlanId": row.get("diffractionPlanId")},
        "Container": _container_block(container),
        "_metadata": {
            "datacollections": counts.get(row["blSampleId"], 0),
            "subsamples": 0,
            "types": [],
            "integratedResolution": None,
        },
    }


def assigned_samples(args) -> dict[str, Any]:
    """``/samples?assigned=true&beamLineName=...``: the samples in the containers that are
    in a sample changer position of that beamline (py-ispyb-ui's sample changer page).

    Two core calls whatever the page: the beamline's containers with their samples
    (``/containers?beamlineLocation=&expand=samples...``, at most 1000 containers), and
    the samples' data collections (counted); the page is cut here."""
    beamline_name = (args.get("beamLineName") or "").strip()[:45]
    if not beamline_name:
        raise InvalidParameter(
            "Invalid query parameters.",
            {"beamLineName": ["Required with assigned=true (the sample changer's beamline)."]},
        )
    skip, limit = page_params(args)
    params: dict[str, Any] = {
        "beamlineLocation": beamline_name,
        "limit": MAX_LIMIT,
        "expand": "samples.crystal.protein,samples.diffractionPlan",
    }
    if args.get("proposal"):
        params["proposal.in"] = dialect._proposal_names(args["proposal"][:64])
    containers = dialect._core_page("/containers", params).get("results", [])
    rows = [
        (sample, container)
        for container in containers
        if (container.get("sampleChangerLocation") or "").strip()
        for sample in container.get("samples") or []
    ]
    # py-ispyb's order: newest sample first
    rows.sort(key=lambda pair: pair[0]["blSampleId"], reverse=True)
    page = rows[skip : skip + limit]
    counts = dialect._counts("/data-collections", "blSampleId", [s["blSampleId"] for s, _c in page])
    results = [_listed_sample(sample, container, counts) for sample, container in page]
    return {"results": results, "total": len(rows), "skip": skip, "limit": limit}


# --- writes --------------------------------------------------------------------------------


def _answer(core, method, path, credentials, body, what):
    """A write to core naming its row in the path: core's 404 is the caller's 404, its
    other refusals are raised as typed errors (422 naming core's field)."""
    answer = core.request(method, path, credentials, body=body)
    if answer.status == 404:
        raise NotFound(f"No {what} there (or the caller may not see it).")
    if answer.status == 403:
        raise Forbidden(SAMPLE_REFUSED)
    if not 200 <= answer.status < 300:
        raise error_from_envelope(answer.status, answer.body, what=f"the {what}")
    return answer


def _body(answer, what: str) -> dict:
    if not isinstance(answer.body, dict):
        raise CoreUnavailable(f"Core's answer about the {what} cannot be read.", maybe_done=True)
    return answer.body


def _no_compositions(body: Mapping[str, Any], crystal: Mapping[str, Any]) -> None:
    """Compositions are ssx's (``/sample-compositions``): refused rather than dropped."""
    for field, block in (("sample_compositions", body), ("crystal_compositions", crystal)):
        value = block.get(field)
        if value is None or value == []:
            continue
        if not isinstance(value, list) or any(item is not None for item in value):
            name = field if block is body else f"Crystal.{field}"
            raise _invalid(name, "Compositions are not kept by this dialect (only []).")


def _location(body: Mapping[str, Any]) -> dict[str, Any]:
    """py-ispyb's integer ``location`` as core's position (its text)."""
    if "location" not in body or body["location"] in (None, ""):
        return {}
    value = body["location"]
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise _invalid("location", "Not a valid position (an integer).")
    return {"location": str(value).strip()}


def _protein_id(crystal: Mapping[str, Any]) -> int | None:
    protein = _mapping(crystal.get("Protein"), "Crystal.Protein")
    return identifier(protein.get("proteinId"), "Crystal.Protein.proteinId", required=False)


def _crystal_changes(crystal: Mapping[str, Any]) -> dict[str, Any]:
    changes = _picked(crystal, CRYSTAL_FIELDS)
    if "space_group" in crystal and crystal["space_group"] != "":
        changes["spaceGroup"] = crystal["space_group"]
    protein = _protein_id(crystal)
    if protein is not None:
        changes["proteinId"] = protein
    return changes


def _new_crystal(core, credentials, crystal: Mapping[str, Any]) -> int:
    changes = _crystal_changes(crystal)
    if "proteinId" not in changes:
        raise _invalid("Crystal.Protein.proteinId", "Missing data for required field.")
    created = core.write(
        "POST", "/crystals", credentials, body=changes, what="the crystal", forbidden=SAMPLE_REFUSED
    )
    return _body(created, "crystal")["crystalId"]


def _crystal_of(core, credentials, crystal: Mapping[str, Any]) -> int:
    """py-ispyb's Crystal block as a core crystal id: ``crystalId`` with the crystal fields
    sent changed (core's PATCH /crystals/{id}), or a new crystal (POST /crystals)."""
    crystal_id = identifier(crystal.get("crystalId"), "Crystal.crystalId", required=False)
    if crystal_id is None:
        return _new_crystal(core, credentials, crystal)
    changes = _crystal_changes(crystal)
    if changes:
        answer = core.request("PATCH", f"/crystals/{crystal_id}", credentials, body=changes)
        if answer.status == 404:  # a crystal the caller cannot see: a field of the body
            raise _invalid("Crystal.crystalId", f"No crystal {crystal_id} (or not visible).")
        if answer.status == 403:
            raise Forbidden(SAMPLE_REFUSED)
        if not 200 <= answer.status < 300:
            raise error_from_envelope(answer.status, answer.body, what="the crystal")
    return crystal_id


def _sample_answer(core, credentials, row: Mapping[str, Any]) -> dict:
    """The sample in py-ispyb's shape, its container looked up (one call) when it has one."""
    container = None
    if row.get("containerId"):
        container = core.get_one(
            "containers", str(row["containerId"]), credentials, forbidden=SAMPLE_REFUSED
        )
    answer = beamline.pyispyb_sample(row, container)
    answer["Container"] = _container_block(container or {"containerId": row.get("containerId")})
    return answer


def create_sample(*, core: CoreClient, credentials: Credentials, body: Mapping) -> dict:
    """py-ispyb's SampleCreate onto core: the crystal named (``Crystal.crystalId``) or a new
    one of ``Crystal.Protein.proteinId`` (core's POST /crystals), then core's POST
    /samples. The sample's own required fields are checked first, so a refused sample
    leaves no new crystal behind for a missing field."""
    crystal = _mapping(body.get("Crystal"), "Crystal")
    _no_compositions(body, crystal)
    data = {**_picked(body, SAMPLE_FIELDS), **_location(body)}
    container_id = identifier(body.get("containerId"), "containerId")
    data["containerId"] = container_id
    for field in ("name", "location"):
        if field not in data:
            raise _invalid(field, "Missing data for required field.")
    if not crystal:
        raise _invalid("Crystal", "Missing data for required field.")
    data["crystalId"] = _crystal_of(core, credentials, crystal)
    created = core.write(
        "POST",
        f"/samples?expand={EXPAND}",
        credentials,
        body=data,
        what="the sample",
        forbidden=SAMPLE_REFUSED,
    )
    return _sample_answer(core, credentials, _body(created, "sample"))


def update_sample(
    *, core: CoreClient, credentials: Credentials, sample_id: int, body: Mapping
) -> dict:
    """py-ispyb's SampleUpdate (py-ispyb-ui's editor) or mxcubecore's sample dictionary:
    the sample's own fields (core's PATCH /samples/{id}); ``Crystal`` with its
    ``crystalId``: that crystal, its changed fields (cell, size, protein...) by core's
    PATCH /crystals/{id}; ``Crystal`` without one: a new crystal for the sample."""
    crystal = _mapping(body.get("Crystal"), "Crystal")
    _no_compositions(body, crystal)
    data = {**_picked(body, SAMPLE_FIELDS), **_location(body)}
    if body.get("containerId") not in (None, ""):
        data["containerId"] = identifier(body["containerId"], "containerId")
    if crystal:
        # the sample first: one the caller cannot see is a 404, whatever its crystal block
        if core.get_one("samples", str(sample_id), credentials, forbidden=SAMPLE_REFUSED) is None:
            raise NotFound("No sample there (or the caller may not see it).")
        data["crystalId"] = _crystal_of(core, credentials, crystal)
    row = _body(
        _answer(
            core,
            "PATCH",
            f"/samples/{sample_id}?expand={EXPAND}",
            credentials,
            data,
            "sample",
        ),
        "sample",
    )
    return _sample_answer(core, credentials, row)


def delete_sample(*, core: CoreClient, credentials: Credentials, sample_id: int) -> None:
    """Core's DELETE /samples/{id}: 409 (naming what refers to it) when anything does."""
    _answer(core, "DELETE", f"/samples/{sample_id}", credentials, None, "sample")


# --- the editor's vocabularies (ssx) -------------------------------------------------------


def _ssx_list(ssx: CoreClient, credentials: Credentials, path: str, params) -> dict:
    answer = ssx.request("GET", path, credentials, params=params)
    if answer.status == 403:
        raise Forbidden("ssx refuses this list to the caller (ssx:read needed).")
    if answer.status == 404:
        raise NotFound("Not found (or the caller may not see it).")
    if answer.status != 200 or not isinstance(answer.body, dict):
        if 400 <= answer.status < 500:
            raise error_from_envelope(answer.status, answer.body, what="the list")
        raise CoreUnavailable("ssx's answer cannot be read; nothing was done.", maybe_done=False)
    return answer.body


def components(*, core: CoreClient, ssx: CoreClient, credentials: Credentials, args) -> dict:
    """``/samples/components?proposal&skip&limit``: ssx's components of the proposal
    (core's proposal, then ssx's /components: two calls), as py-ispyb's
    ``{componentId, name, composition, ComponentType: {componentTypeId, name}}``.
    Without ``proposal``: an empty page (ssx lists components per proposal)."""
    skip, limit = page_params(args)
    name = (args.get("proposal") or "").strip()[:64]
    if not name:
        return {"results": [], "total": 0, "skip": skip, "limit": limit}
    proposal = core.get_one("proposals", name, credentials, forbidden=beamline.READ_REFUSED)
    if proposal is None:
        raise NotFound(f"No proposal {name} (or the caller may not see it).")
    page = _ssx_list(
        ssx,
        credentials,
        "/components",
        {"proposalUUID": proposal["uuid"], "offset": skip, "limit": limit},
    )
    results = [
        {
            "componentId": row.get("componentId"),
            "name": row.get("name"),
            "composition": row.get("composition"),
            "ComponentType": {
                "componentTypeId": row.get("componentTypeId"),
                "name": row.get("componentType"),
            },
        }
        for row in page.get("results", [])
    ]
    return {"results": results, "total": page.get("total") or 0, "skip": skip, "limit": limit}


def component_types(*, ssx: CoreClient, credentials: Credentials) -> list[dict]:
    """``/samples/components/types``: ssx's fixed vocabulary, py-ispyb's plain list."""
    page = _ssx_list(ssx, credentials, "/component-types", {"limit": MAX_LIMIT})
    return [
        {"componentTypeId": row.get("componentTypeId"), "name": row.get("name")}
        for row in page.get("results", [])
    ]


def concentration_types(*, ssx: CoreClient, credentials: Credentials) -> list[dict]:
    """``/samples/concentration/types``: ssx's units, py-ispyb's plain list."""
    page = _ssx_list(ssx, credentials, "/concentration-types", {"limit": MAX_LIMIT})
    return [
        {
            "concentrationTypeId": row.get("concentrationTypeId"),
            "name": row.get("name"),
            "symbol": row.get("symbol"),
        }
        for row in page.get("results", [])
    ]

from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.auth import current_caller
from ispyb_shared.db import db_session
from ispyb_shared.operations import Expand, Reply, model_for, operation

from . import service
from .schemas import (
    DataCollectionCreate,
    DataCollectionGroupCreate,
    DataCollectionGroupRead,
    DataCollectionGroupUpdate,
    DataCollectionRead,
    DataCollectionRegistrationCreate,
    DataCollectionRegistrationRead,
    DataCollectionUpdate,
)

groups_ns = Namespace(
    "data-collection-groups",
    path="/data-collection-groups",
    description="Experiments: groups of sweeps on one sample (multi-sweep)",
)
ns = Namespace("data-collections", path="/data-collections", description="Sweeps of images")


def _group(ref: str):
    return service.get_group(db_session=db_session(), ref=ref, caller=current_caller())


def _collection(ref: str):
    return service.get_data_collection(db_session=db_session(), ref=ref, caller=current_caller())


@groups_ns.route("")
class DataCollectionGroups(Resource):
    @operation(groups_ns, response=DataCollectionGroupRead, list_spec=service.GROUP_LIST_SPEC)
    def get(self, *, params):
        """List data collection groups (by session, proposal, sample, experiment type)."""
        return service.list_groups(db_session=db_session(), params=params, caller=current_caller())

    @operation(
        groups_ns,
        body=DataCollectionGroupCreate,
        response=DataCollectionGroupRead,
        status=201,
        errors=(403, 409),
    )
    def post(self, *, body):
        """Create a group (beamline control, or the SSX/EM services)."""
        return service.create_group(db_session=db_session(), data=body, caller=current_caller())


@groups_ns.route("/<string:ref>")
@groups_ns.param("ref", "Group id or UUID")
class DataCollectionGroupItem(Resource):
    @operation(groups_ns, response=DataCollectionGroupRead, errors=(404,))
    def get(self, ref: str):
        """Get a group by id or UUID."""
        return _group(ref)

    @operation(
        groups_ns,
        body=DataCollectionGroupUpdate,
        partial=True,
        response=DataCollectionGroupRead,
        errors=(403, 404, 409),
    )
    def patch(self, ref: str, *, body):
        """Change some fields of a group."""
        return service.update_group(
            db_session=db_session(), group=_group(ref), data=body, caller=current_caller()
        )

    @operation(groups_ns, status=204, description="Deleted", errors=(403, 404, 409))
    def delete(self, ref: str):
        """Delete an empty group (undoing a failed registration)."""
        service.delete_group(db_session=db_session(), group=_group(ref), caller=current_caller())


# A sweep's group and sample come on request (docs/api-conventions.md, "Embedding").
EXPAND = Expand(
    blocks={
        "dataCollectionGroup": "the sweep's group (experiment)",
        "blSample": "the group's sample (its own fields; null when none)",
    },
    aliases={"group": "dataCollectionGroup", "sample": "blSample"},
)


@ns.route("")
class DataCollections(Resource):
    @operation(ns, response=DataCollectionRead, list_spec=service.LIST_SPEC, expand=EXPAND)
    def get(self, *, params, expand):
        """List data collections (by session, proposal, sample, experiment, time, status,
        or several UUIDs at once with uuid.in)."""
        return service.list_data_collections(
            db_session=db_session(), params=params, caller=current_caller(), expand=expand
        )

    @operation(
        ns,
        body=DataCollectionCreate,
        response=DataCollectionRead,
        status=201,
        errors=(403, 409),
        expand=EXPAND,
    )
    def post(self, *, body):
        """Create a sweep: in an existing group (dataCollectionGroupId), or with its group
        in one call (session by visit, id or UUID; sample by id, UUID or name;
        experimentType). Beamline control, or the SSX/EM services."""
        return service.create_data_collection(
            db_session=db_session(), data=body, caller=current_caller()
        )


@ns.route("/<string:ref>")
@ns.param("ref", "Data collection id or UUID")
class DataCollectionItem(Resource):
    @operation(ns, response=DataCollectionRead, errors=(404,), expand=EXPAND)
    def get(self, ref: str):
        """Get a data collection by id or UUID."""
        return _collection(ref)

    @operation(
        ns,
        body=DataCollectionUpdate,
        partial=True,
        response=DataCollectionRead,
        errors=(403, 404, 409),
        expand=EXPAND,
    )
    def patch(self, ref: str, *, body):
        """Change some fields of a sweep (e.g. endTime, runStatus when it ends)."""
        return service.update_data_collection(
            db_session=db_session(), collection=_collection(ref), data=body, caller=current_caller()
        )

    @operation(ns, status=204, description="Deleted", errors=(403, 404, 409))
    def delete(self, ref: str):
        """Delete a sweep without processing results (undoing a failed registration)."""
        service.delete_data_collection(
            db_session=db_session(), collection=_collection(ref), caller=current_caller()
        )


registrations_ns = Namespace(
    "data-collection-registrations",
    path="/data-collection-registrations",
    description="A group and its data collection in one idempotent call, by the caller's key",
)


@registrations_ns.route("/<string:key>")
@registrations_ns.param(
    "key", "The caller's key: 1-64 letters, digits, '.', '_', ':' or '-' (e.g. a UUID)"
)
class DataCollectionRegistrationItem(Resource):
    @registrations_ns.response(
        200,
        "Already registered under this key with the same body: the same rows",
        model_for(registrations_ns, DataCollectionRegistrationRead),
    )
    @operation(
        registrations_ns,
        body=DataCollectionRegistrationCreate,
        response=DataCollectionRegistrationRead,
        status=201,
        description="Registered",
        errors=(403, 409),
    )
    def put(self, key: str, *, body):
        """Register a group and its data collection in one transaction under ``key``.

        A retry with the same key and body answers 200 with the same rows; the same key
        with another body is a 422; a cancelled key a 409. Beamline control and the SSX
        service use it so that a retry, or an undo by key, is always right."""
        done = service.register_data_collection(
            db_session=db_session(), key=key, data=body, caller=current_caller()
        )
        return Reply(done.registration, 201 if done.created else 200)

    @operation(
        registrations_ns,
        response=DataCollectionRegistrationRead,
        description="Cancelled (or already)",
        errors=(403, 409, 422),
    )
    def delete(self, key: str):
        """Undo a registration: delete its data collection and group and keep the key
        cancelled, so that a registration arriving later creates nothing. Idempotent; an
        unknown key is cancelled in advance. A data collection with processing results
        cannot be undone (409)."""
        return service.cancel_registration(
            db_session=db_session(), key=key, caller=current_caller()
        )

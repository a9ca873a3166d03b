from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.app import document_errors, list_params, load_body, register_models
from ispyb_shared.auth import current_caller
from ispyb_shared.db import db_session
from ispyb_shared.listing import list_params_doc

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
group_models = register_models(
    groups_ns,
    {
        "DataCollectionGroupRead": DataCollectionGroupRead,
        "DataCollectionGroupCreate": DataCollectionGroupCreate,
        "DataCollectionGroupUpdate": DataCollectionGroupUpdate,
    },
    list_of={"DataCollectionGroupList": "DataCollectionGroupRead"},
)
group_read = DataCollectionGroupRead()
group_read_many = DataCollectionGroupRead(many=True)

ns = Namespace("data-collections", path="/data-collections", description="Sweeps of images")
models = register_models(
    ns,
    {
        "DataCollectionRead": DataCollectionRead,
        "DataCollectionCreate": DataCollectionCreate,
        "DataCollectionUpdate": DataCollectionUpdate,
    },
    list_of={"DataCollectionList": "DataCollectionRead"},
)
collection_read = DataCollectionRead()
collection_read_many = DataCollectionRead(many=True)


@groups_ns.route("")
class DataCollectionGroups(Resource):
    @groups_ns.doc(params=list_params_doc(service.GROUP_LIST_SPEC))
    @groups_ns.response(200, "A page of groups", group_models["DataCollectionGroupList"])
    @document_errors(groups_ns, group_models, 400)
    def get(self):
        """List data collection groups (by session, proposal, sample, experiment type)."""
        page = service.list_groups(
            db_session=db_session(),
            params=list_params(service.GROUP_LIST_SPEC),
            caller=current_caller(),
        )
        return page.envelope(group_read_many.dump)

    @groups_ns.expect(group_models["DataCollectionGroupCreate"])
    @groups_ns.response(201, "Created", group_models["DataCollectionGroupRead"])
    @document_errors(groups_ns, group_models, 400, 409, 415, 422)
    def post(self):
        """Create a group (beamline control, or the SSX/EM services)."""
        group = service.create_group(
            db_session=db_session(),
            data=load_body(DataCollectionGroupCreate()),
            caller=current_caller(),
        )
        return group_read.dump(group), 201


@groups_ns.route("/<string:ref>")
@groups_ns.param("ref", "Group id or UUID")
class DataCollectionGroupItem(Resource):
    @groups_ns.response(200, "The group", group_models["DataCollectionGroupRead"])
    @document_errors(groups_ns, group_models, 404)
    def get(self, ref: str):
        """Get a group by id or UUID."""
        group = service.get_group(db_session=db_session(), ref=ref, caller=current_caller())
        return group_read.dump(group)

    @groups_ns.expect(group_models["DataCollectionGroupUpdate"])
    @groups_ns.response(200, "Updated", group_models["DataCollectionGroupRead"])
    @document_errors(groups_ns, group_models, 400, 404, 409, 415, 422)
    def patch(self, ref: str):
        """Change some fields of a group."""
        db, caller = db_session(), current_caller()
        group = service.get_group(db_session=db, ref=ref, caller=caller)
        data = load_body(DataCollectionGroupUpdate(), partial=True)
        return group_read.dump(
            service.update_group(db_session=db, group=group, data=data, caller=caller)
        )

    @groups_ns.response(204, "Deleted")
    @document_errors(groups_ns, group_models, 404, 409)
    def delete(self, ref: str):
        """Delete an empty group (undoing a failed registration)."""
        db, caller = db_session(), current_caller()
        group = service.get_group(db_session=db, ref=ref, caller=caller)
        service.delete_group(db_session=db, group=group, caller=caller)
        return "", 204


@ns.route("")
class DataCollections(Resource):
    @ns.doc(params=list_params_doc(service.LIST_SPEC))
    @ns.response(200, "A page of sweeps", models["DataCollectionList"])
    @document_errors(ns, models, 400)
    def get(self):
        """List data collections (by session, proposal, sample, experiment, time, status,
        or several UUIDs at once with uuid.in)."""
        page = service.list_data_collections(
            db_session=db_session(), params=list_params(service.LIST_SPEC), caller=current_caller()
        )
        return page.envelope(collection_read_many.dump)

    @ns.expect(models["DataCollectionCreate"])
    @ns.response(201, "Created", models["DataCollectionRead"])
    @document_errors(ns, models, 400, 409, 415, 422)
    def post(self):
        """Create a sweep in a group (beamline control, or the SSX/EM services)."""
        collection = service.create_data_collection(
            db_session=db_session(),
            data=load_body(DataCollectionCreate()),
            caller=current_caller(),
        )
        return collection_read.dump(collection), 201


@ns.route("/<string:ref>")
@ns.param("ref", "Data collection id or UUID")
class DataCollectionItem(Resource):
    @ns.response(200, "The sweep", models["DataCollectionRead"])
    @document_errors(ns, models, 404)
    def get(self, ref: str):
        """Get a data collection by id or UUID."""
        collection = service.get_data_collection(
            db_session=db_session(), ref=ref, caller=current_caller()
        )
        return collection_read.dump(collection)

    @ns.expect(models["DataCollectionUpdate"])
    @ns.response(200, "Updated", models["DataCollectionRead"])
    @document_errors(ns, models, 400, 404, 409, 415, 422)
    def patch(self, ref: str):
        """Change some fields of a sweep (e.g. endTime, runStatus when it ends)."""
        db, caller = db_session(), current_caller()
        collection = service.get_data_collection(db_session=db, ref=ref, caller=caller)
        data = load_body(DataCollectionUpdate(), partial=True)
        return collection_read.dump(
            service.update_data_collection(
                db_session=db, collection=collection, data=data, caller=caller
            )
        )

    @ns.response(204, "Deleted")
    @document_errors(ns, models, 404, 409)
    def delete(self, ref: str):
        """Delete a sweep without processing results (undoing a failed registration)."""
        db, caller = db_session(), current_caller()
        collection = service.get_data_collection(db_session=db, ref=ref, caller=caller)
        service.delete_data_collection(db_session=db, collection=collection, caller=caller)
        return "", 204


registrations_ns = Namespace(
    "data-collection-registrations",
    path="/data-collection-registrations",
    description="A group and its data collection in one idempotent call, by the caller's key",
)
registration_models = register_models(
    registrations_ns,
    {
        "DataCollectionRegistrationCreate": DataCollectionRegistrationCreate,
        "DataCollectionRegistrationRead": DataCollectionRegistrationRead,
    },
)
registration_read = DataCollectionRegistrationRead()


@registrations_ns.route("/<string:key>")
@registrations_ns.param(
    "key", "The caller's key: 1-64 letters, digits, '.', '_', ':' or '-' (e.g. a UUID)"
)
class DataCollectionRegistrationItem(Resource):
    @registrations_ns.expect(registration_models["DataCollectionRegistrationCreate"])
    @registrations_ns.response(
        201, "Registered", registration_models["DataCollectionRegistrationRead"]
    )
    @registrations_ns.response(
        200,
        "Already registered under this key with the same body: the same rows",
        registration_models["DataCollectionRegistrationRead"],
    )
    @document_errors(registrations_ns, registration_models, 400, 403, 409, 415, 422)
    def put(self, key: str):
        """Register a group and its data collection in one transaction under ``key``.

        A retry with the same key and body answers 200 with the same rows; the same key
        with another body is a 422; a cancelled key a 409. Beamline control and the SSX
        service use it so that a retry, or an undo by key, is always right."""
        done = service.register_data_collection(
            db_session=db_session(),
            key=key,
            data=load_body(DataCollectionRegistrationCreate()),
            caller=current_caller(),
        )
        return registration_read.dump(done.registration), 201 if done.created else 200

    @registrations_ns.response(
        200, "Cancelled (or already)", registration_models["DataCollectionRegistrationRead"]
    )
    @document_errors(registrations_ns, registration_models, 403, 409, 422)
    def delete(self, key: str):
        """Undo a registration: delete its data collection and group and keep the key
        cancelled, so that a registration arriving later creates nothing. Idempotent; an
        unknown key is cancelled in advance. A data collection with processing results
        cannot be undone (409)."""
        registration = service.cancel_registration(
            db_session=db_session(), key=key, caller=current_caller()
        )
        return registration_read.dump(registration)

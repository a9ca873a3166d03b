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

from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.app import document_errors, list_params, load_body, register_models
from ispyb_shared.auth import current_caller
from ispyb_shared.db import db_session
from ispyb_shared.listing import list_params_doc

from . import service
from .schemas import (
    SampleGroupCreate,
    SampleGroupMemberCreate,
    SampleGroupMemberRead,
    SampleGroupMemberUpdate,
    SampleGroupRead,
    SampleGroupUpdate,
)

ns = Namespace(
    "sample-groups", path="/sample-groups", description="Named, ordered groups of samples"
)
models = register_models(
    ns,
    {
        "SampleGroupRead": SampleGroupRead,
        "SampleGroupCreate": SampleGroupCreate,
        "SampleGroupUpdate": SampleGroupUpdate,
        "SampleGroupMemberRead": SampleGroupMemberRead,
        "SampleGroupMemberCreate": SampleGroupMemberCreate,
        "SampleGroupMemberUpdate": SampleGroupMemberUpdate,
    },
    list_of={"SampleGroupList": "SampleGroupRead"},
)
group_read = SampleGroupRead()
group_read_many = SampleGroupRead(many=True)
member_read = SampleGroupMemberRead()


@ns.route("")
class SampleGroups(Resource):
    @ns.doc(params=list_params_doc(service.LIST_SPEC))
    @ns.response(200, "A page of sample groups, with their samples", models["SampleGroupList"])
    @document_errors(ns, models, 400)
    def get(self):
        """List sample groups (filter by proposal, name, owner)."""
        page = service.list_sample_groups(
            db_session=db_session(), params=list_params(service.LIST_SPEC), caller=current_caller()
        )
        return page.envelope(group_read_many.dump)

    @ns.expect(models["SampleGroupCreate"])
    @ns.response(201, "Created", models["SampleGroupRead"])
    @document_errors(ns, models, 400, 409, 415, 422)
    def post(self):
        """Create an empty group of samples in a proposal."""
        group = service.create_sample_group(
            db_session=db_session(), data=load_body(SampleGroupCreate()), caller=current_caller()
        )
        return group_read.dump(group), 201


@ns.route("/<string:ref>")
@ns.param("ref", "Sample group id or UUID")
class SampleGroupItem(Resource):
    @ns.response(200, "The group with its samples", models["SampleGroupRead"])
    @document_errors(ns, models, 404)
    def get(self, ref: str):
        """Get a sample group by id or UUID, with its samples in order."""
        return group_read.dump(
            service.get_sample_group(db_session=db_session(), ref=ref, caller=current_caller())
        )

    @ns.expect(models["SampleGroupUpdate"])
    @ns.response(200, "Updated", models["SampleGroupRead"])
    @document_errors(ns, models, 400, 404, 409, 415, 422)
    def patch(self, ref: str):
        """Rename a group or change its owner."""
        session = db_session()
        caller = current_caller()
        group = service.get_sample_group(db_session=session, ref=ref, caller=caller)
        data = load_body(SampleGroupUpdate(), partial=True)
        return group_read.dump(
            service.update_sample_group(db_session=session, group=group, data=data, caller=caller)
        )


@ns.route("/<string:ref>/samples")
@ns.param("ref", "Sample group id or UUID")
class SampleGroupMembers(Resource):
    @ns.expect(models["SampleGroupMemberCreate"])
    @ns.response(201, "Added", models["SampleGroupMemberRead"])
    @document_errors(ns, models, 400, 404, 409, 415, 422)
    def post(self, ref: str):
        """Add a sample of the group's proposal (at the end unless groupOrder is given)."""
        session = db_session()
        caller = current_caller()
        group = service.get_sample_group(db_session=session, ref=ref, caller=caller)
        member = service.add_member(
            db_session=session,
            group=group,
            data=load_body(SampleGroupMemberCreate()),
            caller=caller,
        )
        return member_read.dump(member), 201


@ns.route("/<string:ref>/samples/<string:sample_ref>")
@ns.param("ref", "Sample group id or UUID")
@ns.param("sample_ref", "Sample id or UUID")
class SampleGroupMember(Resource):
    @ns.expect(models["SampleGroupMemberUpdate"])
    @ns.response(200, "Updated", models["SampleGroupMemberRead"])
    @document_errors(ns, models, 400, 404, 415, 422)
    def patch(self, ref: str, sample_ref: str):
        """Change a sample's order or role in the group."""
        session = db_session()
        caller = current_caller()
        group = service.get_sample_group(db_session=session, ref=ref, caller=caller)
        member = service.get_member(
            db_session=session, group=group, sample_ref=sample_ref, caller=caller
        )
        data = load_body(SampleGroupMemberUpdate(), partial=True)
        return member_read.dump(
            service.update_member(
                db_session=session, group=group, member=member, data=data, caller=caller
            )
        )

    @ns.response(204, "Removed")
    @document_errors(ns, models, 404)
    def delete(self, ref: str, sample_ref: str):
        """Take a sample out of the group (the sample stays)."""
        session = db_session()
        caller = current_caller()
        group = service.get_sample_group(db_session=session, ref=ref, caller=caller)
        member = service.get_member(
            db_session=session, group=group, sample_ref=sample_ref, caller=caller
        )
        service.remove_member(db_session=session, group=group, member=member, caller=caller)
        return "", 204

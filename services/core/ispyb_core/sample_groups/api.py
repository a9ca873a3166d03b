from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.auth import current_caller
from ispyb_shared.db import db_session
from ispyb_shared.operations import operation

from ..samples.api import EXPAND as SAMPLE_EXPAND
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
# A member's sample answers its own fields; its crystal, protein and plan come on request,
# with the names of /samples (docs/api-conventions.md, "Embedding on request").
GROUP_EXPAND = SAMPLE_EXPAND.under("members.blSample", shorthands=True)
MEMBER_EXPAND = SAMPLE_EXPAND.under("blSample", shorthands=True)


def _group(ref: str):
    return service.get_sample_group(db_session=db_session(), ref=ref, caller=current_caller())


def _member(group, sample_ref: str):
    return service.get_member(
        db_session=db_session(), group=group, sample_ref=sample_ref, caller=current_caller()
    )


@ns.route("")
class SampleGroups(Resource):
    @operation(ns, response=SampleGroupRead, list_spec=service.LIST_SPEC, expand=GROUP_EXPAND)
    def get(self, *, params, expand):
        """List sample groups (filter by proposal, name, owner), with their samples.

        Their samples' crystals, proteins and plans come with expand=."""
        return service.list_sample_groups(
            db_session=db_session(), params=params, caller=current_caller(), expand=expand
        )

    @operation(
        ns,
        body=SampleGroupCreate,
        response=SampleGroupRead,
        status=201,
        errors=(409,),
        expand=GROUP_EXPAND,
    )
    def post(self, *, body):
        """Create an empty group of samples in a proposal."""
        return service.create_sample_group(
            db_session=db_session(), data=body, caller=current_caller()
        )


@ns.route("/<string:ref>")
@ns.param("ref", "Sample group id or UUID")
class SampleGroupItem(Resource):
    @operation(ns, response=SampleGroupRead, errors=(404,), expand=GROUP_EXPAND)
    def get(self, ref: str, expand):
        """Get a sample group by id or UUID, with its samples in order.

        Their crystals, proteins and plans come with expand=."""
        return service.get_sample_group(
            db_session=db_session(), ref=ref, caller=current_caller(), expand=expand
        )

    @operation(
        ns,
        body=SampleGroupUpdate,
        partial=True,
        response=SampleGroupRead,
        errors=(404, 409),
        expand=GROUP_EXPAND,
    )
    def patch(self, ref: str, *, body):
        """Rename a group or change its owner."""
        return service.update_sample_group(
            db_session=db_session(), group=_group(ref), data=body, caller=current_caller()
        )


@ns.route("/<string:ref>/samples")
@ns.param("ref", "Sample group id or UUID")
class SampleGroupMembers(Resource):
    @operation(
        ns,
        body=SampleGroupMemberCreate,
        response=SampleGroupMemberRead,
        status=201,
        description="Added",
        errors=(404, 409),
        expand=MEMBER_EXPAND,
    )
    def post(self, ref: str, *, body):
        """Add a sample of the group's proposal (at the end unless groupOrder is given)."""
        return service.add_member(
            db_session=db_session(), group=_group(ref), data=body, caller=current_caller()
        )


@ns.route("/<string:ref>/samples/<string:sample_ref>")
@ns.param("ref", "Sample group id or UUID")
@ns.param("sample_ref", "Sample id or UUID")
class SampleGroupMember(Resource):
    @operation(
        ns,
        body=SampleGroupMemberUpdate,
        partial=True,
        response=SampleGroupMemberRead,
        errors=(404,),
        expand=MEMBER_EXPAND,
    )
    def patch(self, ref: str, sample_ref: str, *, body):
        """Change a sample's order or role in the group."""
        group = _group(ref)
        return service.update_member(
            db_session=db_session(),
            group=group,
            member=_member(group, sample_ref),
            data=body,
            caller=current_caller(),
        )

    @operation(ns, status=204, description="Removed", errors=(404,))
    def delete(self, ref: str, sample_ref: str):
        """Take a sample out of the group (the sample stays)."""
        group = _group(ref)
        service.remove_member(
            db_session=db_session(),
            group=group,
            member=_member(group, sample_ref),
            caller=current_caller(),
        )

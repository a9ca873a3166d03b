from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.auth import current_caller
from ispyb_shared.db import db_session
from ispyb_shared.operations import operation

from . import service
from .schemas import RobotActionCreate, RobotActionRead, RobotActionUpdate

ns = Namespace(
    "robot-actions", path="/robot-actions", description="What the sample changer's robot did"
)


def _action(ref: str):
    return service.get_action(db_session=db_session(), ref=ref, caller=current_caller())


@ns.route("")
class RobotActions(Resource):
    @operation(ns, response=RobotActionRead, list_spec=service.LIST_SPEC)
    def get(self, *, params):
        """List robot actions (by session, proposal, sample, type, outcome, time)."""
        return service.list_actions(db_session=db_session(), params=params, caller=current_caller())

    @operation(ns, body=RobotActionCreate, response=RobotActionRead, status=201, errors=(403,))
    def post(self, *, body):
        """Record a robot action (beamline control): session by visit, id or UUID."""
        return service.create_action(db_session=db_session(), data=body, caller=current_caller())


@ns.route("/<string:ref>")
@ns.param("ref", "Robot action id or UUID")
class RobotActionItem(Resource):
    @operation(ns, response=RobotActionRead, errors=(404,))
    def get(self, ref: str):
        """Get a robot action by id or UUID."""
        return _action(ref)

    @operation(
        ns,
        body=RobotActionUpdate,
        partial=True,
        response=RobotActionRead,
        errors=(403, 404, 409),
    )
    def patch(self, ref: str, *, body):
        """Change some fields of a robot action (its end, status, message)."""
        return service.update_action(
            db_session=db_session(), action=_action(ref), data=body, caller=current_caller()
        )

"""``/options/ui``: what front ends show at start-up, read by any caller, set by staff."""

from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.auth import current_caller
from ispyb_shared.db import db_session
from ispyb_shared.operations import operation

from . import service
from .schemas import UIOptionsRead, UIOptionsUpdate

ns = Namespace("options", path="/options", description="Site options for front ends")


def _staff_only() -> None:
    service.require_options_editor(current_caller())


@ns.route("/ui")
class UIOptions(Resource):
    @operation(ns, response=UIOptionsRead)
    def get(self):
        """Message of the day, site name, beamline groups (any authenticated caller)."""
        return service.get_ui_options(db_session=db_session())

    @operation(
        ns,
        body=UIOptionsUpdate,
        partial=True,
        response=UIOptionsRead,
        errors=(403,),
        authorize=_staff_only,
    )
    def patch(self, *, body):
        """Change some options (staff of every beamline, admins)."""
        return service.update_ui_options(
            db_session=db_session(), data=body, caller=current_caller()
        )

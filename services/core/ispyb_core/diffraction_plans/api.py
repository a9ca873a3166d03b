from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.auth import current_caller
from ispyb_shared.db import db_session
from ispyb_shared.operations import operation

from . import service
from .schemas import DiffractionPlanCreate, DiffractionPlanRead, DiffractionPlanUpdate

ns = Namespace(
    "diffraction-plans",
    path="/diffraction-plans",
    description="Data collection plans of samples and crystals, and proposal presets",
)


def _plan(ref: str):
    return service.get_diffraction_plan(db_session=db_session(), ref=ref, caller=current_caller())


@ns.route("")
class DiffractionPlans(Resource):
    @operation(ns, response=DiffractionPlanRead, list_spec=service.LIST_SPEC)
    def get(self, *, params):
        """List the plans of visible proposals (presets, and plans their samples and
        crystals use)."""
        return service.list_diffraction_plans(
            db_session=db_session(), params=params, caller=current_caller()
        )

    @operation(
        ns, body=DiffractionPlanCreate, response=DiffractionPlanRead, status=201, errors=(409,)
    )
    def post(self, *, body):
        """Create a preset plan of a proposal (give it to samples with diffractionPlanId)."""
        return service.create_diffraction_plan(
            db_session=db_session(), data=body, caller=current_caller()
        )


@ns.route("/<string:ref>")
@ns.param("ref", "Diffraction plan id or UUID")
class DiffractionPlanItem(Resource):
    @operation(ns, response=DiffractionPlanRead, errors=(404,))
    def get(self, ref: str):
        """Get a plan by id or UUID."""
        return _plan(ref)

    @operation(
        ns,
        body=DiffractionPlanUpdate,
        partial=True,
        response=DiffractionPlanRead,
        errors=(404, 409),
    )
    def patch(self, ref: str, *, body):
        """Change some fields of a plan (every sample using it sees the change)."""
        return service.update_diffraction_plan(
            db_session=db_session(), plan=_plan(ref), data=body, caller=current_caller()
        )

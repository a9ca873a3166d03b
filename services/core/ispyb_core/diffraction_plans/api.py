from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.app import document_errors, list_params, load_body, register_models
from ispyb_shared.auth import current_caller
from ispyb_shared.db import db_session
from ispyb_shared.listing import list_params_doc

from . import service
from .schemas import DiffractionPlanCreate, DiffractionPlanRead, DiffractionPlanUpdate

ns = Namespace(
    "diffraction-plans",
    path="/diffraction-plans",
    description="Data collection plans of samples and crystals, and proposal presets",
)
models = register_models(
    ns,
    {
        "DiffractionPlanRead": DiffractionPlanRead,
        "DiffractionPlanCreate": DiffractionPlanCreate,
        "DiffractionPlanUpdate": DiffractionPlanUpdate,
    },
    list_of={"DiffractionPlanList": "DiffractionPlanRead"},
)
plan_read = DiffractionPlanRead()
plan_read_many = DiffractionPlanRead(many=True)


@ns.route("")
class DiffractionPlans(Resource):
    @ns.doc(params=list_params_doc(service.LIST_SPEC))
    @ns.response(200, "A page of plans", models["DiffractionPlanList"])
    @document_errors(ns, models, 400)
    def get(self):
        """List the plans of visible proposals (presets, and plans their samples and
        crystals use)."""
        page = service.list_diffraction_plans(
            db_session=db_session(), params=list_params(service.LIST_SPEC), caller=current_caller()
        )
        return page.envelope(plan_read_many.dump)

    @ns.expect(models["DiffractionPlanCreate"])
    @ns.response(201, "Created", models["DiffractionPlanRead"])
    @document_errors(ns, models, 400, 409, 415, 422)
    def post(self):
        """Create a preset plan of a proposal (give it to samples with diffractionPlanId)."""
        plan = service.create_diffraction_plan(
            db_session=db_session(),
            data=load_body(DiffractionPlanCreate()),
            caller=current_caller(),
        )
        return plan_read.dump(plan), 201


@ns.route("/<string:ref>")
@ns.param("ref", "Diffraction plan id or UUID")
class DiffractionPlanItem(Resource):
    @ns.response(200, "The plan", models["DiffractionPlanRead"])
    @document_errors(ns, models, 404)
    def get(self, ref: str):
        """Get a plan by id or UUID."""
        return plan_read.dump(
            service.get_diffraction_plan(db_session=db_session(), ref=ref, caller=current_caller())
        )

    @ns.expect(models["DiffractionPlanUpdate"])
    @ns.response(200, "Updated", models["DiffractionPlanRead"])
    @document_errors(ns, models, 400, 404, 409, 415, 422)
    def patch(self, ref: str):
        """Change some fields of a plan (every sample using it sees the change)."""
        session = db_session()
        caller = current_caller()
        plan = service.get_diffraction_plan(db_session=session, ref=ref, caller=caller)
        data = load_body(DiffractionPlanUpdate(), partial=True)
        return plan_read.dump(
            service.update_diffraction_plan(db_session=session, plan=plan, data=data, caller=caller)
        )

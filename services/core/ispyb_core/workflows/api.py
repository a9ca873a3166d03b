"""``/workflows``, ``/workflow-steps`` and ``/data-collection-groups/{ref}/workflow``: the
automated workflows a beamline ran, their steps and the steps' files."""

from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.auth import current_caller
from ispyb_shared.db import db_session
from ispyb_shared.errors import NotFound
from ispyb_shared.files import DOCUMENT_TYPES, file_routes
from ispyb_shared.operations import operation

from ..data_collections import service as data_collections
from . import service
from .models import STEP_FILES
from .schemas import (
    WorkflowCreate,
    WorkflowRead,
    WorkflowStepCreate,
    WorkflowStepRead,
    WorkflowUpdate,
)

ns = Namespace("workflows", path="/", description="Automated beamline workflows and their steps")


@ns.route("/workflows")
class Workflows(Resource):
    @operation(ns, body=WorkflowCreate, response=WorkflowRead, status=201, errors=(403, 409))
    def post(self, *, body):
        """Record a workflow of a data collection group, optionally with its first steps
        (beamline control; one transaction)."""
        return service.create_workflow(db_session=db_session(), data=body, caller=current_caller())


@ns.route("/workflows/<string:ref>")
@ns.param("ref", "Workflow id or UUID")
class WorkflowItem(Resource):
    @operation(ns, response=WorkflowRead, errors=(404,))
    def get(self, ref: str):
        """Get a workflow with its steps."""
        return service.get_workflow(db_session=db_session(), ref=ref, caller=current_caller())

    @operation(ns, body=WorkflowUpdate, partial=True, response=WorkflowRead, errors=(403, 404))
    def patch(self, ref: str, *, body):
        """Change some fields of a workflow (its status, its result files)."""
        workflow = service.workflow_for_write(
            db_session=db_session(), ref=ref, caller=current_caller()
        )
        return service.update_workflow(
            db_session=db_session(), workflow=workflow, data=body, caller=current_caller()
        )


@ns.route("/workflows/<string:ref>/steps")
@ns.param("ref", "Workflow id or UUID")
class WorkflowSteps(Resource):
    @operation(
        ns, body=WorkflowStepCreate, response=WorkflowStepRead, status=201, errors=(403, 404)
    )
    def post(self, ref: str, *, body):
        """Record a step of a workflow (beamline control)."""
        workflow = service.workflow_for_write(
            db_session=db_session(), ref=ref, caller=current_caller()
        )
        return service.add_step(
            db_session=db_session(), workflow=workflow, data=body, caller=current_caller()
        )


@ns.route("/workflow-steps")
class WorkflowStepList(Resource):
    @operation(ns, response=WorkflowStepRead, list_spec=service.STEP_LIST_SPEC)
    def get(self, *, params):
        """List the workflow steps the caller may see (by workflow, step, kind, status)."""
        return service.list_steps(db_session=db_session(), params=params, caller=current_caller())


@ns.route("/workflow-steps/<string:ref>")
@ns.param("ref", "Workflow step id or UUID")
class WorkflowStepItem(Resource):
    @operation(ns, response=WorkflowStepRead, errors=(404,))
    def get(self, ref: str):
        """Get a workflow step."""
        return service.get_step(db_session=db_session(), ref=ref, caller=current_caller())


@ns.route("/data-collection-groups/<string:ref>/workflow")
@ns.param("ref", "Data collection group id or UUID")
class GroupWorkflow(Resource):
    @operation(ns, response=WorkflowRead, errors=(404,))
    def get(self, ref: str):
        """The workflow a data collection group belongs to, with its steps (404 when it
        has none)."""
        group = data_collections.get_group(
            db_session=db_session(), ref=ref, caller=current_caller()
        )
        return service.workflow_of_group(db_session=db_session(), group=group)


def _step_file(ref: str, kind: str) -> str:
    step = service.get_step(db_session=db_session(), ref=ref, caller=current_caller())
    path = getattr(step, STEP_FILES[kind])
    if not path:
        raise NotFound(f"Workflow step {ref} has no {kind} file.", {"kind": [kind]})
    return path


file_routes(
    ns,
    "/workflow-steps/<string:ref>/<any(image, html, result):kind>",
    name="WorkflowStepFile",
    params={
        "ref": "Workflow step id or UUID",
        "kind": "image (imageResultFilePath), html (htmlResultFilePath) or result (resultFilePath)",
    },
    locate=_step_file,
    summary="A file a workflow step left (its result image, HTML report or result file); "
    "a token or a signed URL.",
    url_summary="A short-lived URL of the step's file that needs no token.",
    produces=DOCUMENT_TYPES,
)

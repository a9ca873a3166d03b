from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.auth import current_caller
from ispyb_shared.db import db_session
from ispyb_shared.operations import operation

from . import service
from .schemas import (
    ContainerQueueCreate,
    ContainerQueueRead,
    ContainerQueueSampleRead,
    ContainerQueueSampleUpdate,
    ContainerQueueUpdate,
    SampleChangerRead,
    SampleChangerUpdate,
)

ns = Namespace(
    "sample-changer",
    path="/sessions",
    description="What is in a session's sample changer, by position",
)
queues_ns = Namespace(
    "container-queues",
    path="/container-queues",
    description="Containers queued for collection, with their samples and progress",
)
queue_samples_ns = Namespace(
    "container-queue-samples",
    path="/container-queue-samples",
    description="Progress of a queued sample",
)


@ns.route("/<string:ref>/sample-changer")
@ns.param("ref", "Session id, UUID or visit (e.g. mx1234-5)")
class SampleChanger(Resource):
    @operation(ns, response=SampleChangerRead, errors=(404,))
    def get(self, ref: str):
        """The session's containers in the sample changer, with their samples."""
        return service.sample_changer(db_session=db_session(), ref=ref, caller=current_caller())

    @operation(ns, body=SampleChangerUpdate, response=SampleChangerRead, errors=(403, 404))
    def patch(self, ref: str, *, body):
        """Record where containers of the session's proposal are (beamline control): a
        position, or null when taken out. Answers the view as it is then."""
        return service.place_containers(
            db_session=db_session(), ref=ref, data=body, caller=current_caller()
        )


def _queue(ref: str):
    return service.get_queue(db_session=db_session(), ref=ref, caller=current_caller())


@queues_ns.route("")
class ContainerQueues(Resource):
    @operation(queues_ns, response=ContainerQueueRead, list_spec=service.LIST_SPEC)
    def get(self, *, params):
        """List container queues with their samples (by container, person, time)."""
        return service.list_queues(db_session=db_session(), params=params, caller=current_caller())

    @operation(
        queues_ns,
        body=ContainerQueueCreate,
        response=ContainerQueueRead,
        status=201,
        errors=(403, 409),
    )
    def post(self, *, body):
        """Queue a container with some of its samples (one transaction)."""
        return service.create_queue(db_session=db_session(), data=body, caller=current_caller())


@queues_ns.route("/<string:ref>")
@queues_ns.param("ref", "Container queue id or UUID")
class ContainerQueueItem(Resource):
    @operation(queues_ns, response=ContainerQueueRead, errors=(404,))
    def get(self, ref: str):
        """Get a container queue with its samples."""
        return _queue(ref)

    @operation(
        queues_ns,
        body=ContainerQueueUpdate,
        partial=True,
        response=ContainerQueueRead,
        errors=(403, 404),
    )
    def patch(self, ref: str, *, body):
        """Complete a queue (completedTimeStamp)."""
        return service.update_queue(
            db_session=db_session(), queue=_queue(ref), data=body, caller=current_caller()
        )


@queue_samples_ns.route("/<string:ref>")
@queue_samples_ns.param("ref", "Queued sample id or UUID")
class ContainerQueueSampleItem(Resource):
    @operation(queue_samples_ns, response=ContainerQueueSampleRead, errors=(404,))
    def get(self, ref: str):
        """Get a queued sample."""
        return service.get_queue_sample(db_session=db_session(), ref=ref, caller=current_caller())

    @operation(
        queue_samples_ns,
        body=ContainerQueueSampleUpdate,
        partial=True,
        response=ContainerQueueSampleRead,
        errors=(403, 404),
    )
    def patch(self, ref: str, *, body):
        """Record the progress of a queued sample (status, start, end)."""
        item = service.get_queue_sample(db_session=db_session(), ref=ref, caller=current_caller())
        return service.update_queue_sample(
            db_session=db_session(), item=item, data=body, caller=current_caller()
        )

from __future__ import annotations

from marshmallow import validate
from marshmallow_sqlalchemy import auto_field

from ispyb_shared.schemas import ModelSchema

from ..dewars.schemas import BARCODE
from .models import Container

READ_ONLY = ("containerId", "bltimeStamp", "uuid")


class ContainerRead(ModelSchema):
    """A container (puck, cassette, plate...)."""

    class Meta(ModelSchema.Meta):
        model = Container
        dump_only = READ_ONLY


class ContainerFields(ModelSchema):
    """Container columns with their validation (base of the create and document schemas)."""

    barcode = auto_field(validate=BARCODE)
    capacity = auto_field(validate=validate.Range(min=1, max=10_000))
    parentContainerLocation = auto_field(validate=validate.Range(min=1))

    class Meta(ModelSchema.Meta):
        model = Container
        exclude = READ_ONLY


class ContainerCreate(ContainerFields):
    """A new container, in a dewar (dewarId) or for a session (sessionId). capacity may be
    left out for the container types of docs/shipments.md."""

    class Meta(ContainerFields.Meta):
        required_fields = ("code",)


class ContainerUpdate(ContainerCreate):
    """Changes to a container; only the fields sent are changed."""

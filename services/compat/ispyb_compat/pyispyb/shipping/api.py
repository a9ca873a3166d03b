"""py-ispyb's ``/shippings``, ``/labcontacts``, ``/options`` and the dialect's
``/openapi.json`` (docs/compat.md). Thin: service.py translates onto core."""

from __future__ import annotations

from flask import request
from flask_restx import Namespace, Resource

from ispyb_shared.auth import public
from ispyb_shared.operations import operation

from . import openapi, schemas, service

shippings_ns = Namespace(
    "pyispyb-shippings",
    path="/pyispyb/shippings",
    description="py-ispyb dialect (py-ispyb-ui): shipments, onto core's /shipments",
)
labcontacts_ns = Namespace(
    "pyispyb-labcontacts",
    path="/pyispyb/labcontacts",
    description="py-ispyb dialect (py-ispyb-ui): contact cards, onto core's /lab-contacts",
)
options_ns = Namespace(
    "pyispyb-options",
    path="/pyispyb/options",
    description="py-ispyb dialect (py-ispyb-ui's admin): the site's options (admins)",
)
document_ns = Namespace(
    "pyispyb-openapi",
    path="/pyispyb",
    description="py-ispyb dialect: its OpenAPI document (the schemas py-ispyb-ui's forms use)",
)
NAMESPACES = [shippings_ns, labcontacts_ns, options_ns, document_ns]

PAGE = {"skip": "Rows skipped", "limit": "Page size (clamped to 1000)", "proposal": "Proposal name"}


@shippings_ns.route("")
class Shippings(Resource):
    @shippings_ns.doc(params=PAGE)
    @operation(shippings_ns, errors=(400, 404), description="py-ispyb's answer")
    def get(self):
        """Shipments the caller may see: ``{results, total, skip, limit}``, each with its
        contact cards (``LabContact`` return, ``LabContact1`` sending) and
        ``_metadata.{dewars, samples, sessions}``."""
        return service.shippings(request.args)

    @operation(
        shippings_ns,
        body=schemas.ShippingCreate,
        status=201,
        idempotent=False,
        errors=(403, 409, 503),
        description="The shipment created (py-ispyb's Shipping)",
    )
    def post(self, *, body):
        """Create a shipment (core's POST /shipments: it starts 'opened')."""
        return service.create_shipping(body)


@shippings_ns.route("/<int:shipping_id>")
@shippings_ns.param("shipping_id", "Shipment id")
class ShippingItem(Resource):
    @operation(shippings_ns, errors=(400, 404), description="py-ispyb's Shipping")
    def get(self, shipping_id: int):
        """One shipment, as in the list."""
        return service.shipping(shipping_id)

    @operation(
        shippings_ns,
        body=schemas.ShippingUpdate,
        partial=True,
        errors=(403, 404, 409, 503),
        description="The shipment (py-ispyb's Shipping)",
    )
    def patch(self, shipping_id: int, *, body):
        """Change a shipment (core's PATCH /shipments/{id}; a status change follows
        core's lifecycle). Fields sent unchanged are not sent on."""
        return service.update_shipping(shipping_id, body)


@labcontacts_ns.route("")
class LabContacts(Resource):
    @labcontacts_ns.doc(params=PAGE)
    @operation(labcontacts_ns, errors=(400, 404), description="py-ispyb's answer")
    def get(self):
        """Contact cards the caller may see, each with its ``Person``."""
        return service.labcontacts(request.args)

    @operation(
        labcontacts_ns,
        body=schemas.LabContactCreate,
        status=201,
        idempotent=False,
        errors=(403, 409, 503),
        description="The contact card created (py-ispyb's LabContact)",
    )
    def post(self, *, body):
        """Create a contact card (core's POST /lab-contacts) for a person core has."""
        return service.create_labcontact(body)


@labcontacts_ns.route("/<int:contact_id>")
@labcontacts_ns.param("contact_id", "Lab contact id")
class LabContactItem(Resource):
    @operation(labcontacts_ns, errors=(400, 404), description="py-ispyb's LabContact")
    def get(self, contact_id: int):
        """One contact card."""
        return service.labcontact(contact_id)

    @operation(
        labcontacts_ns,
        body=schemas.LabContactUpdate,
        partial=True,
        errors=(403, 404, 409, 503),
        description="The contact card (py-ispyb's LabContact)",
    )
    def patch(self, contact_id: int, *, body):
        """Change a contact card (core's PATCH /lab-contacts/{id}); its person is not
        changed here."""
        return service.update_labcontact(contact_id, body)


@options_ns.route("")
class Options(Resource):
    @operation(options_ns, errors=(403,), description="py-ispyb's Options")
    def get(self):
        """The site's options (admins): core's /options/ui as py-ispyb's Options."""
        return service.options()

    @operation(
        options_ns,
        body=schemas.Options,
        errors=(403, 503),
        description="py-ispyb's Options",
    )
    def patch(self, *, body):
        """Change the message of the day or the beamline groups (admins; core's PATCH
        /options/ui)."""
        return service.update_options(body)


@document_ns.route("/openapi.json")
class Document(Resource):
    @public
    @document_ns.doc(security=[])
    def get(self):
        """The dialect's OpenAPI 3.1 document: its paths, and in ``components.schemas``
        the schemas py-ispyb-ui's forms are built from (``SampleStatus``, ``LabContact``,
        ``LabContactCreate``, ``Shipping``, ``ShippingCreate``, ``Options``)."""
        return openapi.document()

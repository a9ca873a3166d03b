"""py-ispyb's shipment, lab-contact and admin routes py-ispyb-ui's forms call
(docs/compat.md): ``/shippings``, ``/labcontacts``, ``/options``, and the dialect's
``/openapi.json`` with the schemas those forms are built from."""

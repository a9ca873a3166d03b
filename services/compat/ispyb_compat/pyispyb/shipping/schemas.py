"""py-ispyb's shapes for shipments, lab contacts and options (its pydantic models'
field names and titles). They check the bodies sent here (422 naming the field) and are
the ``components.schemas`` of the dialect's ``/openapi.json``, which py-ispyb-ui builds
its RJSF forms from. Bodies are loaded with unknown fields dropped (py-ispyb's pydantic
models ignore them too): an edit form sends the whole row back, read-only fields
included."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

SAFETY_LEVELS = ("GREEN", "YELLOW", "RED")
# py-ispyb's SampleStatus: the status filters of its /samples (without "Processed", which
# needs ProcessingJob rows that core does not keep).
SAMPLE_STATUSES = ("Sample Action", "Data Collected", "Strategy", "Auto Integrated")
ID = validate.Range(min=1, max=2**31 - 1)
NAME = validate.Length(min=1, max=45)


class _Loaded(Schema):
    class Meta:
        unknown = EXCLUDE
        ordered = True


def _id(title: str, **kwargs) -> fields.Integer:
    return fields.Integer(strict=True, validate=ID, metadata={"title": title}, **kwargs)


def _text(title: str, length: int, **kwargs) -> fields.String:
    return fields.String(validate=validate.Length(max=length), metadata={"title": title}, **kwargs)


# --- shipments --------------------------------------------------------------------------


class ShippingCreate(_Loaded):
    """A new shipment of a proposal (py-ispyb's ShippingCreate). Core starts every
    shipment 'opened': a shippingStatus sent here is not applied on creation."""

    proposalId = _id("Proposal", required=True)
    shippingName = fields.String(
        required=True, validate=validate.Length(min=1, max=45), metadata={"title": "Name"}
    )
    sendingLabContactId = _id("Sending Lab Contact", required=True)
    returnLabContactId = _id("Return Lab Contact", required=True)
    shippingStatus = _text("Shipping Status", 45)
    safetyLevel = fields.String(
        validate=validate.OneOf(SAFETY_LEVELS),
        load_default="GREEN",
        metadata={"title": "Safety Level", "description": "Not kept by core (answered null)."},
    )
    comments = _text("Comments", 1000, allow_none=True)


class ShippingUpdate(_Loaded):
    """Changes to a shipment; only the fields sent are changed. shippingStatus follows
    core's lifecycle (opened, ready, sent to facility, at facility, returned)."""

    proposalId = _id("Proposal")
    shippingName = fields.String(
        validate=validate.Length(min=1, max=45), metadata={"title": "Name"}
    )
    sendingLabContactId = _id("Sending Lab Contact", allow_none=True)
    returnLabContactId = _id("Return Lab Contact", allow_none=True)
    shippingStatus = fields.String(
        validate=validate.Length(min=1, max=45), metadata={"title": "Shipping Status"}
    )
    safetyLevel = fields.String(
        validate=validate.OneOf(SAFETY_LEVELS), allow_none=True, metadata={"title": "Safety Level"}
    )
    comments = _text("Comments", 1000, allow_none=True)


class ShippingLabContactPerson(_Loaded):
    givenName = fields.String(allow_none=True)
    familyName = fields.String(allow_none=True)


class ShippingLabContact(_Loaded):
    cardName = fields.String(allow_none=True)
    Person = fields.Nested(ShippingLabContactPerson, allow_none=True)


class ShippingSession(_Loaded):
    sessionId = fields.Integer()
    session = fields.String(allow_none=True, metadata={"description": "The visit."})
    beamLineName = fields.String(allow_none=True)
    startDate = fields.String(allow_none=True)
    endDate = fields.String(allow_none=True)


class ShippingMetaData(_Loaded):
    dewars = fields.Integer(metadata={"description": "Number of dewars"})
    samples = fields.Integer(metadata={"description": "Number of samples"})
    sessions = fields.List(fields.Nested(ShippingSession), metadata={"description": "Sessions"})


class Shipping(_Loaded):
    """A shipment as py-ispyb answers it: LabContact is the return contact, LabContact1
    the sending one."""

    shippingId = fields.Integer(required=True, metadata={"title": "Shipping Id"})
    proposalId = fields.Integer(required=True, metadata={"title": "Proposal"})
    shippingName = fields.String(allow_none=True, metadata={"title": "Name"})
    sendingLabContactId = fields.Integer(allow_none=True, metadata={"title": "Sending Lab Contact"})
    returnLabContactId = fields.Integer(allow_none=True, metadata={"title": "Return Lab Contact"})
    shippingStatus = fields.String(allow_none=True, metadata={"title": "Shipping Status"})
    safetyLevel = fields.String(
        allow_none=True,
        validate=validate.OneOf(SAFETY_LEVELS),
        metadata={"title": "Safety Level", "description": "Not kept by core: null."},
    )
    comments = fields.String(allow_none=True, metadata={"title": "Comments"})
    bltimeStamp = fields.String(allow_none=True, metadata={"title": "Created at"})
    LabContact = fields.Nested(
        ShippingLabContact, allow_none=True, metadata={"title": "Return Lab Contact"}
    )
    LabContact1 = fields.Nested(
        ShippingLabContact, allow_none=True, metadata={"title": "Sending Lab Contact"}
    )
    _metadata = fields.Nested(ShippingMetaData, data_key="_metadata")


# --- lab contacts -----------------------------------------------------------------------


class Laboratory(_Loaded):
    laboratoryId = fields.Integer(allow_none=True)
    name = fields.String(allow_none=True, metadata={"title": "Laboratory Name"})
    address = fields.String(allow_none=True, metadata={"title": "Address"})
    city = fields.String(allow_none=True, metadata={"title": "City"})
    postcode = fields.String(allow_none=True, metadata={"title": "Post Code"})
    country = fields.String(allow_none=True, metadata={"title": "Country"})


class ContactPerson(_Loaded):
    """The contact person (py-ispyb's Person of a lab contact)."""

    givenName = fields.String(
        required=True, validate=validate.Length(max=45), metadata={"title": "First Name"}
    )
    familyName = fields.String(
        required=True, validate=validate.Length(min=1, max=100), metadata={"title": "Surname"}
    )
    emailAddress = _text("Email Address", 60, allow_none=True)
    phoneNumber = _text("Phone Number", 45, allow_none=True)
    Laboratory = fields.Nested(Laboratory, allow_none=True)


class LabContactCreate(_Loaded):
    """A new contact card of a proposal, for a person core already has: ``personId``, or
    the ``Person`` (given and family name, and e-mail when sent) of exactly one person
    the caller may see. compat creates no person."""

    proposalId = _id("Proposal", required=True)
    personId = _id("Person")
    cardName = fields.String(
        required=True,
        validate=validate.Length(min=1, max=40),
        metadata={"title": "Card Name", "description": "The name for this lab contact"},
    )
    defaultCourrierCompany = _text("Courrier Company", 45, allow_none=True)
    courierAccount = _text("Account No.", 45, allow_none=True)
    billingReference = _text("Billing Reference", 45, allow_none=True)
    dewarAvgCustomsValue = fields.Integer(
        strict=True,
        allow_none=True,
        validate=validate.Range(min=0, max=2**31 - 1),
        metadata={"title": "Avg Customs Value", "unit": "Eur"},
    )
    dewarAvgTransportValue = fields.Integer(
        strict=True,
        allow_none=True,
        validate=validate.Range(min=0, max=2**31 - 1),
        metadata={"title": "Avg Transport Value", "unit": "Eur"},
    )
    Person = fields.Nested(ContactPerson)


class LabContactUpdate(LabContactCreate):
    """Changes to a contact card; only the fields sent are changed. Its Person is shown,
    not changed here (core's /persons changes a person): a Person sent must be the
    card's."""

    proposalId = _id("Proposal")
    cardName = fields.String(
        validate=validate.Length(min=1, max=40),
        metadata={"title": "Card Name", "description": "The name for this lab contact"},
    )


class LabContact(_Loaded):
    """A contact card as py-ispyb answers it."""

    labContactId = fields.Integer(required=True)
    personId = fields.Integer(required=True)
    proposalId = fields.Integer(required=True)
    cardName = fields.String(required=True, metadata={"title": "Card Name"})
    defaultCourrierCompany = fields.String(allow_none=True, metadata={"title": "Courrier Company"})
    courierAccount = fields.String(allow_none=True, metadata={"title": "Account No."})
    billingReference = fields.String(allow_none=True, metadata={"title": "Billing Reference"})
    dewarAvgCustomsValue = fields.Integer(allow_none=True, metadata={"title": "Avg Customs Value"})
    dewarAvgTransportValue = fields.Integer(
        allow_none=True, metadata={"title": "Avg Transport Value"}
    )
    recordTimeStamp = fields.String(
        allow_none=True, metadata={"description": "Time lab contact was created"}
    )
    Person = fields.Nested(ContactPerson)


# --- options ----------------------------------------------------------------------------


class BeamLineGroup(_Loaded):
    groupName = fields.String(required=True, validate=NAME, metadata={"title": "Group Name"})
    uiGroup = fields.String(metadata={"title": "UI Group", "description": "Always mx here."})
    permission = fields.String(metadata={"description": "Not kept by core (answered '')."})
    beamLines = fields.List(
        fields.String(validate=validate.Regexp(r"^[A-Za-z0-9_.-]{1,45}$")),
        required=True,
        validate=validate.Length(max=100),
        metadata={"title": "Beamlines"},
    )


class Options(_Loaded):
    """The site's options (py-ispyb's Options): the message of the day and the beamline
    groups are core's /options/ui; query_debug and enable_legacy_routes are py-ispyb
    server switches with no meaning here (always false, a value sent is not kept)."""

    motd = fields.String(
        allow_none=True,
        validate=validate.Length(max=1024),
        metadata={"title": "Message of the Day", "description": "Displayed at the top of the UI"},
    )
    beamLineGroups = fields.List(
        fields.Nested(BeamLineGroup), metadata={"title": "Beamline Groups"}
    )
    query_debug = fields.Boolean(
        metadata={"title": "Query Debugging", "description": "Not used here: always false"}
    )
    enable_legacy_routes = fields.Boolean(
        metadata={"title": "Legacy Routes", "description": "Not used here: always false"}
    )


FORM_SCHEMAS = (LabContact, LabContactCreate, Shipping, ShippingCreate, Options)

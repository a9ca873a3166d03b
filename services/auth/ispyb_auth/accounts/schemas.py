from __future__ import annotations

from marshmallow import fields, validate
from marshmallow_sqlalchemy import auto_field

from ispyb_shared.auth import ROLES
from ispyb_shared.schemas import ModelSchema

from ..names import split_names
from .models import Account

LOGIN = validate.Regexp(
    r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,44}$",
    error="1-45 of letters, digits and . _ @ - (starting with a letter or digit).",
)
ROLE_LIST_DOC = "Roles: " + "; ".join(f"{name}: {text}" for name, text in ROLES.items())
BEAMLINES_DOC = (
    'Beamlines a staff account is restricted to, e.g. ["i03"]; empty = every beamline. '
    "Only for accounts with the staff role."
)


def role_list(**kwargs):
    return fields.List(
        fields.String(
            validate=validate.OneOf(sorted(ROLES), error="Unknown role; known: {choices}.")
        ),
        metadata={"description": ROLE_LIST_DOC},
        **kwargs,
    )


def beamline_list(**kwargs):
    return fields.List(
        fields.String(
            validate=validate.Regexp(
                r"^[A-Za-z0-9_.-]{1,45}$", error="Not a beamline name (letters, digits, _ . -)."
            )
        ),
        metadata={"description": BEAMLINES_DOC},
        **kwargs,
    )


def password_field(**kwargs):
    return fields.String(
        load_only=True,
        validate=validate.Length(max=1024),
        metadata={"description": "New password (write only; stored as an argon2id hash)."},
        **kwargs,
    )


class AccountRead(ModelSchema):
    """A local account (never with its password hash)."""

    roles = fields.Function(
        lambda account: split_names(account.roles), metadata={"description": ROLE_LIST_DOC}
    )
    beamlines = fields.Function(
        lambda account: split_names(account.beamlines), metadata={"description": BEAMLINES_DOC}
    )
    hasPassword = fields.Function(
        lambda account: bool(account.passwordHash),
        metadata={"description": "Whether a password is set."},
    )

    class Meta(ModelSchema.Meta):
        model = Account
        exclude = ("passwordHash",)
        dump_only = (
            "accountId",
            "uuid",
            "createdAt",
            "updatedAt",
            "passwordChangedAt",
            "lastLoginAt",
        )


class AccountCreate(ModelSchema):
    """A new local account."""

    login = auto_field(validate=LOGIN)
    password = password_field(required=True)
    roles = role_list(load_default=list)
    beamlines = beamline_list(load_default=list)

    class Meta(ModelSchema.Meta):
        model = Account
        fields = ("login", "displayName", "password", "roles", "beamlines", "active")
        required_fields = ("login",)


class AccountUpdate(ModelSchema):
    """Changes to a local account; only the fields sent are changed. Sending `password`
    resets it; `active: false` also revokes the account's refresh tokens."""

    password = password_field()
    roles = role_list()
    beamlines = beamline_list()

    class Meta(ModelSchema.Meta):
        model = Account
        fields = ("displayName", "password", "roles", "beamlines", "active")

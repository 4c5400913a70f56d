"""marshmallow schemas, one per audience and direction. None ever carries ciphertext or keys."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


class AccountCreate(StrictSchema):
    email = fields.String(required=True, metadata={"example": "sanne@example.nl"})
    password = fields.String(required=True, load_only=True, metadata={"minLength": 12})
    display_name = fields.String(required=True)
    role = fields.String(
        required=True, validate=validate.OneOf(["youth", "parent", "professional"])
    )
    birth_date = fields.Date(load_default=None, metadata={"description": "Required for youth."})
    organisation = fields.String(load_default=None, metadata={"description": "Professionals."})
    registration_number = fields.String(
        load_default=None, metadata={"description": "Professionals: SKJ or BIG number."}
    )


class AccountCreated(Schema):
    id = fields.UUID()
    role = fields.String()
    recovery_code = fields.String(
        metadata={"description": "Shown once. Needed to reset a forgotten password."}
    )


class SessionCreate(StrictSchema):
    email = fields.String(required=True)
    password = fields.String(required=True, load_only=True)


class SessionCreated(Schema):
    token = fields.String(metadata={"description": "Shown once; send as `Authorization: Bearer`."})
    expires_at = fields.AwareDateTime()


class PasswordResetCreate(StrictSchema):
    email = fields.String(required=True)
    recovery_code = fields.String(required=True, load_only=True)
    new_password = fields.String(required=True, load_only=True)


class PasswordResetDone(Schema):
    recovery_code = fields.String(metadata={"description": "A fresh code; the old one is void."})


class PasswordChange(StrictSchema):
    current_password = fields.String(required=True, load_only=True)
    new_password = fields.String(required=True, load_only=True)


class Me(Schema):
    """The owner's own view of their account."""

    id = fields.UUID()
    email = fields.String()
    display_name = fields.String()
    role = fields.String()
    verified = fields.Boolean()


class ProfessionalForAdmin(Schema):
    """What an admin sees of a professional: enough to check the register, nothing else."""

    id = fields.UUID()
    email = fields.String()
    display_name = fields.String()
    organisation = fields.String(allow_none=True)
    registration_number = fields.String(allow_none=True)
    verified = fields.Boolean()
    verified_at = fields.AwareDateTime(allow_none=True)


class ProfessionalPage(Schema):
    items = fields.List(fields.Nested(ProfessionalForAdmin))
    next_cursor = fields.String(allow_none=True)


class Problem(Schema):
    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))

"""API schemas of the org app."""

from datetime import datetime

from ninja import Field, Schema


class TokenIn(Schema):
    """Credentials exchanged for a bearer token."""

    username: str = Field(min_length=1, max_length=150)
    password: str = Field(min_length=1, max_length=256)


class TokenOut(Schema):
    """A new bearer token; the secret is shown only here."""

    token: str
    token_type: str = "Bearer"
    expires_at: datetime
    username: str
    roles: list[str]


class RevokeIn(Schema):
    """What to revoke: nothing named revokes the presented token itself."""

    prefix: str | None = Field(None, min_length=1, max_length=12)


class RevokeOut(Schema):
    """How many keys the request revoked."""

    revoked: int


class DepartmentOut(Schema):
    """A department that cases can be dispatched to."""

    id: int
    code: str
    name: str
    short_name: str
    district_code: str | None = Field(None, alias="district.code")
    is_district_default: bool
    category_codes: list[str]

    @staticmethod
    def resolve_category_codes(obj):
        return [f"{c.kind}:{c.code}" for c in obj.categories.all()]

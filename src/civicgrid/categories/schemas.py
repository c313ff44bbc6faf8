"""API schemas of the categories app."""

from decimal import Decimal

from ninja import Schema


class FilingConditionOut(Schema):
    """A filing condition with its closing condition and time limit."""

    id: int
    position: int
    text: str
    closing_condition: str
    limit_amount: Decimal
    limit_unit: str
    limit_text: str


class CategoryOut(Schema):
    """A problem class with its filing conditions."""

    id: int
    kind: str
    code: str
    major_code: str
    major_name: str
    name: str
    is_extension: bool
    filing_conditions: list[FilingConditionOut]

    @staticmethod
    def resolve_filing_conditions(obj):
        return [c for c in obj.filing_conditions.all() if c.active]

"""API schemas of the categories app."""

from decimal import Decimal

from ninja import Field, Schema


class FilingConditionOut(Schema):
    """A filing condition with its closing condition and time limit."""

    id: int
    position: int
    text: str
    closing_condition: str
    limit_amount: Decimal
    limit_unit: str
    limit_text: str
    limit_label: str = Field(description="the limit as every page says it, e.g. 2工作日")

    @staticmethod
    def resolve_limit_label(obj) -> str:
        return obj.time_limit.label_zh()


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

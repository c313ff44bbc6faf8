"""Pagination with bounded numbers, so an absurd page is a 422, not a 500.

Ninja's ``PageNumberPagination`` accepts any ``page`` ≥ 1; a page of 10**30
makes an OFFSET no database takes (an overflow, answered with a 500).
"""

from ninja import Field, Schema
from ninja.pagination import PageNumberPagination

# Far beyond any real list (a million pages of 100), far below bigint.
MAX_PAGE = 1_000_000
MAX_PAGE_SIZE = 100


class BoundedPageNumberPagination(PageNumberPagination):
    """Page-number pagination whose ``page`` and ``page_size`` have upper bounds."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        page_size: int | None = Field(None, ge=1, le=MAX_PAGE_SIZE)

    def __init__(self, page_size: int = 50, max_page_size: int = MAX_PAGE_SIZE, **kwargs):
        super().__init__(page_size=page_size, max_page_size=max_page_size, **kwargs)

"""Paging of console lists without counting the whole table.

A console list shows one page of an ordered queryset and links to the pages
before and after. ``page_of`` reads one row more than the page holds to know
whether a next page exists, so a page costs one query however large the table
is (no ``COUNT(*)``); the page number is bounded so that no address can ask
the database to skip an unbounded number of rows.

Later pages skip rows on the ids alone (``window``): the database walks the
ordering index without joining the places, category and department of every
row it skips, then reads the page's rows by id.
"""

from dataclasses import dataclass, field

#: The highest page number a list accepts (a larger one shows this page).
MAX_PAGE = 2000


def page_number(value: str | None, last: int = MAX_PAGE) -> int:
    """Return the page number in ``value``: 1 when missing or bad, at most ``last``."""
    text = (value or "").strip()
    if not text.isdigit() or len(text) > 6:
        return 1
    return min(max(int(text), 1), max(last, 1))


@dataclass
class Page:
    """One page of a list: its rows and where the neighbouring pages are."""

    rows: list
    number: int
    has_next: bool
    param: str = "page"
    #: The query string of the list without this page's parameter.
    query: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def has_previous(self) -> bool:
        """Return whether a page comes before this one."""
        return self.number > 1

    @property
    def paged(self) -> bool:
        """Return whether the list has more than this one page."""
        return self.has_next or self.has_previous

    def _url(self, number: int) -> str:
        prefix = f"{self.query}&" if self.query else ""
        return f"?{prefix}{self.param}={number}"

    @property
    def previous_url(self) -> str:
        """Return the address of the page before."""
        return self._url(self.number - 1)

    @property
    def next_url(self) -> str:
        """Return the address of the page after."""
        return self._url(self.number + 1)


def window(queryset, start: int, count: int) -> list:
    """Return ``count`` rows of the ordered ``queryset`` from ``start``.

    The first page is one query. A later one first reads only the ids of the
    rows it shows (the skipped rows cost an index walk, not their joins), then
    those rows, in the same order.
    """
    if start <= 0:
        return list(queryset[:count])
    ids = list(queryset.values_list("pk", flat=True)[start : start + count])
    if not ids:
        return []
    found = {row.pk: row for row in queryset.order_by().filter(pk__in=ids)}
    return [found[pk] for pk in ids if pk in found]


def page_of(queryset, request, per_page: int, param: str = "page") -> Page:
    """Return the page of ``queryset`` (already ordered) that ``request`` asks for."""
    number = page_number(request.GET.get(param))
    start = (number - 1) * per_page
    rows = window(queryset, start, per_page + 1)
    query = request.GET.copy()
    query.pop(param, None)
    return Page(
        rows=rows[:per_page],
        number=number,
        has_next=len(rows) > per_page,
        param=param,
        query=query.urlencode(),
    )

"""The case page's deadlines, holder, reporter and duplicates, and the case sheet (HTML, PDF)."""

import io

from pypdf import PdfReader

from civicgrid.cases.models import Report
from civicgrid.cases.services import ReportInput, act, submit_report
from civicgrid.cases.services.intake import merge_report
from civicgrid.cases.services.privacy import mask_name, mask_phone
from civicgrid.web.tests import conftest_desk as desk

demo_city = desk.demo_city
city = desk.city
clock = desk.clock
_media_in_tmp = desk._media_in_tmp

CALLER = ("王小明", "13812345678")


def called_in(city, point=desk.WEST, text="路灯不亮，晚上很黑"):
    """Return a hotline case with a named caller, entered by the operator."""
    lon, lat = point
    result = submit_report(
        ReportInput(
            channel="hotline",
            lon=lon,
            lat=lat,
            description=text,
            reporter_name=CALLER[0],
            reporter_phone=CALLER[1],
        ),
        actor=city.user("operator"),
    )
    return result.case


def test_masks_hide_all_but_the_ends():
    """Names keep their first character, phones their first three and last four digits."""
    assert mask_name("王小明") == "王**"
    assert mask_name("王") == "王*"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("1234") == "****"


def test_case_page_shows_each_stage_deadline_and_the_holder(city):
    """The deadline table lists every step so far with its verdict; the holder is named."""
    case = desk.dispatched(city)
    page = city.client("dispatcher").get(f"/cases/{case.pk}/").content.decode()
    assert 'class="stages"' in page
    assert page.count('<tr class="stage-') == 3  # verify, dispatch, handle
    assert "outcome-met" in page and "outcome-running" in page
    department = case.department.name
    assert f"{department}（" in page  # held by the department since the dispatch


def test_caller_contact_is_full_for_the_desk_and_masked_for_others(city):
    """Operators and dispatchers see the caller's name and phone; a handler sees them masked."""
    case = called_in(city)
    act(case.pk, "file", city.user("operator"), category=desk.a_condition().category_id,
        filing_condition=desk.a_condition().pk)  # fmt: skip
    act(case.pk, "dispatch", city.user("dispatcher"), department=city.departments["SZGY"])
    for user in ("operator", "dispatcher"):
        page = city.client(user).get(f"/cases/{case.pk}/").content.decode()
        assert CALLER[0] in page and CALLER[1] in page, user
    client = city.client("handler")  # the demo handler works for SZGY
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert CALLER[1] not in page and CALLER[0] not in page
    assert "138****5678" in page and "王**" in page


def test_merged_duplicates_are_listed_with_the_case_they_came_from(city):
    """A confirmed duplicate shows on the target case with its merge and former case."""
    target = desk.report(city, desk.WEST, text="井盖缺失")
    duplicate = desk.report(city, desk.WEST, text="同一处井盖缺失")
    report = Report.objects.get(case=duplicate)
    merge_report(report, target, city.user("operator"))
    page = city.client("operator").get(f"/cases/{target.pk}/").content.decode()
    assert 'class="merged"' in page
    assert f"#{report.pk}" in page and duplicate.code in page


def test_case_sheet_page_and_pdf_carry_the_case(city):
    """The printable sheet and its PDF hold the number and description, visible cases only."""
    case = called_in(city, text="路灯不亮，晚上很黑")
    client = city.client("operator")
    page = client.get(f"/cases/{case.pk}/sheet/")
    assert page.status_code == 200
    html = page.content.decode()
    assert case.code in html and "路灯不亮" in html and "sheet.css" in html
    response = client.get(f"/cases/{case.pk}/sheet.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert case.code in text
    assert "路灯不亮" in text
    east = desk.report(city, desk.EAST)
    other = city.client("district_dispatcher")
    assert other.get(f"/cases/{east.pk}/sheet/").status_code == 404
    assert other.get(f"/cases/{east.pk}/sheet.pdf").status_code == 404


def test_exports_have_chinese_headers_typed_dates_and_the_verdict(city):
    """Both exports name columns in Chinese; XLSX times are local date cells; CSV has a BOM."""
    import datetime as dt

    from openpyxl import load_workbook

    case = desk.dispatched(city)
    client = city.client("dispatcher")
    response = client.get("/cases/export.csv", {"code": case.code})
    raw = b"".join(response.streaming_content)
    assert raw.startswith("\ufeff".encode())
    lines = raw.decode("utf-8-sig").splitlines()
    header = lines[0].split(",")
    for title in ("案卷编号", "大类", "小类", "问题描述", "地址", "社区", "处置时限", "是否按期"):
        assert title in header, title
    assert case.description in lines[1]
    book = load_workbook(io.BytesIO(client.get("/cases/export.xlsx", {"code": case.code}).content))
    sheet = book.active
    titles = [c.value for c in sheet[1]]
    row = dict(zip(titles, list(sheet[2]), strict=True))
    created = row["上报时间"]
    assert isinstance(created.value, dt.datetime) and created.value.tzinfo is None
    assert created.number_format == "yyyy-mm-dd hh:mm"
    from django.utils import timezone

    local = timezone.localtime(case.created_at).replace(tzinfo=None, second=0, microsecond=0)
    assert created.value.replace(second=0, microsecond=0) == local
    assert isinstance(row["立案时间"].value, dt.datetime)
    assert isinstance(row["处置时限"].value, dt.datetime)
    assert row["社区"].value == case.community.name


def test_on_time_verdict():
    """Late once handled late or past due while open; on time when closed without that."""
    from datetime import UTC, datetime, timedelta
    from types import SimpleNamespace

    from civicgrid.cases.services.reading import on_time

    now = datetime(2026, 3, 2, 9, tzinfo=UTC)

    def case(state, overdue=False, due=None):
        return SimpleNamespace(state=state, handling_overdue=overdue, current_due=due)

    assert on_time(case("closed"), now) is True
    assert on_time(case("closed", overdue=True), now) is False
    assert on_time(case("dispatched", due=now - timedelta(minutes=1)), now) is False
    assert on_time(case("dispatched", due=now + timedelta(minutes=1)), now) is None
    assert on_time(case("voided"), now) is None


def test_page_numbers_are_bounded():
    """Bad page numbers give page 1; big ones stop at the last page."""
    from civicgrid.web.paging import MAX_PAGE, page_number

    assert page_number(None) == 1
    assert page_number("x") == 1
    assert page_number("0") == 1
    assert page_number("3", last=2) == 2
    assert page_number("99999999999") == 1
    assert page_number("999999") == MAX_PAGE


def test_console_lists_page_past_one_screen(city, monkeypatch):
    """Worklist, dispatch lists, phone tasks and /cases/ reach every case through pages."""
    from civicgrid.web.consoles import dispatch, mobile, worklist
    from civicgrid.web.views import cases as case_views

    monkeypatch.setattr(worklist, "ROWS_SHOWN", 1)
    monkeypatch.setattr(dispatch, "LIMITS", {"to_dispatch": 1})
    monkeypatch.setattr(mobile, "TASK_LIMIT", 1)
    monkeypatch.setattr(case_views, "PAGE_SIZE", 1)
    first, second = desk.dispatched(city), desk.dispatched(city)
    filed = [desk.filed(city), desk.filed(city)]

    handler = city.client("handler")
    seen = set()
    for page in ("1", "2"):
        response = handler.get("/worklist/", {"page": page})
        seen |= {row["case"].pk for row in response.context["rows"]}
        assert len(response.context["rows"]) == 1
    assert {first.pk, second.pk} <= seen
    assert 'rel="next"' in handler.get("/worklist/").content.decode()

    dispatcher = city.client("dispatcher")
    one = dispatcher.get("/dispatch/").context
    two = dispatcher.get("/dispatch/", {"page": "2"}).context
    listed = {c.pk for c in one["lists"]["to_dispatch"]} | {
        c.pk for c in two["lists"]["to_dispatch"]
    }
    assert {c.pk for c in filed} <= listed
    assert one["pagers"]["to_dispatch"].has_next and one["counts"]["to_dispatch"] >= 2

    inspector = city.client("inspector").get("/m/", {"check_page": "x", "verify_page": "7"})
    assert inspector.status_code == 200
    assert inspector.context["verify_pager"].number == 7 and not inspector.context["verify_tasks"]

    operator = city.client("operator")
    last = operator.get("/cases/", {"page": "999999"}).context
    assert last["page"] == last["total"] and len(last["rows"]) == 1


def test_later_pages_keep_the_list_order(city, monkeypatch):
    """Pages read by id after the first come out in the list's order, without gaps."""
    from civicgrid.web.views import cases as case_views

    for _ in range(3):
        desk.report(city, desk.WEST)
    client = city.client("operator")
    whole = [c.pk for c in client.get("/cases/").context["rows"]]
    monkeypatch.setattr(case_views, "PAGE_SIZE", 2)
    paged = []
    for page in range(1, -(-len(whole) // 2) + 1):
        paged += [c.pk for c in client.get("/cases/", {"page": page}).context["rows"]]
    assert paged == whole


def test_exports_never_turn_reported_text_into_formulas(city):
    """A description like =HYPERLINK(…) stays text in CSV (quoted with ') and in XLSX."""
    from openpyxl import load_workbook

    text = '=HYPERLINK("http://evil.example","点我")'
    case = desk.report(city, desk.WEST, text=text)
    client = city.client("operator")
    response = client.get("/cases/export.csv", {"code": case.code})
    lines = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "'=HYPERLINK" in lines
    book = load_workbook(io.BytesIO(client.get("/cases/export.xlsx", {"code": case.code}).content))
    cell = book.active["E2"]
    assert cell.value == text and cell.data_type == "s"


def test_case_sheet_pdf_takes_the_longest_description(city):
    """A description of the full 4,000 characters runs over pages instead of failing."""
    case = desk.report(city, desk.WEST, text="井盖" * 2000)
    response = city.client("operator").get(f"/cases/{case.pk}/sheet.pdf")
    assert response.status_code == 200
    assert len(PdfReader(io.BytesIO(response.content)).pages) >= 2

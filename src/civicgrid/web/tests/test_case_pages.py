"""The shared case pages: list filters, exports, the case page, the map feeds, scoping."""

import csv
import io

import pytest
from openpyxl import load_workbook

from civicgrid.web.tests import conftest_desk as desk

demo_city = desk.demo_city
city = desk.city
clock = desk.clock
_media_in_tmp = desk._media_in_tmp


def rows_of_csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_list_filters_by_code_state_place_and_department(city):
    """Each filter narrows the list; a bad filter value shows an error, not a 500."""
    west = desk.dispatched(city, desk.WEST)
    east = desk.report(city, desk.EAST)
    client = city.client("operator")
    page = client.get("/cases/", {"code": west.code}).content.decode()
    assert west.code in page and east.code not in page
    page = client.get("/cases/", {"state": "reported"}).content.decode()
    assert east.code in page and west.code not in page
    page = client.get("/cases/", {"district": east.district_id}).content.decode()
    assert east.code in page and west.code not in page
    page = client.get("/cases/", {"department": west.department_id}).content.decode()
    assert west.code in page and east.code not in page
    response = client.get("/cases/", {"state": "nonsense", "page": "x"})
    assert response.status_code == 200
    assert "nonsense" in response.content.decode()


def test_exports_hold_exactly_the_filtered_visible_cases(city):
    """CSV and XLSX carry the list's rows; a district user's export stops at the district."""
    west = desk.report(city, desk.WEST)
    east = desk.report(city, desk.EAST)
    everyone = rows_of_csv(city.client("operator").get("/cases/export.csv"))
    codes = {row[0] for row in everyone[1:]}
    assert {west.code, east.code} <= codes
    scoped = rows_of_csv(city.client("district_dispatcher").get("/cases/export.csv"))
    assert west.code in {row[0] for row in scoped[1:]}
    assert east.code not in {row[0] for row in scoped[1:]}
    response = city.client("district_dispatcher").get("/cases/export.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert west.code in values and east.code not in values
    assert city.client("operator").get("/cases/export.pdf").status_code == 404


def test_maps_and_case_pages_respect_the_district(city):
    """A district user's map feed and case pages never show the other district."""
    west = desk.report(city, desk.WEST)
    east = desk.report(city, desk.EAST)
    client = city.client("district_dispatcher")
    ids = {f["id"] for f in client.get("/map/cases.geojson").json()["features"]}
    assert west.pk in ids and east.pk not in ids
    assert client.get(f"/cases/{east.pk}/").status_code == 404
    assert client.get(f"/cases/{west.pk}/").status_code == 200


def test_case_page_offers_only_allowed_actions_and_acts(city):
    """The operator sees verify/file/void on a new case; posting verify moves it."""
    case = desk.report(city, desk.WEST)
    client = city.client("operator")
    page = client.get(f"/cases/{case.pk}/").content.decode()
    for action in ("verify", "file", "void"):
        assert f'data-action="{action}"' in page
    assert 'data-action="dispatch"' not in page
    response = client.post(f"/cases/{case.pk}/act/verify", {"next": f"/cases/{case.pk}/"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == "verified"
    refused = client.post(f"/cases/{case.pk}/act/dispatch", {"department": "1"}, follow=True)
    assert "该案卷当前不能执行此操作" in refused.content.decode()
    case.refresh_from_db()
    assert case.state == "verified"


@pytest.mark.parametrize("path", ["/cases/", "/map/cases.geojson", "/map/grid.geojson"])
def test_anonymous_users_are_sent_to_login(client, city, path):
    """Shared pages need a staff login."""
    response = client.get(path)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_refused_action_explains_itself_in_chinese(city):
    """A stale form (the case moved on) is refused with a message in the reader's language."""
    case = desk.report(city, desk.WEST)
    client = city.client("operator")
    response = client.post(
        f"/cases/{case.pk}/act/verify",
        {"version": str(case.version + 5), "next": f"/cases/{case.pk}/"},
        follow=True,
    )
    assert "有人同时修改了该案卷" in response.content.decode()
    case.refresh_from_db()
    assert case.state == "reported"

"""The dispatch console shows each department's handlers and load, and warns of a dead end."""

import re

from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civicgrid.cases.models import Case, CaseEvent
from civicgrid.cases.services import act
from civicgrid.org.models import Department
from civicgrid.web.consoles.dispatch import department_load
from civicgrid.web.tests import conftest_desk as desk

demo_city = desk.demo_city
city = desk.city
clock = desk.clock
_media_in_tmp = desk._media_in_tmp

URL = "/dispatch/"


def _unstaff(city, code: str) -> int:
    department = city.departments[code]
    get_user_model().objects.filter(department_id=department).update(is_active=False)
    return department


def test_load_counts_equal_the_database(city, clock):
    """Handlers, open cases and overdue cases per department are those the database holds."""
    desk.dispatched(city)
    desk.dispatched(city, desk.EAST)
    desk.dispatched(city, department="SRHW")
    clock.advance(days=30)
    desk.dispatched(city)  # not overdue yet
    returned = desk.dispatched(city, department="SRHW")
    act(returned.pk, "return", desk.handler_of(returned), reason="不属本部门")
    _unstaff(city, "GSZX")
    response = city.client("dispatcher").get(URL)
    rows = {d.pk: d for d in response.context["departments"]}
    assert set(rows) == set(Department.objects.filter(active=True).values_list("pk", flat=True))
    users = get_user_model().objects.filter(is_active=True, groups__name="handler")
    for department in Department.objects.filter(active=True):
        row = rows[department.pk]
        open_cases = Case.objects.filter(department=department, state="dispatched")
        assert row.handler_count == users.filter(department=department).count()
        assert row.open_count == open_cases.count()
        assert row.overdue_count == open_cases.filter(current_due__lt=clock.at).count()
    assert rows[city.departments["SZGY"]].open_count == 3
    assert rows[city.departments["SZGY"]].overdue_count == 2
    assert rows[city.departments["GSZX"]].handler_count == 0
    html = response.content.decode()
    assert 'id="load-table"' in html and "无在岗处置人员" in html


def test_load_is_one_query_whatever_the_departments(city, clock):
    """All departments' handlers and loads come from one grouped query."""
    desk.dispatched(city)
    user = city.user("dispatcher")
    assert user.roles  # read (and cached) as by the login middleware of a request
    with CaptureQueriesContext(connection) as queries:
        rows = department_load(user, clock.at)
    assert len(rows) == 20
    assert len(queries) == 1


def test_district_dispatcher_sees_only_their_departments_and_cases(city, clock):
    """A district dispatcher's table lists their district's and the city's departments."""
    desk.dispatched(city, desk.EAST)
    west = desk.dispatched(city)
    response = city.client("district_dispatcher").get(URL)
    rows = {d.pk: d for d in response.context["departments"]}
    assert city.departments["130392-CG"] not in rows
    assert city.departments["130391-CG"] in rows
    assert rows[city.departments["SZGY"]].open_count == 1  # the east case is not counted
    assert west.department_id == city.departments["SZGY"]


def test_unstaffed_department_is_marked_and_needs_confirmation(city, clock):
    """The option says 无在岗处置人员; the form dispatches there only with the box ticked."""
    case = desk.filed(city)
    department = _unstaff(city, "GSZX")
    client = city.client("dispatcher")
    html = client.get(URL).content.decode()
    assert re.search(rf'<option value="{department}"( selected)? data-no-handler="1">', html)
    assert 'name="confirm_no_handler"' in html
    panel = client.get(URL, {"case": case.pk}).content.decode()
    assert f'id="dispatch-confirm_no_handler-{case.pk}"' in panel

    refused = client.post(
        f"/cases/{case.pk}/act/dispatch",
        {"department": department, "version": case.version, "next": URL},
        follow=True,
    )
    case.refresh_from_db()
    assert case.state == "filed"
    assert "无在岗处置人员" in refused.content.decode()

    client.post(
        f"/cases/{case.pk}/act/dispatch",
        {
            "department": department,
            "version": case.version,
            "next": URL,
            "confirm_no_handler": "1",
        },
    )
    case.refresh_from_db()
    assert case.state == "dispatched" and case.department_id == department
    assert CaseEvent.objects.get(case=case, action="dispatch").data["no_active_handler"] is True


def test_staffed_departments_ask_for_no_confirmation(city, clock):
    """With every department staffed the quick form has no confirmation box."""
    desk.filed(city)
    html = city.client("dispatcher").get(URL).content.decode()
    assert 'id="q-dispatch-confirm_no_handler' not in html
    assert "data-no-handler" not in html

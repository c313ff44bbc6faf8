"""A dispatch to a department nobody can handle is refused unless the caller confirms it."""

from django.contrib.auth import get_user_model

from civicgrid.cases.models import CaseEvent
from civicgrid.cases.services.staffing import has_active_handler
from civicgrid.cases.tests.conftest import WEST
from civicgrid.cases.tests.test_api_walkthrough import error_of, new_case, to_filed


def _without_handlers(city, code: str) -> int:
    """Deactivate every handler of the department ``code``; return its id."""
    department = city.department(code)
    get_user_model().objects.filter(department_id=department).update(is_active=False)
    return department


def test_api_refuses_a_department_without_an_active_handler(api, city, condition, clock):
    """Without ``confirm_no_handler`` the API answers 422 with a Chinese message."""
    department = _without_handlers(city, "GSZX")
    case_id = new_case(api, where=WEST)
    to_filed(api, case_id, condition)
    body = error_of(
        api("dispatcher").act(case_id, "dispatch", department=department), 422, "no_active_handler"
    )
    assert "无在岗处置人员" in body["message"]
    assert "confirm_no_handler" in body["fields"]
    assert api("dispatcher").case(case_id)["state"] == "filed"

    english = api("dispatcher").client.post(
        f"/api/v1/cases/{case_id}/transitions",
        {"action": "dispatch", "department": department},
        content_type="application/json",
        headers={**api("dispatcher").headers, "Accept-Language": "en"},
    )
    assert "has no active handler" in english.json()["message"]


def test_api_dispatches_to_an_unstaffed_department_when_confirmed(api, city, condition, clock):
    """``confirm_no_handler: true`` lets the dispatch through and the event records it."""
    department = _without_handlers(city, "GSZX")
    case_id = new_case(api, where=WEST)
    to_filed(api, case_id, condition)
    detail = api("dispatcher").ok(
        case_id, "dispatch", department=department, confirm_no_handler=True
    )
    assert detail["state"] == "dispatched"
    event = CaseEvent.objects.get(case_id=case_id, action="dispatch")
    assert event.data["no_active_handler"] is True


def test_staffed_department_needs_no_confirmation(api, city, condition, clock):
    """A department with an active handler takes the case as before, with no flag recorded."""
    case_id = new_case(api, where=WEST)
    to_filed(api, case_id, condition)
    api("dispatcher").ok(case_id, "dispatch", department=city.department("GSZX"))
    event = CaseEvent.objects.get(case_id=case_id, action="dispatch")
    assert "no_active_handler" not in event.data


def test_only_active_handlers_of_the_department_count(city):
    """An inactive handler, or a user of the department without the handler role, is no one."""
    from civicgrid.org.models import Department

    department = Department.objects.get(pk=city.department("GSZX"))
    assert has_active_handler(department)
    users = get_user_model().objects.filter(department=department)
    users.update(is_active=False)
    assert not has_active_handler(department)
    users.update(is_active=True)
    for user in users:
        user.groups.clear()
    assert not has_active_handler(department)

"""The dispatch console: who opens it, what each list holds, and that its actions act."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civicgrid.cases.services import act
from civicgrid.core.timelimits import TimeLimit
from civicgrid.web.tests import conftest_desk as desk

# The shared fixtures, by assignment so they are this module's own.
demo_city = desk.demo_city
city = desk.city
clock = desk.clock
_media_in_tmp = desk._media_in_tmp

URL = "/dispatch/"


def ids(response, name):
    return [case.pk for case in response.context["lists"][name]]


def test_anonymous_is_sent_to_login(client, city):
    """Without a login the console redirects to the login page."""
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("username", ["operator", "handler", "inspector", "leader"])
def test_other_roles_are_refused(city, username):
    """Only dispatchers and shift leads open the dispatch console and its panels."""
    client = city.client(username)
    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}cases/1/", headers={"HX-Request": "true"}).status_code == 403


@pytest.mark.parametrize("username", ["dispatcher", "shift_lead", "district_dispatcher"])
def test_console_renders_for_its_roles(city, clock, username):
    """Dispatchers, shift leads and district dispatchers open the console."""
    response = city.client(username).get(URL)
    assert response.status_code == 200
    assert set(response.context["counts"]) == {
        "to_dispatch", "extensions", "suspended", "in_ruling", "overdue", "soon",
    }  # fmt: skip


def test_filed_and_returned_cases_wait_with_their_suggestion(city, clock):
    """Filed and returned cases are listed with the suggested department preselected."""
    waiting = desk.filed(city)
    returned = desk.dispatched(city, desk.EAST)
    act(returned.pk, "return", city.user("dispatcher"), reason="派遣错误")
    reported = desk.report(city)
    response = city.client("dispatcher").get(URL)
    assert set(ids(response, "to_dispatch")) == {waiting.pk, returned.pk}
    assert reported.pk not in ids(response, "to_dispatch")
    html = response.content.decode()
    assert waiting.suggested_department_id
    assert f'<option value="{waiting.suggested_department_id}" selected>' in html
    # The reason is stored in English and shown in the reader's language.
    from django.utils import translation

    with translation.override("zh-hans"):
        assert translation.gettext(waiting.routing_reason) in html
    assert f'action="/cases/{waiting.pk}/act/dispatch"' in html
    state = city.client("dispatcher").get(URL, {"state": "returned"})
    assert ids(state, "to_dispatch") == [returned.pk]


def test_dispatch_from_the_list(city, clock):
    """The quick form dispatches to the chosen department and comes back to the console."""
    case = desk.filed(city)
    client = city.client("dispatcher")
    response = client.post(
        f"/cases/{case.pk}/act/dispatch",
        {"department": case.suggested_department_id, "version": case.version, "next": URL},
    )
    assert response.status_code == 302 and response["Location"] == URL
    case.refresh_from_db()
    assert case.state == "dispatched" and case.department_id == case.suggested_department_id
    assert case.pk not in ids(client.get(URL), "to_dispatch")


def test_shift_lead_dispatches_and_decides_extensions(city, clock):
    """A shift lead (值班长) does what a dispatcher does: dispatch, grant or deny extensions."""
    case = desk.filed(city)
    client = city.client("shift_lead")
    html = client.get(URL).content.decode()
    assert case.code in html
    assert f'action="/cases/{case.pk}/act/dispatch"' in html
    szgy = city.department("SZGY")  # has the demo handler
    client.post(f"/cases/{case.pk}/act/dispatch", {"department": szgy, "next": URL})
    case.refresh_from_db()
    assert case.state == "dispatched"
    act(case.pk, "request_extension", desk.handler_of(case), extension="2天", reason="缺配件")
    html = client.get(URL).content.decode()
    assert f'action="/cases/{case.pk}/act/grant_extension"' in html
    client.post(f"/cases/{case.pk}/act/grant_extension", {"next": URL})
    case.refresh_from_db()
    assert case.pending_extension is None


def test_extension_requests_are_granted_or_denied(city, clock):
    """Pending extension requests are listed with grant and deny; both decide the request."""
    first = desk.dispatched(city)
    second = desk.dispatched(city, desk.EAST)
    for case in (first, second):
        act(case.pk, "request_extension", desk.handler_of(case), extension="2天", reason="缺配件")
    client = city.client("dispatcher")
    response = client.get(URL)
    assert set(ids(response, "extensions")) == {first.pk, second.pk}
    html = response.content.decode()
    assert TimeLimit.parse("2天").label_zh() in html
    assert f'action="/cases/{first.pk}/act/grant_extension"' in html
    assert f'action="/cases/{first.pk}/act/deny_extension"' in html
    before = first.handling_due
    client.post(f"/cases/{first.pk}/act/grant_extension", {"next": URL})
    client.post(f"/cases/{second.pk}/act/deny_extension", {"reason": "时限充足", "next": URL})
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.pending_extension is None and first.handling_due > before
    assert second.pending_extension is None
    assert ids(client.get(URL), "extensions") == []


def test_suspended_cases_can_be_resumed(city, clock):
    """Suspended cases are listed with resume, which returns them to their previous state."""
    case = desk.filed(city)
    act(case.pk, "suspend", city.user("dispatcher"), reason="待天气好转")
    client = city.client("shift_lead")
    response = client.get(URL)
    assert ids(response, "suspended") == [case.pk]
    assert f'action="/cases/{case.pk}/act/resume"' in response.content.decode()
    client.post(f"/cases/{case.pk}/act/resume", {"next": URL})
    case.refresh_from_db()
    assert case.state == "filed"


def test_cases_in_ruling_are_listed(city, clock):
    """Cases referred to experts wait in the ruling list, with urge."""
    case = desk.filed(city)
    act(case.pk, "refer_to_experts", city.user("dispatcher"), reason="权属不清")
    response = city.client("dispatcher").get(URL)
    assert ids(response, "in_ruling") == [case.pk]
    assert f'action="/cases/{case.pk}/act/urge"' in response.content.decode()


def test_overdue_and_soon_due_lists_follow_the_clock(city, clock):
    """A case past its due is overdue; within two hours of it, soon due; urge counts."""
    case = desk.filed(city)
    client = city.client("dispatcher")
    clock.set(case.current_due - timedelta(hours=1))
    response = client.get(URL)
    assert ids(response, "soon") == [case.pk] and ids(response, "overdue") == []
    assert response.context["counts"]["soon"] == 1
    clock.set(case.current_due + timedelta(minutes=1))
    response = client.get(URL)
    assert ids(response, "overdue") == [case.pk] and ids(response, "soon") == []
    assert f'action="/cases/{case.pk}/act/urge"' in response.content.decode()
    client.post(f"/cases/{case.pk}/act/urge", {"next": URL})
    case.refresh_from_db()
    assert case.urge_count == 1


def test_district_dispatcher_sees_only_their_district(city, clock):
    """Lists, counts and panels of a district dispatcher hold only their district's cases."""
    west = desk.filed(city, desk.WEST)
    east = desk.filed(city, desk.EAST)
    client = city.client("district_dispatcher")
    response = client.get(URL)
    assert ids(response, "to_dispatch") == [west.pk]
    assert response.context["counts"]["to_dispatch"] == 1
    assert east.code not in response.content.decode()
    assert client.get(URL, {"case": east.pk}).context["selected"] is None
    assert client.get(f"{URL}cases/{east.pk}/", headers={"HX-Request": "true"}).status_code == 404
    panel = client.get(f"{URL}cases/{west.pk}/", headers={"HX-Request": "true"})
    assert panel.status_code == 200 and f'value="{URL}?case={west.pk}"' in panel.content.decode()


def test_filters_narrow_every_list(city, clock):
    """Category and street filters apply to all the lists."""
    west = desk.filed(city, desk.WEST)
    east = desk.filed(city, desk.EAST)
    client = city.client("dispatcher")
    assert ids(client.get(URL, {"street": east.street_id}), "to_dispatch") == [east.pk]
    same_category = ids(client.get(URL, {"category": west.category_id}), "to_dispatch")
    assert set(same_category) == {west.pk, east.pk}
    assert ids(client.get(URL, {"category": 999999}), "to_dispatch") == []


def test_console_queries_do_not_grow_with_rows(city, clock):
    """The console costs the same number of queries for 1 case per list as for 3."""
    client = city.client("dispatcher")
    desk.filed(city)
    client.get(URL)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    desk.filed(city, desk.EAST)
    desk.filed(city)
    with CaptureQueriesContext(connection) as more:
        response = client.get(URL)
    assert len(ids(response, "to_dispatch")) == 3
    assert len(more) == len(few)


def test_console_in_english_and_chinese(city, clock):
    """The console renders in both languages."""
    client = city.client("dispatcher")
    english = client.get(URL, headers={"Accept-Language": "en"}).content.decode()
    assert "To dispatch" in english and "Decisions" in english
    assert '<html lang="zh-hans">' in client.get(URL).content.decode()

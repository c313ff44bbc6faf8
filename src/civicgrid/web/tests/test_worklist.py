"""The department worklist: a handler's dispatched cases, soonest due first, and their actions."""

from datetime import timedelta

import pytest
from django.utils import timezone

from civicgrid.cases.models import Case
from civicgrid.web.tests import conftest_field
from civicgrid.web.tests.conftest_field import (
    EAST,
    WEST,
    make_case,
    upload,
)

# The field consoles' fixtures (see conftest_field).
field_city = conftest_field.field_city
fcity = conftest_field.fcity

URL = "/worklist/"


def login(client, city, username):
    client.force_login(city.user(username))
    return client


def test_anonymous_is_sent_to_login(client, fcity):
    """Without a login the worklist redirects to the login page."""
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/worklist/")


@pytest.mark.parametrize("username", ["inspector", "operator", "dispatcher", "leader"])
def test_other_roles_are_refused(client, fcity, username):
    """Only handlers open the worklist."""
    assert login(client, fcity, username).get(URL).status_code == 403


def test_handler_sees_only_dispatched_cases_of_their_department(client, fcity):
    """The list holds the department's dispatched cases, not other departments' or other states."""
    mine = make_case(fcity, "dispatched")
    other = make_case(fcity, "dispatched", department="SRHW")
    resolved = make_case(fcity, "resolved")
    html = login(client, fcity, "handler").get(URL).content.decode()
    assert f'id="wl-case-{mine.pk}"' in html
    assert f'id="wl-case-{other.pk}"' not in html
    assert f'id="wl-case-{resolved.pk}"' not in html
    assert other.code not in html


def test_cases_are_sorted_by_due_time_overdue_first(client, fcity):
    """The soonest due (overdue first) comes first and carries its warning level."""
    later = make_case(fcity, "dispatched")
    sooner = make_case(fcity, "dispatched")
    now = timezone.now()
    Case.objects.filter(pk=sooner.pk).update(current_due=now - timedelta(hours=1))
    Case.objects.filter(pk=later.pk).update(current_due=now + timedelta(days=3))
    response = login(client, fcity, "handler").get(URL)
    html = response.content.decode()
    assert html.index(f"wl-case-{sooner.pk}") < html.index(f"wl-case-{later.pk}")
    rows = {r["case"].pk: r for r in response.context["rows"]}
    assert rows[sooner.pk]["overdue"] is True
    assert rows[later.pk]["overdue"] is False
    assert response.context["counts"]["overdue"] == 1
    assert response.context["counts"]["todo"] == 2


def test_counts_of_due_today(client, fcity):
    """A case due later today counts as due today."""
    case = make_case(fcity, "dispatched")
    end_of_day = timezone.localtime().replace(hour=23, minute=59)
    Case.objects.filter(pk=case.pk).update(current_due=end_of_day)
    response = login(client, fcity, "handler").get(URL)
    assert response.context["counts"]["due_today"] == 1
    assert 'id="count-due-today">1<' in response.content.decode()


def test_rework_is_listed_and_marked(client, fcity):
    """A case sent back by a failed check is in the list, marked as rework."""
    case = make_case(fcity, "rework")
    assert case.state == "dispatched"
    response = login(client, fcity, "handler").get(URL)
    row = next(r for r in response.context["rows"] if r["case"].pk == case.pk)
    assert row["rework"] is True
    assert "wl-rework" in response.content.decode()


def test_each_case_offers_resolve_extension_and_return(client, fcity):
    """The inline forms are the handler's actions, posting to case_act and back to the list."""
    case = make_case(fcity, "dispatched")
    html = login(client, fcity, "handler").get(URL).content.decode()
    for action in ("resolve", "request_extension", "return"):
        assert f'action="/cases/{case.pk}/act/{action}"' in html
    assert 'name="next" value="/worklist/"' in html
    assert 'enctype="multipart/form-data"' in html


def test_resolve_with_photos_and_note(client, fcity):
    """Resolving from the worklist stores the after photo and moves the case to resolved."""
    case = make_case(fcity, "dispatched")
    login(client, fcity, "handler")
    response = client.post(
        f"/cases/{case.pk}/act/resolve",
        {"photos": [upload()], "note": "已修复井盖", "next": URL, "version": case.version},
    )
    assert response.status_code == 302
    assert response["Location"] == URL
    case.refresh_from_db()
    assert case.state == "resolved"
    assert case.photos.filter(kind="after").count() == 1
    html = client.get(URL).content.decode()
    assert f'id="wl-case-{case.pk}"' not in html
    assert "已修复井盖" in html  # the history section


def test_request_extension(client, fcity):
    """An extension request with text like 2天 is recorded on the case."""
    case = make_case(fcity, "dispatched")
    login(client, fcity, "handler").post(
        f"/cases/{case.pk}/act/request_extension",
        {"extension": "2天", "reason": "需要协调供水公司", "next": URL},
    )
    case.refresh_from_db()
    assert case.pending_extension["amount"] in (2, "2")
    html = client.get(URL).content.decode()
    assert f'action="/cases/{case.pk}/act/request_extension"' not in html  # one at a time


def test_return_with_reason_leaves_the_list_but_stays_in_history(client, fcity):
    """A returned case leaves the department; the history keeps the department's own record."""
    case = make_case(fcity, "dispatched")
    login(client, fcity, "handler").post(
        f"/cases/{case.pk}/act/return", {"reason": "不属于本部门职责", "next": URL}
    )
    case.refresh_from_db()
    assert case.state == "returned"
    assert case.department_id is None
    html = client.get(URL).content.decode()
    assert f'id="wl-case-{case.pk}"' not in html
    assert "不属于本部门职责" in html
    assert case.code in html
    assert f'href="/cases/{case.pk}/"' not in html  # no longer visible: no link


def test_history_is_limited_to_the_department(client, fcity):
    """Another department's returns do not show up."""
    case = make_case(fcity, "dispatched", department="SRHW")
    hw = fcity.user("handler_hw")
    login(client, fcity, "handler_hw").post(
        f"/cases/{case.pk}/act/return", {"reason": "别的部门的退回", "next": URL}
    )
    assert hw.department_id == fcity.department("SRHW")
    html = login(client, fcity, "handler").get(URL).content.decode()
    assert "别的部门的退回" not in html


def test_street_handler_sees_only_their_district(client, fcity):
    """A district-scoped handler never sees a case of the other district, even of their department."""
    street = fcity.user("handler_street")
    code = next(k for k, v in fcity.departments.items() if v == street.department_id)
    west = make_case(fcity, "dispatched", department=code, point=WEST)
    # Dispatch cannot send an east case to a west department any more; data from
    # before that rule (or an edit in the admin) still must not show it.
    east = make_case(fcity, "dispatched", department="SZGY", point=EAST)
    Case.objects.filter(pk=east.pk).update(department_id=street.department_id)
    response = login(client, fcity, "handler_street").get(URL)
    ids = {r["case"].pk for r in response.context["rows"]}
    assert west.pk in ids
    assert east.pk not in ids
    assert response.context["counts"]["todo"] == 1


def test_page_works_in_english_and_chinese(client, fcity):
    """The worklist renders in both languages."""
    login(client, fcity, "handler")
    assert (
        "Department worklist"
        in client.get(URL, headers={"Accept-Language": "en"}).content.decode()
    )
    assert client.get(URL).status_code == 200

"""To-do lists per role, the nav badges, in-app notices and the staff event stream."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civicgrid.cases.models import Case, Report
from civicgrid.cases.services import act
from civicgrid.cases.services.photos import check_uploads, store_photo
from civicgrid.cases.services.todo import todo_counts
from civicgrid.notify.models import Notification
from civicgrid.web import live
from civicgrid.web.tests import conftest_desk as desk
from civicgrid.web.tests.test_query_counts import add_cases

demo_city = desk.demo_city
city = desk.city
clock = desk.clock
_media_in_tmp = desk._media_in_tmp

OPEN = ["reported", "verified", "filed", "dispatched", "returned", "resolved", "checked"]
OPEN += ["suspended", "in_ruling"]
URGEABLE = ["dispatched", "filed", "in_ruling", "resolved", "returned", "suspended"]


def busy_city(city, clock):
    """Add cases in every state, plus leader, urged, returned-twice and overdue ones."""
    add_cases(city)
    dispatcher = city.user("dispatcher")
    leader_report = desk.report(city, desk.EAST, text="领导批示：尽快处理")
    Report.objects.filter(case=leader_report).update(channel="leader")
    twice = desk.dispatched(city)
    act(twice.pk, "return", dispatcher, reason="派错")
    act(twice.pk, "dispatch", dispatcher, department=city.department("SZGY"))
    act(twice.pk, "return", dispatcher, reason="又派错")
    urged = desk.dispatched(city)
    act(urged.pk, "urge", city.user("leader"))
    checked = desk.dispatched(city)
    handler = desk.handler_of(checked)
    photo = store_photo(check_uploads([desk.jpeg()])[0], "after", handler)
    act(checked.pk, "resolve", handler, photos=[photo.pk], note="已处置")
    act(checked.pk, "check", city.user("inspector"), passed=True)
    # A proposed duplicate: a second report at the same spot.
    desk.report(city, desk.WEST)
    desk.report(city, desk.WEST)
    clock.advance(days=3)  # some deadlines pass


def expected(user, now) -> dict[str, int]:
    """Compute each to-do count with plain ORM filters, independently of the to-do module."""
    cases = Case.objects.all()
    if user.district_id:
        cases = cases.filter(district_id=user.district_id)
    if set(user.roles) == {"handler"}:
        cases = cases.filter(department_id=user.department_id)
    roles = set(user.roles)
    counts = {}
    if roles & {"operator", "shift_lead"}:
        counts["to_verify"] = cases.filter(state="reported").count()
        counts["verified"] = cases.filter(state="verified").count()
        counts["duplicates"] = (
            cases.filter(state__in=["reported", "verified"], reports__duplicate_state="proposed")
            .distinct()
            .count()
        )
        counts["to_close"] = cases.filter(state="checked").count()
        counts["dissatisfied"] = 0
    if roles & {"dispatcher", "shift_lead"}:
        counts["to_dispatch"] = cases.filter(state__in=["filed", "returned"]).count()
        counts["returned"] = cases.filter(state="returned").count()
        counts["extensions"] = cases.filter(
            state="dispatched", pending_extension__isnull=False
        ).count()
        counts["suspended"] = cases.filter(state="suspended").count()
        counts["overdue"] = cases.filter(state__in=URGEABLE, current_due__lt=now).count()
        counts["due_soon"] = cases.filter(
            state__in=URGEABLE, current_due__gte=now, current_due__lt=now + timedelta(hours=2)
        ).count()
    if "handler" in roles:
        own = cases.filter(state="dispatched", department_id=user.department_id)
        counts["urged"] = own.filter(urge_count__gt=0).count()
        counts["department"] = own.count()
        counts["department_overdue"] = own.filter(current_due__lt=now).count()
    if "inspector" in roles:
        counts["verify_tasks"] = cases.filter(state="reported", verifier=user).count()
        counts["check_tasks"] = cases.filter(state="resolved").count()
    if roles & {"expert", "coordinator"}:
        counts["rulings"] = cases.filter(state="in_ruling").count()
    if "coordinator" in roles:
        hard = [
            c
            for c in cases.filter(state__in=OPEN)
            if c.events.filter(action="return").count() >= 2
            or (c.current_due and c.current_due < now)
            or c.urge_count
        ]
        counts["hard"] = len(hard)
    if "leader" in roles:
        counts["instructed"] = (
            cases.filter(state__in=OPEN, reports__channel="leader").distinct().count()
        )
        counts["overdue_departments"] = len(
            set(
                cases.filter(state__in=OPEN, current_due__lt=now, department__isnull=False)
                .values_list("department_id", flat=True)
                .distinct()
            )
        )
    return counts


def test_every_roles_home_page_shows_the_databases_counts(city, clock):
    """Each demo user's home page lists their role's to-do items with the database's counts."""
    busy_city(city, clock)
    users = get_user_model().objects.exclude(username="admin").order_by("username")
    seen_nonzero = set()
    for user in users:
        response = city.client(user.username).get("/")
        assert response.status_code == 200
        shown = {row["item"].key: row["count"] for row in response.context["todo_rows"]}
        assert shown == expected(city.user(user.username), clock()), user.username
        seen_nonzero |= {key for key, n in shown.items() if n}
        html = response.content.decode()
        for row in response.context["todo_rows"]:
            assert row["url"] in html
    # The data exercises every item but the ratings hook (no ratings exist yet).
    assert {"duplicates", "to_close", "extensions", "suspended", "overdue", "urged"} <= (
        seen_nonzero
    )
    assert {"rulings", "hard", "instructed", "overdue_departments"} <= seen_nonzero
    assert "dissatisfied" not in seen_nonzero


def test_counts_are_one_query_and_shared_until_a_case_changes(city, clock):
    """All of a role's counts are one aggregate; the badges reuse it until the next event."""
    add_cases(city)
    lead = city.user("shift_lead")
    assert lead.roles  # read (and cached on the instance) before counting
    with CaptureQueriesContext(connection) as captured:
        todo_counts(lead, clock())
    assert len(captured) == 1
    client = city.client("shift_lead")
    client.get("/todo/badges")
    with CaptureQueriesContext(connection) as captured:
        client.get("/todo/badges")
    assert not any("COUNT" in q["sql"] and "cases_case" in q["sql"] for q in captured)
    before = client.get("/todo/badges").context["todo_total"]
    desk.report(city)  # a new case event: the numbers are counted again
    assert client.get("/todo/badges").context["todo_total"] == before + 1


def test_a_district_user_counts_only_their_district(city, clock):
    """The district dispatcher's counts start from their visible cases."""
    desk.filed(city, desk.WEST)
    desk.filed(city, desk.EAST)
    rows = city.client("district_dispatcher").get("/").context["todo_rows"]
    assert {r["item"].key: r["count"] for r in rows}["to_dispatch"] == 1
    rows = city.client("dispatcher").get("/").context["todo_rows"]
    assert {r["item"].key: r["count"] for r in rows}["to_dispatch"] == 2


def test_developer_links_are_for_admins_only(city):
    """API docs and the health check are linked on the home page for administrators only."""
    assert "/healthz" not in city.client("operator").get("/").content.decode()
    assert "/healthz" in city.client("admin").get("/").content.decode()


def test_todo_list_pages_list_the_items_cases(city, clock):
    """An expert's ruling list shows the cases in ruling; other roles' items are 404."""
    case = desk.filed(city)
    act(case.pk, "refer_to_experts", city.user("dispatcher"), reason="权属不清")
    response = city.client("expert").get("/todo/rulings/")
    assert response.status_code == 200
    assert case.code in response.content.decode()
    assert city.client("dispatcher").get("/todo/rulings/").status_code == 404
    assert city.client("leader").get("/todo/overdue_departments/").status_code == 404
    assert city.client("expert").get("/todo/nothing/").status_code == 404


def test_worklist_lists_urged_cases_first(city, clock):
    """The handler's worklist puts urged cases (督办) before the soonest due."""
    first = desk.dispatched(city)
    clock.advance(hours=1)
    later = desk.dispatched(city)
    act(later.pk, "urge", city.user("leader"))
    rows = city.client("handler").get("/worklist/").context["rows"]
    assert [r["case"].pk for r in rows][:2] == [later.pk, first.pk]


def test_returns_are_counted_on_the_case(city, clock):
    """Every return adds one to ``return_count`` (the hard-case rule reads it)."""
    case = desk.dispatched(city)
    act(case.pk, "return", city.user("dispatcher"), reason="派错")
    case.refresh_from_db()
    assert case.return_count == 1


def test_api_todo_matches_the_home_page(city, clock):
    """``GET /api/v1/todo`` gives the same items and counts as the home page."""
    add_cases(city)
    client = city.client("shift_lead")
    body = client.get("/api/v1/todo").json()
    rows = client.get("/").context["todo_rows"]
    assert [(i["key"], i["count"]) for i in body] == [(r["item"].key, r["count"]) for r in rows]
    assert all(i["url"].startswith("/") for i in body)


# -- notices -------------------------------------------------------------------------


def test_notices_are_read_and_marked_per_user(city, clock):
    """A dispatch notice reaches its department's handler, unread until marked read."""
    case = desk.dispatched(city)
    notice = Notification.objects.get(case=case, kind="dispatch")
    handler = city.client("handler")
    page = handler.get("/notices/")
    assert page.context["unread"] == 1
    assert notice.message in page.content.decode()
    assert handler.get("/todo/badges").context["unread"] == 1
    # Another department's handler neither sees nor marks it.
    other = city.client("handler_hw")
    assert notice.message not in other.get("/notices/").content.decode()
    other.post("/notices/read", {"notice": notice.pk})
    assert handler.get("/notices/").context["unread"] == 1
    assert handler.get("/notices/read").status_code == 405
    response = handler.post("/notices/read", {"notice": notice.pk})
    assert response.status_code == 302
    assert handler.get("/notices/").context["unread"] == 0
    assert handler.get("/todo/badges").context["unread"] == 0


def test_marking_read_needs_the_csrf_token(city, clock):
    """Mark-read is a POST protected by CSRF like every form."""
    from django.test import Client

    desk.dispatched(city)
    client = Client(enforce_csrf_checks=True)
    client.force_login(city.user("handler"))
    assert client.post("/notices/read", {"all": "1"}).status_code == 403


# -- live stream for staff pages -------------------------------------------------------


@pytest.fixture
def fast_stream(monkeypatch):
    monkeypatch.setattr(live, "POLL_SECONDS", 0.01)
    monkeypatch.setattr(live, "STREAM_SECONDS", 2.0)


@pytest.mark.parametrize("username", ["operator", "handler", "inspector", "expert"])
def test_staff_event_stream_reports_a_change(city, clock, fast_stream, username):
    """Any staff page may listen: hello with the cursor, then ``change`` after a case event."""
    response = city.client(username).get("/live/events")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/event-stream")
    chunks = iter(response.streaming_content)
    try:
        assert "event: hello" in next(chunks).decode()
        desk.report(city)
        assert next(chunks).decode().startswith(f"id: {live.latest_change()}\nevent: change\n")
    finally:
        # End the stream's generator now, not at garbage collection (a stream left
        # open crashed a later test). Closing the test client's own wrapper closes
        # the response the way a finished stream does, keeping the test's
        # database connection open.
        response._iterator.close()


def test_event_stream_needs_a_login(client, city):
    """Anonymous visitors are sent to the login page, not streamed to."""
    response = client.get("/live/events")
    assert response.status_code == 302


def test_pages_listen_only_when_logged_in(client, city):
    """The body names the stream for staff; the login page opens none."""
    assert "data-cg-events" not in client.get("/accounts/login/").content.decode()
    html = city.client("operator").get("/cases/").content.decode()
    assert 'data-cg-events="/live/events"' in html and "/todo/badges" in html


def test_the_migration_counts_the_returns_of_older_cases(city, clock):
    """Migration 0031 fills ``return_count`` from each case's ``return`` events."""
    import importlib

    from django.apps import apps

    fill = importlib.import_module("civicgrid.cases.migrations.0018_fill_case_return_count").fill
    case = desk.dispatched(city)
    dispatcher = city.user("dispatcher")
    act(case.pk, "return", dispatcher, reason="派错")
    act(case.pk, "dispatch", dispatcher, department=city.department("SZGY"))
    act(case.pk, "return", dispatcher, reason="又派错")
    Case.objects.filter(pk=case.pk).update(return_count=0)

    class Editor:
        connection = connection

    fill(apps, Editor())
    case.refresh_from_db()
    assert case.return_count == 2

"""The intake and filing console: who opens it, what the queue holds, and that its actions act."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civicgrid.cases.models import Case, Report
from civicgrid.places.models import District
from civicgrid.testing.factories import UserFactory
from civicgrid.web.tests import conftest_desk as desk

# The shared fixtures, by assignment so they are this module's own.
demo_city = desk.demo_city
city = desk.city
clock = desk.clock
_media_in_tmp = desk._media_in_tmp

URL = "/intake/"


def test_anonymous_is_sent_to_login(client, city):
    """Without a login the console redirects to the login page."""
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("username", ["dispatcher", "handler", "inspector", "leader"])
def test_other_roles_are_refused(city, username):
    """Only operators and shift leads open the intake console and its panels."""
    client = city.client(username)
    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}cases/1/", headers={"HX-Request": "true"}).status_code == 403


@pytest.mark.parametrize("username", ["operator", "shift_lead"])
def test_queue_holds_reported_and_verified_cases_only(city, clock, username):
    """Reported and verified cases are queued with channel, place and suggested category."""
    from civicgrid.cases.services import act

    condition = desk.a_condition()
    reported = desk.report(city, category=condition.category_id, photos=[desk.jpeg()])
    verified = desk.report(city, desk.EAST, text="道路积水")
    act(verified.pk, "verify", city.user("operator"))
    filed = desk.filed(city)
    response = city.client(username).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert reported.code in html and verified.code in html
    assert filed.code not in html
    assert condition.category.name in html  # the suggested category
    photo = reported.photos.get()
    assert f'src="/photos/{photo.pk}/thumbnail/"' in html  # the first photo's thumbnail
    assert reported.grid_cell.code in html
    assert 'id="desk-map"' in html and 'id="desk-points"' in html
    assert response.context["counts"]["reported"] == 1
    assert response.context["counts"]["verified"] == 1


def test_queue_orders_by_due_or_age_and_filters(city, clock):
    """The queue sorts by deadline (default) or age, and filters by state, category and street."""
    from civicgrid.cases.services import act

    condition = desk.a_condition()
    first = desk.report(city, category=condition.category_id)
    clock.advance(minutes=10)
    second = desk.report(city, desk.EAST)
    act(second.pk, "verify", city.user("operator"))
    client = city.client("operator")
    oldest = [c.pk for c in client.get(URL, {"sort": "oldest"}).context["rows"]]
    assert oldest == [first.pk, second.pk]
    assert [c.pk for c in client.get(URL, {"state": "verified"}).context["rows"]] == [second.pk]
    by_category = client.get(URL, {"category": condition.category_id}).context["rows"]
    assert [c.pk for c in by_category] == [first.pk]
    by_street = client.get(URL, {"street": second.street_id}).context["rows"]
    assert [c.pk for c in by_street] == [second.pk]
    # Unknown values are ignored rather than refused.
    assert client.get(URL, {"state": "closed", "sort": "x", "street": "abc"}).status_code == 200


def test_district_operator_sees_only_their_district(city, clock):
    """A district-scoped operator's queue, counts, map and panels hold only their district."""
    west = desk.report(city, desk.WEST)
    east = desk.report(city, desk.EAST)
    operator = UserFactory(
        username="west_operator", roles=["operator"], district=District.objects.get(code="130391")
    )
    client = city.client("operator")
    client.force_login(operator)
    response = client.get(URL)
    html = response.content.decode()
    assert west.code in html and east.code not in html
    assert response.context["counts"]["reported"] == 1
    assert [p["id"] for p in response.context["points"]] == [west.pk]
    assert client.get(URL, {"case": east.pk}).context["selected"] is None
    panel = client.get(f"{URL}cases/{east.pk}/", headers={"HX-Request": "true"})
    assert panel.status_code == 404
    streets = {s.district_id for s in response.context["streets"]}
    assert streets == {operator.district_id}


def test_panel_offers_verification_task_with_patrolling_inspectors_first(city, clock):
    """The HTMX panel lists the inspectors of ``suggest_inspectors`` and leads back to the queue."""
    from civicgrid.cases.services import suggest_inspectors

    case = desk.report(city)
    client = city.client("operator")
    response = client.get(f"{URL}cases/{case.pk}/", {"sort": "oldest"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-action="request_verification"' in html
    assert 'name="inspector"' in html
    expected = [u.pk for u in suggest_inspectors(case)]
    assert expected
    options = html.split('name="inspector"', 1)[1].split("</select>", 1)[0]
    positions = [options.index(f'value="{pk}"') for pk in expected]
    assert positions == sorted(positions)
    assert f'value="{URL}?sort=oldest&amp;case={case.pk}"' in html  # next
    for action in ("verify", "file", "void"):
        assert f'data-action="{action}"' in html
    # Without HTMX the panel address opens the console with the case.
    plain = client.get(f"{URL}cases/{case.pk}/")
    assert plain.status_code == 302 and plain["Location"] == f"{URL}?case={case.pk}"


def test_console_with_a_case_renders_its_panel(city, clock):
    """``?case=`` opens the case's panel beside the queue, with the file form."""
    condition = desk.a_condition()
    case = desk.report(city, category=condition.category_id)
    html = city.client("shift_lead").get(URL, {"case": case.pk}).content.decode()
    assert f'id="case-{case.pk}"' in html
    assert 'data-action="file"' in html and "data-conditions-url" in html
    assert f'<option value="{condition.category_id}" selected>' in html


def test_request_verification_from_the_panel(city, clock):
    """Sending a verification task names the inspector and comes back to the queue."""
    from civicgrid.cases.services import suggest_inspectors

    case = desk.report(city)
    inspector = suggest_inspectors(case)[0]
    response = city.client("operator").post(
        f"/cases/{case.pk}/act/request_verification",
        {"inspector": inspector.pk, "version": case.version, "next": f"{URL}?case={case.pk}"},
    )
    assert response.status_code == 302 and response["Location"] == f"{URL}?case={case.pk}"
    case.refresh_from_db()
    assert case.verifier_id == inspector.pk
    assert case.state == "reported"


def test_verify_file_and_void_change_the_case(city, clock):
    """The panel's forms verify, file (category + condition) and void through ``case_act``."""
    client = city.client("operator")
    condition = desk.a_condition()
    case = desk.report(city, category=condition.category_id)
    client.post(f"/cases/{case.pk}/act/verify", {"next": URL})
    case.refresh_from_db()
    assert case.state == "verified"
    client.post(
        f"/cases/{case.pk}/act/file",
        {"category": condition.category_id, "filing_condition": condition.pk, "next": URL},
    )
    case.refresh_from_db()
    assert case.state == "filed" and case.filing_condition_id == condition.pk
    other = desk.report(city, desk.EAST)
    response = client.post(f"/cases/{other.pk}/act/void", {"reason": "无效上报", "next": URL})
    assert response["Location"] == URL
    other.refresh_from_db()
    assert other.state == "voided"
    # Both have left the queue.
    assert list(client.get(URL).context["rows"]) == []


def _duplicate_pair(city):
    condition = desk.a_condition()
    original = desk.report(city, category=condition.category_id)
    lon, lat = desk.WEST
    again = desk.report(
        city, (lon + 0.00002, lat), category=condition.category_id, text="再次反映"
    )
    report = Report.objects.get(case=again)
    assert report.duplicate_state == "proposed" and report.duplicate_of_id == original.pk
    return original, again, report


def test_proposed_duplicate_is_shown_with_merge_and_keep(city, clock):
    """A proposed duplicate shows the other case and the two decisions."""
    original, again, report = _duplicate_pair(city)
    response = city.client("operator").get(URL)
    html = response.content.decode()
    assert f"/intake/reports/{report.pk}/merge" in html
    assert f"/intake/reports/{report.pk}/keep" in html
    assert f"?case={original.pk}" in html
    assert response.context["counts"]["duplicates"] == 1


def test_merge_moves_the_report_and_voids_its_case(city, clock):
    """Merging confirms the duplicate: the report joins the other case, its own case is voided."""
    original, again, report = _duplicate_pair(city)
    response = city.client("operator").post(
        f"{URL}reports/{report.pk}/merge", {"next": f"{URL}?sort=oldest"}
    )
    assert response.status_code == 302 and response["Location"] == f"{URL}?sort=oldest"
    report.refresh_from_db()
    assert report.case_id == original.pk and report.duplicate_state == "confirmed"
    assert Case.objects.get(pk=again.pk).state == "voided"


def test_keep_separate_rejects_the_proposal(city, clock):
    """Keeping apart records the decision; both cases stay in the queue."""
    original, again, report = _duplicate_pair(city)
    client = city.client("shift_lead")
    client.post(f"{URL}reports/{report.pk}/keep", {"next": "https://evil.example/"})
    report.refresh_from_db()
    assert report.duplicate_state == "rejected" and report.case_id == again.pk
    rows = {c.pk for c in client.get(URL).context["rows"]}
    assert rows == {original.pk, again.pk}


def test_duplicate_decisions_need_the_role_and_the_district(city, clock):
    """Other roles get 403; a report out of the user's district is 404; GET is refused."""
    _original, _again, report = _duplicate_pair(city)
    assert city.client("dispatcher").post(f"{URL}reports/{report.pk}/merge").status_code == 403
    east_operator = UserFactory(
        username="east_operator", roles=["operator"], district=District.objects.get(code="130392")
    )
    client = city.client("operator")
    assert client.get(f"{URL}reports/{report.pk}/merge").status_code == 405
    client.force_login(east_operator)
    assert client.post(f"{URL}reports/{report.pk}/keep").status_code == 404
    report.refresh_from_db()
    assert report.duplicate_state == "proposed"


def test_queue_queries_do_not_grow_with_rows(city, clock):
    """The queue costs the same number of queries for 2 cases as for 6 (no N+1)."""
    client = city.client("operator")
    for _ in range(2):
        desk.report(city, photos=[desk.jpeg()])
    client.get(URL)  # warm caches (categories, calendar)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    for point in (desk.EAST, desk.WEST, desk.EAST, desk.WEST):
        desk.report(city, point, photos=[desk.jpeg()])
    with CaptureQueriesContext(connection) as more:
        response = client.get(URL)
    assert len(response.context["rows"]) == 6
    assert len(more) == len(few)


def test_console_in_english_and_chinese(city, clock):
    """The console renders in both languages."""
    desk.report(city)
    client = city.client("operator")
    english = client.get(URL, headers={"Accept-Language": "en"}).content.decode()
    assert "Intake &amp; filing" in english and "Queue" in english
    chinese = client.get(URL).content.decode()
    assert '<html lang="zh-hans">' in chinese

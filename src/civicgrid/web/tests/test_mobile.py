"""The inspector phone app: tasks, task pages, the report page, the manifest and service worker."""

import json
import re

import pytest

from civicgrid.cases.models import Case
from civicgrid.web.tests import conftest_field
from civicgrid.web.tests.conftest_field import (
    EAST,
    WEST,
    jpeg_bytes,
    make_case,
    upload,
)

# The field consoles' fixtures (see conftest_field).
field_city = conftest_field.field_city
fcity = conftest_field.fcity


def login(client, city, username):
    client.force_login(city.user(username))
    return client


@pytest.mark.parametrize("url", ["/m/", "/m/new/"])
def test_anonymous_is_sent_to_login(client, fcity, url):
    """The app pages need a login."""
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("username", ["handler", "operator", "dispatcher", "leader"])
def test_other_roles_are_refused(client, fcity, username):
    """Only inspectors open the app."""
    login(client, fcity, username)
    assert client.get("/m/").status_code == 403
    assert client.get("/m/new/").status_code == 403


def test_tasks_list_verification_and_check_tasks(client, fcity):
    """Verification tasks asked of me and resolved cases to check are listed; others are not."""
    verify = make_case(fcity, "reported", verifier="inspector")
    not_mine = make_case(fcity, "reported")
    check = make_case(fcity, "resolved")
    response = login(client, fcity, "inspector").get("/m/")
    assert response.status_code == 200
    verify_ids = [t["case"].pk for t in response.context["verify_tasks"]]
    check_ids = [t["case"].pk for t in response.context["check_tasks"]]
    assert verify_ids == [verify.pk]
    assert check_ids == [check.pk]
    assert not_mine.pk not in verify_ids + check_ids
    html = response.content.decode()
    assert f'href="/m/tasks/{verify.pk}/"' in html
    # WGS-84 position for the distance sort in the browser.
    assert f'data-lon="{check.lon}"' in html
    assert "csrftoken" in response.cookies


def test_tasks_never_show_the_other_district(client, fcity):
    """An inspector of the west district sees no east-district task."""
    east = make_case(fcity, "resolved", point=EAST)
    west = make_case(fcity, "resolved", point=WEST)
    response = login(client, fcity, "inspector").get("/m/")
    ids = [t["case"].pk for t in response.context["check_tasks"]]
    assert west.pk in ids
    assert east.pk not in ids
    assert client.get(f"/m/tasks/{east.pk}/").status_code == 404


def test_check_tasks_in_my_patrol_zones_come_first(client, fcity):
    """Resolved cases in my patrol zones are listed before the others."""
    from civicgrid.places.models import PatrolZone

    inside = make_case(fcity, "resolved")
    outside = make_case(fcity, "resolved", point=(WEST[0] - 0.004, WEST[1] + 0.003))
    assert outside.grid_cell_id != inside.grid_cell_id
    zone_cells = PatrolZone.objects.filter(inspector=fcity.user("inspector")).values_list(
        "cells", flat=True
    )
    assert inside.grid_cell_id in set(zone_cells)
    PatrolZone.cells.through.objects.filter(gridcell_id=outside.grid_cell_id).delete()
    Case.objects.filter(pk=outside.pk).update(current_due=None)
    Case.objects.filter(pk=inside.pk).update(current_due=None)
    tasks = login(client, fcity, "inspector").get("/m/").context["check_tasks"]
    order = [t["case"].pk for t in tasks]
    assert order.index(inside.pk) < order.index(outside.pk)
    assert {t["case"].pk: t["in_zone"] for t in tasks} == {inside.pk: True, outside.pk: False}


def test_verification_task_page_offers_verify_only(client, fcity):
    """A verification task offers verify, posting to case_act and back to the task list."""
    case = make_case(fcity, "reported", verifier="inspector")
    html = login(client, fcity, "inspector").get(f"/m/tasks/{case.pk}/").content.decode()
    assert f'action="/cases/{case.pk}/act/verify"' in html
    assert "/act/void" not in html
    assert 'name="next" value="/m/"' in html
    assert 'id="task-map"' in html


def test_verify_from_the_phone(client, fcity):
    """Verifying moves the case to verified and returns to the task list."""
    case = make_case(fcity, "reported", verifier="inspector")
    response = login(client, fcity, "inspector").post(
        f"/cases/{case.pk}/act/verify", {"note": "现场属实", "next": "/m/"}
    )
    assert response["Location"] == "/m/"
    case.refresh_from_db()
    assert case.state == "verified"


def test_check_task_page_has_camera_and_pass_fail(client, fcity):
    """A check task shows the after photo and asks for a camera photo and pass/fail."""
    case = make_case(fcity, "resolved")
    html = login(client, fcity, "inspector").get(f"/m/tasks/{case.pk}/").content.decode()
    assert f'action="/cases/{case.pk}/act/check"' in html
    assert 'accept="image/*" capture="environment"' in html
    assert 'value="pass"' in html and 'value="fail"' in html
    assert "Photo after handling" in html or "处置后" in html or "<img" in html


@pytest.mark.parametrize(("result", "state"), [("pass", "checked"), ("fail", "dispatched")])
def test_check_with_photo(client, fcity, result, state):
    """A check with a photo passes (checked) or fails (rework: dispatched again)."""
    case = make_case(fcity, "resolved")
    login(client, fcity, "inspector").post(
        f"/cases/{case.pk}/act/check", {"passed": result, "photos": [upload()], "next": "/m/"}
    )
    case.refresh_from_db()
    assert case.state == state
    assert case.photos.filter(kind="check").count() == 1


def test_new_report_page(client, fcity):
    """The report page has the camera input, the map, the categories and the tile CRS."""
    make_case(fcity, "dispatched")  # makes its category a common one
    response = login(client, fcity, "inspector").get("/m/new/")
    html = response.content.decode()
    assert 'accept="image/*" capture="environment"' in html
    assert 'id="report-map"' in html
    assert 'id="tile-config"' in html
    assert re.search(r'data-crs="(wgs84|gcj02|bd09|cgcs2000)"', html)
    assert len(response.context["common"]) == 1
    assert len(response.context["categories"]) > 50
    assert "csrftoken" in response.cookies
    for label_for in ("report-photo", "report-description", "category-search", "category-all"):
        assert f'for="{label_for}"' in html


def test_report_through_the_api_with_session_and_csrf_is_idempotent(fcity):
    """The app's request (session + X-CSRFToken, multipart) makes one case; a resend answers 200."""
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(fcity.user("inspector"))
    client.get("/m/new/")
    token = client.cookies["csrftoken"].value
    data = {
        "channel": "inspector",
        "crs": "wgs84",
        "lon": str(WEST[0]),
        "lat": str(WEST[1]),
        "description": "路灯不亮",
        "idempotency_key": "3b0c2c43-6a0b-4e8e-9d55-3f1ad6f0a001",
    }

    def send():
        from django.core.files.uploadedfile import SimpleUploadedFile

        photo = SimpleUploadedFile("p.jpg", jpeg_bytes(), "image/jpeg")
        return client.post("/api/v1/reports", {**data, "photos": [photo]}, HTTP_X_CSRFTOKEN=token)

    first = send()
    assert first.status_code == 201, first.content
    again = send()
    assert again.status_code == 200
    assert again.json()["case_id"] == first.json()["case_id"]
    assert Case.objects.filter(reports__idempotency_key=data["idempotency_key"]).count() == 1
    without_token = client.post("/api/v1/reports", data)
    assert without_token.status_code in (401, 403)


def test_service_worker_is_served_under_m(client, db):
    """The service worker is JavaScript, allowed the /m/ scope, and lists the app shell."""
    response = client.get("/m/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/m/"
    body = response.content.decode()
    config = json.loads(re.search(r"const CONFIG = (\{.*\});", body).group(1))
    assert "/static/web/mobile.js" in config["static"]
    assert "/static/web/mobile-queue.js" in config["static"]
    assert config["pages"] == ["/m/", "/m/new/"]
    assert 'importScripts("/static/web/mobile-queue.js")' in body


def test_shell_static_files_exist():
    """Every file the service worker pre-caches is found by the static finders."""
    from django.contrib.staticfiles import finders

    from civicgrid.web.consoles.mobile import SHELL_STATIC

    missing = [name for name in SHELL_STATIC if not finders.find(name)]
    assert missing == []


def test_manifest(client, db):
    """The manifest makes /m/ an installable standalone app."""
    response = client.get("/m/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    data = response.json()
    assert data["start_url"] == "/m/"
    assert data["scope"] == "/m/"
    assert data["display"] == "standalone"
    assert data["icons"]


def test_pages_link_the_manifest(client, fcity):
    """The app pages link the manifest and load the outbox script."""
    html = login(client, fcity, "inspector").get("/m/").content.decode()
    assert 'rel="manifest" href="/m/manifest.webmanifest"' in html
    assert 'data-sw="/m/sw.js?u=' in html  # one worker per user (see test_photo_pages)
    assert "web/mobile-queue.js" in html


def test_new_report_page_carries_the_district_outline_and_the_confirm_step(client, fcity):
    """The page holds the user's district outline, the grid URL and the confirm button."""
    from civicgrid.places.models import District

    inspector = fcity.user("inspector")
    response = login(client, fcity, "inspector").get("/m/new/")
    html = response.content.decode()
    outlines = json.loads(
        re.search(
            r'<script id="report-outlines" type="application/json">(.*?)</script>', html, re.S
        ).group(1)
    )
    assert [f["properties"]["code"] for f in outlines["features"]] == [
        District.objects.get(pk=inspector.district_id).code
    ]
    assert outlines["features"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert 'data-grid-url="/map/grid.geojson"' in html
    assert 'id="place-confirm" hidden' in html
    assert 'name="position_source"' in html
    strings = response.context["strings"]
    assert str(strings["confirm_place"]) == "请在地图上确认位置"


def test_city_wide_inspector_sees_every_district_outline(client, fcity):
    """An inspector without a district gets all districts' outlines."""
    from civicgrid.places.models import District
    from civicgrid.testing.factories import UserFactory

    user = UserFactory(username="citywide-inspector", roles=["inspector"])
    client.force_login(user)
    outlines = client.get("/m/new/").context["outlines"]
    assert len(outlines["features"]) == District.objects.count() > 1


def test_report_keeps_the_position_source(fcity):
    """``position_source`` sent by the app is kept in the report's raw payload."""
    from django.test import Client

    from civicgrid.cases.models import Report

    client = Client()
    client.force_login(fcity.user("inspector"))
    data = {
        "channel": "inspector",
        "crs": "wgs84",
        "lon": str(WEST[0]),
        "lat": str(WEST[1]),
        "description": "手动确认的位置",
        "position_source": "manual",
        "photos": [upload()],
    }
    response = client.post("/api/v1/reports", data)
    assert response.status_code == 201, response.content
    report = Report.objects.get(pk=response.json()["report"]["id"])
    assert report.raw_payload["position_source"] == "manual"

"""The pages still work under the Content-Security-Policy, in a real browser.

The code that used to be inline (case and task maps, the language switch) now
starts from static files; the admin and the API docs (ninja's own static files,
no CDN) render. The ``csp_violations`` guard fails the test on any violation.
"""

import pytest

from civicgrid.testing.browser import chromium, login, new_page  # noqa: F401  (fixture)
from civicgrid.web.tests.conftest_field import PASSWORD, build_field_city, make_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def offline(page):
    """Keep the page from fetching map tiles from outside (the map still draws)."""
    page.context.route("https://**/*", lambda route: route.abort())
    return page


def test_pages_work_under_the_content_security_policy(live_server, chromium, settings, tmp_path):  # noqa: F811
    """Maps start, the language switch submits, admin and API docs render: no violation."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    city = build_field_city()
    case = make_case(city, "resolved")
    base = live_server.url

    desk = offline(new_page(chromium))
    login(desk, base, "admin", PASSWORD)
    desk.goto(f"{base}/cases/{case.pk}/")
    desk.wait_for_selector("#case-map.leaflet-container")
    with desk.expect_navigation():
        desk.select_option("#lang-select", "en")
    assert desk.locator("html").get_attribute("lang") == "en"
    desk.goto(f"{base}/admin/")
    desk.wait_for_selector("#site-name")
    desk.goto(f"{base}/api/v1/docs")
    desk.wait_for_selector("#swagger-ui .opblock")

    phone = offline(new_page(chromium, "phone"))
    login(phone, base, "inspector", PASSWORD)
    phone.goto(f"{base}/m/tasks/{case.pk}/")
    phone.wait_for_selector("#task-map.leaflet-container")

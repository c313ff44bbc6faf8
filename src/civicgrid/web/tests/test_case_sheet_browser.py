"""The case page and its case sheet in a real browser: labelled, readable, strict CSP, printable.

Transactional (the live server runs in another thread), so this module builds
the demo city itself, like ``test_logout_browser``.
"""

import pytest

from civicgrid.testing.browser import (
    CHROMIUM,
    axe_violations,
    chromium,
    login_to,
    new_page,
    screenshot,
    settle,
    watch_csp,
)
from civicgrid.web.tests.conftest_field import PASSWORD, build_field_city, make_case

assert chromium  # the fixture, imported for pytest
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium"),
]


@pytest.mark.django_db(transaction=True)
def test_case_page_and_sheet_pass_axe_and_print_cleanly(live_server, chromium, settings, tmp_path):
    """The deadline table and sheet have labels and contrast; print hides the console around."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    city = build_field_city()
    case = make_case(city, "resolved")
    base = live_server.url
    with watch_csp() as csp:
        page = new_page(chromium)
        page.context.route("https://**/*", lambda route: route.abort())
        try:
            login_to(page, base, f"/cases/{case.pk}/", "dispatcher", PASSWORD)
            settle(page)
            assert page.locator("table.stages tbody tr").count() >= 3
            problems = axe_violations(page)
            screenshot(page, "case-page-deadlines")
            page.emulate_media(media="print")
            assert not page.locator("header.topbar").is_visible()
            assert not page.locator("#case-map").is_visible()
            assert page.locator("table.stages").is_visible()
            page.emulate_media(media="screen")

            page.click("a.sheet-link >> nth=0")
            page.wait_for_url(f"**/cases/{case.pk}/sheet/")
            settle(page)
            assert case.code in page.locator(".case-sheet").inner_text()
            problems += axe_violations(page)
            screenshot(page, "case-sheet")
            page.emulate_media(media="print")
            assert not page.locator(".sheet-tools").is_visible()
            assert page.locator(".case-sheet").is_visible()
            pdf = page.request.get(f"{base}/cases/{case.pk}/sheet.pdf")
            assert pdf.ok and pdf.body().startswith(b"%PDF")
        finally:
            page.context.close()
    assert problems == []
    assert csp == []

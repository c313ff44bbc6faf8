"""The phone app refuses a file that is no photo, or too large, before queueing it."""

import pytest

from civicgrid.testing import browser as browser_tools
from civicgrid.testing.browser import chromium
from civicgrid.testing.english import english_runs
from civicgrid.web.tests.conftest_field import PASSWORD, build_field_city, jpeg_bytes, make_case

assert chromium  # the fixture, imported for pytest
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not browser_tools.CHROMIUM.exists(), reason="needs /usr/bin/chromium"),
]


@pytest.mark.django_db(transaction=True)
def test_phone_refuses_wrong_type_and_size_in_chinese(live_server, chromium, settings, tmp_path):
    """A text file or a photo over the limit is refused on the phone, in Chinese, and cleared."""
    from playwright.sync_api import expect

    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.CIVICGRID = {**settings.CIVICGRID, "PHOTO_MAX_BYTES": 2000}
    city = build_field_city()
    to_check = make_case(city, "resolved")
    base = live_server.url
    context = chromium.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    context.route("https://**/*", lambda route: route.abort())  # no map tiles from outside
    page = context.new_page()
    browser_tools.login_to(page, base, "/m/new/", "inspector", PASSWORD)
    page.wait_for_selector("#report-photo", state="attached")

    error = page.locator("#report-error")
    page.locator("#report-photo").set_input_files(
        {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"not a photo"}
    )
    expect(error).to_be_visible()
    assert "notes.txt" in error.inner_text() and not english_runs(error.inner_text())
    assert page.evaluate("document.getElementById('report-photo').files.length") == 0

    big = jpeg_bytes(size=(400, 400))
    assert len(big) > 2000
    page.locator("#report-photo").set_input_files(
        {"name": "big.jpg", "mimeType": "image/jpeg", "buffer": big}
    )
    expect(error).to_contain_text("MB")
    assert not english_runs(error.inner_text())
    page.click("[data-step='1'] [data-next='2']")
    expect(page.locator("[data-step='1']")).to_be_visible()  # still on the photo step

    # The check photo of a task is checked the same way, beside its input.
    page.goto(f"{base}/m/tasks/{to_check.pk}/")
    page.locator("#check-photo").set_input_files(
        {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"not a photo"}
    )
    note = page.locator("#check-photo + .m-error")
    expect(note).to_be_visible()
    assert not english_runs(note.inner_text())
    context.close()

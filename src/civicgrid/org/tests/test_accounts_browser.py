"""The account pages in a real browser: labelled, readable, no CSP violation, usable by keyboard."""

import pytest

from civicgrid.org.choices import RoleName
from civicgrid.testing import browser as browser_tools
from civicgrid.testing.browser import chromium
from civicgrid.testing.factories import DEFAULT_PASSWORD, UserFactory, build_city

assert chromium  # the fixture, imported for pytest
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not browser_tools.CHROMIUM.exists(), reason="needs /usr/bin/chromium"),
]


@pytest.mark.django_db(transaction=True)
def test_admin_creates_a_user_who_then_changes_the_password(live_server, chromium):
    """An admin creates an account (password shown once); the new user logs in and changes it."""
    from django.contrib.auth import get_user_model

    build_city()
    UserFactory(username="boss", roles=[RoleName.ADMIN])
    base = live_server.url
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.route("https://**/*", lambda route: route.abort())
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    browser_tools.login_to(page, base, "/accounts/profile/", "boss", DEFAULT_PASSWORD)
    assert browser_tools.axe_violations(page) == []
    page.click("text=用户管理")
    page.wait_for_url(f"{base}/accounts/users/")
    assert browser_tools.axe_violations(page) == []
    page.click("text=新建用户")
    assert browser_tools.axe_violations(page) == []
    page.fill("#id_username", "xiaoli")
    page.fill("#id_display_name", "小李")
    page.check("input[name=roles][value=operator]")
    page.click("main form button[type=submit]")
    password = page.input_value("#initial-password")
    assert len(password) >= 12
    assert browser_tools.axe_violations(page) == []
    user = get_user_model().objects.get(username="xiaoli")
    assert user.has_role(RoleName.OPERATOR)
    context.clear_cookies()

    browser_tools.login_to(page, base, "/accounts/password/", "xiaoli", password)
    assert browser_tools.axe_violations(page) == []
    page.fill("#id_old_password", password)
    page.fill("#id_new_password1", "Lantern-river-2046")
    page.fill("#id_new_password2", "Lantern-river-2046")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}/accounts/profile/")
    assert "密码已修改" in page.content()
    user.refresh_from_db()
    assert user.check_password("Lantern-river-2046")
    assert errors == []
    context.close()

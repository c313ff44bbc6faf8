"""Logging out of the phone app in a real browser empties its caches and outbox.

Transactional (the live server runs in another thread), so this module builds the demo city
itself, like ``test_mobile_browser``.
"""

import pytest

from civicgrid.testing.browser import CHROMIUM, chromium, login_to
from civicgrid.web.tests.conftest_field import PASSWORD, build_field_city, make_case

assert chromium  # the fixture, imported for pytest
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium"),
]

CACHE_NAMES = "caches.keys()"
OUTBOX_NAMES = "indexedDB.databases().then(dbs => dbs.map(d => d.name))"
QUEUE_ONE = (
    "cgQueue.enqueue('/api/v1/reports', {description: 'waiting report'}, [], [])"
    ".then(() => cgMobile.refreshQueue())"
)


def _login(page, base, username):
    login_to(page, base, "/m/", username, PASSWORD)


@pytest.mark.django_db(transaction=True)
def test_logout_clears_caches_and_outbox_and_queues_stay_per_user(
    live_server, chromium, settings, tmp_path
):
    """Queued reports are invisible to the next user; logout asks, then clears everything."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    city = build_field_city()
    case = make_case(city, "resolved")
    base = live_server.url
    context = chromium.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    context.route("https://**/*", lambda route: route.abort())
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    _login(page, base, "inspector")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    # The predicate must answer synchronously: each poll starts a read, a later poll sees it.
    page.wait_for_function(
        "() => { caches.keys().then(keys => { window.__cacheCount = keys.length; });"
        " return window.__cacheCount > 0; }"
    )
    # A photo seen in the app is not put into the worker's cache.
    page.goto(f"{base}/m/tasks/{case.pk}/")
    page.wait_for_load_state("networkidle")
    cached = page.evaluate(
        "caches.keys().then(keys => Promise.all(keys.map(k => caches.open(k)"
        ".then(c => c.keys())))).then(lists => lists.flat().map(r => new URL(r.url).pathname))"
    )
    assert cached and not [url for url in cached if url.startswith(("/photos/", "/media/"))]

    # Reports never reach the server in this test: each stays waiting in the outbox.
    attempts = []

    def hold(route):
        attempts.append(route.request.url)
        route.abort()

    context.route("**/api/v1/reports", hold)
    # inspector queues a report; inspector2 logs in on the same phone without a logout.
    page.goto(f"{base}/m/")
    page.evaluate(QUEUE_ONE)
    assert page.evaluate("cgQueue.all().then(items => items.length)") == 1
    _login(page, base, "inspector2")
    assert page.evaluate("cgQueue.all().then(items => items.length)") == 0
    before = len(attempts)
    page.evaluate("cgMobile.flush()")
    assert len(attempts) == before  # nothing of inspector's left under inspector2's session
    _login(page, base, "inspector")
    assert page.evaluate("cgQueue.all().then(items => items.length)") == 1

    # Logging out with a waiting report asks first; declining keeps everything.
    # (ends in `true`: Playwright would call a function that an expression evaluates to)
    answer = "window.__asked = []; window.confirm = m => { __asked.push(m); return %s; }; true"
    page.evaluate(answer % "false")
    page.click("form[data-cg-logout] button[type=submit]")
    page.wait_for_function("() => window.__asked.length === 1")
    assert "1" in page.evaluate("window.__asked[0]")
    assert page.url == f"{base}/m/"
    assert page.evaluate("cgQueue.all().then(items => items.length)") == 1

    # Accepting clears Cache Storage and the outbox, then logs out.
    page.evaluate(answer % "true")
    with page.expect_navigation():
        page.click("form[data-cg-logout] button[type=submit]")
    page.wait_for_load_state()
    assert page.evaluate(CACHE_NAMES) == []
    assert "civicgrid-inspector" not in page.evaluate(OUTBOX_NAMES)
    assert page.request.get(f"{base}/m/").url.startswith(f"{base}/accounts/login/")
    assert errors == []
    context.close()

"""Fixtures shared by the tests of every app.

Builders and factories live in :mod:`civicgrid.testing.factories`; the
fixtures here only wire them to pytest-django.
"""

import os

import pytest
from hypothesis import HealthCheck, settings

# Hypothesis profiles. No deadline anywhere: on a loaded machine (CI, a laptop
# running the suite beside a browser) a 200 ms deadline fails correct code as
# FlakyFailure. "ci" also draws the same examples on every run, so a red build
# is reproducible and never a dice roll; run without CI to explore new inputs.
# Registered here, before any test module is imported, so every ``@settings``
# decorator inherits them; HYPOTHESIS_PROFILE picks another one.
settings.register_profile("civicgrid", deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Spelled out, not left to the "ci" profile newer hypothesis versions bring along.
settings.register_profile(
    "ci",
    settings.get_profile("civicgrid"),
    derandomize=True,
    database=None,
    print_blob=True,
)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "civicgrid")
)

# Playwright's sync API runs an event loop in the test thread; Django refuses
# ORM calls from a thread with a running loop unless told it is safe, which
# it is here: the loop only drives the browser.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_configure(config):
    """Silence WhiteNoise's notice that ``collectstatic`` has not been run."""
    config.addinivalue_line("filterwarnings", "ignore:No directory at:UserWarning")


def _expire_spatial_indexes():
    """Make the next grid, asset, calendar or category lookup compare the database with the cached index.

    Rolled-back test data fires no ``post_delete`` signals, so an index built
    by one test could answer the next one for up to ``RECHECK_SECONDS``.
    Expiring the check (rather than dropping the index) keeps a shared
    fixture's large grid, such as the demo city, from being rebuilt for every
    test: the index is rebuilt only when its fingerprint no longer matches.
    """
    from civicgrid.assets.services import ASSET_INDEX
    from civicgrid.cases.services.calendar import CALENDAR
    from civicgrid.categories.services import CATEGORY_LOOKUP
    from civicgrid.places.services.locating import GRID_INDEX

    for cache in (GRID_INDEX, ASSET_INDEX, CALENDAR, CATEGORY_LOOKUP):
        cache.recheck()


@pytest.fixture(autouse=True)
def _empty_cache():
    """Start every test with an empty cache: rolled-back data can reuse event ids."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _fresh_spatial_indexes():
    """Expire the process-wide grid and asset indexes around every test.

    Touches no database, so ``core/`` tests are unaffected.
    """
    _expire_spatial_indexes()
    yield
    _expire_spatial_indexes()


@pytest.fixture
def city(db):
    """Return a one-district city of 2 × 2 unit grid cells (see ``build_city``)."""
    from civicgrid.testing.factories import build_city

    return build_city()


@pytest.fixture
def staff_user(db):
    """Return an active dispatcher with city-wide scope."""
    from civicgrid.testing.factories import UserFactory

    return UserFactory(username="dispatcher", roles=["dispatcher"])


@pytest.fixture
def staff_headers(staff_user):
    """Return bearer headers of a fresh token for ``staff_user``."""
    from civicgrid.testing.factories import bearer, issue_api_key

    _key, secret = issue_api_key(name="test token", user=staff_user)
    return bearer(secret)


@pytest.fixture(autouse=True)
def _quiet_live_server(request, monkeypatch):
    """Close a live-server test's pages and wait for its requests before its data is flushed.

    Set up after ``live_server`` (and so torn down before the database): a
    page may still be fetching, and the command screen's event stream only
    notices a closed connection at its next keep-alive, shortened here.
    """
    if "live_server" not in request.fixturenames:
        yield
        return
    from civicgrid.testing import inflight
    from civicgrid.web import live

    request.getfixturevalue("live_server")
    browser = request.getfixturevalue("chromium") if "chromium" in request.fixturenames else None
    monkeypatch.setattr(live, "KEEPALIVE_SECONDS", 1.0)
    baseline = inflight.in_flight()
    yield
    if browser is not None:
        for context in list(browser.contexts):
            context.close()
    inflight.wait_until_idle(baseline)


@pytest.fixture(autouse=True)
def csp_violations(request):
    """Fail a browser test whose pages broke the Content-Security-Policy.

    Yields the list of violations (empty for other tests); a test that
    provokes one on purpose clears it.
    """
    if request.node.get_closest_marker("browser") is None:
        yield []
        return
    from civicgrid.testing.browser import watch_csp

    with watch_csp() as violations:
        yield violations
    assert not violations, "Content-Security-Policy violations:\n" + "\n".join(violations)

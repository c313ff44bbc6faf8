"""The health check, the home page and the login page."""

from unittest import mock

import pytest
from django.db import DatabaseError, connection

from civicgrid.testing.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_healthz_ok(client):
    """``/healthz`` answers 200 "ok" when the worker beats and the sweep ran, never cached."""
    from civicgrid.cases.tasks import beat, run_sweep

    beat(started=True)
    run_sweep()
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["database"]) == ("ok", "ok")
    assert body["worker"]["status"] == body["sweep"]["status"] == "ok"
    assert body["sweep"]["last_succeeded"] and body["worker"]["last_heartbeat"]
    assert "no-cache" in response["Cache-Control"]


def test_healthz_degraded_when_the_sweep_stopped(client):
    """A sweep that last ran long ago makes ``/healthz`` say "degraded" (still 200)."""
    from datetime import timedelta

    from django.utils import timezone

    from civicgrid.cases.models import TaskRun
    from civicgrid.cases.tasks import SWEEP, beat, run_sweep

    beat(started=True)
    run_sweep()
    TaskRun.objects.filter(name=SWEEP).update(started_at=timezone.now() - timedelta(hours=1))
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["sweep"]["status"] == "stale"


def test_healthz_degraded_before_any_worker_ran(client):
    """Without any heartbeat or sweep, ``/healthz`` says "degraded": overdue marking is off."""
    body = client.get("/healthz").json()
    assert body["status"] == "degraded"
    assert body["worker"]["status"] == body["sweep"]["status"] == "never_run"


def test_healthz_503_when_the_database_fails(client):
    """``/healthz`` answers 503 when the database raises."""
    with mock.patch.object(connection, "cursor", side_effect=DatabaseError("gone")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unavailable"}


def test_healthz_is_get_only(client):
    """``/healthz`` refuses POST."""
    assert client.post("/healthz").status_code == 405


def test_home_page_structure_and_counts(client, city):
    """The home page shows the city name and the counts; developer links are for admins only."""
    from civicgrid.testing.factories import UserFactory

    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "示范市" in html
    assert "<dd>4</dd>" in html  # four grid cells
    links = ("/admin/", "/api/v1/docs", "/api/v1/openapi.json", "/healthz")
    assert not any(f'href="{url}"' in html for url in links)
    client.force_login(UserFactory(username="root", roles=["admin"]))
    html = client.get("/").content.decode()
    for url in links:
        assert f'href="{url}"' in html


def test_home_page_defaults_to_chinese(client):
    """Without Accept-Language the page is served in Simplified Chinese."""
    response = client.get("/")
    assert response.status_code == 200
    assert response["Content-Language"] == "zh-hans"
    assert '<html lang="zh-hans">' in response.content.decode()


def test_home_page_text_is_translated_to_chinese(client):
    """The home page's own text appears in Chinese by default."""
    html = client.get("/").content.decode()
    assert "数字化城市管理平台</h1>" in html
    assert ">登录</a>" in html
    assert "What the platform holds" not in html
    assert "Log in" not in html


def test_home_page_in_english(client):
    """``Accept-Language: en`` serves the English page."""
    response = client.get("/", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert response["Content-Language"] == "en"
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "digital city management platform" in html
    assert "What the platform holds" in html


def test_login_page_renders(client):
    """The login page has a username and a password field and a CSRF token."""
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="username"' in html
    assert 'name="password"' in html
    assert "csrfmiddlewaretoken" in html


def test_login_with_good_credentials_logs_in(client):
    """Posting good credentials logs the user in and redirects to ``next``."""
    user = UserFactory(username="operator", roles=["operator"])
    response = client.post(
        "/accounts/login/",
        {"username": "operator", "password": DEFAULT_PASSWORD, "next": "/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(user.pk)
    home = client.get("/").content.decode()
    assert user.display_name in home


def test_login_with_bad_credentials_shows_an_error(client):
    """Wrong credentials re-show the form with an error."""
    UserFactory(username="operator")
    response = client.post("/accounts/login/", {"username": "operator", "password": "nope"})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_staff_see_the_administration_link(client):
    """The navigation links to the admin only for staff."""
    client.force_login(UserFactory(is_staff=True))
    assert 'href="/admin/"' in client.get("/accounts/login/").content.decode()
    client.force_login(UserFactory())
    assert 'href="/admin/"' not in client.get("/accounts/login/").content.decode()


def test_login_without_next_goes_home(client):
    """Logging in from the bare login page lands on the home page, not a missing profile page."""
    UserFactory(username="operator")
    response = client.post(
        "/accounts/login/", {"username": "operator", "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get(response["Location"]).status_code == 200

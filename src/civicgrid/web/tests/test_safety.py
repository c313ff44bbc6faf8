"""Console safety: no open redirect after an action, NULs refused, numbers bounded."""

from __future__ import annotations

import pytest

from civicgrid.cases.models import Case, CaseEvent
from civicgrid.web.tests import conftest_desk as desk

demo_city = desk.demo_city
city = desk.city
clock = desk.clock
_media_in_tmp = desk._media_in_tmp


# -- redirects after an action ------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/phish",
        "//evil.example/",
        "javascript:alert(1)",
        "http://127.0.0.1.evil/",
    ],
)
@pytest.mark.parametrize("via", ["next", "referer"])
def test_case_act_never_redirects_off_site(city, clock, target, via):
    """``next`` and the Referer lead back only to this site; otherwise to the case page."""
    case = desk.filed(city)
    client = city.client("leader")
    data = {"note": "催办"}
    headers = {}
    if via == "next":
        data["next"] = target
    else:
        headers["Referer"] = target
    response = client.post(f"/cases/{case.pk}/act/urge", data, headers=headers)
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{case.pk}/"


def test_case_act_follows_a_local_next(city, clock):
    """A same-site ``next`` (the console the form came from) is kept."""
    case = desk.filed(city)
    response = city.client("leader").post(
        f"/cases/{case.pk}/act/urge", {"note": "催办", "next": "/dispatch/?state=filed"}
    )
    assert response["Location"] == "/dispatch/?state=filed"


# -- NUL characters -----------------------------------------------------------------


def test_nul_in_a_form_note_is_a_400_page_and_changes_nothing(city, clock):
    """The console answers a Chinese 400 page; no event is written."""
    case = desk.filed(city)
    before = CaseEvent.objects.filter(case=case).count()
    response = city.client("leader").post(f"/cases/{case.pk}/act/urge", {"note": "快\x00"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "空字符" in response.content.decode()
    assert CaseEvent.objects.filter(case=case).count() == before
    assert Case.objects.get(pk=case.pk).urge_count == 0


def test_nul_in_a_console_list_filter_is_400(city, clock):
    response = city.client("dispatcher").get("/cases/", {"code": "2026\x00"})
    assert response.status_code == 400
    assert "空字符" in response.content.decode()


def test_login_form_with_a_nul_username_is_400(city, client):
    response = client.post("/accounts/login/", {"username": "admin\x00", "password": "x"})
    assert response.status_code == 400


# -- numbers from the query string and forms ------------------------------------------


def test_an_absurd_department_id_in_a_form_is_a_refusal_not_a_500(city, clock):
    """A tampered select value is refused with a message; the case stays filed."""
    case = desk.filed(city)
    client = city.client("dispatcher")
    response = client.post(
        f"/cases/{case.pk}/act/dispatch", {"department": "9" * 40, "version": str(case.version)}
    )
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).state == "filed"
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages and "请更正" in messages[0]


@pytest.mark.parametrize(
    "params",
    [
        {"district": "9" * 40},
        {"bbox": "nan,nan,nan,nan"},
        {"bbox": "-1e999,0,1e999,1"},
    ],
)
def test_absurd_map_parameters_do_not_crash(city, clock, params):
    client = city.client("dispatcher")
    for url in ("/map/grid.geojson", "/map/cases.geojson"):
        response = client.get(url, params)
        assert response.status_code == 200, (url, response.status_code)

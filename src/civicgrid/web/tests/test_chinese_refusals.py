"""Every refusal of the phone app, the consoles and the API reads in Chinese (zh-hans).

Each path is provoked for real and the text a person reads — the flash messages of the page
a refused form leads back to, the JSON ``message`` and ``fields`` of the API, the error
pages — is scanned for runs of Latin words (``civicgrid.testing.english``).
"""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from civicgrid.cases.models import Case
from civicgrid.testing.english import (
    api_error_text,
    english_runs,
    flash_messages,
    visible_text,
)
from civicgrid.web.tests import conftest_field
from civicgrid.web.tests.conftest_field import WEST, jpeg_bytes, make_case

field_city = conftest_field.field_city
fcity = conftest_field.fcity

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
OUTSIDE = (100.0, 20.0)


def client_of(city, username) -> Client:
    client = Client(**ZH)
    client.force_login(city.user(username))
    return client


def assert_chinese(text: str) -> None:
    assert text.strip(), "nothing was said"
    assert not english_runs(text), f"English in: {text!r}"


def not_a_photo(name="notes.txt"):
    return SimpleUploadedFile(name, b"this is not an image", "image/jpeg")


def test_the_scanner_finds_english_and_allows_codes():
    """The helper itself: sentences are found; codes, formats and names are not."""
    assert english_runs("服务器拒收：the file is 27021505 bytes; the limit is 10485760")
    assert english_runs("time limit '两天' is not a number followed by a unit")
    assert not english_runs("请使用 wgs84、gcj02 或 min_lon,min_lat；JPEG、PNG 或 WebP。")
    assert not english_runs("CivicGrid · 2026-05-01T08:30:00+08:00 · 27.0 MB · “notes.txt”")


# ------------------------------------------------------------------------------ consoles


def refused(client, case, action, data, files=None):
    """Post a console action form; return the page it leads back to (followed)."""
    payload = {"next": f"/cases/{case.pk}/", **data, **(files or {})}
    response = client.post(f"/cases/{case.pk}/act/{action}", payload, follow=True)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_every_console_refusal_reads_in_chinese(fcity):
    """Wrong state, stale form, missing and bad fields, time limits, departments, photos."""
    from civicgrid.categories.models import FilingCondition

    reported = make_case(fcity, "reported")
    operator = client_of(fcity, "operator")
    pages = [
        refused(operator, reported, "dispatch", {"department": "1"}),
        refused(operator, reported, "verify", {"version": str(reported.version + 5)}),
        refused(operator, reported, "void", {"reason": "   "}),
        refused(operator, reported, "file", {"category": "1", "filing_condition": "abc"}),
    ]
    condition = FilingCondition.objects.filter(active=True).first()
    foreign = FilingCondition.objects.exclude(category=condition.category_id).first()
    pages.append(
        refused(
            operator,
            reported,
            "file",
            {"category": str(condition.category_id), "filing_condition": str(foreign.pk)},
        )
    )
    dispatched = make_case(fcity, "dispatched")
    handler = client_of(fcity, "handler")
    pages += [
        refused(handler, dispatched, "request_extension", {"extension": "两周", "reason": "等"}),
        refused(handler, dispatched, "request_extension", {"extension": "0天", "reason": "等"}),
        refused(handler, dispatched, "resolve", {"note": "已处置"}, {"photos": not_a_photo()}),
    ]
    filed = make_case(fcity, "reported")
    from civicgrid.cases.services import act

    act(
        filed.pk,
        "file",
        fcity.user("operator"),
        category=condition.category_id,
        filing_condition=condition.pk,
    )
    dispatcher = client_of(fcity, "dispatcher")
    pages.append(refused(dispatcher, filed, "dispatch", {"department": "99999999"}))
    for page in pages:
        assert_chinese(flash_messages(page))


@pytest.mark.django_db
def test_a_typed_note_survives_a_refusal(fcity):
    """A refused form comes back with the reason and the limit the person typed."""
    case = make_case(fcity, "dispatched")
    handler = client_of(fcity, "handler")
    page = refused(
        handler, case, "request_extension", {"extension": "两周", "reason": "管线待更换"}
    )
    assert "两周" in page and "管线待更换" in page
    assert "“周”" in flash_messages(page)
    # Once: the next visit shows an empty form again.
    again = handler.get(f"/cases/{case.pk}/").content.decode()
    assert "管线待更换" not in again


@pytest.mark.django_db
def test_the_phone_check_refuses_a_bad_photo_in_chinese_and_keeps_the_note(fcity):
    """The inspector's check with a file that is no photo: a Chinese reason, the note kept."""
    case = make_case(fcity, "resolved")
    inspector = client_of(fcity, "inspector")
    task = f"/m/tasks/{case.pk}/"
    response = inspector.post(
        f"/cases/{case.pk}/act/check",
        {"next": "/m/", "passed": "pass", "note": "现场已修复", "photos": not_a_photo()},
        HTTP_REFERER=f"http://testserver{task}",
    )
    assert response.status_code == 302
    assert response["Location"].endswith(task)  # back to the form, not on to the task list
    page = inspector.get(task).content.decode()
    assert_chinese(flash_messages(page))
    assert "现场已修复" in page
    assert Case.objects.get(pk=case.pk).state == "resolved"


def test_the_phone_checks_photos_before_sending(fcity):
    """The report and check pages carry the size limit and the Chinese reasons for the script."""
    from django.conf import settings

    inspector = client_of(fcity, "inspector")
    page = inspector.get("/m/new/").content.decode()
    limit = settings.CIVICGRID["PHOTO_MAX_BYTES"]
    assert f'data-max-bytes="{limit}"' in page
    # The camera opens for image/*; the script refuses what is not JPEG, PNG or WebP.
    assert 'accept="image/*" capture="environment" data-max-bytes' in page
    strings = json.loads(page.split('id="m-strings" type="application/json">')[1].split("<")[0])
    assert "photo_size" in strings and "photo_type" in strings
    assert_chinese(strings["photo_size"] + strings["photo_type"])


# ----------------------------------------------------------------------------- phone app


@pytest.fixture
def phone(fcity):
    """An inspector's phone: a session with its CSRF token, as the app sends reports."""
    client = Client(enforce_csrf_checks=True, **ZH)
    client.force_login(fcity.user("inspector"))
    client.get("/m/new/")
    token = client.cookies["csrftoken"].value

    def post(data, **extra):
        return client.post("/api/v1/reports", data, HTTP_X_CSRFTOKEN=token, **extra)

    return post


def report_data(**changes):
    data = {
        "channel": "inspector",
        "crs": "wgs84",
        "lon": str(WEST[0]),
        "lat": str(WEST[1]),
        "description": "路灯不亮",
    }
    return {**data, **changes}


@pytest.mark.django_db
def test_every_phone_report_refusal_reads_in_chinese(fcity, phone, settings):
    """Outside the city, bad values, missing text, a future time, not a photo, too many."""
    photo = SimpleUploadedFile("p.jpg", jpeg_bytes(), "image/jpeg")
    answers = [
        phone(report_data(lon=str(OUTSIDE[0]), lat=str(OUTSIDE[1]))),
        phone(report_data(lon="200")),
        phone(report_data(lon="东经")),
        phone(report_data(crs="mars")),
        phone(report_data(description="")),
        phone(report_data(reported_at="2999-01-01T00:00:00+08:00")),
        phone(report_data(reported_at="明天")),
        phone(report_data(idempotency_key="k" * 101)),
        phone(report_data(asset_code="NOSUCHASSET")),
        phone(report_data(channel="pigeon")),
        phone({**report_data(), "photos": [not_a_photo()]}),
        phone({**report_data(), "photos": [photo] * 10}),
    ]
    for answer in answers:
        assert 400 <= answer.status_code < 500, answer.content
        assert_chinese(api_error_text(answer.content))


@pytest.mark.django_db
def test_a_body_over_the_limit_is_refused_in_chinese(fcity, phone, settings):
    """The server's 413 for a photo larger than the request limit says it in Chinese."""
    settings.CIVICGRID = {**settings.CIVICGRID, "REQUEST_MAX_BYTES": 1000}
    big = SimpleUploadedFile("p.jpg", b"\xff" * 5000, "image/jpeg")
    answer = phone({**report_data(), "photos": [big]})
    assert answer.status_code == 413
    assert_chinese(api_error_text(answer.content))


# ------------------------------------------------------------------------------------ API


def act_api(client, case, **body):
    return client.post(
        f"/api/v1/cases/{case.pk}/transitions", json.dumps(body), content_type="application/json"
    )


@pytest.mark.django_db
def test_every_api_refusal_reads_in_chinese(fcity):
    """Workflow refusals by code, service refusals, schema errors, filters and look-ups."""
    reported = make_case(fcity, "reported")
    dispatched = make_case(fcity, "dispatched")
    operator = client_of(fcity, "operator")
    handler = client_of(fcity, "handler")
    leader = client_of(fcity, "leader")
    anonymous = Client(**ZH)
    answers = [
        act_api(operator, reported, action="fly"),
        act_api(operator, dispatched, action="verify"),
        act_api(leader, reported, action="verify"),
        act_api(operator, reported, action="file"),
        act_api(operator, reported, action="void", reason=" "),
        act_api(operator, reported, action="verify", version=999),
        act_api(handler, dispatched, action="request_extension", extension="两周", reason="等"),
        act_api(handler, dispatched, action="request_extension", extension={"amount": "x"}),
        act_api(operator, dispatched, action="grant_extension"),
        act_api(operator, reported, action="file", category="1", filing_condition="x"),
        operator.post(
            f"/api/v1/cases/{reported.pk}/transitions", "{", content_type="application/json"
        ),
        operator.get("/api/v1/cases", {"state": "nonsense"}),
        operator.get("/api/v1/cases", {"bbox": "1,2"}),
        operator.get("/api/v1/cases/99999999"),
        anonymous.get("/api/v1/categories", {"kind": "nonsense"}),
        anonymous.get("/api/v1/places/locate", {"lon": OUTSIDE[0], "lat": OUTSIDE[1]}),
        anonymous.get("/api/v1/places/locate", {"lon": 119.59, "lat": 39.9, "crs": "mars"}),
        anonymous.post(
            "/api/v1/places/locate",
            json.dumps({"points": [[500, 39.9]], "crs": "wgs84"}),
            content_type="application/json",
        ),
        anonymous.post(
            "/api/v1/auth/token",
            json.dumps({"username": "nobody", "password": "wrong"}),
            content_type="application/json",
        ),
        operator.post("/api/v1/photos", {"photos": [not_a_photo()]}),
    ]
    for answer in answers:
        assert 400 <= answer.status_code < 500, answer.content
        assert_chinese(api_error_text(answer.content))


@pytest.mark.django_db
def test_api_and_console_say_a_refusal_in_the_same_words(fcity):
    """The same refused time limit reads the same in the API and in the console."""
    case = make_case(fcity, "dispatched")
    handler = client_of(fcity, "handler")
    answer = act_api(handler, case, action="request_extension", extension="两周", reason="等")
    message = answer.json()["message"]
    page = refused(handler, case, "request_extension", {"extension": "两周", "reason": "等"})
    assert message in flash_messages(page)


def test_english_readers_get_english(fcity):
    """The language follows the request: Accept-Language en gives the English message."""
    anonymous = Client(HTTP_ACCEPT_LANGUAGE="en")
    answer = anonymous.get("/api/v1/places/locate", {"lon": OUTSIDE[0], "lat": OUTSIDE[1]})
    assert "outside every unit grid cell" in answer.json()["message"]


# ---------------------------------------------------------------------------- error pages


@pytest.mark.django_db
def test_error_pages_are_chinese_and_offer_navigation(fcity, settings):
    """403 and 404 pages use the layout with its navigation and say why in Chinese."""
    settings.DEBUG = False
    inspector = client_of(fcity, "inspector")
    forbidden = inspector.get("/dispatch/")
    assert forbidden.status_code == 403
    missing = inspector.get("/cases/99999999/")
    assert missing.status_code == 404
    for response in (forbidden, missing):
        page = response.content.decode()
        assert 'class="topbar"' in page and 'href="/"' in page
        main = page.split("<main", 1)[1].split("</main>")[0]
        assert_chinese(visible_text("<main" + main))


def test_the_server_error_page_needs_no_database_or_user(rf):
    """500 renders from an empty context in Chinese with a way home (no database here)."""
    from django.utils import translation
    from django.views.defaults import server_error

    # Without the ``db`` fixture any query would raise: the page must not need one.
    with translation.override("zh-hans"):
        response = server_error(rf.get("/"))
    page = response.content.decode()
    assert response.status_code == 500
    assert 'href="/"' in page
    assert_chinese(visible_text(page.split("<main", 1)[1]))


@pytest.mark.django_db
def test_admin_is_branded_and_chinese(fcity):
    """The admin index names the platform and shows no English sentence in zh-hans."""
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("root-cn", "root@example.com", "pw-root-1")
    client = Client(**ZH)
    client.force_login(admin)
    page = client.get("/admin/").content.decode()
    assert "城市管理监督指挥平台" in page
    assert_chinese(visible_text(page.split('id="content"', 1)[1]))


@pytest.mark.django_db
def test_a_limit_people_type_reads_the_same_in_the_api_and_the_consoles(fcity):
    """两天 is accepted; the API and the dispatch console then show one wording for it."""
    from civicgrid.core.timelimits import TimeLimit

    case = make_case(fcity, "dispatched")
    handler = client_of(fcity, "handler")
    answer = act_api(handler, case, action="request_extension", extension="两天", reason="等料")
    assert answer.status_code == 200, answer.content
    wording = TimeLimit.parse("两天").label_zh()
    detail = client_of(fcity, "dispatcher").get(f"/api/v1/cases/{case.pk}").json()
    assert detail["pending_extension_label"] == wording
    console = client_of(fcity, "dispatcher").get("/dispatch/").content.decode()
    assert wording in console
    conditions = Client(**ZH).get("/api/v1/categories").json()
    first = conditions[0]["filing_conditions"][0]
    assert first["limit_label"]

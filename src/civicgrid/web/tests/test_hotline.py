"""The hotline form, address search and call-backs in the intake console."""

import pytest

from civicgrid.cases.models import Case
from civicgrid.cases.services import act
from civicgrid.cases.tests.test_hotline import PHONE, close, hotline_case
from civicgrid.web.tests import conftest_desk as desk

demo_city = desk.demo_city
city = desk.city
clock = desk.clock
_media_in_tmp = desk._media_in_tmp

NEW = "/intake/new"


def form_data(**changes):
    """Return a complete hotline form (WGS-84 map, the demo's tiles)."""
    data = {
        "channel": "hotline",
        "reporter_name": "张三",
        "reporter_phone": PHONE,
        "address": "白塔岭路12号门前",
        "lon": str(desk.WEST[0]),
        "lat": str(desk.WEST[1]),
        "description": "井盖缺失，有人险些踩空",
        "idempotency_key": "call-1",
        "save": "",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize("username", ["dispatcher", "handler", "inspector", "leader"])
def test_other_roles_may_not_log_calls(city, username):
    """The form, the search and the call-back list are for operators and shift leads."""
    client = city.client(username)
    for url in (NEW, "/intake/places?q=白塔", "/intake/callbacks"):
        assert client.get(url).status_code == 403


def test_form_is_labelled_and_keyboard_documented(city):
    """Every field has a label, shortcuts are documented, the channel has the focus."""
    html = city.client("operator").get(NEW).content.decode()
    for field in ("id_channel", "id_reporter_name", "id_reporter_phone", "place-search",
                  "id_address", "id_category", "id_filing_condition", "id_description",
                  "id_photos"):  # fmt: skip
        assert f'for="{field}"' in html
    assert 'accesskey="s"' in html and 'accesskey="f"' in html
    assert "autofocus" in html and "Alt+Shift" in html and "保存并立案" in html
    assert "<script>" not in html and " style=" not in html and " onclick=" not in html


def test_saving_a_call_opens_a_reported_case_with_the_caller(city, clock):
    """Save stores the report as the operator; the intake panel shows the case."""
    response = city.client("operator").post(NEW, form_data(photos=desk.jpeg()))
    assert response.status_code == 302
    case = Case.objects.latest("pk")
    assert response["Location"] == f"/intake/?case={case.pk}"
    assert case.state == "reported" and case.origin_channel == "hotline"
    report = case.reports.get()
    assert (report.reporter_name, report.reporter_phone) == ("张三", PHONE)
    assert report.address == "白塔岭路12号门前" and report.reporter.username == "operator"
    assert case.photos.count() == 1


def test_save_and_file_files_at_once(city, clock):
    """'Save and file' with a category and condition lands in filed, in one step."""
    condition = desk.a_condition()
    data = form_data(category=condition.category_id, filing_condition=condition.pk, file="")
    del data["save"]
    response = city.client("shift_lead").post(NEW, data)
    assert response.status_code == 302
    case = Case.objects.latest("pk")
    assert case.state == "filed" and case.filing_condition_id == condition.pk
    assert list(case.events.values_list("action", flat=True)) == ["report", "file"]


def test_save_and_file_without_a_condition_keeps_the_form(city, clock):
    """Filing needs a condition: the form comes back, nothing is stored."""
    before = Case.objects.count()
    data = form_data(file="")
    del data["save"]
    response = city.client("operator").post(NEW, data)
    assert response.status_code == 400
    assert Case.objects.count() == before
    assert "张三" in response.content.decode()  # what was typed stays


def test_form_refuses_a_report_without_a_place_or_outside_the_city(city, clock):
    """No pin, or a pin outside every cell, is refused with the form kept."""
    client = city.client("operator")
    before = Case.objects.count()
    assert client.post(NEW, form_data(lon="", lat="")).status_code == 400
    assert client.post(NEW, form_data(lon="119.4", lat="39.7")).status_code == 400
    assert client.post(NEW, form_data(reporter_phone="call me")).status_code == 400
    assert Case.objects.count() == before


def test_a_double_submit_stores_one_report(city, clock):
    """The form's idempotency key makes a second Enter return the same case."""
    client = city.client("operator")
    client.post(NEW, form_data())
    client.post(NEW, form_data())
    assert Case.objects.filter(description="井盖缺失，有人险些踩空").count() == 1


def test_place_search_answers_json(city):
    """The search returns places with points for the map."""
    from civicgrid.places.models import Street

    street = Street.objects.order_by("code").first()
    response = city.client("operator").get("/intake/places", {"q": street.name})
    assert response["Content-Type"] == "application/json"
    results = response.json()["results"]
    assert any(r["kind"] == "street" and r["code"] == street.code for r in results)
    assert all({"lon", "lat", "label"} <= set(r) for r in results)


def test_case_page_masks_the_caller_for_a_handler(city, clock):
    """The operator sees the caller in clear on the case page, the handler a mask."""
    case = hotline_case(city)
    condition = desk.a_condition()
    act(case.pk, "file", city.user("operator"), category=condition.category_id,
        filing_condition=condition.pk)  # fmt: skip
    act(case.pk, "dispatch", city.user("dispatcher"), department=city.departments["SZGY"])
    operator_html = city.client("operator").get(f"/cases/{case.pk}/").content.decode()
    assert PHONE in operator_html and "张三" in operator_html
    handler_html = city.client("handler").get(f"/cases/{case.pk}/").content.decode()
    assert PHONE not in handler_html and "138****1234" in handler_html and "张*" in handler_html


def test_call_backs_due_list_and_form(city, clock):
    """A closed hotline case is listed as due; the panel's call-back form records it."""
    case = close(city, hotline_case(city))
    client = city.client("operator")
    intake = client.get("/intake/")
    assert intake.context["counts"]["callbacks"] == 1
    listing = client.get("/intake/callbacks").content.decode()
    assert case.code in listing
    panel = client.get(f"/intake/?case={case.pk}").content.decode()
    assert f'action="/cases/{case.pk}/act/call_back"' in panel
    assert 'name="satisfaction" value="basically_satisfied"' in panel
    response = client.post(
        f"/cases/{case.pk}/act/call_back",
        {"satisfaction": "basically_satisfied", "note": "市民认可", "version": case.version},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.callback_result == "basically_satisfied"
    assert case.code not in client.get("/intake/callbacks").content.decode()
    assert "call_back" not in client.get(f"/intake/?case={case.pk}").content.decode()


def test_exports_mask_the_caller_for_a_handler(city, clock):
    """The CSV export shows the caller in clear to a dispatcher, masked to the handler."""
    case = hotline_case(city)
    condition = desk.a_condition()
    act(case.pk, "file", city.user("operator"), category=condition.category_id,
        filing_condition=condition.pk)  # fmt: skip
    act(case.pk, "dispatch", city.user("dispatcher"), department=city.departments["SZGY"])

    def export(username):
        response = city.client(username).get("/cases/export.csv")
        return b"".join(response.streaming_content).decode("utf-8-sig")

    assert f"张三 {PHONE}" in export("dispatcher")
    handler_csv = export("handler")
    assert case.code in handler_csv and "张* 138****1234" in handler_csv
    assert PHONE not in handler_csv

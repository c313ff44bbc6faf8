"""Scopes: who sees which cases, where a case may be sent, whose retry an idempotency key names."""

from __future__ import annotations

import pytest
from django.test import Client

from civicgrid.cases.models import Case, Report
from civicgrid.cases.services import ReportInput, act, submit_report
from civicgrid.cases.services.access import visible_cases
from civicgrid.cases.services.errors import CaseInvalid
from civicgrid.cases.tests.conftest import EAST, HOST, WEST, Api
from civicgrid.cases.tests.test_api_walkthrough import error_of, new_case, to_filed
from civicgrid.org.models import Department
from civicgrid.testing.democity import PASSWORD
from civicgrid.testing.factories import UserFactory, bearer, issue_api_key
from civicgrid.web.actions import choices_for

pytestmark = pytest.mark.django_db


# --------------------------------------------------------------------------- handler scope


@pytest.fixture
def handler_without_department(city):
    """A handler (and nothing more) whose department was never set."""
    user = UserFactory(username="handler_nodept", roles=["handler"])
    user.set_password(PASSWORD)
    user.save()
    return user


def test_handler_without_department_sees_no_case_anywhere(
    api, city, condition, clock, handler_without_department
):
    """No department means no case: not the ones still waiting for a department."""
    reported = new_case(api)  # no department yet: the old filter matched these
    filed = new_case(api, where=EAST, user="inspector2")
    to_filed(api, filed, condition)
    assert Case.objects.filter(department__isnull=True).count() == 2
    user = handler_without_department
    assert not visible_cases(user).exists()

    client = Api(user.username)
    assert client.get("/cases").json()["count"] == 0
    error_of(client.get(f"/cases/{reported}"), 404, "not_found")
    error_of(client.get(f"/cases/{filed}/events"), 404, "not_found")

    web = Client(HTTP_HOST=HOST)
    web.force_login(user)
    page = web.get("/cases/")
    assert page.status_code == 200
    assert page.context["total"] == 0
    export = web.get("/cases/export.csv")
    assert b"".join(export.streaming_content).decode("utf-8-sig").count("\n") == 1  # header
    assert web.get(f"/cases/{reported}/").status_code == 404
    assert web.get("/map/cases.geojson").json()["features"] == []


# --------------------------------------------------------------------------- dispatch targets


def _west_filed(api, condition) -> int:
    case_id = new_case(api, where=WEST)
    to_filed(api, case_id, condition)
    return case_id


def test_dispatch_to_another_districts_department_is_refused(api, city, condition, clock):
    """A west case cannot go to the east district's department; nothing changes."""
    case_id = _west_filed(api, condition)
    east_department = city.department("130392-CG")
    body = error_of(api("dispatcher").act(case_id, "dispatch", department=east_department), 422)
    assert "department" in body["fields"]
    case = Case.objects.get(pk=case_id)
    assert case.state == "filed" and case.department_id is None


def test_dispatch_to_own_district_or_city_department_works(api, city, condition, clock):
    """The case's district departments and city-level ones are accepted."""
    west = _west_filed(api, condition)
    api("dispatcher").ok(west, "dispatch", department=city.department("130391-CG"))
    other = _west_filed(api, condition)
    api("dispatcher").ok(other, "dispatch", department=city.department("SZGY"))


def test_rule_ownership_is_limited_like_dispatch(api, city, condition, clock):
    """A ruling assigns a department under the same restriction as a dispatch."""
    case_id = _west_filed(api, condition)
    api("dispatcher").ok(case_id, "refer_to_experts", reason="权属不清")
    error_of(
        api("expert").act(case_id, "rule_ownership", department=city.department("130392-CG")),
        422,
    )
    assert Case.objects.get(pk=case_id).state == "in_ruling"
    api("expert").ok(case_id, "rule_ownership", department=city.department("130391-CG"))


def test_forms_offer_only_the_cases_dispatch_targets(api, city, condition, clock):
    """The action forms' department list is the service's restriction."""
    from civicgrid.cases.services.access import dispatch_targets

    case = Case.objects.get(pk=_west_filed(api, condition))
    offered = {d.code for d in choices_for(case)["departments"]}
    assert "130391-CG" in offered and "SZGY" in offered
    assert "130392-CG" not in offered
    assert offered == set(dispatch_targets(case).values_list("code", flat=True))
    west_districts = {None, case.district_id}
    expected = Department.objects.filter(active=True, district_id__in=[case.district_id])
    assert set(expected.values_list("code", flat=True)) <= offered
    assert all(d.district_id in west_districts for d in choices_for(case)["departments"])


def test_dispatch_console_rows_offer_only_their_targets(api, city, condition, clock):
    """The dispatch desk's quick select of a west case lists no east department."""
    case_id = _west_filed(api, condition)
    response = city.client("dispatcher").get("/dispatch/")
    assert response.status_code == 200
    row = next(c for c in response.context["lists"]["to_dispatch"] if c.pk == case_id)
    codes = {Department.objects.get(pk=d.pk).code for d in row.departments}
    assert "130391-CG" in codes and "SZGY" in codes
    assert "130392-CG" not in codes
    html = response.content.decode()
    form = html[html.index(f'id="q-dispatch-{case_id}"') :]
    form = form[: form.index("</select>")]
    assert f'value="{city.department("130392-CG")}"' not in form
    assert f'value="{city.department("130391-CG")}"' in form


# --------------------------------------------------------------------------- idempotency


def _report_data(**extra) -> dict:
    return {
        "channel": "hotline",
        "lon": str(WEST[0]),
        "lat": str(WEST[1]),
        "description": "噪音扰民",
        **extra,
    }


def test_two_application_keys_may_use_the_same_ticket_number(city, client, clock):
    """Keys are scoped to the client: the second client's report is its own, not the first's."""
    _a, first_secret = issue_api_key(name="12345 bridge")
    _b, second_secret = issue_api_key(name="12319 bridge")
    data = _report_data(idempotency_key="T-0001")
    first = client.post("/api/v1/reports", data, headers=bearer(first_secret), HTTP_HOST=HOST)
    second = client.post(
        "/api/v1/reports", {**data, "description": "另一客户的工单"},
        headers=bearer(second_secret), HTTP_HOST=HOST,
    )  # fmt: skip
    assert first.status_code == 201, first.content
    assert second.status_code == 201, second.content
    assert second.json()["report"]["id"] != first.json()["report"]["id"]
    assert second.json()["report"]["description"] == "另一客户的工单"
    # Each client's own retry still finds its own report.
    retry = client.post("/api/v1/reports", data, headers=bearer(first_secret), HTTP_HOST=HOST)
    assert retry.status_code == 200
    assert retry.json()["report"]["id"] == first.json()["report"]["id"]
    assert Report.objects.count() == 2


def test_a_retry_by_another_user_never_returns_anothers_report(api, city, clock):
    """Two people with the same key each get their own report; retries stay with their sender."""
    mine = api("operator").report(*WEST, channel="hotline", idempotency_key="same-key")
    theirs = api("shift_lead").report(
        *WEST, channel="hotline", idempotency_key="same-key", description="值班长的上报"
    )
    assert mine.status_code == 201 and theirs.status_code == 201, theirs.content
    assert theirs.json()["report"]["id"] != mine.json()["report"]["id"]
    assert theirs.json()["report"]["description"] == "值班长的上报"
    again = api("shift_lead").report(*WEST, channel="hotline", idempotency_key="same-key")
    assert again.status_code == 200
    assert again.json()["report"]["id"] == theirs.json()["report"]["id"]


def test_a_users_key_is_theirs_across_tokens(api, city, clock):
    """A person's retry with a fresh token (a phone that logged in again) is still a retry."""
    first = api("inspector").report(*WEST, idempotency_key="phone-7")
    relogged = Api("inspector")
    retry = relogged.report(*WEST, idempotency_key="phone-7")
    assert first.status_code == 201 and retry.status_code == 200
    assert retry.json()["report"]["id"] == first.json()["report"]["id"]


@pytest.mark.parametrize("key", ["", "   "])
def test_an_empty_key_is_no_key(city, clock, key):
    """Reports without a key are never taken for retries of each other."""
    operator = city.user("operator")
    for _ in range(2):
        result = submit_report(
            ReportInput(
                channel="hotline", lon=WEST[0], lat=WEST[1], description="x", idempotency_key=key
            ),
            actor=operator,
        )
        assert result.created
    assert set(Report.objects.values_list("idempotency_key", flat=True)) == {""}
    assert Report.objects.count() == 2


def test_a_failed_insert_without_key_is_not_answered_with_another_report(city, clock, monkeypatch):
    """An integrity error of a report without a key is an error, not someone else's retry."""
    from django.db import IntegrityError

    first = submit_report(
        ReportInput(channel="hotline", lon=WEST[0], lat=WEST[1], description="first"),
        actor=city.user("operator"),
    )

    def refuse(*args, **kwargs):
        raise IntegrityError("some other constraint")

    monkeypatch.setattr("civicgrid.cases.services.intake.append_event", refuse)
    with pytest.raises(IntegrityError):
        submit_report(
            ReportInput(channel="hotline", lon=WEST[0], lat=WEST[1], description="second"),
            actor=city.user("shift_lead"),
        )
    assert list(Report.objects.values_list("pk", flat=True)) == [first.report.pk]


def test_an_overlong_key_is_refused_not_cut(city, clock):
    """Cutting a key to 100 characters could make two different keys one."""
    with pytest.raises(CaseInvalid) as refused:
        submit_report(
            ReportInput(
                channel="hotline", lon=WEST[0], lat=WEST[1], description="x",
                idempotency_key="k" * 101,
            ),
            actor=city.user("operator"),
        )  # fmt: skip
    assert "idempotency_key" in refused.value.fields
    assert not Report.objects.exists()


def test_the_report_records_the_key_it_came_with(city, client, clock):
    """A report sent with an application key names that key."""
    key, secret = issue_api_key(name="bridge")
    response = client.post(
        "/api/v1/reports", _report_data(idempotency_key="x-1"), headers=bearer(secret),
        HTTP_HOST=HOST,
    )  # fmt: skip
    assert response.status_code == 201
    report = Report.objects.get()
    assert report.submitted_by_key_id == key.pk and report.reporter_id is None


def test_acting_on_a_case_refuses_nul_text(api, city, condition, clock):
    """A note with a NUL is refused by the service itself (callers that are not requests)."""
    case_id = _west_filed(api, condition)
    with pytest.raises(CaseInvalid) as refused:
        act(case_id, "urge", city.user("leader"), note="催办\x00")
    assert refused.value.code == "nul_character"
    assert Case.objects.get(pk=case_id).urge_count == 0


def test_submitting_a_report_refuses_nul_text(city, clock):
    """A description with a NUL is refused and nothing is stored."""
    with pytest.raises(CaseInvalid) as refused:
        submit_report(
            ReportInput(channel="hotline", lon=WEST[0], lat=WEST[1], description="a\x00b"),
            actor=city.user("operator"),
        )
    assert refused.value.fields == {"description": "包含空字符（NUL）"}
    assert not Report.objects.exists() and not Case.objects.exists()

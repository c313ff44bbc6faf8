"""Walk cases through every action and branch of the case loop, over the HTTP API only.

Every step goes through ``POST /api/v1/cases/{id}/transitions`` (or the report, photo and merge
endpoints) as a demo user holding the right role, with a bearer token from
``POST /api/v1/auth/token``. The services' clock is fixed (``clock`` fixture) so deadlines are
exact.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import override_settings

from civicgrid.cases.models import Case, CaseEvent, Photo, Report
from civicgrid.cases.services.calendar import work_calendar
from civicgrid.cases.tasks import sweep_overdue_now
from civicgrid.cases.tests.conftest import (
    EAST,
    OUTSIDE,
    WEST,
    jpeg_bytes,
    local,
    png_bytes,
    upload,
)
from civicgrid.core import deadlines as core_deadlines
from civicgrid.core.timelimits import TimeLimit

pytestmark = pytest.mark.django_db


def dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def error_of(response, status: int, code: str | None = None) -> dict:
    """Assert a JSON error body with ``status`` (and ``code``); return it."""
    assert response.status_code == status, (response.status_code, response.content)
    body = response.json()
    assert set(body) == {"error", "message", "fields"}, body
    assert body["message"]
    if code is not None:
        assert body["error"] == code, body
    return body


def new_case(api, where=WEST, user="inspector", channel="inspector", **extra) -> int:
    """Report a problem through the API; return the new case's id."""
    response = api(user).report(*where, channel=channel, **extra)
    assert response.status_code == 201, response.content
    return response.json()["case_id"]


def to_filed(api, case_id: int, condition) -> dict:
    return api("operator").ok(
        case_id, "file", category=condition.category_id, filing_condition=condition.pk
    )


def to_dispatched(api, city, case_id: int, condition, department="SZGY") -> dict:
    to_filed(api, case_id, condition)
    return api("dispatcher").ok(case_id, "dispatch", department=city.department(department))


def to_resolved(api, city, case_id, condition, handler="handler", department="SZGY") -> dict:
    to_dispatched(api, city, case_id, condition, department)
    photos = api(handler).upload_photos(1)
    return api(handler).ok(case_id, "resolve", photos=photos, note="已修复")


def actions_of(case: dict) -> list[str]:
    return [event["action"] for event in case["events"]]


# --------------------------------------------------------------------------- the main loop


def test_full_loop_with_extension_closes_normally(api, city, condition, clock):
    response = api("inspector").report(*WEST, photos=[upload()], address="民族路 12 号")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["created"] is True
    assert len(body["report"]["photos"]) == 1
    case_id = body["case_id"]

    case = api("operator").case(case_id)
    assert case["state"] == "reported"
    assert case["district"]["code"] == "130391"
    assert "verify" in case["allowed_actions"] and "file" in case["allowed_actions"]

    assert api("operator").ok(case_id, "verify")["state"] == "verified"
    filed = to_filed(api, case_id, condition)
    assert filed["state"] == "filed"
    assert filed["filing_condition_id"] == condition.pk
    assert filed["category_id"] == condition.category_id

    clock.set(local(2026, 3, 10, 9, 0))
    dispatched = api("dispatcher").ok(case_id, "dispatch", department=city.department("SZGY"))
    assert dispatched["state"] == "dispatched"
    assert dispatched["department_id"] == city.department("SZGY")
    due = dt(dispatched["handling_due"])
    limit = condition.time_limit
    assert due == core_deadlines.due(work_calendar(), local(2026, 3, 10, 9, 0), limit)
    assert dispatched["deadline"]["level"] == "green"
    assert dispatched["current_due"] == dispatched["handling_due"]

    handler = api("handler")
    clock.advance(hours=1)
    requested = handler.ok(case_id, "request_extension", extension="2天", reason="需采购配件")
    assert requested["pending_extension"]["unit"] == "working_days"
    assert dt(requested["handling_due"]) == due
    assert "grant_extension" not in requested["allowed_actions"]  # handler may not grant

    granted = api("dispatcher").ok(case_id, "grant_extension")
    new_due = dt(granted["handling_due"])
    assert granted["pending_extension"] is None
    assert new_due == core_deadlines.extend(work_calendar(), due, TimeLimit.parse("2天"))
    calendar = work_calendar()
    assert calendar.working_seconds_between(due, new_due) == 2 * calendar.day_length_seconds

    photos = handler.upload_photos(2)
    resolved = handler.ok(case_id, "resolve", photos=photos, note="已更换井盖")
    assert resolved["state"] == "resolved"
    assert resolved["events"][-1]["data"]["on_time"] is True

    checked = api("inspector").ok(case_id, "check", passed=True, note="现场核查通过")
    assert checked["state"] == "checked"

    closed = api("shift_lead").ok(case_id, "close")
    assert closed["state"] == "closed"
    assert closed["close_type"] == "normal"
    assert closed["closed_at"] is not None
    assert closed["current_due"] is None
    assert closed["allowed_actions"] == []
    assert actions_of(closed) == [
        "report",
        "verify",
        "file",
        "dispatch",
        "request_extension",
        "grant_extension",
        "resolve",
        "check",
        "close",
    ]
    assert [e["seq"] for e in closed["events"]] == list(range(1, 10))
    assert closed["version"] == 9
    kinds = sorted(p["kind"] for p in closed["photos"])
    assert kinds == ["after", "after", "report"]

    events = api("operator").get(f"/cases/{case_id}/events")
    assert events.status_code == 200
    assert [e["action"] for e in events.json()] == actions_of(closed)
    # Closed is terminal: nothing more is allowed.
    error_of(api("shift_lead").act(case_id, "close"), 409, "invalid_state")


def test_deny_extension_keeps_the_deadline(api, city, condition, clock):
    case_id = new_case(api)
    due = dt(to_dispatched(api, city, case_id, condition)["handling_due"])
    handler = api("handler")
    handler.ok(
        case_id,
        "request_extension",
        extension={"amount": "1", "unit": "working_days"},
        reason="天气原因",
    )
    # A second request while one is pending fails its guard.
    error_of(
        handler.act(case_id, "request_extension", extension="1天", reason="再次"),
        409,
        "guard_failed",
    )
    denied = api("dispatcher").ok(case_id, "deny_extension", reason="时限充足")
    assert denied["pending_extension"] is None
    assert dt(denied["handling_due"]) == due
    assert denied["events"][-1]["data"]["extension"] == {"amount": "1", "unit": "working_days"}
    # No pending request any more: grant and deny fail their guard.
    error_of(api("dispatcher").act(case_id, "grant_extension"), 409, "guard_failed")
    error_of(api("dispatcher").act(case_id, "deny_extension", reason="x"), 409, "guard_failed")
    # A malformed extension is a 422 with the field named.
    body = error_of(handler.act(case_id, "request_extension", extension="很多天", reason="x"), 422)
    assert "extension" in body["fields"]


@pytest.mark.parametrize("source", ["reported", "verified", "filed", "returned"])
def test_void_from_every_allowed_state(api, city, condition, clock, source):
    case_id = new_case(api)
    if source == "verified":
        api("operator").ok(case_id, "verify")
    elif source == "filed":
        to_filed(api, case_id, condition)
    elif source == "returned":
        to_dispatched(api, city, case_id, condition)
        api("handler").ok(case_id, "return", reason="不属于本单位职责")
    assert api("operator").case(case_id)["state"] == source
    voided = api("shift_lead").ok(case_id, "void", reason="不符合立案条件")
    assert voided["state"] == "voided"
    assert voided["events"][-1]["from_state"] == source
    assert voided["events"][-1]["note"] == "不符合立案条件"
    assert voided["current_due"] is None
    error_of(api("operator").act(case_id, "verify"), 409, "invalid_state")


def test_void_is_refused_once_dispatched(api, city, condition, clock):
    case_id = new_case(api)
    to_dispatched(api, city, case_id, condition)
    error_of(api("operator").act(case_id, "void", reason="x"), 409, "invalid_state")


def test_return_and_redispatch_to_another_department(api, city, condition, clock):
    case_id = new_case(api)
    first = to_dispatched(api, city, case_id, condition)
    returned = api("handler").ok(case_id, "return", reason="应由环卫处置")
    assert returned["state"] == "returned"
    assert returned["department_id"] is None
    assert returned["events"][-1]["department_id"] == city.department("SZGY")
    # The handler no longer sees the case.
    assert api("handler").get(f"/cases/{case_id}").status_code == 404
    clock.advance(hours=1)
    again = api("dispatcher").ok(case_id, "dispatch", department=city.department("SRHW"))
    assert again["state"] == "dispatched"
    assert again["department_id"] == city.department("SRHW")
    # The handling clock started at the first dispatch and keeps running.
    assert again["handling_due"] == first["handling_due"]
    assert api("handler_hw").case(case_id)["state"] == "dispatched"
    # The dispatcher may return too.
    assert api("dispatcher").ok(case_id, "return", reason="派遣错误")["state"] == "returned"


@pytest.mark.parametrize("source", ["filed", "dispatched", "returned"])
def test_suspend_and_resume_return_to_the_previous_state(api, city, condition, clock, source):
    case_id = new_case(api)
    clock.set(local(2026, 3, 10, 9, 0))  # Tuesday
    if source == "filed":
        before = to_filed(api, case_id, condition)
    else:
        before = to_dispatched(api, city, case_id, condition)
        if source == "returned":
            before = api("handler").ok(case_id, "return", reason="职责不清")
    old_due = dt(before["handling_due"])

    clock.set(local(2026, 3, 10, 10, 0))
    suspended = api("dispatcher").ok(case_id, "suspend", reason="待业主单位确认")
    assert suspended["state"] == "suspended"
    assert suspended["current_due"] is None
    assert "resume" in suspended["allowed_actions"]
    error_of(api("dispatcher").act(case_id, "dispatch", department=1), 409, "invalid_state")

    clock.set(local(2026, 3, 11, 10, 0))  # one working day later (Wednesday)
    resumed = api("shift_lead").ok(case_id, "resume")
    assert resumed["state"] == source
    assert resumed["events"][-1]["from_state"] == "suspended"
    assert resumed["events"][-1]["to_state"] == source
    if old_due is None:
        assert resumed["handling_due"] is None
    else:
        calendar = work_calendar()
        paused = calendar.working_seconds_between(local(2026, 3, 10, 10), local(2026, 3, 11, 10))
        assert paused == calendar.day_length_seconds
        new_due = dt(resumed["handling_due"])
        assert new_due == calendar.add_working_seconds(old_due, paused)
        assert new_due > old_due
    error_of(api("shift_lead").act(case_id, "resume"), 409, "invalid_state")


def test_check_fail_sends_the_case_back_to_the_same_department(api, city, condition, clock):
    case_id = new_case(api)
    to_resolved(api, city, case_id, condition, handler="handler_hw", department="SRHW")
    failed = api("inspector").ok(case_id, "check", passed=False, note="仍有垃圾")
    assert failed["state"] == "dispatched"
    assert failed["department_id"] == city.department("SRHW")
    assert failed["events"][-1]["data"]["passed"] is False
    # Close is not allowed without a passing check after the last resolution.
    error_of(api("shift_lead").act(case_id, "close"), 409, "invalid_state")
    photos = api("handler_hw").upload_photos(1)
    api("handler_hw").ok(case_id, "resolve", photos=photos, note="返工完成")
    assert api("inspector").ok(case_id, "check", passed=True)["state"] == "checked"
    closed = api("operator").ok(case_id, "close")
    assert closed["state"] == "closed"
    assert actions_of(closed)[-5:] == ["resolve", "check", "resolve", "check", "close"]
    assert [e["to_state"] for e in closed["events"] if e["action"] == "check"] == [
        "dispatched",
        "checked",
    ]


def test_check_needs_a_boolean_outcome(api, city, condition, clock):
    case_id = new_case(api)
    to_resolved(api, city, case_id, condition)
    body = error_of(api("inspector").act(case_id, "check"), 422, "missing_fields")
    assert "passed" in body["fields"]


def test_resolve_needs_photos_and_a_note(api, city, condition, clock):
    case_id = new_case(api)
    to_dispatched(api, city, case_id, condition)
    body = error_of(api("handler").act(case_id, "resolve"), 422, "missing_fields")
    assert set(body["fields"]) == {"photos", "note"}
    body = error_of(api("handler").act(case_id, "resolve", photos=[999999], note="x"), 422)
    assert "photos" in body["fields"]
    assert api("handler").case(case_id)["state"] == "dispatched"


def test_close_is_overdue_when_resolved_late(api, city, condition, clock):
    case_id = new_case(api)
    clock.set(local(2026, 3, 10, 9, 0))
    due = dt(to_dispatched(api, city, case_id, condition)["handling_due"])
    clock.set(due + timedelta(hours=30))
    photos = api("handler").upload_photos(1)
    late = api("handler").ok(case_id, "resolve", photos=photos, note="迟到的处置")
    assert late["events"][-1]["data"]["on_time"] is False
    assert late["handling_overdue"] is True
    api("inspector").ok(case_id, "check", passed=True)
    body = error_of(
        api("shift_lead").act(case_id, "close", close_type="sometime"), 422, "invalid_field"
    )
    assert "close_type" in body["fields"]
    closed = api("shift_lead").ok(case_id, "close")
    assert closed["close_type"] == "overdue"
    assert closed["events"][-1]["data"] == {"close_type": "overdue", "handling_overdue": True}


def test_urge_counts_and_notifies(api, city, condition, clock):
    from civicgrid.notify.models import Notification

    case_id = new_case(api)
    error_of(api("dispatcher").act(case_id, "urge"), 409, "invalid_state")  # reported
    to_dispatched(api, city, case_id, condition)
    api("dispatcher").ok(case_id, "urge", note="请加快处置")
    api("shift_lead").ok(case_id, "urge")
    urged = api("leader").ok(case_id, "urge")
    assert urged["urge_count"] == 3
    assert urged["state"] == "dispatched"
    assert Notification.objects.filter(case_id=case_id, kind="urge").count() == 3
    error_of(api("handler").act(case_id, "urge"), 403, "forbidden")


def test_notices_are_written_in_the_site_language(api, city, condition, clock):
    """Outbox notices are stored in Chinese whatever language the actor's request used."""
    from civicgrid.notify.models import Notification

    case_id = new_case(api)
    to_dispatched(api, city, case_id, condition)
    notice = Notification.objects.get(case_id=case_id, kind="dispatch")
    code = notice.case.code
    assert notice.message == f"新派遣案卷 {code}"
    assert notice.department_id == notice.case.department_id


def test_refer_to_experts_and_rule_ownership(api, city, condition, clock):
    case_id = new_case(api)
    to_dispatched(api, city, case_id, condition)
    in_ruling = api("dispatcher").ok(case_id, "refer_to_experts", reason="权属不清")
    assert in_ruling["state"] == "in_ruling"
    assert in_ruling["current_due"] is None
    error_of(api("dispatcher").act(case_id, "rule_ownership", department=1), 403, "forbidden")
    body = error_of(api("expert").act(case_id, "rule_ownership"), 422, "missing_fields")
    assert "department" in body["fields"]
    ruled = api("expert").ok(case_id, "rule_ownership", department=city.department("ZHZF"))
    assert ruled["state"] == "dispatched"
    assert ruled["department_id"] == city.department("ZHZF")
    assert ruled["current_due"] == ruled["handling_due"]
    assert api("handler_zf").case(case_id)["state"] == "dispatched"
    assert api("handler").get(f"/cases/{case_id}").status_code == 404


def test_refer_to_experts_from_filed_then_rule(api, city, condition, clock):
    case_id = new_case(api)
    to_filed(api, case_id, condition)
    api("dispatcher").ok(case_id, "refer_to_experts", reason="疑难")
    ruled = api("expert").ok(case_id, "rule_ownership", department=city.department("SZGY"))
    assert ruled["state"] == "dispatched"
    assert ruled["handling_due"] is not None  # the handling clock starts at the ruling


def test_self_resolve_by_shift_lead_for_an_inspector_report(api, city, clock):
    case_id = new_case(api)
    closed = api("shift_lead").ok(case_id, "self_resolve", note="监督员现场已处理")
    assert closed["state"] == "closed"
    assert closed["close_type"] == "self_resolved"
    assert actions_of(closed) == ["report", "self_resolve"]
    # Not for a hotline report, and not for an operator.
    hotline = new_case(api, user="operator", channel="hotline")
    error_of(api("shift_lead").act(hotline, "self_resolve", note="x"), 409, "guard_failed")
    other = new_case(api, where=(WEST[0] + 0.002, WEST[1]))
    error_of(api("operator").act(other, "self_resolve", note="x"), 403, "forbidden")


def test_mark_overdue_by_the_sweep(api, city, condition, clock):
    case_id = new_case(api)
    clock.set(local(2026, 3, 10, 9, 0))
    due = dt(to_dispatched(api, city, case_id, condition)["handling_due"])
    assert sweep_overdue_now(at=due - timedelta(minutes=1)) == 0
    clock.set(due + timedelta(minutes=5))
    assert sweep_overdue_now(at=clock()) == 1
    case = api("dispatcher").case(case_id)
    event = case["events"][-1]
    assert event["action"] == "mark_overdue"
    assert event["role"] == "system"
    assert event["actor_name"] == "system"
    assert event["from_state"] == event["to_state"] == "dispatched"
    assert case["handling_overdue"] is True
    assert case["deadline"]["overdue"] is True
    assert case["deadline"]["level"] == "red"
    # Marked once per deadline.
    assert sweep_overdue_now(at=clock()) == 0
    listed = api("dispatcher").get("/cases", {"overdue": "true"}).json()
    assert [c["id"] for c in listed["items"]] == [case_id]
    # The system role is no person's: nobody can mark by hand.
    error_of(api("admin").act(case_id, "mark_overdue"), 403, "forbidden")


# --------------------------------------------------------------------------- refusals


def test_workflow_refusals_map_to_http_errors(api, city, condition, clock):
    case_id = new_case(api)
    # Wrong state.
    body = error_of(api("dispatcher").act(case_id, "dispatch", department=1), 409, "invalid_state")
    assert "已上报" in body["message"]  # the state, in the reader's language
    # Wrong role.
    error_of(
        api("inspector").act(case_id, "file", category=1, filing_condition=1), 403, "forbidden"
    )
    error_of(api("leader").act(case_id, "verify"), 403, "forbidden")
    # Missing fields.
    body = error_of(api("operator").act(case_id, "file"), 422, "missing_fields")
    assert set(body["fields"]) == {"category", "filing_condition"}
    body = error_of(api("operator").act(case_id, "void", reason="   "), 422, "missing_fields")
    assert set(body["fields"]) == {"reason"}
    # A condition of another category.
    from civicgrid.categories.models import FilingCondition

    foreign = FilingCondition.objects.exclude(category=condition.category_id).first()
    body = error_of(
        api("operator").act(
            case_id, "file", category=condition.category_id, filing_condition=foreign.pk
        ),
        422,
    )
    assert "filing_condition" in body["fields"]
    # Unknown action.
    error_of(api("operator").act(case_id, "teleport"), 422, "unknown_action")
    # Schema errors (a non-integer department) are 422 with fields too.
    body = error_of(
        api("dispatcher").act(case_id, "dispatch", department="abc"), 422, "validation_error"
    )
    assert body["fields"]
    # Guard failed.
    hotline = new_case(api, where=(WEST[0] + 0.003, WEST[1]), user="operator", channel="hotline")
    error_of(api("shift_lead").act(hotline, "self_resolve", note="x"), 409, "guard_failed")
    # Nothing changed.
    case = Case.objects.get(pk=case_id)
    assert case.state == "reported"
    assert case.version == 1
    assert CaseEvent.objects.filter(case=case).count() == 1


def test_expected_version_mismatch_is_a_conflict(api, city, condition, clock):
    case_id = new_case(api)
    version = api("operator").case(case_id)["version"]
    body = error_of(api("operator").act(case_id, "verify", version=version + 1), 409, "conflict")
    assert "有人同时修改" in body["message"]
    assert api("operator").ok(case_id, "verify", version=version)["version"] == version + 1
    error_of(
        api("operator").act(case_id, "file", version=version, category=1, filing_condition=1),
        409,
        "conflict",
    )


def test_handler_of_another_department_cannot_act_or_see(api, city, condition, clock):
    case_id = new_case(api)
    to_dispatched(api, city, case_id, condition, department="SZGY")
    photos = api("handler_hw").upload_photos(1)
    response = api("handler_hw").act(case_id, "resolve", photos=photos, note="x")
    assert response.status_code in (403, 404)
    assert api("handler_hw").get(f"/cases/{case_id}").status_code == 404
    assert api("handler_hw").get("/cases").json()["count"] == 0
    assert api("handler").get("/cases").json()["count"] == 1
    # The photos stay unused and the case unchanged.
    assert Photo.objects.filter(pk__in=photos, event__isnull=True).count() == 1
    assert Case.objects.get(pk=case_id).state == "dispatched"


def test_district_scoped_user_sees_only_their_district(api, city, condition, clock):
    west = new_case(api, where=WEST)
    east = new_case(api, where=EAST, user="inspector2")
    local_dispatcher = api("district_dispatcher")
    assert local_dispatcher.get(f"/cases/{west}").status_code == 200
    error_of(local_dispatcher.get(f"/cases/{east}"), 404, "not_found")
    assert [c["id"] for c in local_dispatcher.get("/cases").json()["items"]] == [west]
    to_filed(api, east, condition)
    error_of(local_dispatcher.act(east, "dispatch", department=city.department("SZGY")), 404)
    assert Case.objects.get(pk=east).state == "filed"
    # The city-wide dispatcher sees both.
    assert api("dispatcher").get("/cases").json()["count"] == 2


# --------------------------------------------------------------------------- intake


def _media_files(settings) -> list:
    from pathlib import Path

    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param(("notes.jpg", b"this is just text, not an image", "image/jpeg"), id="text"),
        pytest.param(("shot.jpg", png_bytes(), "image/jpeg"), id="png-as-jpeg"),
        pytest.param(("half.jpg", jpeg_bytes()[:60], "image/jpeg"), id="truncated"),
    ],
)
def test_bad_photos_are_refused_and_nothing_is_stored(api, city, clock, settings, bad):
    name, data, content_type = bad
    before = (Case.objects.count(), Report.objects.count(), Photo.objects.count())
    response = api("inspector").report(*WEST, photos=[upload(), upload(data, name, content_type)])
    body = error_of(response, 422, "bad_photo")
    assert "photos" in body["fields"]
    response = api("handler").multipart(
        "/photos", {"photos": [upload(), upload(data, name, content_type)]}
    )
    error_of(response, 422, "bad_photo")
    assert (Case.objects.count(), Report.objects.count(), Photo.objects.count()) == before
    assert _media_files(settings) == []


def test_oversize_photo_is_refused(api, city, clock, settings):
    limits = {**settings.CIVICGRID, "PHOTO_MAX_BYTES": 500}
    with override_settings(CIVICGRID=limits):
        big = jpeg_bytes(size=(400, 300))
        assert len(big) > 500
        body = error_of(api("inspector").report(*WEST, photos=[upload(big)]), 422, "bad_photo")
        assert "500" in body["message"]
        error_of(api("handler").multipart("/photos", {"photos": [upload(big)]}), 422, "bad_photo")
    assert Photo.objects.count() == 0
    assert Case.objects.count() == 0
    assert _media_files(settings) == []


def test_report_outside_the_city_is_refused(api, city, clock):
    body = error_of(api("inspector").report(*OUTSIDE), 422, "outside_city")
    assert "lon" in body["fields"]
    error_of(api("inspector").report(200, 39.9), 422, "validation_error")
    assert Case.objects.count() == 0


def test_report_validation_and_channel_rights(api, city, clock):
    body = error_of(api("inspector").report(*WEST, description=""), 422, "validation_error")
    assert "description" in body["fields"]
    # Only inspectors use the inspector channel; handlers enter no reports.
    error_of(api("operator").report(*WEST, channel="inspector"), 403, "forbidden")
    error_of(api("handler").report(*WEST, channel="hotline"), 403, "forbidden")
    assert Case.objects.count() == 0


def test_application_key_may_enter_public_channels(city, client, clock):
    from civicgrid.testing.factories import bearer, issue_api_key

    _key, secret = issue_api_key(name="12345 hotline bridge")
    data = {"channel": "hotline", "lon": str(WEST[0]), "lat": str(WEST[1]), "description": "噪音"}
    response = client.post("/api/v1/reports", data, headers=bearer(secret), HTTP_HOST="127.0.0.1")
    assert response.status_code == 201, response.content
    assert Report.objects.get().reporter is None
    # The inspector channel needs an inspector, not a key.
    data["channel"] = "inspector"
    response = client.post("/api/v1/reports", data, headers=bearer(secret), HTTP_HOST="127.0.0.1")
    error_of(response, 403, "forbidden")


def test_idempotency_key_retry_returns_the_same_case(api, city, clock):
    first = api("inspector").report(*WEST, idempotency_key="phone-1-0001", photos=[upload()])
    assert first.status_code == 201
    retry = api("inspector").report(*WEST, idempotency_key="phone-1-0001", photos=[upload()])
    assert retry.status_code == 200, retry.content
    assert retry.json()["case_id"] == first.json()["case_id"]
    assert retry.json()["report"]["id"] == first.json()["report"]["id"]
    assert retry.json()["created"] is False
    assert Case.objects.count() == 1
    assert Report.objects.count() == 1
    assert Photo.objects.count() == 1
    other = api("inspector").report(*WEST, idempotency_key="phone-1-0002")
    assert other.status_code == 201
    assert Case.objects.count() == 2


def _offset(point, metres_east: float) -> tuple[float, float]:
    import math

    lon, lat = point
    return lon + metres_east / (111_320.0 * math.cos(math.radians(lat))), lat


def test_duplicate_proposal_and_merge(api, city, condition, clock):
    category = condition.category_id
    first = api("inspector").report(*WEST, category=category)
    assert first.status_code == 201
    target = first.json()["case_id"]
    assert first.json()["proposed_duplicate_of"] is None

    # 30 m away, same category, an hour later: proposed as a duplicate.
    clock.advance(hours=1)
    second = api("operator").report(
        *_offset(WEST, 30), channel="hotline", category=category, photos=[upload()]
    )
    assert second.status_code == 201
    assert second.json()["proposed_duplicate_of"] == target
    assert second.json()["report"]["duplicate_state"] == "proposed"
    report_id = second.json()["report"]["id"]
    own_case = second.json()["case_id"]

    # Too far, another category, or too late: no proposal.
    far = api("operator").report(*_offset(WEST, -80), channel="hotline", category=category)
    assert far.json()["proposed_duplicate_of"] is None
    from civicgrid.categories.models import Category

    other = Category.objects.exclude(pk=category).filter(active=True).first()
    near_other = api("operator").report(*_offset(WEST, 10), channel="hotline", category=other.pk)
    assert near_other.json()["proposed_duplicate_of"] is None
    clock.advance(hours=72, minutes=1)
    late = api("operator").report(*_offset(WEST, 5), channel="hotline", category=category)
    assert late.json()["proposed_duplicate_of"] is None

    # An inspector may not decide; the operator merges.
    error_of(api("inspector").post(f"/reports/{report_id}/merge", {"case": target}), 403)
    merged = api("operator").post(f"/reports/{report_id}/merge", {"case": target})
    assert merged.status_code == 200, merged.content
    assert merged.json()["case_id"] == target
    assert merged.json()["report"]["case_id"] == target
    assert merged.json()["report"]["duplicate_state"] == "confirmed"

    own = api("operator").case(own_case)
    assert own["state"] == "voided"
    assert own["reports"] == []
    joined = api("operator").case(target)
    assert sorted(r["id"] for r in joined["reports"]) == sorted(
        [first.json()["report"]["id"], report_id]
    )
    assert actions_of(joined) == ["report", "merge"]
    assert joined["events"][-1]["data"] == {"report": report_id, "from_case": own_case}
    assert len(joined["photos"]) == 1  # the merged report's photo came along
    # Merging into a voided case is refused.
    error_of(
        api("operator").post(f"/reports/{far.json()['report']['id']}/merge", {"case": own_case}),
        409,
        "conflict",
    )


def test_not_duplicate_keeps_the_report_separate(api, city, condition, clock):
    category = condition.category_id
    target = api("inspector").report(*WEST, category=category).json()["case_id"]
    second = api("operator").report(*_offset(WEST, 20), channel="hotline", category=category)
    assert second.json()["proposed_duplicate_of"] == target
    report_id = second.json()["report"]["id"]
    error_of(api("handler").post(f"/reports/{report_id}/not-duplicate"), 404)
    kept = api("shift_lead").post(f"/reports/{report_id}/not-duplicate")
    assert kept.status_code == 200, kept.content
    assert kept.json()["report"]["duplicate_state"] == "rejected"
    assert kept.json()["case_id"] == second.json()["case_id"]
    assert api("operator").case(second.json()["case_id"])["state"] == "reported"


# --------------------------------------------------------------------------- reading


def test_case_list_filters_and_pagination(api, city, condition, clock):
    dispatcher = api("dispatcher")
    clock.set(local(2026, 3, 9, 9, 0))
    a = new_case(api, where=WEST)  # reported, west
    clock.set(local(2026, 3, 10, 9, 0))
    b = new_case(api, where=EAST, user="inspector2")
    to_filed(api, b, condition)  # filed, east
    clock.set(local(2026, 3, 11, 9, 0))
    c = new_case(api, where=_offset(WEST, 500))
    to_dispatched(api, city, c, condition, department="SRHW")

    def ids(**params):
        response = dispatcher.get("/cases", params)
        assert response.status_code == 200, response.content
        return [item["id"] for item in response.json()["items"]]

    assert ids() == [c, b, a]  # newest first
    assert ids(state="filed") == [b]
    assert ids(state="reported,dispatched") == [c, a]
    error_of(dispatcher.get("/cases", {"state": "lost"}), 422, "validation_error")
    assert ids(category=condition.category_id) == [c, b]
    assert ids(district=city.districts[1]) == [b]
    assert ids(district=city.districts[0]) == [c, a]
    assert ids(department=city.department("SRHW")) == [c]
    assert ids(overdue="false") == [c, b, a]
    assert ids(overdue="true") == []
    west_box = "119.55,39.90,119.599,39.97"
    assert ids(bbox=west_box) == [c, a]
    error_of(dispatcher.get("/cases", {"bbox": "1,2,3"}), 422, "validation_error")
    assert ids(created_after="2026-03-10T00:00:00+08:00") == [c, b]
    assert ids(created_before="2026-03-10T00:00:00+08:00") == [a]
    assert ids(
        created_after="2026-03-10T00:00:00+08:00", created_before="2026-03-11T00:00:00+08:00"
    ) == [b]
    page1 = dispatcher.get("/cases", {"page_size": 2}).json()
    page2 = dispatcher.get("/cases", {"page_size": 2, "page": 2}).json()
    assert page1["count"] == page2["count"] == 3
    assert [i["id"] for i in page1["items"]] == [c, b]
    assert [i["id"] for i in page2["items"]] == [a]
    item = page1["items"][0]
    assert item["category_name"] == condition.category.name
    assert item["department_id"] == city.department("SRHW")


def test_case_detail_shows_events_photos_deadline_and_actions(api, city, condition, clock):
    response = api("inspector").report(
        *WEST, photos=[upload(), upload(png_bytes(), "a.png", "image/png")]
    )
    case_id = response.json()["case_id"]
    clock.set(local(2026, 3, 10, 9, 0))
    to_dispatched(api, city, case_id, condition)
    clock.set(local(2026, 3, 10, 10, 0))
    detail = api("dispatcher").case(case_id)
    assert detail["state"] == "dispatched"
    assert detail["stage"] == "handle"
    assert [e["action"] for e in detail["events"]] == ["report", "file", "dispatch"]
    assert all(len(e["hash"]) == 64 for e in detail["events"])
    dispatch_event = detail["events"][-1]
    assert dispatch_event["deadlines"]["calendar_covered"] is True
    assert dispatch_event["deadlines"]["handling_due"] is not None
    assert len(detail["photos"]) == 2
    assert {p["kind"] for p in detail["photos"]} == {"report"}
    assert all(p["url"] and p["thumbnail_url"] for p in detail["photos"])
    deadline = detail["deadline"]
    assert deadline["level"] == "green"
    assert deadline["used_seconds"] == 3600
    assert deadline["remaining_seconds"] == deadline["limit_seconds"] - 3600
    assert set(detail["allowed_actions"]) == {
        "refer_to_experts",
        "return",
        "suspend",
        "urge",
    }
    assert set(api("handler").case(case_id)["allowed_actions"]) == {
        "request_extension",
        "resolve",
        "return",
    }
    assert api("leader").case(case_id)["allowed_actions"] == ["urge"]
    assert detail["reports"][0]["channel"] == "inspector"
    error_of(api("dispatcher").get("/cases/999999"), 404, "not_found")


def test_openapi_schema_is_served(city, client):
    response = client.get("/api/v1/openapi.json", HTTP_HOST="127.0.0.1")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/cases/{case_id}/transitions" in paths
    assert "/api/v1/reports" in paths


def test_api_requires_a_token(city, client):
    response = client.get("/api/v1/cases", HTTP_HOST="127.0.0.1")
    error_of(response, 401, "unauthorized")


# --------------------------------------------------------------------------- audit


def test_audit_verify_passes_and_detects_tampering(api, city, condition, clock, capsys):
    case_id = new_case(api)
    to_dispatched(api, city, case_id, condition)
    new_case(api, where=EAST, user="inspector2")
    call_command("audit", "verify")
    assert "2" in capsys.readouterr().out

    event = CaseEvent.objects.get(case_id=case_id, action="file")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # as the table's owner, past the trigger
            cursor.execute("SET session_replication_role = replica")
        cursor.execute("UPDATE cases_caseevent SET note='x' WHERE id=%s", [event.pk])
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")
    with pytest.raises(CommandError):
        call_command("audit", "verify")
    code = Case.objects.get(pk=case_id).code
    assert f"case {code}:" in capsys.readouterr().err


def test_absurd_ids_and_limits_are_validation_errors(api, city, condition, clock):
    """Ids beyond a database integer and limits beyond a year give 422, never a 500."""
    huge = 2**70
    error_of(api("operator").get(f"/cases/{huge}"), 422, "validation_error")
    error_of(api("operator").get("/cases", {"department": -5}), 422, "validation_error")
    case_id = new_case(api)
    error_of(api("operator").act(case_id, "file", category=huge, filing_condition=1), 422)
    to_dispatched(api, city, case_id, condition)
    refused = error_of(
        api("handler").act(case_id, "request_extension", extension="9999999999天", reason="x"),
        422,
    )
    assert "最多为" in refused["message"]
    assert api("handler").case(case_id)["pending_extension"] is None


def test_request_verification_assigns_an_inspector(api, city, condition, clock):
    """An operator sends a hotline report to a patrolling inspector, who is notified."""
    from civicgrid.cases.services import suggest_inspectors
    from civicgrid.notify.models import Notification

    case_id = new_case(api, user="operator", channel="hotline")
    case = Case.objects.get(pk=case_id)
    suggested = suggest_inspectors(case)
    assert suggested and suggested[0].username == "inspector"  # patrols the west streets
    asked = api("operator").ok(case_id, "request_verification", inspector=suggested[0].pk)
    assert asked["state"] == "reported"
    assert asked["events"][-1]["data"] == {"inspector": suggested[0].pk}
    notice = Notification.objects.get(case_id=case_id, kind="request_verification")
    assert notice.user_id == suggested[0].pk and notice.department_id is None
    other_district = city.user("inspector2")
    refused = error_of(
        api("operator").act(case_id, "request_verification", inspector=other_district.pk), 422
    )
    assert refused["fields"] == {"inspector": "不是本区的监督员。"}
    error_of(api("operator").act(case_id, "request_verification"), 422, "missing_fields")

"""Hotline callers: contact privacy per role, the call-back (回访) rules, and what is due."""

from types import SimpleNamespace

import pytest

from civicgrid.cases.models import Case, CaseEvent
from civicgrid.cases.services import ReportInput, act, submit_report
from civicgrid.cases.services.callbacks import callbacks_due
from civicgrid.cases.services.photos import check_uploads, store_photo
from civicgrid.cases.services.privacy import contact_for, mask_name, mask_phone
from civicgrid.core import workflow
from civicgrid.places.services.geocoding import search_places
from civicgrid.web.tests import conftest_desk as desk

demo_city = desk.demo_city
city = desk.city
clock = desk.clock
_media_in_tmp = desk._media_in_tmp

PHONE = "13812341234"


def hotline_case(city, channel="hotline", name="张三", phone=PHONE):
    """Enter a report on ``channel`` with a caller, as the operator; return the case."""
    result = submit_report(
        ReportInput(
            channel=channel,
            lon=desk.WEST[0],
            lat=desk.WEST[1],
            description="路灯不亮",
            reporter_name=name,
            reporter_phone=phone,
        ),
        actor=city.user("operator"),
    )
    return result.case


def close(city, case):
    """Take ``case`` from reported to closed through ``act``; return it fresh."""
    condition = desk.a_condition()
    operator = city.user("operator")
    act(case.pk, "file", operator, category=condition.category_id, filing_condition=condition.pk)
    act(case.pk, "dispatch", city.user("dispatcher"), department=city.departments["SZGY"])
    case.refresh_from_db()
    handler = desk.handler_of(case)
    photo = store_photo(check_uploads([desk.jpeg()])[0], "after", handler)
    act(case.pk, "resolve", handler, photos=[photo.pk], note="已修复")
    act(case.pk, "check", city.user("inspector"), passed=True)
    act(case.pk, "close", city.user("shift_lead"))
    case.refresh_from_db()
    return case


# ----------------------------------------------------------------------------- privacy


def test_masks_keep_the_surname_and_the_ends_of_the_phone():
    """张三 → 张*, 13812341234 → 138****1234; blanks stay blank."""
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳小明") == "欧***"
    assert mask_name("") == ""
    assert mask_phone(PHONE) == "138****1234"
    assert mask_phone("12345") == "*****"
    assert mask_phone("") == ""


@pytest.mark.parametrize(
    ("username", "clear"),
    [
        ("operator", True),
        ("shift_lead", True),
        ("dispatcher", True),
        ("admin", True),
        ("handler", False),
        ("inspector", False),
        ("leader", False),
        ("expert", False),
        ("coordinator", False),
    ],
)
def test_contact_is_clear_only_for_staff_with_the_need(city, username, clear):
    """Operators, shift leads, dispatchers and admins see the caller; others see masks."""
    report = hotline_case(city).reports.get()
    contact = contact_for(city.user(username), report)
    if clear:
        assert (contact.name, contact.phone, contact.masked) == ("张三", PHONE, False)
    else:
        assert (contact.name, contact.phone, contact.masked) == ("张*", "138****1234", True)


def test_nobody_and_anonymous_callers():
    """No user sees masks; an anonymous caller's contact is shown to nobody."""
    report = SimpleNamespace(reporter_name="张三", reporter_phone=PHONE, anonymous=False)
    assert contact_for(None, report).phone == "138****1234"
    report.anonymous = True
    assert contact_for(None, report).name == ""


def test_api_report_output_masks_for_a_handler(city):
    """The API's report output goes through the same rule (ReportOut)."""
    from civicgrid.cases.schemas import ReportOut

    report = hotline_case(city).reports.get()
    for username, phone in (("operator", PHONE), ("handler", "138****1234")):
        request = SimpleNamespace(user=city.user(username))
        out = ReportOut.from_orm(report, context={"request": request})
        assert out.reporter_phone == phone


# ---------------------------------------------------------------------------- call-back


def test_call_back_records_satisfaction_on_a_closed_hotline_case(city, clock):
    """An operator records the caller's satisfaction; the case stays closed, an event tells."""
    case = close(city, hotline_case(city))
    assert list(callbacks_due(city.user("operator"))) == [case]
    event = act(
        case.pk, "call_back", city.user("operator"), satisfaction="satisfied", note="已回访"
    )
    case.refresh_from_db()
    assert case.state == "closed"
    assert case.callback_result == "satisfied" and case.callback_at == event.at
    assert event.action == "call_back" and event.data["satisfaction"] == "satisfied"
    assert event.from_state == event.to_state == "closed" and event.note == "已回访"
    assert list(callbacks_due(city.user("operator"))) == []


def test_call_back_is_refused_twice(city, clock):
    """A second call-back is refused: the caller has been called back."""
    case = close(city, hotline_case(city, channel="mayor_line"))
    act(case.pk, "call_back", city.user("shift_lead"), satisfaction="dissatisfied")
    with pytest.raises(workflow.GuardFailed) as err:
        act(case.pk, "call_back", city.user("operator"), satisfaction="satisfied")
    assert err.value.guard == "not_called_back"


def test_call_back_is_refused_on_a_case_not_from_a_hotline(city, clock):
    """A media report (no caller to call back) gets no call-back."""
    case = close(city, hotline_case(city, channel="media"))
    assert case not in callbacks_due(city.user("operator"))
    with pytest.raises(workflow.GuardFailed) as err:
        act(case.pk, "call_back", city.user("operator"), satisfaction="satisfied")
    assert err.value.guard == "from_hotline"
    assert not CaseEvent.objects.filter(case=case, action="call_back").exists()


def test_call_back_is_refused_on_an_open_case(city, clock):
    """An open hotline case cannot be called back yet."""
    case = hotline_case(city)
    with pytest.raises(workflow.NotAllowedInState):
        act(case.pk, "call_back", city.user("operator"), satisfaction="satisfied")
    assert case not in callbacks_due(city.user("operator"))


def test_call_back_checks_role_and_satisfaction(city, clock):
    """A dispatcher may not record a call-back; a satisfaction outside the three is refused."""
    case = close(city, hotline_case(city))
    with pytest.raises(workflow.RoleNotAllowed):
        act(case.pk, "call_back", city.user("dispatcher"), satisfaction="satisfied")
    with pytest.raises(workflow.InvalidField):
        act(case.pk, "call_back", city.user("operator"), satisfaction="great")
    assert Case.objects.get(pk=case.pk).callback_at is None


def test_callbacks_due_leaves_out_callers_without_a_number(city, clock):
    """An anonymous caller, or one who left no phone, is not listed for a call-back."""
    anonymous = close(city, hotline_case(city, phone=""))
    operator = city.user("operator")
    assert anonymous not in callbacks_due(operator)
    case = close(city, hotline_case(city))
    case.reports.update(anonymous=True)
    assert not callbacks_due(operator).exists()


def test_callbacks_due_is_empty_for_roles_that_do_not_call_back(city, clock):
    """Only the roles of the call_back row get the list (deny by default)."""
    close(city, hotline_case(city))
    for username in ("dispatcher", "handler", "leader", "inspector"):
        assert not callbacks_due(city.user(username)).exists()
    assert not callbacks_due(None).exists()


# ---------------------------------------------------------------------------- geocoding


def test_address_search_finds_streets_communities_cells_and_assets(city):
    """Places by name or code and assets by code, each with a point inside the city."""
    from civicgrid.assets.models import Asset
    from civicgrid.places.models import Community, GridCell
    from civicgrid.places.services import locate

    community = Community.objects.order_by("code").first()
    hits = search_places(community.name)
    assert any(h.kind == "community" and h.code == community.code for h in hits)
    cell = GridCell.objects.order_by("code").first()
    hit = next(h for h in search_places(cell.code) if h.kind == "cell")
    assert locate(hit.lon, hit.lat).grid_cell.code == cell.code
    asset = Asset.objects.order_by("code").first()
    if asset is not None:
        first = search_places(asset.code)[0]
        assert (first.kind, first.asset_code) == ("asset", asset.code)
    assert search_places("x") == [] and search_places("井\x00") == []


def test_call_back_through_the_api(city, clock):
    """``POST /cases/{id}/transitions`` takes ``call_back`` with its satisfaction."""
    from civicgrid.cases.tests.conftest import Api

    case = close(city, hotline_case(city))
    api = Api("operator")
    response = api.post(
        f"/cases/{case.pk}/transitions", {"action": "call_back", "satisfaction": "dissatisfied"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["event"]["action"] == "call_back"
    case.refresh_from_db()
    assert case.callback_result == "dissatisfied"
    again = api.post(
        f"/cases/{case.pk}/transitions", {"action": "call_back", "satisfaction": "satisfied"}
    )
    assert again.status_code == 409 and again.json()["error"] == "guard_failed"

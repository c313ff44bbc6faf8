"""The to-do list and the nav badges follow case changes made in another session, without reload."""

import pytest

from civicgrid.testing.browser import axe_violations, chromium, login, new_page, screenshot
from civicgrid.web import live

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
assert chromium  # the fixture, imported for pytest

PASSWORD = "civicgrid-demo"
WEST = (119.590, 39.935)


@pytest.fixture
def filed_case(settings, tmp_path):
    """Build the demo city and file one case (through the services) waiting for dispatch."""
    from django.contrib.auth import get_user_model

    from civicgrid.cases.services import ReportInput, act, submit_report
    from civicgrid.categories.models import FilingCondition
    from civicgrid.demo.city import build_demo_city

    settings.MEDIA_ROOT = str(tmp_path / "media")
    build_demo_city(PASSWORD, with_cases=False)
    operator = get_user_model().objects.get(username="operator")
    condition = (
        FilingCondition.objects.filter(active=True, category__active=True)
        .order_by("category__kind", "category__code", "position")
        .first()
    )
    case = submit_report(
        ReportInput(channel="hotline", lon=WEST[0], lat=WEST[1], description="井盖破损"),
        actor=operator,
    ).case
    act(case.pk, "file", operator, category=condition.category_id, filing_condition=condition.pk)
    return case


def test_home_list_and_badges_update_when_another_session_dispatches(
    live_server, chromium, filed_case, monkeypatch
):
    """The dispatcher's to-do count drops and the handler's notice badge rises, no reload."""
    from playwright.sync_api import expect

    from civicgrid.org.models import Department

    monkeypatch.setattr(live, "POLL_SECONDS", 0.2)
    monkeypatch.setattr(live, "STREAM_SECONDS", 30.0)
    base = live_server.url

    desk = new_page(chromium)
    login(desk, base, "dispatcher")
    desk.goto(f"{base}/")
    to_dispatch = desk.locator("[data-todo=to_dispatch] .todo-count")
    expect(to_dispatch).to_have_text("1")
    expect(desk.locator("[data-cg-badge=todo] .badge")).to_have_text("1")
    desk.wait_for_function("() => document.body.dataset.cgLive === '1'")

    handler = new_page(chromium)
    login(handler, base, "handler")
    handler.goto(f"{base}/worklist/")
    expect(handler.locator("[data-cg-badge=notices] .badge")).to_have_text("0")
    handler.wait_for_function("() => document.body.dataset.cgLive === '1'")
    assert handler.locator(".wl-case").count() == 0

    # Another person (the shift lead, who may now dispatch) acts in their own session.
    lead = new_page(chromium)
    login(lead, base, "shift_lead")
    lead.goto(f"{base}/cases/{filed_case.pk}/")
    form = lead.locator("form[data-action=dispatch]")
    form.evaluate("f => { const d = f.closest('details'); if (d) { d.open = true; } }")
    form.locator("select[name=department]").select_option(
        str(Department.objects.get(code="SZGY").pk)
    )
    with lead.expect_navigation():
        form.locator("button[type=submit]").click()
    filed_case.refresh_from_db()
    assert filed_case.state == "dispatched"

    # No reload: both pages learn of the change through the event stream.
    expect(to_dispatch).to_have_text("0", timeout=5000)
    expect(desk.locator("[data-cg-badge=todo] .badge")).to_have_text("0", timeout=5000)
    expect(handler.locator(f"#wl-case-{filed_case.pk}")).to_be_visible(timeout=5000)
    expect(handler.locator("[data-cg-badge=notices] .badge")).to_have_text("1", timeout=5000)
    expect(handler.locator("[data-cg-badge=notices]")).to_have_class("nav-badge badge-new")

    problems = axe_violations(desk) + axe_violations(handler)
    screenshot(desk, "todo-home-dispatcher")
    handler.goto(f"{base}/notices/")
    problems += axe_violations(handler)
    screenshot(handler, "notices-handler")
    with handler.expect_navigation():
        handler.locator(".notice form button").first.click()
    expect(handler.locator("[data-cg-badge=notices] .badge")).to_have_text("0")
    assert problems == []

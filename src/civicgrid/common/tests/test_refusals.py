"""Refusals of the core rules read in the reader's language, by their code."""

import pytest
from django.utils import translation

from civicgrid.common.refusals import refusal
from civicgrid.core import workflow
from civicgrid.core.coords import CoordinateError, to_wgs84
from civicgrid.core.workflow import Action, CaseFacts, Role, State
from civicgrid.testing.english import english_runs

REPORTED = CaseFacts(state=State.reported)
DISPATCHED = CaseFacts(state=State.dispatched)
CASES = {
    "unknown_action": (REPORTED, "fly", Role.operator, {}),
    "invalid_state": (REPORTED, Action.dispatch, Role.dispatcher, {"department": 1}),
    "forbidden": (REPORTED, Action.verify, Role.leader, {}),
    "missing_fields": (REPORTED, Action.file, Role.operator, {}),
    "guard_failed": (DISPATCHED, Action.grant_extension, Role.dispatcher, {}),
}


@pytest.mark.parametrize("code", sorted(CASES))
def test_each_workflow_refusal_reads_in_chinese(code):
    facts, action, role, fields = CASES[code]
    with pytest.raises(workflow.WorkflowError) as caught:
        workflow.decide(facts, action, role, fields)
    assert caught.value.code == code
    with translation.override("zh-hans"):
        message, refused_fields = refusal(caught.value)
    assert message and not english_runs(message), message
    for text in refused_fields.values():
        assert not english_runs(text), text


def test_invalid_fields_name_the_field_and_the_fix():
    facts = CaseFacts(state=State.resolved)
    with pytest.raises(workflow.InvalidField) as caught:
        workflow.decide(facts, Action.check, Role.inspector, {"passed": "maybe"})
    with translation.override("zh-hans"):
        message, fields = refusal(caught.value)
    assert "核查结果" in message
    assert set(fields) == {"passed"} and not english_runs(fields["passed"])


@pytest.mark.parametrize(
    "lon, lat, crs",
    [(1, 2, "mars"), ("东", 2, "wgs84"), (float("nan"), 2, "wgs84"), (200, 2, "wgs84"),
     (2, 100, "wgs84"), ([1, 2], [1], "wgs84")],
)  # fmt: skip
def test_each_coordinate_refusal_reads_in_chinese(lon, lat, crs):
    with pytest.raises(CoordinateError) as caught:
        to_wgs84(lon, lat, crs)
    assert caught.value.code != "invalid"
    with translation.override("zh-hans"):
        message, _fields = refusal(caught.value)
    assert message and not english_runs(message), message

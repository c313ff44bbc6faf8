"""Operations of the cases app that other apps may call."""

from civicgrid.cases.services.errors import (
    CaseConflict,
    CaseError,
    CaseForbidden,
    CaseInvalid,
    CaseNotFound,
)
from civicgrid.cases.services.intake import (
    IntakeResult,
    ReportInput,
    merge_report,
    reject_duplicate,
    submit_report,
    suggest_inspectors,
)
from civicgrid.cases.services.transitions import act, allowed_actions_for

__all__ = [
    "CaseConflict",
    "CaseError",
    "CaseForbidden",
    "CaseInvalid",
    "CaseNotFound",
    "IntakeResult",
    "ReportInput",
    "act",
    "allowed_actions_for",
    "merge_report",
    "reject_duplicate",
    "submit_report",
    "suggest_inspectors",
]

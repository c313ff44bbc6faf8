"""Models of the cases app."""

from civicgrid.cases.models.audit import AuditCheckpoint
from civicgrid.cases.models.calendar import CalendarDay, CalendarYear
from civicgrid.cases.models.cases import Case, CaseEvent
from civicgrid.cases.models.reports import Photo, Report
from civicgrid.cases.models.taskruns import TaskRun

__all__ = [
    "AuditCheckpoint",
    "CalendarDay",
    "CalendarYear",
    "Case",
    "CaseEvent",
    "Photo",
    "Report",
    "TaskRun",
]

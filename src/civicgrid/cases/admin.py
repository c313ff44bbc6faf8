"""Admin of the cases app: read-only cases and events, editable holiday table."""

from django.contrib import admin

from civicgrid.cases.models import CalendarDay, CalendarYear, Case, CaseEvent, Report, TaskRun


class ReadOnlyAdmin(admin.ModelAdmin):
    """Cases change only through the workflow service, never in the admin."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ("code", "state", "category", "department", "district", "current_due")
    list_filter = ("state", "district", "origin_channel")
    search_fields = ("code", "description")
    list_select_related = ("category", "department", "district")

    def get_queryset(self, request):
        """Return the cases without the district's outline (the list shows its name)."""
        return super().get_queryset(request).defer("district__geometry")


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyAdmin):
    list_display = ("case", "seq", "action", "role", "actor_name", "from_state", "to_state", "at")
    list_filter = ("action", "role")
    search_fields = ("case__code",)


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = ("id", "channel", "reported_at", "case", "duplicate_state")
    list_filter = ("channel", "duplicate_state")


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("date", "is_workday", "name")
    list_filter = ("is_workday",)
    date_hierarchy = "date"


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ("year", "source")


@admin.register(TaskRun)
class TaskRunAdmin(ReadOnlyAdmin):
    list_display = ("name", "started_at", "finished_at", "succeeded_at", "lease_until")

"""System checks: the workflow table must be sound at start-up."""

from django.core.checks import Error, register

from civicgrid.core.workflow import validate_table


@register()
def check_workflow_table(app_configs, **kwargs):
    """Report every definition problem of the case workflow table."""
    return [
        Error(problem, id="cases.E001", hint="Fix TRANSITIONS in civicgrid/core/workflow.py.")
        for problem in validate_table()
    ]

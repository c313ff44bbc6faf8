"""System checks: the workflow table must be sound, and every action must have an effect."""

from django.core.checks import Error, register

from civicgrid.core.workflow import validate_table


@register()
def check_workflow_table(app_configs, **kwargs):
    """Report every definition problem of the case workflow table."""
    return [
        Error(problem, id="cases.E001", hint="Fix TRANSITIONS in civicgrid/core/workflow.py.")
        for problem in validate_table()
    ]


@register()
def check_action_effects(app_configs, **kwargs):
    """Report every workflow action that has no registered effect.

    ``act`` applies an action through the registry in ``cases.services.effects``; an action
    without an entry there would be refused at run time, so refuse to start instead.
    """
    from civicgrid.cases.services.effects import missing_effects

    return [
        Error(
            f"workflow action {action.value!r} has no registered effect",
            id="cases.E002",
            hint="Register one with @effect(...) in civicgrid/cases/services/effects.py.",
        )
        for action in missing_effects()
    ]

"""Queue notices in the outbox (inside the caller's transaction)."""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from civicgrid.notify.models import Notification

# Which actions announce something, to whom, in what words. Notices are stored
# as sent (SMS, app push), so they are written in the site's language.
NOTICES = {
    "request_verification": ("verifier", _("Please verify case %(code)s on site")),
    "dispatch": ("department", _("New case %(code)s dispatched to you")),
    "rule_ownership": (
        "department",
        _("Case %(code)s dispatched to you after an ownership ruling"),
    ),
    "urge": ("department", _("Case %(code)s has been urged")),
    "check": ("department", _("Case %(code)s on-site check: %(outcome)s")),
    "grant_extension": ("department", _("Extension of case %(code)s granted")),
    "deny_extension": ("department", _("Extension of case %(code)s denied")),
    "mark_overdue": ("department", _("Case %(code)s is overdue")),
}
PASSED = _("passed")
FAILED = _("failed, rework")


def queue_for_event(case, event) -> list[Notification]:
    """Write the notices an event announces; return them."""
    spec = NOTICES.get(event.action)
    if spec is None:
        return []
    target, template = spec
    department_id = case.department_id or event.department_id
    user_id = case.verifier_id if target == "verifier" else None
    if target == "department" and department_id is None:
        return []
    with translation.override(settings.LANGUAGE_CODE):
        outcome = str(PASSED if event.data.get("passed") else FAILED)
        message = str(template) % {"code": case.code, "outcome": outcome}
    notice = Notification.objects.create(
        kind=event.action,
        case=case,
        event=event,
        department_id=department_id if target == "department" else None,
        user_id=user_id,
        message=message[:300],
    )
    return [notice]

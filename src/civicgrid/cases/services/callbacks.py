"""Call-backs (回访): which closed hotline cases still wait for one.

The rule itself (who, from which state, on which cases) is the ``call_back``
row of ``core.workflow``; this module only lists the cases it applies to.
"""

from django.db.models import Exists, OuterRef

from civicgrid.cases.choices import CALLBACK_CHANNELS, CaseState
from civicgrid.cases.models import Report
from civicgrid.cases.services.access import visible_cases
from civicgrid.core.workflow import Action, get_transition


def callbacks_due(user):
    """Return the visible closed hotline cases without a call-back, oldest closure first.

    Only cases with a caller to call: a report that is not anonymous and left a
    phone number. Empty for a user who may not take ``call_back`` (deny by default).
    """
    roles = {role.value for role in get_transition(Action.call_back).roles}
    if user is None or not getattr(user, "is_authenticated", False):
        return visible_cases(None)
    if not set(user.roles) & roles:
        return visible_cases(None)
    return (
        visible_cases(user)
        .filter(
            state=CaseState.CLOSED,
            origin_channel__in=sorted(CALLBACK_CHANNELS),
            callback_at__isnull=True,
        )
        .filter(
            Exists(
                Report.objects.filter(case=OuterRef("pk"), anonymous=False).exclude(
                    reporter_phone=""
                )
            )
        )
        .order_by("closed_at", "id")
    )

"""Choices of the cases app; states and actions mirror ``core.workflow``."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from civicgrid.core.workflow import State


class Channel(models.TextChoices):
    """Where a report came from (问题来源)."""

    INSPECTOR = "inspector", _("Inspector report")
    CITIZEN_APP = "citizen_app", _("Citizen app")
    HOTLINE = "hotline", _("Hotline (12319 / 12345)")
    VIDEO_PATROL = "video_patrol", _("Video patrol")
    CAMERA_AI = "camera_ai", _("Camera AI alert")
    LEADER = "leader", _("Leader instruction")
    POLICE_110 = "police_110", _("110 transfer")
    MEDIA = "media", _("Media exposure")
    PETITION = "petition", _("Petition")
    MAYOR_LINE = "mayor_line", _("Mayor's line")
    THIRD_PARTY = "third_party", _("Third-party patrol")
    OPEN311 = "open311", _("Open311")


#: Channels with a caller to call back after closure (回访): the hotlines and petitions.
CALLBACK_CHANNELS = frozenset({Channel.HOTLINE, Channel.MAYOR_LINE, Channel.PETITION})


class Satisfaction(models.TextChoices):
    """The caller's verdict at the call-back (回访); values are ``CALLBACK_SATISFACTION``."""

    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY_SATISFIED = "basically_satisfied", _("Basically satisfied")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")


class CaseState(models.TextChoices):
    """The case's place in the loop; values are ``core.workflow.State``."""

    REPORTED = State.reported.value, _("Reported")
    VERIFIED = State.verified.value, _("Verified")
    FILED = State.filed.value, _("Filed")
    VOIDED = State.voided.value, _("Voided")
    DISPATCHED = State.dispatched.value, _("Dispatched")
    RETURNED = State.returned.value, _("Returned")
    RESOLVED = State.resolved.value, _("Resolved")
    CHECKED = State.checked.value, _("Checked")
    CLOSED = State.closed.value, _("Closed")
    SUSPENDED = State.suspended.value, _("Suspended")
    IN_RULING = State.in_ruling.value, _("Ownership ruling")


class CloseType(models.TextChoices):
    """结案类型: normal, overdue, special, and self-resolved by an inspector."""

    NORMAL = "normal", _("Normal")
    OVERDUE = "overdue", _("Overdue")
    SPECIAL = "special", _("Special")
    SELF_RESOLVED = "self_resolved", _("Self-resolved")


class PhotoKind(models.TextChoices):
    """What a photo shows."""

    REPORT = "report", _("As reported")
    AFTER = "after", _("After handling")
    CHECK = "check", _("On-site check")
    OTHER = "other", _("Other")


class DuplicateState(models.TextChoices):
    """Whether a report was proposed as a duplicate, and what the operator said."""

    NONE = "", _("Not a duplicate")
    PROPOSED = "proposed", _("Proposed duplicate")
    CONFIRMED = "confirmed", _("Confirmed duplicate")
    REJECTED = "rejected", _("Not a duplicate (checked)")

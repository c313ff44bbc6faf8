"""Cases and their append-only, hash-chained event log."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicgrid.cases.choices import CaseState, Channel, CloseType, Satisfaction
from civicgrid.cases.models.reports import Located
from civicgrid.core import workflow

#: ``core.workflow.OPEN_STATES`` as the column's values (the one definition lives in core).
OPEN_STATES = sorted(state.value for state in workflow.OPEN_STATES)
#: The places every case points at, smallest first.
CASE_PLACES = ("grid_cell", "community", "street", "district")


class CaseQuerySet(models.QuerySet):
    def open(self):
        """Return cases that are neither closed nor voided.

        Written as the list of open states rather than "not closed or voided"
        so the database can use the (state, current_due) index.
        """
        return self.filter(state__in=OPEN_STATES)

    def with_places(self, *related, cell_outline: bool = False):
        """Join the case's places (and ``related``) but leave their outlines in the database.

        Every place carries its GeoJSON outline, and a district's runs to
        hundreds of kilobytes: a plain ``select_related`` of the four places
        copied all four outlines into every row of every list. Lists show
        codes and names only; a case page, which draws its (small) cell,
        asks for ``cell_outline``.
        """
        skip = {"grid_cell"} if cell_outline else set()
        outlines = [f"{place}__geometry" for place in CASE_PLACES if place not in skip]
        return self.select_related(*CASE_PLACES, *related).defer(*outlines)


class Case(Located):
    """The managed problem (案卷), gathering one or more reports.

    Only ``cases.services.act`` (and ``intake`` when it creates a case) writes
    these fields; every change appends a ``CaseEvent``. Deadlines are stored
    as computed so lists can sort and filter on them; ``handling_due`` moves
    later only through an extension or a suspension.
    """

    # NULL until the row has an id to number it by; unique, so "" would collide.
    code = models.CharField(_("case number"), max_length=20, unique=True, null=True)  # noqa: DJ001
    state = models.CharField(
        _("state"), max_length=12, choices=CaseState.choices, default=CaseState.REPORTED
    )
    previous_state = models.CharField(
        _("state before suspension"), max_length=12, choices=CaseState.choices, blank=True
    )
    version = models.PositiveIntegerField(_("version"), default=0)
    origin_channel = models.CharField(_("first channel"), max_length=20, choices=Channel.choices)
    reported_by_inspector = models.BooleanField(_("reported by an inspector"), default=False)
    description = models.TextField(_("description"), max_length=4000)
    category = models.ForeignKey(
        "categories.Category",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("category"),
    )
    category_guess = models.ForeignKey(
        "categories.Category",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("suggested category"),
        help_text=_("The first report's category, until the case is filed."),
    )
    filing_condition = models.ForeignKey(
        "categories.FilingCondition",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("filing condition"),
    )
    asset = models.ForeignKey(
        "assets.Asset",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("asset"),
    )
    department = models.ForeignKey(
        "org.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("department"),
    )
    suggested_department = models.ForeignKey(
        "org.Department",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("suggested department"),
    )
    verifier = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="verification_tasks",
        verbose_name=_("inspector asked to verify"),
    )
    routing_reason = models.CharField(_("why this suggestion"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    stage = models.CharField(_("stage"), max_length=12, blank=True)
    stage_started_at = models.DateTimeField(_("stage started at"), null=True, blank=True)
    stage_due = models.DateTimeField(_("stage due"), null=True, blank=True)
    handling_limit = models.JSONField(_("handling limit"), null=True, blank=True)
    handling_started_at = models.DateTimeField(_("first dispatched at"), null=True, blank=True)
    handling_due = models.DateTimeField(_("handling due"), null=True, blank=True)
    current_due = models.DateTimeField(_("due"), null=True, blank=True, db_index=True)
    pauses = models.JSONField(_("suspensions"), default=list, blank=True)
    pending_extension = models.JSONField(_("pending extension"), null=True, blank=True)
    overdue_marked_due = models.DateTimeField(_("overdue marked for"), null=True, blank=True)
    handling_overdue = models.BooleanField(_("handling overdue"), default=False)
    urge_count = models.PositiveSmallIntegerField(_("times urged"), default=0)
    return_count = models.PositiveSmallIntegerField(_("times returned"), default=0)
    last_resolved_at = models.DateTimeField(_("last resolved at"), null=True, blank=True)
    last_check_passed = models.BooleanField(_("last check passed"), default=False)
    close_type = models.CharField(
        _("close type"), max_length=15, choices=CloseType.choices, blank=True
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    callback_result = models.CharField(
        _("call-back satisfaction"), max_length=20, choices=Satisfaction.choices, blank=True
    )
    callback_at = models.DateTimeField(_("called back at"), null=True, blank=True)
    last_event_hash = models.CharField(max_length=64, blank=True, editable=False)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["state", "current_due"], name="cases_state_due"),
            models.Index(fields=["district", "state"], name="cases_district_state"),
            models.Index(fields=["department", "state"], name="cases_department_state"),
            models.Index(fields=["category", "state", "created_at"], name="cases_cat_state_t"),
            models.Index(fields=["lon", "lat"], name="cases_lon_lat"),
            models.Index(fields=["created_at"], name="cases_created_at"),
            models.Index(fields=["closed_at"], name="cases_closed_at"),
        ]

    def __str__(self):
        return self.code or f"#{self.pk}"


class CaseEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("case events are append-only")

    def delete(self):
        raise TypeError("case events are append-only")


class CaseEvent(models.Model):
    """One step of a case: who did what, in which role, from and to which state.

    Append-only: each event stores the hash of the previous event of its
    case and its own HMAC over its content under the audit key named by
    ``key_id`` (kept outside the database), so editing, dropping or
    reordering events breaks the chain even for someone who can write the
    table (``civicgrid audit verify``). Evaluation is computed from these
    rows, so they carry the deadline as it stood.
    """

    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="events", verbose_name=_("case")
    )
    seq = models.PositiveIntegerField(_("sequence"))
    action = models.CharField(_("action"), max_length=30)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_name = models.CharField(_("actor name"), max_length=150, blank=True)
    role = models.CharField(_("role"), max_length=15)
    from_state = models.CharField(_("from"), max_length=12, blank=True)
    to_state = models.CharField(_("to"), max_length=12)
    at = models.DateTimeField(_("at"))
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    department = models.ForeignKey(
        "org.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("department"),
    )
    deadlines = models.JSONField(_("deadlines at this moment"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, editable=False)
    #: The id of the audit key whose HMAC ``hash`` is ("" only for unmigrated legacy events).
    key_id = models.CharField(_("key id"), max_length=16, blank=True, editable=False)

    objects = CaseEventQuerySet.as_manager()

    class Meta:
        ordering = ["case", "seq"]
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        constraints = [
            models.UniqueConstraint(fields=["case", "seq"], name="cases_event_unique_seq")
        ]
        indexes = [models.Index(fields=["action", "at"], name="cases_event_action_at")]

    def __str__(self):
        return f"{self.case_id}#{self.seq} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("case events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("case events are append-only")

    def chain_payload(self) -> dict:
        """Return the content the hash covers (everything but the hashes).

        The key id is covered too, so an event cannot be moved under another key.
        """
        return {
            "case": self.case_id,
            "seq": self.seq,
            "action": self.action,
            "actor": self.actor_id,
            "actor_name": self.actor_name,
            "key_id": self.key_id,
            "role": self.role,
            "from_state": self.from_state,
            "to_state": self.to_state,
            "at": self.at,
            "note": self.note,
            "data": self.data,
            "department": self.department_id,
            "deadlines": self.deadlines,
        }

"""Reports from every channel, and the photos of reports and events."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicgrid.cases.choices import Channel, DuplicateState, PhotoKind
from civicgrid.core.coords import WGS84


class Located(models.Model):
    """A WGS-84 point and where it falls on the grid (denormalized for filters)."""

    lon = models.FloatField(_("longitude (WGS-84)"))
    lat = models.FloatField(_("latitude (WGS-84)"))
    address = models.CharField(_("address"), max_length=200, blank=True)
    grid_cell = models.ForeignKey(
        "places.GridCell", on_delete=models.PROTECT, related_name="+", verbose_name=_("cell")
    )
    community = models.ForeignKey(
        "places.Community", on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    street = models.ForeignKey(
        "places.Street", on_delete=models.PROTECT, related_name="+", verbose_name=_("street")
    )
    district = models.ForeignKey(
        "places.District", on_delete=models.PROTECT, related_name="+", verbose_name=_("district")
    )

    class Meta:
        abstract = True


class Report(Located):
    """One submission from one channel; it joins exactly one case.

    Personal data (name, phone, raw payload) is private; what the public may
    see is listed in ``PUBLIC_FIELDS`` so later public portals and Open311
    output cannot leak the rest by accident. ``idempotency_key`` lets a
    client (a phone queueing reports offline) retry without duplicates; it
    is unique per submitter only (the reporting user, or for an application
    key without a user, that key), so two clients may use the same ticket
    number and a retry never reaches someone else's report.
    """

    PUBLIC_FIELDS = ("id", "channel", "reported_at", "lon", "lat", "address", "description")

    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("reporter"),
    )
    reporter_name = models.CharField(_("reporter name"), max_length=50, blank=True)
    reporter_phone = models.CharField(_("reporter phone"), max_length=30, blank=True)
    anonymous = models.BooleanField(_("anonymous"), default=False)
    reported_at = models.DateTimeField(_("reported at"))
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    crs = models.CharField(_("input coordinate system"), max_length=10, default=WGS84)
    input_lon = models.FloatField(_("longitude as sent"))
    input_lat = models.FloatField(_("latitude as sent"))
    category_guess = models.ForeignKey(
        "categories.Category",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("suggested category"),
    )
    asset = models.ForeignKey(
        "assets.Asset",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("asset"),
    )
    description = models.TextField(_("description"), max_length=4000)
    raw_payload = models.JSONField(_("raw payload"), default=dict, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=100, blank=True)
    submitted_by_key = models.ForeignKey(
        "org.ApiKey",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted with API key"),
    )
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="reports", verbose_name=_("case")
    )
    duplicate_of = models.ForeignKey(
        "cases.Case",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="proposed_duplicates",
        verbose_name=_("proposed duplicate of"),
    )
    duplicate_state = models.CharField(
        _("duplicate"), max_length=10, choices=DuplicateState.choices, blank=True, default=""
    )

    class Meta:
        ordering = ["-reported_at"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            # A person's retries, whatever token or session they come with.
            models.UniqueConstraint(
                fields=["reporter", "idempotency_key"],
                condition=~models.Q(idempotency_key="") & models.Q(reporter__isnull=False),
                name="cases_report_idempotency_per_user",
            ),
            # An application key's retries (no person behind it).
            models.UniqueConstraint(
                fields=["submitted_by_key", "idempotency_key"],
                condition=~models.Q(idempotency_key="")
                & models.Q(reporter__isnull=True, submitted_by_key__isnull=False),
                name="cases_report_idempotency_per_key",
            ),
        ]
        indexes = [models.Index(fields=["duplicate_state"], name="cases_report_dup_state")]

    def __str__(self):
        return f"#{self.pk} {self.get_channel_display()}"


def photo_path(instance, filename: str) -> str:
    """Store photos by upload day; the name is the content hash (no user input)."""
    from django.utils import timezone

    ext = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}[instance.content_type]
    return f"photos/{timezone.now():%Y/%m/%d}/{instance.sha256}.{ext}"


def thumb_path(instance, filename: str) -> str:
    """Store thumbnails beside their photos."""
    from django.utils import timezone

    return f"photos/{timezone.now():%Y/%m/%d}/{instance.sha256}.thumb.jpg"


class Photo(models.Model):
    """An image checked for type, size and pixels, with EXIF position and time when present.

    The stored file is a re-encoded copy without metadata (EXIF, XMP, text chunks), the
    orientation applied: ``sha256`` and ``size`` describe the stored bytes, which the event
    log and the audit rely on; ``received_sha256`` is the hash of the bytes as uploaded (for
    spotting the same upload twice). The GPS position and time read from the EXIF before it
    was dropped are kept in the ``exif_*`` columns. Files are served only through
    ``cases.views`` (``url`` / ``thumbnail_url``), which checks who may see the photo.
    """

    kind = models.CharField(_("kind"), max_length=10, choices=PhotoKind.choices)
    report = models.ForeignKey(
        Report,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="photos",
        verbose_name=_("report"),
    )
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="photos",
        verbose_name=_("case"),
    )
    event = models.ForeignKey(
        "cases.CaseEvent",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="photos",
        verbose_name=_("event"),
    )
    image = models.ImageField(_("image"), upload_to=photo_path)
    thumbnail = models.ImageField(_("thumbnail"), upload_to=thumb_path)
    content_type = models.CharField(_("content type"), max_length=20)
    size = models.PositiveIntegerField(_("size (bytes)"))
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    received_sha256 = models.CharField(
        _("SHA-256 as uploaded"), max_length=64, blank=True, default="", db_index=True
    )
    exif_lon = models.FloatField(_("EXIF longitude"), null=True, blank=True)
    exif_lat = models.FloatField(_("EXIF latitude"), null=True, blank=True)
    exif_taken_at = models.DateTimeField(_("EXIF time"), null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_by_key = models.ForeignKey(
        "org.ApiKey",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded with API key"),
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self):
        return f"{self.get_kind_display()} {self.sha256[:8]}"

    @property
    def url(self) -> str:
        """Return the protected address of the photo (checked against the viewer)."""
        from civicgrid.cases.photolinks import photo_path

        return photo_path(self.pk, "image")

    @property
    def thumbnail_url(self) -> str:
        """Return the protected address of the thumbnail."""
        from civicgrid.cases.photolinks import photo_path

        return photo_path(self.pk, "thumbnail")

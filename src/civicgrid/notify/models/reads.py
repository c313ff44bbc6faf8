"""Who has read which notice: one row per reader, since a department's notice has many."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationRead(models.Model):
    """A user has read a notice (in the app's notices page)."""

    notification = models.ForeignKey(
        "notify.Notification",
        on_delete=models.CASCADE,
        related_name="reads",
        verbose_name=_("notification"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("user"),
    )
    read_at = models.DateTimeField(_("read at"), auto_now_add=True)

    class Meta:
        verbose_name = _("notice read")
        verbose_name_plural = _("notices read")
        constraints = [
            models.UniqueConstraint(fields=["notification", "user"], name="notify_read_once")
        ]

    def __str__(self):
        return f"{self.user_id} read {self.notification_id}"

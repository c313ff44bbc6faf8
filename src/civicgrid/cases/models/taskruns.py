"""The record of a periodic task: its last runs and the lease that keeps it single."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TaskRun(models.Model):
    """The last run of a periodic task (the overdue sweep) or a worker's heartbeat.

    One row per name: ``sweep_overdue`` for the sweep, ``worker`` for the
    supervised task worker (its heartbeat and restart count).

    The row is in the database, not a cache, so that ``/healthz`` on any
    server sees the worker of any other, and so that the lease (an
    ``UPDATE … WHERE lease_until < now``) keeps two servers from running the
    task at once whatever cache each of them uses.
    """

    name = models.CharField(_("task"), max_length=100, unique=True)
    started_at = models.DateTimeField(_("last started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("last finished"), null=True, blank=True)
    succeeded_at = models.DateTimeField(_("last succeeded"), null=True, blank=True)
    error = models.TextField(_("last error"), blank=True)
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)
    restarts = models.PositiveIntegerField(_("restarts"), default=0)
    lease_owner = models.CharField(_("lease holder"), max_length=100, blank=True)
    lease_until = models.DateTimeField(_("lease ends"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("task run")
        verbose_name_plural = _("task runs")

    def __str__(self):
        return self.name

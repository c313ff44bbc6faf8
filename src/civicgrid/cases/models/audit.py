"""Audit checkpoints: a global, append-only, keyed chain over the heads of all case chains."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditCheckpointQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("audit checkpoints are append-only")

    def delete(self):
        raise TypeError("audit checkpoints are append-only")


class AuditCheckpoint(models.Model):
    """The state of every case's event chain at one moment (``civicgrid audit checkpoint``).

    ``heads`` lists ``[case id, version, last event hash]`` of every case, ordered by case id;
    ``root`` is their Merkle root (``core.eventlog.merkle_root``), which is what an exported
    copy outside the database needs to pin. Checkpoints chain to each other like events do,
    keyed by the audit key, so a case that disappears, or a history cut short, after a
    checkpoint no longer matches it.
    """

    seq = models.PositiveIntegerField(_("sequence"), unique=True)
    created_at = models.DateTimeField(_("created at"))
    case_count = models.PositiveIntegerField(_("cases"))
    root = models.CharField(_("Merkle root"), max_length=64)
    heads = models.JSONField(_("case heads"), default=list)
    prev_hash = models.CharField(max_length=64, editable=False)
    key_id = models.CharField(_("key id"), max_length=16, editable=False)
    hash = models.CharField(max_length=64, editable=False)

    objects = AuditCheckpointQuerySet.as_manager()

    class Meta:
        ordering = ["seq"]
        verbose_name = _("audit checkpoint")
        verbose_name_plural = _("audit checkpoints")

    def __str__(self):
        return f"checkpoint {self.seq} {self.root[:12]}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("audit checkpoints are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("audit checkpoints are append-only")

    def chain_payload(self) -> dict:
        """Return the content the checkpoint's hash covers (the heads through ``root``)."""
        return {
            "seq": self.seq,
            "created_at": self.created_at,
            "case_count": self.case_count,
            "root": self.root,
            "key_id": self.key_id,
        }

"""API keys and bearer tokens (one model: both are hashed secrets)."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def hash_secret(secret: str) -> str:
    """Return the stored digest of ``secret``; keys are random, so SHA-256 suffices."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class ApiKeyQuerySet(models.QuerySet):
    def usable(self):
        """Return keys that are neither revoked nor expired."""
        now = timezone.now()
        return self.filter(revoked=False).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class ApiKey(models.Model):
    """A secret that authenticates an API client.

    Keys made by ``civicgrid apikey create`` belong to an application (Open311
    clients, integrations); tokens from ``POST /api/v1/auth/token`` belong to a
    user and expire. Only the hash is stored; the secret is shown once.
    """

    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12, db_index=True, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="api_keys",
        verbose_name=_("user"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked = models.BooleanField(_("revoked"), default=False)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, name: str, user=None, expires_at=None) -> tuple["ApiKey", str]:
        """Create a key and return it with its secret, which is not stored."""
        secret = "cg_" + secrets.token_urlsafe(32)
        key = cls.objects.create(
            name=name,
            prefix=secret[:10],
            key_hash=hash_secret(secret),
            user=user,
            expires_at=expires_at,
        )
        return key, secret

    @classmethod
    def find(cls, secret: str) -> "ApiKey | None":
        """Return the usable key for ``secret``, or None."""
        if not secret:
            return None
        return (
            cls.objects.usable()
            .select_related("user")
            .filter(key_hash=hash_secret(secret))
            .first()
        )

"""The custom user model, with the scope that limits what a user sees."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicgrid.org.choices import RoleName


class User(AbstractUser):
    """A staff member; roles are groups, scope is a district (or the city).

    ``district`` empty means city-wide scope. ``department`` ties handlers to
    the body whose worklist they see.
    """

    display_name = models.CharField(_("display name"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    district = models.ForeignKey(
        "places.District",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("district scope"),
        help_text=_("Empty for city-wide scope."),
    )
    department = models.ForeignKey(
        "org.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("department"),
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.display_name or self.username

    @property
    def roles(self) -> frozenset[str]:
        """Return the workflow role names this user holds (cached per instance)."""
        cached = getattr(self, "_roles_cache", None)
        if cached is None:
            names = set(self.groups.values_list("name", flat=True))
            cached = frozenset(names & set(RoleName.values))
            self._roles_cache = cached
        return cached

    def has_role(self, role: str) -> bool:
        """Return whether the user holds ``role``."""
        return role in self.roles

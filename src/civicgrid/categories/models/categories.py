"""The problem classes and, per class, the conditions of the case standard."""

from decimal import Decimal

from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicgrid.categories.choices import CategoryKind, LimitUnit

two_digits = RegexValidator(r"^\d{2}$", _("Enter two digits."))
five_digits = RegexValidator(r"^\d{5}$", _("Enter five digits."))


class Category(models.Model):
    """A minor class of asset or incident problems.

    ``code`` is the 5-digit national form (2-digit major + 3-digit minor, as in
    GB/T 47678.5-2026); asset and incident classes share the code space, so
    the pair (kind, code) is the key. City-defined extension classes set
    ``is_extension``. ``source`` keeps where the row came from.
    """

    kind = models.CharField(_("kind"), max_length=10, choices=CategoryKind.choices)
    code = models.CharField(_("code"), max_length=5, validators=[five_digits])
    major_code = models.CharField(_("major code"), max_length=2, validators=[two_digits])
    major_name = models.CharField(_("major class"), max_length=50)
    name = models.CharField(_("name"), max_length=100)
    source = models.CharField(_("source"), max_length=300, blank=True)
    is_extension = models.BooleanField(_("city extension"), default=False)
    legacy_code = models.CharField(
        _("municipal code"),
        max_length=10,
        blank=True,
        help_text=_("The class's code in the municipal standard it was mapped from."),
    )
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["kind", "code"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        constraints = [
            models.UniqueConstraint(fields=["kind", "code"], name="categories_unique_kind_code")
        ]

    def __str__(self):
        return f"{self.code} {self.name}"


class FilingCondition(models.Model):
    """One filing condition (立案条件) of a class, with its closing condition and limit.

    The default set is loaded from the 运城 case standard; administrators edit
    it in the admin. The time limit is stored parsed (amount + unit) next to
    the original text so that evaluation never re-parses prose.
    """

    category = models.ForeignKey(
        Category,
        on_delete=models.CASCADE,
        related_name="filing_conditions",
        verbose_name=_("category"),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=1)
    text = models.TextField(_("filing condition"))
    closing_condition = models.TextField(_("closing condition"))
    limit_amount = models.DecimalField(
        _("time limit"),
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    limit_unit = models.CharField(_("time limit unit"), max_length=20, choices=LimitUnit.choices)
    limit_text = models.CharField(_("time limit as written"), max_length=30, blank=True)
    handling_bodies = models.TextField(_("handling bodies"), blank=True)
    supervising_bodies = models.TextField(_("supervising bodies"), blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["category", "position"]
        verbose_name = _("filing condition")
        verbose_name_plural = _("filing conditions")
        constraints = [
            models.UniqueConstraint(
                fields=["category", "position"], name="categories_unique_condition_position"
            )
        ]

    def __str__(self):
        return f"{self.category.name}: {self.text[:30]}"

    @property
    def time_limit(self):
        """Return the limit as a ``core.timelimits.TimeLimit``."""
        from civicgrid.core.timelimits import TimeLimit, Unit

        return TimeLimit(Decimal(self.limit_amount), Unit(self.limit_unit))

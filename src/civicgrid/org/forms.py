"""Forms of the account pages: the profile, and the administrators' user pages.

Every field is bounded (lengths, choices from the database); the services in
``org.services`` apply the rules.
"""

from django import forms
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.utils.translation import gettext_lazy as _

from civicgrid.org.choices import RoleName
from civicgrid.org.models import Department
from civicgrid.places.models import District


class ProfileForm(forms.Form):
    """What a user may change about themselves."""

    display_name = forms.CharField(label=_("display name"), max_length=50, required=False)
    phone = forms.CharField(label=_("phone"), max_length=30, required=False)


class AccountFieldsForm(forms.Form):
    """The fields an administrator sets on any account."""

    display_name = forms.CharField(label=_("display name"), max_length=50, required=False)
    phone = forms.CharField(label=_("phone"), max_length=30, required=False)
    roles = forms.MultipleChoiceField(
        label=_("Roles"),
        choices=RoleName.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    district = forms.ModelChoiceField(
        label=_("district scope"),
        queryset=District.objects.order_by("code"),
        required=False,
        empty_label=_("City-wide"),
    )
    department = forms.ModelChoiceField(
        label=_("department"),
        queryset=Department.objects.filter(active=True).order_by("code"),
        required=False,
        empty_label=_("None"),
    )

    def clean(self):
        data = super().clean()
        if RoleName.HANDLER in (data.get("roles") or []) and not data.get("department"):
            self.add_error("department", _("A department handler needs a department."))
        return data


class UserCreateForm(AccountFieldsForm):
    """A new account: its username, the common fields, an optional initial password."""

    username = forms.CharField(
        label=_("username"),
        max_length=150,
        validators=[UnicodeUsernameValidator()],
    )
    email = forms.EmailField(label=_("email"), max_length=254, required=False)
    password = forms.CharField(
        label=_("Initial password"),
        max_length=128,
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Leave empty to generate one; it is shown once."),
    )
    field_order = ["username", "display_name", "email", "phone", "roles", "district", "department"]


class UserFilterForm(forms.Form):
    """The filters of the user list; a bad value is ignored, not an error page."""

    q = forms.CharField(label=_("Search"), max_length=100, required=False)
    role = forms.ChoiceField(
        label=_("Role"), choices=[("", _("All roles")), *RoleName.choices], required=False
    )
    district = forms.ModelChoiceField(
        label=_("district"),
        queryset=District.objects.order_by("code"),
        required=False,
        empty_label=_("All districts"),
    )
    active = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("All")), ("1", _("Active")), ("0", _("Deactivated"))],
        required=False,
    )

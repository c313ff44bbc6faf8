"""Account pages: my profile, my password, and the administrators' user pages.

Every user may see their own profile and change their password. The user
pages are for administrators only (the ``admin`` role or ``is_staff``): deny
by default, 403 for anyone else. Views parse the form, call one service in
``org.services`` and redirect.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from civicgrid.org import services
from civicgrid.org.choices import RoleName
from civicgrid.org.forms import AccountFieldsForm, ProfileForm, UserCreateForm, UserFilterForm

USERS_PER_PAGE = 50


def may_manage_users(user) -> bool:
    """Return whether ``user`` may open the user administration pages."""
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and (user.is_staff or user.has_role(RoleName.ADMIN))
    )


def admin_required(view):
    """Let a view through only for administrators (login page when logged out, else 403)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not may_manage_users(request.user):
            raise PermissionDenied(_("This page is for administrators."))
        return view(request, *args, **kwargs)

    return wrapper


def _role_labels(user) -> list[str]:
    labels = dict(RoleName.choices)
    return [str(labels[name]) for name in sorted(user.roles)]


# -- My account --------------------------------------------------------------------


@login_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def profile(request):
    """Show my name, roles, scope and last login; change my display name and phone."""
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            services.update_profile(user, **form.cleaned_data)
            messages.success(request, _("Your profile was saved."))
            return redirect("accounts:profile")
    else:
        form = ProfileForm(initial={"display_name": user.display_name, "phone": user.phone})
    context = {
        "form": form,
        "account": user,
        "role_labels": _role_labels(user),
        "may_manage_users": may_manage_users(user),
    }
    return render(request, "org/accounts/profile.html", context)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change my password (the old one first); the session stays logged in."""

    template_name = "org/accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Your password was changed."))
        return response


# -- User administration ------------------------------------------------------------


def _filtered_users(form: UserFilterForm):
    users = (
        get_user_model()
        .objects.select_related("district", "department")
        .prefetch_related(Prefetch("groups"))
        .order_by("username")
    )
    if not form.is_valid():
        return users
    data = form.cleaned_data
    if data["q"]:
        users = users.filter(
            Q(username__icontains=data["q"]) | Q(display_name__icontains=data["q"])
        )
    if data["role"]:
        users = users.filter(groups__name=data["role"])
    if data["district"]:
        users = users.filter(district=data["district"])
    if data["active"]:
        users = users.filter(is_active=data["active"] == "1")
    return users


@admin_required
@require_http_methods(["GET", "HEAD"])
def user_list(request):
    """List the accounts with their roles, scope, state and last login; paged, filtered."""
    form = UserFilterForm(request.GET or None)
    page = Paginator(_filtered_users(form), USERS_PER_PAGE).get_page(request.GET.get("page"))
    labels = dict(RoleName.choices)
    rows = [
        {
            "account": user,
            "roles": [
                str(labels[g.name])
                for g in sorted(user.groups.all(), key=lambda g: g.name)
                if g.name in labels
            ],
        }
        for user in page
    ]
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "rows": rows, "query": query.urlencode()}
    return render(request, "org/accounts/user_list.html", context)


@admin_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def user_create(request):
    """Create an account; a generated password is shown on the answer page, once."""
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, generated = services.create_user(
                username=data["username"],
                roles=data["roles"],
                display_name=data["display_name"],
                phone=data["phone"],
                email=data["email"],
                district=data["district"],
                department=data["department"],
                password=data["password"] or None,
            )
        except services.AccountRefused as exc:
            field = {"username_taken": "username", "weak_password": "password"}.get(exc.code)
            form.add_error(field, exc.message)
        else:
            if generated is None:
                messages.success(request, _("Account %(name)s created.") % {"name": user.username})
                return redirect("accounts:user_edit", user_id=user.pk)
            context = {"account": user, "password": generated}
            return render(request, "org/accounts/user_created.html", context)
    return render(request, "org/accounts/user_form.html", {"form": form, "creating": True})


@admin_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def user_edit(request, user_id: int):
    """Change an account's roles, district and department; (de)activate it."""
    account = get_object_or_404(
        get_user_model().objects.select_related("district", "department"), pk=user_id
    )
    if request.method == "POST":
        form = AccountFieldsForm(request.POST)
        if form.is_valid():
            try:
                services.update_user(account, actor=request.user, **form.cleaned_data)
            except services.AccountRefused as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request, _("Account %(name)s saved.") % {"name": account.username}
                )
                return redirect("accounts:user_edit", user_id=account.pk)
    else:
        form = AccountFieldsForm(
            initial={
                "display_name": account.display_name,
                "phone": account.phone,
                "roles": sorted(account.roles),
                "district": account.district_id,
                "department": account.department_id,
            }
        )
    context = {"form": form, "account": account, "creating": False}
    return render(request, "org/accounts/user_form.html", context)


@admin_required
@require_POST
def user_set_active(request, user_id: int):
    """Deactivate or reactivate an account (``active`` = 1 or 0); never delete it."""
    account = get_object_or_404(get_user_model(), pk=user_id)
    active = request.POST.get("active")
    if active not in ("0", "1"):
        return redirect("accounts:user_edit", user_id=account.pk)
    try:
        services.set_user_active(account, active == "1", actor=request.user)
    except services.AccountRefused as exc:
        messages.error(request, exc.message)
    else:
        if active == "1":
            messages.success(
                request, _("Account %(name)s reactivated.") % {"name": account.username}
            )
        else:
            messages.success(
                request, _("Account %(name)s deactivated.") % {"name": account.username}
            )
    return redirect("accounts:user_edit", user_id=account.pk)

"""Operations of the org app that other apps may call."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.core.text import contains_nul
from civicgrid.org import keycache
from civicgrid.org.choices import RoleName
from civicgrid.org.models import ApiKey


class LoginFailed(Exception):
    """Raise when credentials do not identify an active user."""


def revoke_keys(keys) -> int:
    """Revoke every key in the queryset ``keys``; return how many matched.

    A bulk update sends no signal, so the shared key cache is invalidated
    here: the keys stop working on every process at once.
    """
    count = keys.update(revoked=True)
    if count:
        keycache.invalidate_on_commit()
    return count


def enforce_token_cap(user) -> int:
    """Revoke the user's oldest usable tokens beyond the cap; return how many.

    ``CIVICGRID["API_TOKEN_MAX_PER_USER"]`` (20 by default; 0 for no cap)
    bounds the live tokens a password can mint, so a script that logs in on
    every run does not pile up valid secrets.
    """
    cap = settings.CIVICGRID.get("API_TOKEN_MAX_PER_USER", 0)
    if cap <= 0:
        return 0
    live = ApiKey.objects.usable().filter(user=user).order_by("-created_at", "-pk")
    surplus = list(live.values_list("pk", flat=True)[cap:])
    if not surplus:
        return 0
    return revoke_keys(ApiKey.objects.filter(pk__in=surplus))


def issue_user_token(request, username: str, password: str) -> tuple[ApiKey, str]:
    """Check credentials and return a new expiring bearer token for the user.

    The oldest tokens beyond the per-user cap are revoked in the same
    transaction, with the user's row locked so two logins cannot both
    stay under the cap.
    """
    if contains_nul(username) or contains_nul(password):
        # No user has a NUL in their name, and PostgreSQL cannot even search for one.
        raise LoginFailed(_("Unknown username or wrong password."))
    user = authenticate(request, username=username, password=password)
    if user is None or not user.is_active:
        raise LoginFailed(_("Unknown username or wrong password."))
    days = settings.CIVICGRID["API_TOKEN_DAYS"]
    with transaction.atomic():
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        issued = ApiKey.issue(
            # Usernames may be 150 characters; ApiKey.name holds 100.
            name=f"token for {user.username}"[:100],
            user=user,
            expires_at=timezone.now() + timedelta(days=days),
        )
        enforce_token_cap(user)
    return issued


def revoke_token(user, presented: ApiKey | None, prefix: str | None) -> int:
    """Revoke the presented key, or the user's own tokens starting with ``prefix``.

    Return how many keys were revoked (0: nothing of the user's matched).
    """
    if prefix is None:
        if presented is None:
            return 0
        return revoke_keys(ApiKey.objects.filter(pk=presented.pk))
    if user is None or not user.is_authenticated:
        return 0
    return revoke_keys(ApiKey.objects.filter(user=user, prefix=prefix, revoked=False))


def purge_expired_tokens(grace: timedelta = timedelta(0), now=None) -> int:
    """Delete tokens that expired more than ``grace`` ago; return how many.

    Revoked tokens go too once their expiry has passed (every token has
    one); application keys never expire and are kept, revoked or not, so
    the key list keeps naming who once had access.
    """
    cutoff = (now or timezone.now()) - grace
    deleted, _per_model = ApiKey.objects.filter(expires_at__lt=cutoff).delete()
    return deleted


# -- Accounts ------------------------------------------------------------------

#: Length of a generated initial password (shown once to the administrator).
GENERATED_PASSWORD_LENGTH = 14
#: Letters and digits that cannot be mistaken for one another when read aloud.
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class AccountRefused(Exception):
    """Raise when an account operation breaks a rule; ``code`` names the rule."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def generate_password(length: int = GENERATED_PASSWORD_LENGTH) -> str:
    """Return a random password with letters and digits of every kind."""
    while True:
        candidate = "".join(secrets.choice(PASSWORD_ALPHABET) for _i in range(length))
        if (
            any(c.islower() for c in candidate)
            and any(c.isupper() for c in candidate)
            and any(c.isdigit() for c in candidate)
        ):
            return candidate


def _role_groups(roles) -> list[Group]:
    """Return the groups of ``roles``; refuse a name that is not a role."""
    names = {str(role) for role in roles}
    unknown = names - set(RoleName.values)
    if unknown:
        raise AccountRefused(
            "unknown_role", _("Unknown role: %(roles)s") % {"roles": ", ".join(sorted(unknown))}
        )
    groups = [Group.objects.get_or_create(name=name)[0] for name in sorted(names)]
    return groups


def _set_roles(user, roles) -> None:
    """Replace the role groups of ``user`` by ``roles``; other groups stay."""
    wanted = _role_groups(roles)
    user.groups.remove(
        *user.groups.filter(name__in=RoleName.values).exclude(pk__in=[g.pk for g in wanted])
    )
    user.groups.add(*wanted)
    user._roles_cache = None


def _check_may_manage(actor, user) -> None:
    """Refuse when ``actor`` may not change ``user`` (only superusers change superusers)."""
    if actor is not None and user.is_superuser and not actor.is_superuser:
        raise AccountRefused("superuser", _("Only a superuser may change a superuser's account."))


@transaction.atomic
def create_user(
    *,
    username: str,
    roles,
    display_name: str = "",
    phone: str = "",
    email: str = "",
    district=None,
    department=None,
    password: str | None = None,
) -> tuple[object, str | None]:
    """Create an active staff account; return it and the generated password (or None).

    A given password goes through the configured validators; without one, a
    random password is generated and returned so it can be shown once.
    """
    model = get_user_model()
    if model.objects.filter(username__iexact=username).exists():
        raise AccountRefused("username_taken", _("This username is already taken."))
    generated = None
    user = model(
        username=username,
        display_name=display_name,
        phone=phone,
        email=email,
        district=district,
        department=department,
        is_active=True,
    )
    if password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise AccountRefused("weak_password", " ".join(exc.messages)) from exc
    else:
        password = generated = generate_password()
    user.set_password(password)
    user.save()
    _set_roles(user, roles)
    return user, generated


@transaction.atomic
def update_user(user, *, actor=None, roles, display_name, phone, district, department) -> None:
    """Change the roles, name, phone, district and department of ``user``.

    Administrators may not take their own admin role away (unless they are
    staff anyway): the last one would lock everybody out of these pages.
    """
    _check_may_manage(actor, user)
    roles = {str(role) for role in roles}
    if (
        actor is not None
        and actor.pk == user.pk
        and user.has_role(RoleName.ADMIN)
        and RoleName.ADMIN not in roles
        and not user.is_staff
    ):
        raise AccountRefused(
            "own_admin_role", _("You cannot take away your own administrator role.")
        )
    user.display_name = display_name
    user.phone = phone
    user.district = district
    user.department = department
    user.save(update_fields=["display_name", "phone", "district", "department"])
    _set_roles(user, roles)


@transaction.atomic
def set_user_active(user, active: bool, *, actor=None) -> int:
    """Deactivate or reactivate ``user``; return how many API keys were revoked.

    Accounts are never deleted: case events name their actors. Deactivating
    also revokes the user's keys and tokens, so a script holding one stops
    at once; reactivating does not bring them back. Nobody deactivates
    their own account (the last administrator would lock everyone out).
    """
    _check_may_manage(actor, user)
    if not active and actor is not None and actor.pk == user.pk:
        raise AccountRefused("self", _("You cannot deactivate your own account."))
    user.is_active = active
    user.save(update_fields=["is_active"])
    if active:
        return 0
    return revoke_keys(ApiKey.objects.filter(user=user, revoked=False))


def update_profile(user, *, display_name: str, phone: str) -> None:
    """Change the name and phone number a user keeps about themselves."""
    user.display_name = display_name
    user.phone = phone
    user.save(update_fields=["display_name", "phone"])

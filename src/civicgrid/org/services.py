"""Operations of the org app that other apps may call."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.core.text import contains_nul
from civicgrid.org import keycache
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

"""Operations of the org app that other apps may call."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.utils import timezone

from civicgrid.core.text import contains_nul
from civicgrid.org.models import ApiKey


class LoginFailed(Exception):
    """Raise when credentials do not identify an active user."""


def issue_user_token(request, username: str, password: str) -> tuple[ApiKey, str]:
    """Check credentials and return a new expiring bearer token for the user."""
    if contains_nul(username) or contains_nul(password):
        # No user has a NUL in their name, and PostgreSQL cannot even search for one.
        raise LoginFailed("Unknown username or wrong password.")
    user = authenticate(request, username=username, password=password)
    if user is None or not user.is_active:
        raise LoginFailed("Unknown username or wrong password.")
    days = settings.CIVICGRID["API_TOKEN_DAYS"]
    return ApiKey.issue(
        # Usernames may be 150 characters; ApiKey.name holds 100.
        name=f"token for {user.username}"[:100],
        user=user,
        expires_at=timezone.now() + timedelta(days=days),
    )

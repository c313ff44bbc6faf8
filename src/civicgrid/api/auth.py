"""Authentication for the API: bearer keys, or the browser session with CSRF."""

from django.utils import timezone
from ninja.security import APIKeyQuery, HttpBearer, SessionAuth

from civicgrid.org import keycache
from civicgrid.org.models import ApiKey


class BearerKey(HttpBearer):
    """Accept ``Authorization: Bearer <key>`` for a usable API key or user token."""

    def authenticate(self, request, token):
        key = keycache.find_key(token)
        if key is None:
            return None
        if key.user_id is not None:
            if not key.user.is_active:
                return None
            request.user = key.user
        request.api_key = key
        # Touch at most once a minute: a write per request would serialise SQLite.
        now = timezone.now()
        if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
            keycache.note_use(key, now)
        return key


class QueryApiKey(APIKeyQuery):
    """Accept ``?api_key=`` (Open311 clients send their key this way)."""

    param_name = "api_key"

    def authenticate(self, request, key):
        found = keycache.find_key(key)
        if found is not None:
            request.api_key = found
            if found.user_id is not None:
                request.user = found.user
        return found


class StaffSession(SessionAuth):
    """Accept a logged-in browser session (CSRF enforced by SessionAuth)."""


STAFF_AUTH = [BearerKey(), StaffSession()]

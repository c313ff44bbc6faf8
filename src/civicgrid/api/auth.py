"""Authentication for the API: bearer keys, or the browser session with CSRF.

A request with no credentials, or with a bearer key that is not valid, gets
401 with ``WWW-Authenticate: Bearer`` (not the session's CSRF 403, which
only means something to a logged-in browser). An application key (no user)
passes authentication, but operations that act as a person call
``acting_user`` and refuse it with 403.
"""

from django.utils import timezone
from django.utils.translation import gettext as _
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
    """Accept a logged-in browser session (CSRF enforced by SessionAuth).

    Without a logged-in session there is nothing to protect with CSRF: skip
    the check and fail, so the request is answered 401, not "CSRF failed".
    """

    def _get_key(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return super()._get_key(request)


def acting_user(request):
    """Return the person behind ``request``, or refuse an application key with 403.

    Application keys (``civicgrid apikey create``) belong to no user; they may
    submit reports and read reference data, but workflow actions, photo
    uploads and case reading need a person whose roles and scope decide.
    """
    from civicgrid.api.errors import ApiError

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        raise ApiError(
            403,
            "user_required",
            _("This needs a person's token or session; an application key may not do this."),
        )
    return user


STAFF_AUTH = [BearerKey(), StaffSession()]

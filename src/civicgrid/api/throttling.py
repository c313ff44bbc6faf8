"""Rate limits of the API, counted in the shared Django cache.

Django Ninja runs throttles after authentication and answers a refusal with
``ninja.errors.Throttled`` (turned into the JSON 429 by ``api.errors``) and a
``Retry-After`` header. Ninja's own throttles keep a list of request times
per client, re-written on every request — costly at hundreds of requests a
second on one key — and read their rate once at import. These count with
django-ratelimit instead: one atomic ``incr`` per request and window in the
cache (Redis shares it between processes), with the rate read from
``CIVICGRID["RATES"]`` on every request so settings and tests can change it.
"""

import json
import threading

from django.conf import settings
from django_ratelimit.core import get_usage
from ninja.throttling import BaseThrottle

from civicgrid.common.clientip import client_ip

OFF_WORDS = {"", "0", "off", "none", "unlimited"}


def _by_ip(request) -> str:
    return client_ip(request)


def _by_caller(request) -> str | None:
    """Return the API key or the user behind the request (None: anonymous)."""
    key = getattr(request, "api_key", None)
    if key is not None and key.user_id is None:
        return f"key:{key.pk}"
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    if key is not None:
        return f"key:{key.pk}"
    return None


def _by_username(request) -> str | None:
    """Return the username a token request names (the body is JSON)."""
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return None
    name = body.get("username") if isinstance(body, dict) else None
    return f"name:{name.strip().lower()}" if isinstance(name, str) and name.strip() else None


def configured_rate(scope: str) -> str | None:
    """Return ``CIVICGRID["RATES"][scope]``, or None when that scope is not limited."""
    rate = str(settings.CIVICGRID.get("RATES", {}).get(scope, "")).strip()
    return None if rate.lower() in OFF_WORDS else rate


IDENTITIES = {"ip": _by_ip, "caller": _by_caller, "username": _by_username}


class RateThrottle(BaseThrottle):
    """Allow ``CIVICGRID["RATES"][scope]`` requests per window and identity.

    ``identity`` is ``ip`` (the client address), ``caller`` (the API key or
    user; anonymous requests are left to an ``ip`` throttle) or ``username``
    (the name a token request asks for).
    """

    def __init__(self, scope: str, identity: str):
        self.scope = scope
        self.identify = IDENTITIES[identity]
        # One instance serves every thread; the wait belongs to the request.
        self._local = threading.local()

    def allow_request(self, request) -> bool:
        """Count the request; return False once its window is over the limit."""
        self._local.wait = None
        rate = configured_rate(self.scope)
        ident = self.identify(request) if rate else None
        if ident is None:
            return True
        usage = get_usage(
            request,
            group=f"api:{self.scope}",
            key=lambda _group, _request: ident,
            rate=rate,
            increment=True,
        )
        if usage is None or not usage["should_limit"]:
            return True
        self._local.wait = max(1, usage["time_left"])
        return False

    def wait(self) -> float | None:
        """Return the seconds until the window that refused the request ends."""
        return getattr(self._local, "wait", None)


def throttles(*pairs: tuple[str, str]) -> list[RateThrottle]:
    """Return throttles for ``(scope, identity)`` pairs, e.g. ``("reports_ip", "ip")``."""
    return [RateThrottle(scope, identity) for scope, identity in pairs]


LOCATE = throttles(("locate_ip", "ip"))
REPORTS = throttles(("reports_user", "caller"), ("reports_ip", "ip"))
PHOTOS = throttles(("photos_user", "caller"), ("photos_ip", "ip"))
TOKEN = throttles(("token_ip", "ip"), ("token_username", "username"))

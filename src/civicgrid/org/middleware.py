"""A per-address rate limit on the login forms (web and admin).

django-axes locks one username from one address; this bounds what one
address may try across *many* usernames (password spraying). Counted with
django-ratelimit in the shared cache, like the API's limits.
"""

from django.utils.translation import gettext as _
from django_ratelimit.core import get_usage

from civicgrid.api.throttling import configured_rate
from civicgrid.common.clientip import client_ip
from civicgrid.org.lockout import refusal_page

LOGIN_VIEWS = frozenset({"web:login", "admin:login"})


class LoginRateLimitMiddleware:
    """Refuse login posts from an address past ``CIVICGRID["RATES"]["login_ip"]``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        """Count a POST to a login view; answer 429 once the address is over its rate."""
        match = request.resolver_match
        if request.method != "POST" or match is None or match.view_name not in LOGIN_VIEWS:
            return None
        rate = configured_rate("login_ip")
        if rate is None:
            return None
        address = client_ip(request)
        usage = get_usage(
            request,
            group="login:ip",
            key=lambda _group, _request: address,
            rate=rate,
            increment=True,
        )
        if usage is None or not usage["should_limit"]:
            return None
        seconds = max(1, usage["time_left"])
        message = _(
            "Too many login attempts from your address. Please try again in %(seconds)s seconds."
        ) % {"seconds": seconds}
        return refusal_page(request, message, seconds)

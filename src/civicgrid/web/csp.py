"""Send the Content-Security-Policy header, built once per policy.

The policy is the same for every response (no nonces, no per-view changes),
so building it from ``CONTENT_SECURITY_POLICY`` for each response, as
django-csp's middleware does, only cost time on the small API requests. A
response that brings its own header (photos: ``sandbox``) keeps it.
"""

from csp.constants import HEADER
from csp.utils import build_policy
from django.conf import settings


class ContentSecurityPolicyMiddleware:
    """Add the site's policy to each response that has none."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._built_for = None
        self._header = ""

    def _policy(self) -> str:
        config = getattr(settings, "CONTENT_SECURITY_POLICY", None)
        if config is not self._built_for:  # settings changed (tests): build again
            self._header = build_policy() if config else ""
            self._built_for = config
        return self._header

    def __call__(self, request):
        response = self.get_response(request)
        policy = self._policy()
        if policy and HEADER not in response:
            response[HEADER] = policy
        return response

"""The client address of a request, as rate limits and login lockouts count it.

One function for django-axes (``AXES_CLIENT_IP_CALLABLE``), the API throttles
and anything else that counts per address, so all agree on who a client is.
The rule itself is in :mod:`civicgrid.core.clientip`.
"""

from functools import lru_cache

from django.conf import settings

from civicgrid.core.clientip import client_address, parse_networks


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]):
    return parse_networks(entries)


def trusted_proxies():
    """Return the trusted proxy networks from ``CIVICGRID["TRUSTED_PROXIES"]``."""
    return _networks(tuple(settings.CIVICGRID.get("TRUSTED_PROXIES", ())))


def client_ip(request) -> str:
    """Return the address the request comes from (see ``core.clientip``)."""
    return client_address(
        request.META.get("REMOTE_ADDR", ""),
        request.META.get("HTTP_X_FORWARDED_FOR"),
        trusted_proxies(),
    )

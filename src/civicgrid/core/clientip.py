"""Which address a request comes from, when proxies may stand in between.

Rate limits and login lockouts count per client address. Behind a reverse
proxy every request arrives from the proxy, and the client's address is in
``X-Forwarded-For`` — a header anyone can send. So the header is believed
only as far as it was written by proxies we trust: read from the right (the
hop nearest to us), each trusted proxy's entry is skipped, and the first
address no trusted proxy owns is the client. Without trusted proxies the
header is ignored and the peer address (``REMOTE_ADDR``) is the client.
"""

import ipaddress
from collections.abc import Iterable

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class ProxyConfigError(ValueError):
    """Raise when a trusted-proxy entry is not an address or network."""


def parse_networks(entries: Iterable[str]) -> tuple[Network, ...]:
    """Return the networks named by ``entries`` (``10.0.0.1``, ``10.0.0.0/8``, ``::1``)."""
    networks = []
    for entry in entries:
        text = entry.strip()
        if not text:
            continue
        try:
            networks.append(ipaddress.ip_network(text, strict=False))
        except ValueError as exc:
            raise ProxyConfigError(f"{text!r} is not an IP address or network") from exc
    return tuple(networks)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address, networks: tuple[Network, ...]) -> bool:
    return address is not None and any(address in network for network in networks)


def client_address(
    remote_addr: str, forwarded_for: str | None, trusted: tuple[Network, ...]
) -> str:
    """Return the client's address for a request from ``remote_addr``.

    ``forwarded_for`` is the raw ``X-Forwarded-For`` value (or None). It is
    consulted only when ``remote_addr`` is a trusted proxy; a malformed entry
    stops the walk at the last trusted hop, so garbage never becomes an
    identity an attacker could vary at will.
    """
    peer = (remote_addr or "").strip()
    if not forwarded_for or not _trusted(_address(peer), trusted):
        return peer
    client = peer
    for hop in reversed(forwarded_for.split(",")):
        address = _address(hop)
        if address is None:
            return client
        client = str(address)
        if not _trusted(address, trusted):
            return client
    return client

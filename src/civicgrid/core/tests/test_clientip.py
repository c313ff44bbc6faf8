"""Which address a request comes from, behind trusted and untrusted proxies."""

import pytest

from civicgrid.core.clientip import ProxyConfigError, client_address, parse_networks

PROXY = parse_networks(["10.0.0.0/8", "::1"])


def test_without_trusted_proxies_the_peer_is_the_client():
    """X-Forwarded-For is ignored when nobody is trusted: anyone can send it."""
    assert client_address("198.51.100.7", "203.0.113.9", ()) == "198.51.100.7"


def test_an_untrusted_peer_cannot_forward():
    """A peer outside the trusted networks is the client, whatever it forwards."""
    assert client_address("198.51.100.7", "203.0.113.9", PROXY) == "198.51.100.7"


def test_a_trusted_proxy_forwards_the_client():
    """Behind one trusted proxy the right-most forwarded address is the client."""
    assert client_address("10.0.0.5", "203.0.113.9", PROXY) == "203.0.113.9"


def test_entries_the_client_wrote_itself_are_skipped():
    """Only hops our proxies appended count: a client's forged left part is ignored."""
    forwarded = "1.2.3.4, 203.0.113.9, 10.0.0.7"
    assert client_address("10.0.0.5", forwarded, PROXY) == "203.0.113.9"


def test_a_malformed_entry_stops_at_the_last_trusted_hop():
    """Garbage in the header never becomes an identity."""
    assert client_address("10.0.0.5", "not-an-ip", PROXY) == "10.0.0.5"
    assert client_address("10.0.0.5", "garbage, 10.0.0.9", PROXY) == "10.0.0.9"


def test_only_trusted_hops_fall_back_to_the_left_most():
    """When every hop is a trusted proxy the left-most is the best guess."""
    assert client_address("10.0.0.5", "10.0.0.8, 10.0.0.9", PROXY) == "10.0.0.8"


def test_ipv6_peers_are_matched():
    """An IPv6 loopback proxy is trusted like any other network."""
    assert client_address("::1", "2001:db8::1", PROXY) == "2001:db8::1"


def test_a_bad_proxy_entry_is_refused():
    """A typo in CIVICGRID_TRUSTED_PROXIES is an error, not a silent hole."""
    with pytest.raises(ProxyConfigError, match="10.0.0.300"):
        parse_networks(["10.0.0.300"])
    assert parse_networks([" ", "192.168.1.0/24"]) == parse_networks(["192.168.1.0/24"])

"""Who is calling: the client address behind explicitly trusted proxies only.

``X-Forwarded-For`` is read only when the direct peer is one of the configured trusted proxies
(``TTHC_TRUSTED_PROXIES``: addresses or networks, comma-separated); then the right-most
address that is not itself a trusted proxy is the client. Anyone else's header is ignored,
so a client cannot pick its own address to escape a limit. Shared by the API, Rasa's REST
channel (``bot/channels.py``) and the chat gateway.

Example:
    >>> trusted = parse_networks("10.0.0.5")
    >>> client_address("10.0.0.5", "203.0.113.9, 10.0.0.5", trusted)
    '203.0.113.9'
    >>> client_address("198.51.100.7", "203.0.113.9", trusted)
    '198.51.100.7'
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import Iterable, Sequence
from functools import lru_cache

from knowledge.config import get_settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

UNKNOWN = "unknown"


def parse_networks(text: str) -> tuple[Network, ...]:
    """Networks of a comma-separated list of addresses or CIDR blocks (blanks skipped).

    Raises:
        ValueError: an entry is not an address or a network.
    """
    return tuple(
        ipaddress.ip_network(item.strip(), strict=False) for item in text.split(",") if item.strip()
    )


@lru_cache(maxsize=8)
def trusted_proxies(text: str | None = None) -> tuple[Network, ...]:
    """The configured trusted proxies (settings ``trusted_proxies`` unless ``text`` is given)."""
    return parse_networks(get_settings().trusted_proxies if text is None else text)


def _ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip().strip("[]"))
    except ValueError:
        return None


def _is_trusted(address: str, trusted: Iterable[Network]) -> bool:
    ip = _ip(address)
    return ip is not None and any(ip in network for network in trusted)


def client_address(peer: str | None, forwarded_for: str | None, trusted: Sequence[Network]) -> str:
    """The client's address: the peer, or behind trusted proxies the first untrusted hop.

    Args:
        peer: the address of the direct TCP peer.
        forwarded_for: the ``X-Forwarded-For`` header, if any.
        trusted: the proxies whose header is believed.
    """
    if not peer:
        return UNKNOWN
    if not forwarded_for or not _is_trusted(peer, trusted):
        return peer
    client = peer
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        if _ip(hop) is None:
            break  # a malformed hop: keep the last address a trusted proxy vouched for
        client = hop
        if not _is_trusted(hop, trusted):
            break
    return client


def client_key(address: str) -> str:
    """A stable pseudonym of a client address, for stores and logs (never the raw address)."""
    secret = get_settings().lookup_secret.encode()
    return hmac.new(secret, address.encode(), hashlib.sha256).hexdigest()[:24]

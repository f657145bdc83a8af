"""Where a webhook may go: public internet addresses only, unless an
administrator allow-lists the host (Settings → Webhook settings).

A URL is resolved once; every address it resolves to must be public, and
the delivery connects to the checked address itself (``Destination.address``)
so a DNS answer that changes between the check and the connection (DNS
rebinding) cannot send it elsewhere. Host spellings that resolve to loopback
(``2130706433``, ``0x7f.1``, ``[::ffff:127.0.0.1]``) are caught because the
check is made on the resolved address, never on the text of the host.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

#: IPv6 prefixes that carry an IPv4 address in their last 32 bits (NAT64).
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
#: Carrier-grade NAT space; Python's is_global already excludes it, named here for the reader.
_SHARED = ipaddress.ip_network("100.64.0.0/10")


class DestinationRefused(ValidationError):
    """The URL may not receive webhooks; the message says why."""


@dataclass(frozen=True)
class Destination:
    scheme: str
    host: str
    port: int
    #: path and query, as sent in the request line
    target: str
    #: the checked address to connect to
    address: str


def host_key(host: str) -> str:
    """A host as the allow-list compares it: lower case, no trailing dot,
    IP addresses in their canonical spelling."""
    host = host.strip().strip("[]").rstrip(".").lower()
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return host


def is_plain_host(text: str) -> bool:
    """A host name or IP address alone (no scheme, port, path or user)."""
    host = text.strip().strip("[]")
    if not host or any(character in host for character in "/@ \t?#"):
        return False
    if ":" in host:
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            return False
    return True


def _embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses an IPv6 address leads to (mapped, 6to4, Teredo, NAT64)."""
    embedded = []
    if address.ipv4_mapped:
        embedded.append(address.ipv4_mapped)
    if address.sixtofour:
        embedded.append(address.sixtofour)
    if address.teredo:
        embedded.extend(address.teredo)
    if any(address in network for network in _NAT64):
        embedded.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return embedded


def address_is_public(address: Address) -> bool:
    """Routable on the public internet: not loopback, private, link-local,
    shared, multicast, reserved or unspecified, in IPv4 or IPv6, nor an IPv6
    address wrapping such an IPv4 one."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id:
            return False
        embedded = _embedded_ipv4(address)
        if embedded:
            return all(address_is_public(inner) for inner in embedded)
    if address in _SHARED:
        return False
    return address.is_global and not (
        address.is_multicast
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_reserved
        or address.is_unspecified
    )


def _kind(address: Address) -> str:
    """What sort of non-public address it is, for the message."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded:
            return _kind(embedded[0])
    if address.is_loopback:
        return _("a loopback address")
    if address.is_link_local:
        return _("a link-local address")
    if address.is_multicast:
        return _("a multicast address")
    if address.is_unspecified:
        return _("an unspecified address")
    if address.is_private or address in _SHARED:
        return _("a private network address")
    return _("a reserved address")


def _resolve(host: str, port: int) -> list[Address]:
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as error:
        raise DestinationRefused(
            _("The host %(host)s could not be found."), code="unresolved", params={"host": host}
        ) from error
    addresses = []
    for *_rest, sockaddr in answers:
        # IPv6 link-local answers carry their zone ("fe80::1%eth0"), kept to connect.
        address = ipaddress.ip_address(sockaddr[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise DestinationRefused(_("The host %(host)s has no address."), code="unresolved", params={"host": host})
    return addresses


def destination_check(url: str, *, allowed_hosts: frozenset[str] = frozenset()) -> Destination:
    """Resolve ``url``'s host once and return where to connect, or raise
    :class:`DestinationRefused` naming the reason. Every address the host
    resolves to must be public unless the host is in ``allowed_hosts``
    (keys from :func:`host_key`)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise DestinationRefused(_("Only http and https URLs with a host can receive webhooks."), code="scheme")
    if parts.username or parts.password:
        raise DestinationRefused(_("Put no user name or password in a webhook URL."), code="credentials")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError as error:
        raise DestinationRefused(_("The port in this URL is not a number from 1 to 65535."), code="port") from error
    host = parts.hostname
    addresses = _resolve(host, port)
    if host_key(host) not in allowed_hosts:
        for address in addresses:
            if not address_is_public(address):
                raise DestinationRefused(
                    _(
                        "%(host)s resolves to %(address)s, %(kind)s: webhooks are only sent to public internet "
                        "addresses. An administrator can allow this host under Settings → Webhook settings."
                    ),
                    code="private",
                    params={"host": host, "address": address, "kind": _kind(address)},
                )
    target = parts.path or "/"
    if parts.query:
        target = f"{target}?{parts.query}"
    return Destination(scheme=scheme, host=host, port=port, target=target, address=str(addresses[0]))

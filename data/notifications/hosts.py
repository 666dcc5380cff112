"""Receivers must be public hosts: a private, loopback, link-local (or otherwise reserved)
address is refused unless the operator allows it (CALLSCOPE_NOTIFICATIONS_ALLOW_PRIVATE_HOSTS).

A rule's URL is checked when it is saved (literal addresses and local names) and again before
each request, after DNS resolution, so a public name that resolves to a private address is
refused too."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")


class RefusedHost(ValueError):
    pass


def _forbidden(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def host_of(url: str) -> str:
    host = urlsplit(url).hostname
    if not host:
        raise RefusedHost(f"{url!r} names no host")
    return host


def check_saved(url: str, allow_private: bool) -> None:
    """At save time: refuses literal private addresses and local names."""
    if allow_private:
        return
    host = host_of(url).rstrip(".").lower()
    if host in LOCAL_NAMES or host.endswith(".localhost"):
        raise RefusedHost(f"{host} is a local host; notifications go to public hosts only")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return
    if _forbidden(address):
        raise RefusedHost(f"{host} is a private address; notifications go to public hosts only")


def check_resolved(url: str, allow_private: bool) -> None:
    """At send time: every address the host resolves to must be public."""
    check_saved(url, allow_private)
    if allow_private:
        return
    host = host_of(url)
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except socket.gaierror as error:
        raise ConnectionError(f"cannot resolve {host}: {error}") from None
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if _forbidden(address):
            raise RefusedHost(f"{host} resolves to the private address {address}")

"""Where a webhook may be sent: only to addresses on the internet. An endpoint whose host
is, or resolves to, a private, loopback, link-local, shared or reserved address (the
server's own services, the cloud's metadata address 169.254.169.254, the office network)
is refused when added and again before every delivery (a name may be re-pointed later),
unless the installation allows it (``WEBHOOK_ALLOW_PRIVATE_ADDRESSES``, for development
and tests). Plain ``http://`` to this machine stays governed by
``WEBHOOK_ALLOW_LOCAL_HTTP`` (see ``endpoints.check_url``)."""

from __future__ import annotations

import http.client
import ipaddress
import socket
import urllib.request
from typing import Any

from flask import current_app

LOOPBACK_NAMES = {"127.0.0.1", "localhost", "::1"}


def is_public(address: str) -> bool:
    """An address on the internet (an IPv4-mapped IPv6 address is judged as its IPv4)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def addresses_of(host: str) -> list[str] | None:
    """The addresses ``host`` is (an address itself) or resolves to; None when it does not
    resolve now (it is then checked again at each delivery)."""
    try:
        return [str(ipaddress.ip_address(host.strip("[]")))]
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return None
    return sorted({str(info[4][0]) for info in found})


def private_allowed() -> bool:
    return bool(current_app.config.get("WEBHOOK_ALLOW_PRIVATE_ADDRESSES"))


def local_http_allowed(scheme: str, host: str) -> bool:
    """Plain ``http://`` to this machine, in tests or where the installation allows it."""
    allowed = current_app.testing or current_app.config.get("WEBHOOK_ALLOW_LOCAL_HTTP")
    return bool(allowed) and scheme == "http" and host in LOOPBACK_NAMES


def leads_inside(scheme: str, host: str) -> bool:
    """True when a delivery to ``host`` must be refused: it is (or resolves to) an address
    that is not on the internet, and nothing here allows that."""
    if private_allowed() or local_http_allowed(scheme, host):
        return False
    found = addresses_of(host)
    return found is not None and not all(is_public(address) for address in found)


def connect_public(host: str, port: int, timeout: Any, source_address: Any) -> socket.socket:
    """A TCP connection to ``host`` made only if every address it resolves to now is on the
    internet, to the address checked (so a name re-pointed inside between the check and
    the connection, "DNS rebinding", is refused too). Raises ``OSError`` otherwise."""
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    if not found or not all(is_public(str(info[4][0])) for info in found):
        raise OSError(f"refused: {host} is a private or local address")
    return socket.create_connection((str(found[0][4][0]), port), timeout, source_address)


class _Guarded:
    """Connections (``http.client`` sets ``_create_connection`` on each one) that connect
    through ``connect_public``, except to a proxy (the installation's own choice)."""

    _tunnel_host: str | None

    def _guard(self) -> None:
        def create(address: tuple[str, int], timeout: Any, source_address: Any = None):
            if self._tunnel_host:
                return socket.create_connection(address, timeout, source_address)
            return connect_public(address[0], address[1], timeout, source_address)

        self._create_connection = create


class GuardedHTTPConnection(_Guarded, http.client.HTTPConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._guard()


class GuardedHTTPSConnection(_Guarded, http.client.HTTPSConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._guard()


class GuardedHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):
        return self.do_open(GuardedHTTPConnection, req)


class GuardedHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):
        return self.do_open(GuardedHTTPSConnection, req, context=self._context)

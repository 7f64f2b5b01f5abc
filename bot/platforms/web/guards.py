"""What every request and response goes through, whichever page it is for.

- Security headers on every response (pages, static files, refusals): a Content-Security-
  Policy that allows no script, no frame and nothing from another site; no referrer; no
  sniffing of content types; no camera, microphone or location. No cookies are set.
- Request bodies are bounded (`MAX_BODY_BYTES`): a larger one is refused (413) before it is
  read.
- A form may be sent only from Brewbot's own pages (`same_site_forms`): a browser says where
  a form came from (Origin, Sec-Fetch-Site), and one sent from another site is refused (403)
  before it is read. With no cookies there is nothing such a form could borrow, but a page
  elsewhere still cannot make someone's browser send words in their name.
- A rate limit per address on every request, stricter for forms (POST) than for reading
  (GET): over it, 429 with Retry-After. The address is kept in this process's memory only,
  for the moving window, and is never logged or stored (the server keeps no access log).
  Behind a reverse proxy every connection comes from the proxy, so for a connection from
  one of BREWBOT_WEB_TRUSTED_PROXIES the address is read from X-Forwarded-For instead
  (`client_address`); anyone else's X-Forwarded-For is ignored.

Paths a front-end guards itself (Slack's /slack/events: a signature on every request) are
left out of the body bound and the rate limit: Slack sends everyone's clicks from a few
addresses, and counting them per address would turn a busy session away.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address

from aiohttp import hdrs, web
from aiohttp.typedefs import Handler, Middleware
from limits import parse
from yarl import URL

from bot.core.moving_window import MovingWindows

MAX_BODY_BYTES = 64 * 1024
# The address a request is counted against (`client_address`), for a page that limits
# something per address too; in this request's memory only.
ADDRESS = web.RequestKey("brewbot.address", str)

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Permissions-Policy": (
        "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
        "microphone=(), payment=(), usb=()"
    ),
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    # Instead of aiohttp's own, which names its version.
    "Server": "Brewbot",
}


async def add_security_headers(_request: web.Request, response: web.StreamResponse) -> None:
    """on_response_prepare: runs for every response, static files and refusals included."""
    response.headers.update(SECURITY_HEADERS)
    if response.content_type == "text/html":
        # A page may carry a link's details; nothing between here and the reader keeps it.
        response.headers.setdefault("Cache-Control", "no-store")


def bounded_bodies(max_bytes: int, *, exempt: Collection[str] = ()) -> Middleware:
    """Refuse a body said to be larger than `max_bytes` before reading any of it. (One sent
    without a length is cut off by the application's client_max_size as it is read.)
    Requests to `exempt` paths bound their own bodies."""

    @web.middleware
    async def bounded(request: web.Request, handler: Handler) -> web.StreamResponse:
        length = request.content_length
        if length is not None and length > max_bytes and request.path not in exempt:
            raise web.HTTPRequestEntityTooLarge(max_size=max_bytes, actual_size=length)
        return await handler(request)

    return bounded


def same_site_forms(*, hosts: Collection[str] = (), exempt: Collection[str] = ()) -> Middleware:
    """Refuse a form (any method but GET, HEAD and OPTIONS) that the browser says came from
    another site: Sec-Fetch-Site other than same-origin or none (typed or bookmarked), or an
    Origin whose host is neither the request's own Host nor one of `hosts` (the public
    address's, for a reverse proxy that rewrites Host). Our pages ask for no referrer, so a
    browser sends their forms with `Origin: null`: that names no other site, and goes ahead,
    as does a request that says neither (an old browser, a script). The form's own token
    still has to be right."""

    @web.middleware
    async def same_site(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method in ("GET", "HEAD", "OPTIONS") or request.path in exempt:
            return await handler(request)
        fetch_site = request.headers.get("Sec-Fetch-Site")
        if fetch_site is not None and fetch_site not in ("same-origin", "none"):
            raise web.HTTPForbidden()
        origin = request.headers.get(hdrs.ORIGIN)
        if origin is not None and origin != "null":
            if URL(origin).host_port_subcomponent not in {request.host, *hosts}:
                raise web.HTTPForbidden()
        return await handler(request)

    return same_site


@dataclass(frozen=True)
class RateLimits:
    """Requests one address may make in a moving window, in the `limits` library's words."""

    read: str = "120/minute"  # GET and HEAD
    write: str = "20/minute"  # POST and every other method


class AddressLimiter:
    """A moving window per address and kind of request, in memory only."""

    def __init__(self, limits: RateLimits) -> None:
        self._read = parse(limits.read)
        self._write = parse(limits.write)
        self._windows = MovingWindows()

    def retry_after(self, address: str, method: str) -> int | None:
        """Count this request; None if it may go ahead, else the seconds to wait."""
        reading = method in ("GET", "HEAD")
        item, kind = (self._read, "read") if reading else (self._write, "write")
        key = f"{kind} {address}"
        if self._windows.hit(item, key):
            return None
        return max(1, math.ceil(self._windows.wait(item, key)))


def client_address(
    peer: str | None,
    forwarded_for: Iterable[str],
    trusted_proxies: Collection[IPv4Network | IPv6Network],
) -> str:
    """The address a request is counted against: `peer`, the connection's, unless it is one
    of `trusted_proxies`. Then X-Forwarded-For (`forwarded_for`, its lines) is read from the
    right: each proxy adds the address it was reached from, so the right-most address that is
    not itself a trusted proxy is the visitor, and anything left of it the visitor wrote and
    could be anything. All trusted: the left-most. An address that does not parse where the
    visitor should be: the connection's, as without a proxy."""
    connection = peer or ""
    sender = _parsed(connection)
    if sender is None or not _is_proxy(sender, trusted_proxies):
        return connection
    hops = [hop.strip() for line in forwarded_for for hop in line.split(",") if hop.strip()]
    client: IPv4Address | IPv6Address | None = None
    for hop in reversed(hops):
        client = _parsed(hop)
        if client is None:
            return connection
        if not _is_proxy(client, trusted_proxies):
            break
    return connection if client is None else str(client)


def _parsed(text: str) -> IPv4Address | IPv6Address | None:
    """An address, IPv4 written as IPv6 (::ffff:10.0.0.2, from a dual-stack socket) as
    IPv4; None if `text` is not one."""
    try:
        address = ip_address(text)
    except ValueError:
        return None
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _is_proxy(
    address: IPv4Address | IPv6Address, proxies: Collection[IPv4Network | IPv6Network]
) -> bool:
    return any(address in network for network in proxies)


def rate_limited(
    limiter: AddressLimiter,
    *,
    exempt: Collection[str] = (),
    trusted_proxies: Collection[IPv4Network | IPv6Network] = (),
) -> Middleware:
    """Every request counted against its address (`client_address`), but those to `exempt`
    paths."""

    @web.middleware
    async def limited(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path in exempt:
            return await handler(request)
        forwarded = request.headers.getall(hdrs.X_FORWARDED_FOR, [])
        address = request[ADDRESS] = client_address(request.remote, forwarded, trusted_proxies)
        wait = limiter.retry_after(address, request.method)
        if wait is not None:
            raise web.HTTPTooManyRequests(headers={"Retry-After": str(wait)})
        return await handler(request)

    return limited

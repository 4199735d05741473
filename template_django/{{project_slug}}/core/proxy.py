"""The client's address behind a proxy: what the login throttle counts failures by.

Behind a load balancer or an ingress, whatever connects to the server is the proxy, and
gunicorn's synchronous workers give Django that address. The proxy names the client in
`X-Forwarded-For`; a header from anyone else could name any address, so it counts only from
the proxies FORWARDED_ALLOW_IPS names (`*`: any), the same variable and the same rule as
uvicorn's workers follow: the client is the nearest address in it that is no trusted proxy.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class ClientAddressMiddleware:
    """Set REMOTE_ADDR to the client's address when a trusted proxy forwards the request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.trusted = set(settings.FORWARDED_ALLOW_IPS)
        self.trust_any = "*" in self.trusted

    def __call__(self, request: HttpRequest) -> HttpResponse:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops and (self.trust_any or request.META.get("REMOTE_ADDR") in self.trusted):
            request.META["REMOTE_ADDR"] = self.client(hops)
        return self.get_response(request)

    def client(self, hops: list[str]) -> str:
        """The nearest hop no trusted proxy added: each proxy appends the address it saw."""
        if not self.trust_any:
            for hop in reversed(hops):
                if hop not in self.trusted:
                    return hop
        return hops[0]

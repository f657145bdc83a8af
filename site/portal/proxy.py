"""The client's address behind trusted reverse proxies.

Each proxy appends the address it received the request from to
X-Forwarded-For, so with N trusted proxies in front of the portal the client
is the N-th address from the right; anything further left was sent by the
client and cannot be trusted. Lockouts, rate limits and audit records all
read REMOTE_ADDR, so it is corrected once, here."""

import contextlib
import ipaddress

from django.conf import settings


def forwarded_client_address(get_response):
    def middleware(request):
        proxies = settings.TRUSTED_PROXY_COUNT
        if proxies:
            forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
            forwarded = [part for part in forwarded if part]
            if len(forwarded) >= proxies:
                client = forwarded[-proxies]
                # A proxy that appends something else is misconfigured: keep the
                # connection's address rather than a value anyone could choose.
                with contextlib.suppress(ValueError):
                    request.META["REMOTE_ADDR"] = str(ipaddress.ip_address(client))
        return get_response(request)

    return middleware

"""Limits against abuse that more than one app uses: the login lockout
(django-axes) and a fixed-window counter for public forms.

Counters live in the Django cache, which is Redis wherever REDIS_URL is set,
so every web process shares them; the embedded default counts per process.
"""

import logging
import math
import time

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_cool_off
from django.core.cache import cache
from django.shortcuts import render
from django.utils.translation import ngettext
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


class LoginLockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check for logins made through a request (the
    partner and admin login forms). Logins without a request (scripts, the
    test client's ``login``) come from no address, so there is nothing to count."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def _minutes(seconds: float) -> int:
    return max(1, math.ceil(seconds / 60))


def lockout_response(request, original_response=None, credentials=None):
    """The page shown once a login is locked: what happened and when to try again."""
    cool_off = get_cool_off(request)
    minutes = _minutes(cool_off.total_seconds()) if cool_off else 15
    message = ngettext(
        "Too many failed logins. For your security this login is locked: try again in %(minutes)s minute.",
        "Too many failed logins. For your security this login is locked: try again in %(minutes)s minutes.",
        minutes,
    ) % {"minutes": minutes}
    response = render(request, "registration/locked_out.html", {"message": message}, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response


def client_address(request) -> str:
    """The address counters are kept for (behind proxies, portal.proxy has put
    the client's address in REMOTE_ADDR)."""
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def rate_limited(scope: str, key: str, *, limit: int, period_seconds: int) -> int | None:
    """Count one more event for ``key``; the seconds to wait when over ``limit``
    in the current window of ``period_seconds``, else None."""
    window = int(time.time() // period_seconds)
    cache_key = f"ratelimit:{scope}:{key}:{window}"
    # add() creates the counter with its expiry only if it is missing; incr() is atomic in Redis.
    cache.add(cache_key, 0, timeout=period_seconds)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add() and incr()
        cache.set(cache_key, 1, timeout=period_seconds)
        count = 1
    except RedisError:
        # Nothing can be counted: the form stays open rather than refusing
        # everyone while the shared cache is unreachable (the health check
        # reports the outage).
        logger.warning("Rate limit %s not counted: the shared cache is unreachable", scope, exc_info=True)
        return None
    if count <= limit:
        return None
    return int((window + 1) * period_seconds - time.time()) + 1


def wait_message(seconds: int) -> str:
    minutes = _minutes(seconds)
    return ngettext(
        "Too many attempts. Please try again in %(minutes)s minute.",
        "Too many attempts. Please try again in %(minutes)s minutes.",
        minutes,
    ) % {"minutes": minutes}

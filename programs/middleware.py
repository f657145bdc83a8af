"""Each request of a signed-in partner runs in their own time zone."""

from django.utils import timezone

from .languages import preferred_time_zone


def partner_time_zone(get_response):
    """Activate the signed-in partner user's time zone (``Membership.time_zone``)
    for the request; everyone else stays in the portal's time zone."""

    def middleware(request):
        if not request.user.is_authenticated:
            return get_response(request)
        with timezone.override(preferred_time_zone(user=request.user)):
            return get_response(request)

    return middleware

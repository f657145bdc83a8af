"""Partner people read the portal in their language and time zone."""

from django.conf import settings
from django.http import HttpResponseRedirect
from django.urls import Resolver404, resolve, translate_url
from django.utils import timezone
from django.utils.translation import get_language_from_path

from .languages import preferred_time_zone
from .request_memo import remembered_for_request
from .sites import remember_site

#: Wagtail serves pages by their slug in each language tree: its URLs are not
#: translated by name (a page's translation may have another slug).
WAGTAIL_SERVE = "wagtail_serve"


def remembered_language(get_response):
    """English lives at the root, other languages under /fr/, /de/, … Someone
    who chose another language (the cookie the switcher, the login and the
    preferences page set) and follows an unprefixed link to a portal view is
    sent to the same view in their language."""

    languages = dict(settings.LANGUAGES)

    def middleware(request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if (
            request.method in ("GET", "HEAD")
            and chosen in languages
            and chosen != settings.LANGUAGE_CODE
            and get_language_from_path(request.path_info) is None
        ):
            try:
                match = resolve(request.path_info)
            except Resolver404:
                match = None
            if match is not None and match.url_name != WAGTAIL_SERVE:
                url = translate_url(request.get_full_path(), chosen)
                if url != request.get_full_path():
                    return HttpResponseRedirect(url)
        return get_response(request)

    return middleware


def partner_time_zone(get_response):
    """Activate the signed-in partner user's time zone (``Membership.time_zone``)
    for the request; everyone else stays in the portal's time zone."""

    def middleware(request):
        if not request.user.is_authenticated:
            return get_response(request)
        with timezone.override(preferred_time_zone(user=request.user)):
            return get_response(request)

    return middleware


def scoped_reads_remembered(get_response):
    """A reading request (GET, HEAD) looks up the organizations a user may see,
    the active locale and the program settings once, however many panels ask
    (``programs.request_memo``), and takes its Wagtail site from the
    configuration the process keeps (``programs.sites``); a request that
    changes data asks every time, so it reads its own writes."""

    def middleware(request):
        if request.method not in ("GET", "HEAD"):
            return get_response(request)
        with remembered_for_request():
            remember_site(request)
            return get_response(request)

    return middleware

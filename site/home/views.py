from urllib.parse import urlsplit

from django.contrib.auth import views as auth_views
from django.http import JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import Resolver404, resolve, reverse, translate_url
from django.utils import translation
from django.utils.translation import get_language_from_path
from django.utils.translation import gettext as _
from django.views import i18n
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from wagtail.models import Locale, Page, Site

from content.audience import page_visible, reader_for
from programs.languages import active_membership, remember_language
from programs.tenancy import partner_required

from .branding import brand_tokens
from .health import run_checks
from .models import PortalBranding
from .navigation import partner_navigation


@never_cache
@require_GET
def healthz(request):
    report = run_checks()
    return JsonResponse(report, status=503 if report["failing"] else 200)


class PortalLoginView(auth_views.LoginView):
    """Log in, then continue in the partner's preferred language."""

    redirect_authenticated_user = True

    def form_valid(self, form):
        membership = active_membership(form.get_user())
        self.language = membership.language if membership else None
        response = super().form_valid(form)
        return remember_language(response, self.language) if self.language else response

    def get_success_url(self):
        url = super().get_success_url()
        language = getattr(self, "language", None)
        return translate_url(url, language) if language else url


@require_POST
def set_language(request):
    """The language switcher: Django's ``set_language``, which also finds the
    way back from a prefixed page to English at the root, and from a portal
    page to its translation (whose slug may differ) or the language's home."""
    next_url = request.POST.get("next", "")
    language = request.POST.get("language", "")
    current = get_language_from_path(urlsplit(next_url).path) or translation.get_language()
    with translation.override(current):
        page_url = _translated_page_url(request, next_url, language)
        response = i18n.set_language(request)
    if page_url and response.status_code == 302:
        response["Location"] = page_url
    return response


def _translated_page_url(request, next_url: str, language: str) -> str | None:
    """The URL of the Wagtail page at ``next_url`` in ``language`` (in the active language)."""
    try:
        match = resolve(urlsplit(next_url).path)
        locale = Locale.objects.get(language_code=language)
    except (Resolver404, Locale.DoesNotExist):
        return None
    site = Site.find_for_request(request)
    if match.url_name != "wagtail_serve" or site is None:
        return None
    root = site.root_page.localized
    path = match.args[0] if match.args else match.kwargs.get("path", "")
    page = Page.objects.filter(url_path=f"{root.url_path}{path}").first()
    # A page the reader may not see is treated as missing: the answer must
    # not tell whether a gated page lives at that path.
    if page is None or not page_visible(page, reader_for(request)):
        page = root
    target = page.get_translation_or_none(locale) or site.root_page.get_translation_or_none(locale)
    return target.get_url(request) if target is not None else None


@partner_required()
def menu(request):
    """The phone's "More" tab: every navigation item and section, the
    language, preferences and logging out."""
    return render(request, "home/menu.html", {"navigation": partner_navigation(request)})


@require_GET
def web_manifest(request):
    """The web app manifest, so partners can add the portal to a home screen."""
    site = Site.find_for_request(request)
    branding = PortalBranding.for_site(site) if site else None
    tokens = brand_tokens(branding.primary_colour if branding else None)
    name = branding.vendor_name if branding else _("Partner Portal")
    manifest = {
        "name": name,
        "short_name": name[:12],
        "start_url": reverse("programs:dashboard"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#f3f4f6",
        "theme_color": tokens.brand,
        "lang": translation.get_language(),
        "icons": [
            {"src": static("icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {
                "src": static("icons/icon-maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
            {"src": static("icons/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
    }
    return JsonResponse(manifest, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False})

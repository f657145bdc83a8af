from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib.auth import views as auth_views
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from content.api import api_router
from content.sitemaps import AudienceSitemap
from deals.api import router as deals_api_router
from home import views as home_views
from incentives.api import router as incentives_api_router
from mdf.api import router as mdf_api_router
from training import views as training_views

# Machine endpoints and the vendor admin (which has its own language setting).
urlpatterns = [
    path("healthz/", home_views.healthz, name="healthz"),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("i18n/setlang/", home_views.set_language, name="set_language"),
    path("api/v2/", api_router.urls),
    path("api/v1/", include((deals_api_router.urls, "deals_api"))),
    path("api/v1/incentives/", include((incentives_api_router.urls, "incentives_api"))),
    path("api/v1/mdf/", include((mdf_api_router.urls, "mdf_api"))),
    path("sitemap.xml", sitemap, {"sitemaps": {"pages": AudienceSitemap}}, name="sitemap"),
    path("manifest.webmanifest", home_views.web_manifest, name="web_manifest"),
]

if settings.DEBUG:
    from django.conf.urls.static import static
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# The partner-facing portal: English at the root, other languages under
# /fr/, /de/, … Add new partner-facing apps here.
partner_urlpatterns = [
    path("login/", home_views.PortalLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("menu/", home_views.menu, name="menu"),
    path("search/", include("search.urls")),
    path("deals/", include("deals.urls")),
    path("content/", include("content.urls")),
    path("support/", include("support.urls")),
    path("incentives/", include("incentives.urls")),
    path("mdf/", include("mdf.urls")),
    path("training/", include("training.urls")),
    path("verify/<str:code>/", training_views.verify, name="verify_certificate"),
    path("scorecard/", include("analytics.urls")),
    path("", include("programs.urls")),
]

urlpatterns += i18n_patterns(
    *partner_urlpatterns,
    # Wagtail's page serving catches every remaining path, so it comes last.
    path("", include(wagtail_urls)),
    prefix_default_language=False,
)

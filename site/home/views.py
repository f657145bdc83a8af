from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import JsonResponse
from django.urls import translate_url
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .health import run_checks


@never_cache
@require_GET
def healthz(request):
    report = run_checks()
    return JsonResponse(report, status=503 if report["failing"] else 200)


class PortalLoginView(auth_views.LoginView):
    """Log in, then continue in the partner's preferred language."""

    redirect_authenticated_user = True

    def form_valid(self, form):
        self.language = _preferred_language(form.get_user())
        response = super().form_valid(form)
        if self.language:
            # The same cookie Django's set_language view writes.
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                self.language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response

    def get_success_url(self):
        url = super().get_success_url()
        language = getattr(self, "language", None)
        return translate_url(url, language) if language else url


def _preferred_language(user) -> str | None:
    from programs.models import Membership

    membership = Membership.objects.select_related("organization").filter(user=user, is_active=True).first()
    return membership.language if membership else None

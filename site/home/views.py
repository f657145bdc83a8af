from django.contrib.auth import views as auth_views
from django.http import JsonResponse
from django.urls import translate_url
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from programs.languages import active_membership, remember_language

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
        membership = active_membership(form.get_user())
        self.language = membership.language if membership else None
        response = super().form_valid(form)
        return remember_language(response, self.language) if self.language else response

    def get_success_url(self):
        url = super().get_success_url()
        language = getattr(self, "language", None)
        return translate_url(url, language) if language else url

"""The localization team's view of translation progress."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.views.generic import WagtailAdminTemplateMixin
from wagtail.models import Locale

from .selectors import translation_status, translation_summary

#: who sees the translation status: the people who may submit translations
TRANSLATION_PERMISSION = "wagtail_localize.submit_translation"


class TranslationStatusView(WagtailAdminTemplateMixin, TemplateView):
    """Pages × languages: percent translated and whether the source changed since."""

    template_name = "content/admin/translation_status.html"
    page_title = _("Translation status")
    header_icon = "site"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(TRANSLATION_PERMISSION):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        rows = translation_status()
        locales = [state.locale for state in rows[0][1]] if rows else Locale.objects.exclude(pk=Locale.get_default().pk)
        return super().get_context_data(rows=rows, locales=locales, summaries=translation_summary(rows), **kwargs)

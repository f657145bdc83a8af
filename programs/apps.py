from django.apps import AppConfig
from django.urls import register_converter
from wagtail.coreutils import get_supported_content_language_variant

from . import access_reads, after_response
from .converters import IdConverter
from .request_memo import forget_when_saved, in_reading_request


def _remember_locales_for_the_request(locale_model, configured_locales):
    """Wagtail looks the active locale up by language code at every
    ``.localized``, ``Locale.get_active()`` and ``get_default()`` (a page's
    shell and panels asked 14 times): within a reading request the locales
    are read once, with the language switcher's list
    (``programs.languages.configured_locales``); writes and tasks still ask."""
    manager_class = type(locale_model.objects)
    look_up = manager_class.get_for_language

    def get_for_language(self, language_code):
        if not in_reading_request():
            return look_up(self, language_code)
        locale = configured_locales().get(get_supported_content_language_variant(language_code))
        if locale is None:
            raise locale_model.DoesNotExist(f"No locale for {language_code!r}.")
        return locale

    manager_class.get_for_language = get_for_language


class ProgramsConfig(AppConfig):
    name = "programs"

    def ready(self):
        # Before any URLconf is imported: partner URLs write ``<id:pk>``.
        register_converter(IdConverter, "id")
        # Models load after the app configs.
        from django.apps import apps
        from wagtail.models import Locale, Page, Site

        from .languages import configured_locales
        from .models import ProgramSettings, TierRuleVersion

        after_response.connect()
        access_reads.connect()
        _remember_locales_for_the_request(Locale, configured_locales)
        forget_when_saved(Locale, ProgramSettings, Site, TierRuleVersion)
        # A site's root page (programs.sites) is a page of any type: each page
        # model sends its own save signal.
        forget_when_saved(*(model for model in apps.get_models() if issubclass(model, Page)))

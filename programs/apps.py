from django.apps import AppConfig
from django.urls import register_converter

from .converters import IdConverter
from .request_memo import remembered


def _remember_locales_for_the_request(manager_class):
    """Wagtail looks the active locale up by language code at every
    ``.localized``, ``Locale.get_active()`` and ``get_default()`` (a page's
    shell and panels asked 14 times): within a reading request each code is
    read once (``programs.request_memo``; writes and tasks still ask)."""
    look_up = manager_class.get_for_language

    def get_for_language(self, language_code):
        return remembered(("locale", self.db, language_code), lambda: look_up(self, language_code))

    manager_class.get_for_language = get_for_language


class ProgramsConfig(AppConfig):
    name = "programs"

    def ready(self):
        # Before any URLconf is imported: partner URLs write ``<id:pk>``.
        register_converter(IdConverter, "id")
        from wagtail.models.i18n import LocaleManager  # models load after the app configs

        _remember_locales_for_the_request(LocaleManager)

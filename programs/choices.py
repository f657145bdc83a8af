"""Model choices that follow the settings, given as callables: a migration
records the function, not the list, so adding a language to ``LANGUAGES``
needs no migration (a language is configuration)."""

from django.conf import settings


def language_choices() -> list[tuple[str, str]]:
    return list(settings.LANGUAGES)

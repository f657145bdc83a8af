"""The interface strings as the repository ships them: every ``django.po`` of
the project's ``locale/`` and of each app's ``locale/`` folder.

A release that adds strings (``make messages``) adds them to these files, so
they appear on the strings screen at once, untranslated in every language
whose catalog lacks them. The index is rebuilt whenever a file changes."""

import hashlib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import polib
from babel.core import UnknownLocaleError
from babel.messages.plurals import get_plural
from django.apps import apps
from django.conf import settings
from django.utils.translation import to_locale

from programs.languages import portal_languages


@dataclass(frozen=True)
class SourceString:
    """An English interface string; ``key`` names it in URLs."""

    key: str
    msgid: str
    context: str = ""
    msgid_plural: str = ""

    @property
    def is_plural(self) -> bool:
        return bool(self.msgid_plural)


@dataclass(frozen=True)
class CatalogTranslation:
    """A string's translation in a compiled catalog (empty forms: none)."""

    forms: tuple[str, ...] = ()
    fuzzy: bool = False

    @property
    def translated(self) -> bool:
        return bool(self.forms) and all(self.forms) and not self.fuzzy


@dataclass
class CatalogIndex:
    sources: dict[str, SourceString] = field(default_factory=dict)
    #: language → key → the catalog's translation
    translations: dict[str, dict[str, CatalogTranslation]] = field(default_factory=dict)


def string_key(*, msgid: str, context: str = "") -> str:
    return hashlib.sha1(f"{context}\x04{msgid}".encode(), usedforsecurity=False).hexdigest()[:16]


def plural_forms(language: str) -> int:
    """How many plural forms the language's translations carry (CLDR, Babel)."""
    try:
        return get_plural(to_locale(language)).num_plurals
    except UnknownLocaleError:
        return 2


def locale_folders() -> list[Path]:
    """The project catalogs first (they win in Django too), then each of the
    project's apps that keeps its own."""
    base = Path(settings.BASE_DIR).resolve()
    folders = [Path(folder) for folder in settings.LOCALE_PATHS]
    for app_config in apps.get_app_configs():
        folder = Path(app_config.path).resolve() / "locale"
        if folder.is_relative_to(base) and ".venv" not in folder.parts and folder.is_dir():
            folders.append(folder)
    return folders


def catalog_files(language: str) -> list[Path]:
    return [folder / to_locale(language) / "LC_MESSAGES" / "django.po" for folder in locale_folders()]


def translatable_languages() -> list[tuple[str, str]]:
    """Every language of the portal (a locale in the admin) but the source language."""
    return [(code, name) for code, name in portal_languages() if code != settings.LANGUAGE_CODE]


def catalog_index() -> CatalogIndex:
    """The index of every catalog, rebuilt when one of the files changes."""
    languages = tuple(code for code, _name in translatable_languages())
    signature = []
    for language in languages:
        for path in catalog_files(language):
            if path.exists():
                signature.append((language, str(path), path.stat().st_mtime_ns))
    return _build_index(languages, tuple(signature))


@cache
def _build_index(languages: tuple[str, ...], signature: tuple[tuple[str, str, int], ...]) -> CatalogIndex:
    index = CatalogIndex()
    for language in languages:
        index.translations[language] = {}
    for language, path, _mtime in signature:
        for entry in polib.pofile(path):
            if entry.obsolete or not entry.msgid:
                continue
            context = entry.msgctxt or ""
            key = string_key(msgid=entry.msgid, context=context)
            index.sources.setdefault(
                key, SourceString(key=key, msgid=entry.msgid, context=context, msgid_plural=entry.msgid_plural)
            )
            if entry.msgid_plural:
                forms = tuple(entry.msgstr_plural[number] for number in sorted(entry.msgstr_plural))
            else:
                forms = (entry.msgstr,)
            translation = CatalogTranslation(forms=forms if any(forms) else (), fuzzy="fuzzy" in entry.flags)
            # As in Django's lookup: the first catalog that translates a string wins.
            known = index.translations[language].get(key)
            if known is None or (translation.translated and not known.translated):
                index.translations[language][key] = translation
    index.sources = dict(sorted(index.sources.items(), key=lambda item: (item[1].msgid.lower(), item[1].context)))
    return index

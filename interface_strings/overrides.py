"""Published translations layered over Django's gettext catalogs.

Each process keeps, in front of every language's compiled catalog, a layer of
the translations the Localization team published (``StringTranslation``).
A publication writes a new version into the shared cache (Redis); every
request (and every Celery task) reads that one key and, only when it differs
from the version this process applied, reloads the layer from the database.
So a published wording shows on the next request on every server, with no
restart, and the steady-state cost is a single cache read.

Why not a library: django-rosetta edits the ``.po`` files on one server's disk
(its maintainers keep database storage out of scope), wagtail-localize and
django-modeltranslation translate content and model fields, not gettext
strings. Django keeps each language's catalogs in a ``TranslationCatalog``
that looks keys up in a list of dicts; the layer is one more dict at its head.
"""

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError
from django.db.models import Max
from django.utils.translation import trans_real

from portal.cache import read_for_request, read_with_every_request

from .models import StringChange, StringTranslation

logger = logging.getLogger(__name__)

VERSION_KEY = "interface-strings:version"
#: The version key expires so that a lost race between two publications
#: (each writing the version it saw) heals within this many seconds.
VERSION_TIMEOUT = 300
read_with_every_request(VERSION_KEY)


class PublishedLayer(dict):
    """The published translations of one language, keyed as gettext keys its
    catalog (``msgid``, ``"context\\x04msgid"``, ``(msgid, plural form)``)."""

    def __init__(self, *args, version: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.version = version


def published_version() -> str:
    """The latest change to what partners read, from the database."""
    latest = StringChange.objects.filter(live=True).aggregate(latest=Max("pk"))["latest"]
    return str(latest or 0)


def announce() -> None:
    """Tell every process that the published translations changed (called
    after the publication's commit)."""
    cache.set(VERSION_KEY, published_version(), VERSION_TIMEOUT)


def current_version() -> str:
    version = read_for_request(VERSION_KEY) or cache.get(VERSION_KEY)
    if version is None:
        version = published_version()
        cache.set(VERSION_KEY, version, VERSION_TIMEOUT)
    return version


def _languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def _layer_of(translation) -> PublishedLayer | None:
    head = translation._catalog._catalogs[0]
    return head if isinstance(head, PublishedLayer) else None


def _is_current(version: str) -> bool:
    for language in _languages():
        layer = _layer_of(trans_real.translation(language))
        if layer is None or layer.version != version:
            return False
    return True


def gettext_key(*, msgid: str, context: str) -> str:
    return f"{context}\x04{msgid}" if context else msgid


def _layers(version: str) -> dict[str, PublishedLayer]:
    layers = {language: PublishedLayer(version=version) for language in _languages()}
    rows = StringTranslation.objects.filter(published__isnull=False, language__in=layers).values_list(
        "language", "context", "msgid", "msgid_plural", "published"
    )
    for language, context, msgid, msgid_plural, forms in rows:
        key = gettext_key(msgid=msgid, context=context)
        if msgid_plural:
            for number, form in enumerate(forms):
                layers[language][(key, number)] = form
        else:
            layers[language][key] = forms[0]
    return layers


def install(version: str) -> None:
    """Put the published translations in front of each language's catalog."""
    for language, layer in _layers(version).items():
        translation = trans_real.translation(language)
        catalog = translation._catalog
        if _layer_of(translation) is None:
            catalog._catalogs.insert(0, layer)
            catalog._plurals.insert(0, translation.plural)
        else:
            # One assignment: a thread reading the catalog sees the old or the new layer.
            catalog._catalogs[0] = layer


def ensure_current() -> None:
    """Apply the latest published translations if this process lacks them.

    A database outage keeps the translations already applied (the health
    check reports the outage; pages still render); with the cache
    unreachable, the version is read from the database."""
    try:
        version = current_version()
        if not _is_current(version):
            install(version)
    except DatabaseError:
        logger.warning("Published interface strings could not be refreshed", exc_info=True)


def published_translations(get_response):
    """Middleware: each request reads the published version once."""

    def middleware(request):
        ensure_current()
        return get_response(request)

    return middleware

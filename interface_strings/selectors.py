"""Reads for the strings screen: each interface string of a language with its
catalog translation, published wording and draft; the PO export."""

from dataclasses import dataclass
from datetime import date, datetime, time

import polib
from django.utils import timezone

from .catalogs import CatalogTranslation, SourceString, catalog_index, string_key
from .models import StringChange, StringTranslation

#: the filters of the strings screen
STATES = ("untranslated", "fuzzy", "draft", "published")


@dataclass
class StringRow:
    source: SourceString
    catalog: CatalogTranslation
    row: StringTranslation | None

    @property
    def published(self) -> list[str] | None:
        return self.row.published if self.row else None

    @property
    def draft(self) -> list[str] | None:
        return self.row.draft if self.row else None

    @property
    def current(self) -> list[str]:
        """What partners read now (empty: the English text)."""
        return self.published or (list(self.catalog.forms) if self.catalog.translated else [])

    @property
    def untranslated(self) -> bool:
        return not self.published and not self.catalog.forms

    @property
    def fuzzy(self) -> bool:
        return not self.published and self.catalog.fuzzy


def _rows_by_key(language: str) -> dict[str, StringTranslation]:
    return {
        string_key(msgid=row.msgid, context=row.context): row
        for row in StringTranslation.objects.filter(language=language)
    }


def string_rows(
    *, language: str, state: str = "", query: str = "", changed_since: date | None = None
) -> list[StringRow]:
    """The language's strings, filtered as the translator asked: ``state`` one
    of ``STATES``, ``query`` in the source or any translation, ``changed_since``
    a date from which the translation was changed in the admin."""
    index = catalog_index()
    catalog = index.translations.get(language, {})
    rows = _rows_by_key(language)
    changed_keys = None
    if changed_since is not None:
        since = timezone.make_aware(datetime.combine(changed_since, time.min))
        changed_keys = {
            string_key(msgid=msgid, context=context)
            for msgid, context in StringChange.objects.filter(
                translation__language=language, at__gte=since
            ).values_list("translation__msgid", "translation__context")
        }
    needle = query.strip().lower()
    result = []
    for key, source in index.sources.items():
        item = StringRow(source=source, catalog=catalog.get(key, CatalogTranslation()), row=rows.get(key))
        if changed_keys is not None and key not in changed_keys:
            continue
        if state == "untranslated" and not item.untranslated:
            continue
        if state == "fuzzy" and not item.fuzzy:
            continue
        if state == "draft" and not item.draft:
            continue
        if state == "published" and not item.published:
            continue
        if needle:
            texts = [source.msgid, source.msgid_plural, source.context, *item.current, *(item.draft or [])]
            if not any(needle in text.lower() for text in texts):
                continue
        result.append(item)
    return result


def draft_count(*, language: str) -> int:
    """How many drafts publishing the language publishes."""
    return StringTranslation.objects.filter(language=language, draft__isnull=False).count()


def string_row(*, language: str, key: str) -> StringRow | None:
    index = catalog_index()
    source = index.sources.get(key)
    if source is None:
        return None
    row = StringTranslation.objects.filter(language=language, context=source.context, msgid=source.msgid).first()
    return StringRow(
        source=source, catalog=index.translations.get(language, {}).get(key, CatalogTranslation()), row=row
    )


def string_changes(*, row: StringTranslation | None):
    if row is None:
        return StringChange.objects.none()
    return row.changes.select_related("user")


def catalog_export(*, language: str) -> bytes:
    """A PO file of every string with what partners read now (the published
    wording, else the catalog's), untranslated strings left empty."""
    po = polib.POFile(wrapwidth=0)
    po.metadata = {
        "Language": language,
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
    }
    for item in string_rows(language=language):
        source = item.source
        entry = polib.POEntry(msgid=source.msgid, msgctxt=source.context or None)
        current = item.current or (list(item.catalog.forms) if item.fuzzy else [])
        if source.is_plural:
            entry.msgid_plural = source.msgid_plural
            entry.msgstr_plural = dict(enumerate(current)) if current else {0: "", 1: ""}
        else:
            entry.msgstr = current[0] if current else ""
        if item.fuzzy:
            entry.flags.append("fuzzy")
        po.append(entry)
    return str(po).encode()

"""What the Localization team does to interface strings: save a draft,
publish, revert a change, import a PO file. Each change is recorded
(``StringChange``) and each publication announced to every process after
its commit."""

import re

import polib
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import overrides
from .catalogs import SourceString, catalog_index, plural_forms, string_key, translatable_languages
from .models import StringChange, StringTranslation

#: %(name)s, %s, %d and {name} placeholders that Python and Django fill in
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\w*\}")


def _require_language(language: str) -> None:
    if language not in dict(translatable_languages()):
        raise ValidationError(_("“%(language)s” is not a language of the portal.") % {"language": language})


def source_string(*, key: str) -> SourceString:
    source = catalog_index().sources.get(key)
    if source is None:
        raise ValidationError(_("This interface string no longer exists in the catalogs."))
    return source


def _check_forms(*, source: SourceString, language: str, forms: list[str]) -> list[str]:
    forms = [form.strip() for form in forms]
    expected = plural_forms(language) if source.is_plural else 1
    if len(forms) != expected or not all(forms):
        raise ValidationError(_("Enter the translation (every form of it)."))
    allowed = set(PLACEHOLDER.findall(source.msgid)) | set(PLACEHOLDER.findall(source.msgid_plural))
    for form in forms:
        unknown = sorted(set(PLACEHOLDER.findall(form)) - allowed)
        if unknown:
            raise ValidationError(
                _("The translation uses %(placeholders)s, which the English text does not have.")
                % {"placeholders": ", ".join(unknown)}
            )
    if not source.is_plural:
        missing = sorted(allowed - set(PLACEHOLDER.findall(forms[0])))
        if missing:
            raise ValidationError(
                _("Keep %(placeholders)s in the translation: the portal puts a value there.")
                % {"placeholders": ", ".join(missing)}
            )
    return forms


def _translation_row(*, source: SourceString, language: str) -> StringTranslation:
    row, _created = StringTranslation.objects.select_for_update().get_or_create(
        language=language,
        context=source.context,
        msgid=source.msgid,
        defaults={"msgid_plural": source.msgid_plural},
    )
    return row


def _record(*, row, action, before, after, user, live=False) -> StringChange:
    return StringChange.objects.create(translation=row, action=action, before=before, after=after, user=user, live=live)


def _set_draft(*, row: StringTranslation, forms: list[str], action: str, user) -> None:
    """Make ``forms`` the row's draft, recording the change if it is one."""
    if row.draft == forms:
        return
    _record(row=row, action=action, before=row.draft, after=forms, user=user)
    row.draft = forms
    row.updated_at = timezone.now()
    row.save()


def _announce_on_commit() -> None:
    transaction.on_commit(overrides.announce)


@transaction.atomic
def string_translation_save(*, language: str, key: str, forms: list[str], user, publish: bool = False):
    """Save a translator's wording as a draft, or publish it at once."""
    _require_language(language)
    source = source_string(key=key)
    forms = _check_forms(source=source, language=language, forms=forms)
    row = _translation_row(source=source, language=language)
    _set_draft(row=row, forms=forms, action=StringChange.Action.DRAFT, user=user)
    if publish:
        _publish(row=row, user=user)
    return row


def _publish(*, row: StringTranslation, user) -> None:
    if row.draft is None:
        return
    if row.draft != row.published:
        _record(
            row=row, action=StringChange.Action.PUBLISHED, before=row.published, after=row.draft, user=user, live=True
        )
        row.published = row.draft
        _announce_on_commit()
    row.draft = None
    row.updated_at = timezone.now()
    row.save()


@transaction.atomic
def string_translations_publish(*, language: str, user) -> int:
    """Publish every draft of a language; returns how many were published."""
    _require_language(language)
    rows = list(StringTranslation.objects.select_for_update().filter(language=language, draft__isnull=False))
    for row in rows:
        _publish(row=row, user=user)
    return len(rows)


@transaction.atomic
def string_change_revert(*, change: StringChange, user) -> StringChange:
    """Put back what a change replaced: the published wording for a
    publication (partners read it on their next request), else the draft."""
    row = StringTranslation.objects.select_for_update().get(pk=change.translation_id)
    if change.live:
        reverted = _record(
            row=row,
            action=StringChange.Action.REVERTED,
            before=row.published,
            after=change.before,
            user=user,
            live=True,
        )
        row.published = change.before
        _announce_on_commit()
    else:
        reverted = _record(
            row=row, action=StringChange.Action.REVERTED, before=row.draft, after=change.before, user=user
        )
        row.draft = change.before
    row.updated_at = timezone.now()
    row.save()
    return reverted


def _read_po(content: bytes) -> polib.POFile:
    try:
        # The leading newline keeps polib from taking a one-line upload for a path to open.
        return polib.pofile("\n" + content.decode("utf-8"))
    except (UnicodeDecodeError, OSError, ValueError) as error:
        raise ValidationError(
            _(
                "This file could not be read as a PO file (UTF-8). "
                "Export a PO file from this screen, translate it and upload it again."
            )
        ) from error


@transaction.atomic
def catalog_import(*, language: str, content: bytes, user) -> dict[str, int]:
    """Turn an agency's PO file into drafts: each string whose translation
    differs from what partners read becomes a draft to review and publish.
    Fuzzy and empty entries, and strings the portal no longer has, are skipped."""
    _require_language(language)
    catalog = _read_po(content)
    declared = (catalog.metadata.get("Language") or "").replace("_", "-").lower()
    if declared and declared != language:
        raise ValidationError(
            _("This file is for the language “%(declared)s”, not “%(language)s”.")
            % {"declared": declared, "language": language}
        )
    index = catalog_index()
    published = {
        string_key(msgid=msgid, context=context): forms
        for msgid, context, forms in StringTranslation.objects.filter(
            language=language, published__isnull=False
        ).values_list("msgid", "context", "published")
    }
    counts = {"drafts": 0, "unchanged": 0, "skipped": 0}
    for entry in catalog:
        key = string_key(msgid=entry.msgid, context=entry.msgctxt or "")
        source = index.sources.get(key)
        if entry.msgid_plural:
            forms = [entry.msgstr_plural[number] for number in sorted(entry.msgstr_plural)]
        else:
            forms = [entry.msgstr]
        if source is None or entry.obsolete or "fuzzy" in entry.flags or not any(forms):
            counts["skipped"] += 1
            continue
        try:
            forms = _check_forms(source=source, language=language, forms=forms)
        except ValidationError as error:
            raise ValidationError(
                _("“%(source)s”: %(problem)s Nothing was imported.")
                % {"source": source.msgid, "problem": error.messages[0]}
            ) from error
        in_catalog = index.translations[language].get(key)
        current = published.get(key) or list(in_catalog.forms if in_catalog else ())
        if forms == list(current):
            counts["unchanged"] += 1
            continue
        _set_draft(
            row=_translation_row(source=source, language=language),
            forms=forms,
            action=StringChange.Action.IMPORTED,
            user=user,
        )
        counts["drafts"] += 1
    return counts

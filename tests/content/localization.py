"""What a translator does in the admin with wagtail-localize: submit a page
for translation, fill its PO file, upload it and publish the translation.

wagtail-localize publishes translations once the transaction commits; inside
a test's transaction the callbacks are run at the end of each step."""

import polib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from wagtail.models import Locale, Page
from wagtail_localize.models import Translation


def submit_for_translation(client, page, language_code="fr", *, include_subtree=False):
    locale = Locale.objects.get(language_code=language_code)
    data = {"locales": [locale.pk]}
    if include_subtree:
        data["include_subtree"] = "on"
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("wagtail_localize:submit_page_translation", args=[page.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return page_translation(page, language_code)


def page_translation(page, language_code="fr") -> Translation:
    return Translation.objects.get(
        source__object_id=page.translation_key, target_locale__language_code=language_code, enabled=True
    )


def download_po(client, translation) -> polib.POFile:
    response = client.get(reverse("wagtail_localize:download_pofile", args=[translation.pk]))
    assert response.status_code == 200, response.status_code
    return polib.pofile(response.content.decode())


def upload_po(client, translation, po: polib.POFile, *, next_url="/admin/"):
    upload = SimpleUploadedFile("translation.po", str(po).encode(), content_type="text/x-gettext-translation")
    response = client.post(
        reverse("wagtail_localize:upload_pofile", args=[translation.pk]), {"file": upload, "next": next_url}
    )
    assert response.status_code == 302, response.status_code


def translate_with_po(client, translation, texts: dict[str, str]) -> list[str]:
    """Fill the PO file of ``translation`` with ``texts`` (source text → translation)
    and upload it; returns the source strings left untranslated."""
    po = download_po(client, translation)
    left = []
    for entry in po:
        if entry.msgid in texts:
            entry.msgstr = texts[entry.msgid]
        else:
            left.append(entry.msgid)
    upload_po(client, translation, po)
    return left


def publish_translation(client, translation):
    """The translation editor's Publish button."""
    page = translation.get_target_instance()
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("wagtailadmin_pages:edit", args=[page.pk]), {"action": "publish"})
    assert response.status_code in (200, 302), response.status_code
    return Page.objects.get(pk=page.pk).specific


def translate_page(page, language_code: str, texts: dict[str, str], *, user=None):
    """Translate ``page`` through wagtail-localize's API (what the editor and
    PO uploads do): source extracted, strings imported, translation published."""
    from wagtail_localize.models import TranslationSource

    locale = Locale.objects.get(language_code=language_code)
    source, _created = TranslationSource.update_or_create_from_instance(page)
    translation, _created = Translation.objects.get_or_create(source=source, target_locale=locale)
    po = translation.export_po()
    for entry in po:
        entry.msgstr = texts.get(entry.msgid, "")
    translation.import_po(po, user=user)
    with TestCase.captureOnCommitCallbacks(execute=True):
        translation.save_target(user=user, publish=True)
    return page.get_translation(locale)

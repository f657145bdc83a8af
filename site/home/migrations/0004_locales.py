"""The portal's content languages as Wagtail locales, each kept in sync with
the default (source) locale so a new source page appears in every language
tree, shown in the source language until it is translated.

Locales added later in the admin (Settings → Locales) choose their own
"synchronise from" there."""

from django.conf import settings
from django.db import migrations

#: The languages the portal started with. Fixed here: a language added to
#: the settings later is added as a locale in the admin, not by this migration.
INITIAL_LANGUAGES = ("fr", "de", "es", "ja")


def create_locales(apps, schema_editor):
    Locale = apps.get_model("wagtailcore", "Locale")
    LocaleSynchronization = apps.get_model("wagtail_localize", "LocaleSynchronization")
    source, _created = Locale.objects.get_or_create(language_code=settings.LANGUAGE_CODE)
    for code in INITIAL_LANGUAGES:
        locale, _created = Locale.objects.get_or_create(language_code=code)
        LocaleSynchronization.objects.get_or_create(locale=locale, defaults={"sync_from": source})


class Migration(migrations.Migration):
    dependencies = [
        ("home", "0003_branding_heartbeat"),
        ("wagtail_localize", "0016_rename_page_revision_translationlog_revision"),
    ]

    operations = [migrations.RunPython(create_locales, migrations.RunPython.noop)]

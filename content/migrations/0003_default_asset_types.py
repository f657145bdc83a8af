import uuid

from django.conf import settings
from django.db import migrations

DEFAULT_ASSET_TYPES = [
    ("pitch-deck", "Pitch deck"),
    ("battle-card", "Battle card"),
    ("price-list", "Price list"),
    ("data-sheet", "Data sheet"),
    ("case-study", "Case study"),
    ("video", "Video"),
    ("logo-pack", "Logo pack"),
    ("email-copy", "Email copy"),
    ("social-copy", "Social copy"),
]


def create_asset_types(apps, schema_editor):
    """The usual asset types, so a new portal can publish at once; channel
    marketing edits the list under Content > Asset types."""
    Locale = apps.get_model("wagtailcore", "Locale")
    AssetType = apps.get_model("content", "AssetType")
    locale, _created = Locale.objects.get_or_create(language_code=settings.LANGUAGE_CODE)
    for code, name in DEFAULT_ASSET_TYPES:
        if not AssetType.objects.filter(code=code, locale=locale).exists():
            AssetType.objects.create(code=code, name=name, locale=locale, translation_key=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [("content", "0002_audiences_library_cobranding_forms")]

    operations = [migrations.RunPython(create_asset_types, migrations.RunPython.noop)]

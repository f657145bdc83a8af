"""The navigation partners start with: Home, Deals, Content and Search in the
phone tab bar, the rest in "More". Channel ops change it in Settings →
Partner navigation; apps added later appear in "More" until placed."""

import uuid

from django.conf import settings
from django.db import migrations

DEFAULTS = [
    # item, placement, position
    ("dashboard", "tab", 10),
    ("deals", "tab", 20),
    ("content", "tab", 30),
    ("search", "tab", 40),
    ("leads", "menu", 50),
    ("training", "menu", 60),
    ("tier", "menu", 70),
    ("team", "menu", 80),
    ("profile", "menu", 90),
    ("api_tokens", "menu", 100),
    ("preferences", "menu", 110),
]


def create_defaults(apps, schema_editor):
    Locale = apps.get_model("wagtailcore", "Locale")
    NavigationEntry = apps.get_model("home", "NavigationEntry")
    if NavigationEntry.objects.exists():
        return
    locale, _created = Locale.objects.get_or_create(language_code=settings.LANGUAGE_CODE)
    NavigationEntry.objects.bulk_create(
        NavigationEntry(
            item=item, placement=placement, position=position, roles=[], locale=locale, translation_key=uuid.uuid4()
        )
        for item, placement, position in DEFAULTS
    )


class Migration(migrations.Migration):
    dependencies = [("home", "0006_navigation_entries")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]

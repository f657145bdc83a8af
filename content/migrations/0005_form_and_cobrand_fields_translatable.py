"""Form fields and co-branded template fields become translatable (their
labels are translated with their page): the fields are added nullable, filled
with the page's locale and a new translation key per row, then made required
and unique per locale."""

import uuid

import django.db.models.deletion
from django.db import migrations, models


def fill(apps, schema_editor):
    for model_name in ("FormField", "CobrandField"):
        model = apps.get_model("content", model_name)
        # Values only: a historical form page cannot be instantiated here
        # (Wagtail's form page __init__ needs attributes migrations lack).
        for pk, locale_id in model.objects.values_list("pk", "page__locale_id").iterator():
            model.objects.filter(pk=pk).update(locale_id=locale_id, translation_key=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [
        ("content", "0004_content_team_permissions"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [
        *(
            operation
            for model_name in ("cobrandfield", "formfield")
            for operation in (
                migrations.AddField(
                    model_name=model_name,
                    name="locale",
                    field=models.ForeignKey(
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="wagtailcore.locale",
                    ),
                ),
                migrations.AddField(
                    model_name=model_name, name="translation_key", field=models.UUIDField(editable=False, null=True)
                ),
            )
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]

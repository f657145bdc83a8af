"""The Localization group translates interface strings in the admin."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Localization"
CODENAMES = ["view_stringtranslation", "change_stringtranslation"]


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.add(*Permission.objects.filter(content_type__app_label="interface_strings", codename__in=CODENAMES))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    group = Group.objects.filter(name=GROUP).first()
    if group is not None:
        group.permissions.remove(
            *group.permissions.filter(content_type__app_label="interface_strings", codename__in=CODENAMES)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("interface_strings", "0001_initial"),
        ("programs", "0003_vendor_staff_groups"),
    ]

    operations = [migrations.RunPython(grant, revoke)]

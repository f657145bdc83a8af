"""Channel ops and Finance read the accruals waiting for an exchange rate."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUPS = ("Channel ops", "Finance")


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.get(content_type__app_label="incentives", codename="view_accrualhold")
    for name in GROUPS:
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(permission)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name__in=GROUPS):
        group.permissions.remove(*Permission.objects.filter(codename="view_accrualhold"))


class Migration(migrations.Migration):
    dependencies = [("incentives", "0004_correction_events_and_conversions")]

    operations = [migrations.RunPython(grant, revoke)]

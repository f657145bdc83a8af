"""Channel ops run support (cases, categories, SLA targets, holidays, settings);
channel account managers work their portfolio's cases."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

SUPPORT_MODELS = ["case", "casecategory", "slatarget", "supportholiday", "supportsettings", "caseevent"]

GROUPS = {
    "Channel ops": [f"{action}_{model}" for model in SUPPORT_MODELS for action in ("add", "change", "delete", "view")],
    "Channel account managers": ["view_case", "change_case", "view_caseevent"],
}


def add_permissions(apps, schema_editor):
    app_config = apps.get_app_config("support")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUPS.items():
        group = Group.objects.filter(name=name).first()
        if group is not None:
            group.permissions.add(*Permission.objects.filter(content_type__app_label="support", codename__in=codenames))


def remove_permissions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUPS.items():
        group = Group.objects.filter(name=name).first()
        if group is not None:
            group.permissions.remove(
                *Permission.objects.filter(content_type__app_label="support", codename__in=codenames)
            )


class Migration(migrations.Migration):
    dependencies = [
        ("support", "0001_initial"),
        ("programs", "0003_vendor_staff_groups"),
    ]

    operations = [migrations.RunPython(add_permissions, remove_permissions)]

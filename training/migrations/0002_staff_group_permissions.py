"""Channel ops configure certification rules and read attempts and the
certification history; channel account managers read their portfolio's."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUPS = {
    "Channel ops": [
        "add_certificationrule",
        "change_certificationrule",
        "delete_certificationrule",
        "view_certificationrule",
        "view_assessmentattempt",
        "view_certificationevent",
    ],
    "Channel account managers": ["view_certificationrule", "view_assessmentattempt", "view_certificationevent"],
}


def add_permissions(apps, schema_editor):
    app_config = apps.get_app_config("training")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUPS.items():
        group = Group.objects.filter(name=name).first()
        if group is not None:
            group.permissions.add(*Permission.objects.filter(content_type__app_label="training", codename__in=codenames))


def remove_permissions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUPS.items():
        group = Group.objects.filter(name=name).first()
        if group is not None:
            group.permissions.remove(
                *Permission.objects.filter(content_type__app_label="training", codename__in=codenames)
            )


class Migration(migrations.Migration):
    dependencies = [
        ("training", "0001_initial"),
        ("programs", "0003_vendor_staff_groups"),
    ]

    operations = [migrations.RunPython(add_permissions, remove_permissions)]

"""Channel ops configure incentive programs; Finance approves and pays
statements and resolves disputes for every partner (hence view-all)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

HISTORY = ["view_ruleversion", "view_ledgerline", "view_enrollment", "view_statement", "view_dispute"]
GROUPS = {
    "Channel ops": {
        "incentives": [f"{action}_incentiveprogram" for action in ("add", "change", "delete", "view")] + HISTORY,
    },
    "Finance": {
        "incentives": ["view_incentiveprogram", "change_statement", "change_dispute", *HISTORY],
        "programs": ["view_all_partner_records"],
    },
}


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, permissions_by_app in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, codenames in permissions_by_app.items():
            group.permissions.add(*Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, permissions_by_app in GROUPS.items():
        group = Group.objects.filter(name=name).first()
        if group is None:
            continue
        for app_label, codenames in permissions_by_app.items():
            if app_label == "incentives":
                group.permissions.remove(
                    *Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
                )


class Migration(migrations.Migration):
    dependencies = [
        ("incentives", "0001_initial"),
        ("programs", "0003_vendor_staff_groups"),
    ]

    operations = [migrations.RunPython(grant, revoke)]

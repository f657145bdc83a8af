"""Vendor staff groups get the deal and lead permissions their jobs need
(before this only superusers could review registrations). What a CAM sees is
still limited to the portfolio by the admin's permission policies."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def _all(model):
    return [f"{action}_{model}" for action in ("add", "change", "delete", "view")]


GROUPS = {
    "Channel ops": {
        "deals": [
            "view_dealregistration",
            "change_dealregistration",
            "view_dealevent",
            "add_lead",
            "change_lead",
            "view_lead",
            "view_leadevent",
            "view_webhookdelivery",
            *_all("campaign"),
            *_all("leaddistributionrule"),
            *_all("routingrule"),
            *_all("webhookendpoint"),
        ],
    },
    "Channel account managers": {
        "deals": [
            "view_dealregistration",
            "change_dealregistration",
            "view_dealevent",
            "view_lead",
            "change_lead",
            "view_leadevent",
            "view_webhookdelivery",
            "view_campaign",
        ],
        "content": ["view_cobrandgeneration"],
    },
}


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations; these groups need them now.
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
            group.permissions.remove(
                *Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
            )


class Migration(migrations.Migration):
    dependencies = [
        ("deals", "0007_audit_events_share_a_base"),
        ("content", "0009_courses"),
        ("programs", "0003_vendor_staff_groups"),
    ]

    operations = [migrations.RunPython(grant, revoke)]

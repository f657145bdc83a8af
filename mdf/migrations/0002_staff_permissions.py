"""Finance and Channel ops run market development funds in the admin; channel
account managers review their portfolio's requests and claims."""

from django.db import migrations

CONFIGURE = ["mdfprogram", "programtierterms", "activitytype", "approvalrule", "allocation"]
RECORDS = ["fundrequest", "claim", "ledgerentry", "mdfevent", "proofofperformance"]
GROUPS = {
    "Channel ops": [f"{action}_{model}" for model in CONFIGURE for action in ("add", "change", "delete", "view")]
    + [f"view_{model}" for model in RECORDS]
    + ["change_fundrequest", "change_claim", "review_fundrequest", "pay_claim"],
    "Finance": [f"{action}_{model}" for model in CONFIGURE for action in ("add", "change", "view")]
    + [f"view_{model}" for model in RECORDS]
    + ["change_fundrequest", "change_claim", "review_fundrequest", "pay_claim"],
    "Channel account managers": ["view_allocation", "view_mdfprogram", "view_activitytype"]
    + [f"view_{model}" for model in RECORDS]
    + ["change_fundrequest", "change_claim", "review_fundrequest"],
    "Localization": ["view_activitytype", "change_activitytype"],
}


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations; these are needed now.
    app_config = apps.get_app_config("mdf")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUPS.items():
        group = Group.objects.get_or_create(name=name)[0]
        group.permissions.add(*Permission.objects.filter(content_type__app_label="mdf", codename__in=codenames))
    # Finance pays every partner's claims, so it sees every organization's MDF rows.
    Group.objects.get(name="Finance").permissions.add(
        Permission.objects.get(content_type__app_label="programs", codename="view_all_partner_records")
    )


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name__in=GROUPS):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="mdf"))


class Migration(migrations.Migration):
    dependencies = [
        ("mdf", "0001_initial"),
        ("programs", "0003_vendor_staff_groups"),
    ]

    operations = [migrations.RunPython(grant, revoke)]

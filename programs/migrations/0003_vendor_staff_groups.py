"""Vendor staff groups with the permissions each job needs. Later features add
their permissions to these groups in their own migrations."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PROGRAM_MODELS = [
    "partnerorganization", "membership", "tier", "tierruleversion", "tierchange", "partnertype", "region",
    "certification", "personcertification", "productline", "partnerapplication", "partneragreement",
    "agreementacceptance", "invitation", "programsettings",
]
SEARCH_MODELS = ["synonymset", "bestbet", "searchquerylog", "searchsettings"]

GROUPS = {
    "Channel ops": {
        "programs": [f"{action}_{model}" for model in PROGRAM_MODELS for action in ("add", "change", "delete", "view")]
        + ["view_all_partner_records"],
        "search": [f"{action}_{model}" for model in SEARCH_MODELS for action in ("add", "change", "delete", "view")],
    },
    "Channel account managers": {
        "programs": [
            "view_partnerorganization", "change_partnerorganization", "view_membership", "view_tier",
            "view_tierchange", "change_tierchange", "view_personcertification", "view_partnerapplication",
        ],
    },
    "Finance": {"programs": ["view_partnerorganization", "view_tier", "view_tierchange"]},
    "Marketing": {"search": ["add_synonymset", "change_synonymset", "view_synonymset", "add_bestbet",
                             "change_bestbet", "view_bestbet", "view_searchquerylog"]},
    "Localization": {},
}


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; these groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    admin_access = Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    for name, permissions_by_app in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(admin_access)
        for app_label, codenames in permissions_by_app.items():
            group.permissions.add(
                *Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
            )


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("programs", "0002_product_line"),
        ("search", "0002_ranking_synonyms_best_bets_log"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]

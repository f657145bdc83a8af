"""The Localization group translates pages and the translatable snippets
(tiers' public texts, partner types, product lines, asset types) with
wagtail-localize; it cannot create or delete pages, nor see partner records
or deals. Editing source-language pages and snippets is refused to it in
``content.wagtail_hooks``."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Localization"
PAGE_PERMISSIONS = ["change_page", "publish_page"]
MODEL_PERMISSIONS = {
    "wagtail_localize": ["submit_translation"],
    "programs": ["change_tier", "view_tier", "change_partnertype", "view_partnertype", "change_productline",
                 "view_productline"],
    "content": ["change_assettype", "view_assettype"],
}


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Page = apps.get_model("wagtailcore", "Page")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.add(Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"))
    root_page = Page.objects.get(depth=1)
    for permission in Permission.objects.filter(content_type__app_label="wagtailcore", codename__in=PAGE_PERMISSIONS):
        GroupPagePermission.objects.get_or_create(group=group, page=root_page, permission=permission)
    for app_label, codenames in MODEL_PERMISSIONS.items():
        group.permissions.add(*Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupPagePermission.objects.filter(group__name=GROUP, page__depth=1).delete()
    group = Group.objects.filter(name=GROUP).first()
    if group is not None:
        for app_label, codenames in MODEL_PERMISSIONS.items():
            group.permissions.remove(
                *group.permissions.filter(content_type__app_label=app_label, codename__in=codenames)
            )


class Migration(migrations.Migration):
    dependencies = [
        ("content", "0006_form_and_cobrand_fields_unique_per_locale"),
        ("programs", "0006_tier_retired"),
        ("wagtail_localize", "0016_rename_page_revision_translationlog_revision"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(grant, revoke)]

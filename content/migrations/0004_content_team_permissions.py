"""Channel ops and Marketing build the portal in the admin: pages anywhere in
the tree, documents and images in the root collection, asset types, and the
co-branding log (read-only)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUPS = ("Channel ops", "Marketing")
PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page", "delete_page", "lock_page", "unlock_page"]
COLLECTION_PERMISSIONS = {
    "wagtaildocs": ["add_document", "change_document", "choose_document", "delete_document"],
    "wagtailimages": ["add_image", "change_image", "choose_image", "delete_image"],
}
MODEL_PERMISSIONS = {
    "content": [
        "add_assettype",
        "change_assettype",
        "view_assettype",
        "view_cobrandgeneration",
    ],
}


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations; these need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Page = apps.get_model("wagtailcore", "Page")
    Collection = apps.get_model("wagtailcore", "Collection")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")
    root_page = Page.objects.get(depth=1)
    root_collection = Collection.objects.get(depth=1)
    page_permissions = Permission.objects.filter(content_type__app_label="wagtailcore", codename__in=PAGE_PERMISSIONS)
    for name in GROUPS:
        group, _ = Group.objects.get_or_create(name=name)
        for permission in page_permissions:
            GroupPagePermission.objects.get_or_create(group=group, page=root_page, permission=permission)
        for app_label, codenames in COLLECTION_PERMISSIONS.items():
            for permission in Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames):
                GroupCollectionPermission.objects.get_or_create(
                    group=group, collection=root_collection, permission=permission
                )
        for app_label, codenames in MODEL_PERMISSIONS.items():
            group.permissions.add(*Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames))


def revoke(apps, schema_editor):
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")
    GroupPagePermission.objects.filter(group__name__in=GROUPS, page__depth=1).delete()
    GroupCollectionPermission.objects.filter(
        group__name__in=GROUPS, permission__content_type__app_label="wagtaildocs"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("content", "0003_default_asset_types"),
        ("programs", "0005_channel_ops_badge_images"),
        ("wagtailcore", "0066_collection_management_permissions"),
        ("wagtaildocs", "0014_alter_document_file_size"),
    ]

    operations = [migrations.RunPython(grant, revoke)]

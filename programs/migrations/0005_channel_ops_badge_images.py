"""Channel ops pick and upload tier badge images: image permissions on the
root collection (Wagtail checks image permissions per collection)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Channel ops"
IMAGE_PERMISSIONS = ["add_image", "change_image", "choose_image"]


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations; this one needs them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Collection = apps.get_model("wagtailcore", "Collection")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    root = Collection.objects.get(depth=1)
    for permission in Permission.objects.filter(content_type__app_label="wagtailimages", codename__in=IMAGE_PERMISSIONS):
        GroupCollectionPermission.objects.get_or_create(group=group, collection=root, permission=permission)


def revoke(apps, schema_editor):
    apps.get_model("wagtailcore", "GroupCollectionPermission").objects.filter(
        group__name=GROUP,
        permission__content_type__app_label="wagtailimages",
        permission__codename__in=IMAGE_PERMISSIONS,
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("programs", "0004_tier_change_superseded"),
        ("wagtailimages", "0027_image_description"),
        ("wagtailcore", "0066_collection_management_permissions"),
    ]

    operations = [migrations.RunPython(grant, revoke)]

from django.apps import AppConfig
from django.db.models.signals import post_save


class HomeConfig(AppConfig):
    name = "home"
    verbose_name = "Portal home"

    def ready(self):
        from wagtail_localize.models import LocaleSynchronization, sync_trees_on_locale_sync_save

        from programs.request_memo import forget_when_saved

        from .models import NavigationEntry, PortalBranding

        # Every page's shell reads them (programs.request_memo.remembered_until_changed).
        forget_when_saved(NavigationEntry, PortalBranding)

        # wagtail-localize copies the page tree whenever a locale's "synchronise
        # from" is saved, fixture loading and test database restores (raw saves,
        # possibly before the locales themselves) included: only real saves do.
        post_save.disconnect(sync_trees_on_locale_sync_save, sender=LocaleSynchronization)
        post_save.connect(sync_trees_unless_raw, sender=LocaleSynchronization, dispatch_uid="home_sync_trees")


def sync_trees_unless_raw(sender, instance, raw=False, **kwargs):
    if not raw:
        instance.sync_trees()

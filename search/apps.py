from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = "Portal search"

    def ready(self):
        from django.db.models.signals import post_delete, post_migrate, post_save
        from wagtail.signals import page_published, page_unpublished, post_page_move

        from content.signals import audience_changed, pages_changed
        from programs.models import Certification
        from programs.request_memo import forget_when_saved

        from . import pages, registry
        from .config import search_config_changed
        from .models import BestBet, SearchSettings, SynonymSet

        registry.register(pages.PAGE_KIND)
        # Wagtail's own search auto-update swallows indexing errors; the portal
        # index is fed only through the outbox, from these signals.
        page_published.connect(pages.page_changed, dispatch_uid="search.page_published")
        page_unpublished.connect(pages.page_changed, dispatch_uid="search.page_unpublished")
        post_page_move.connect(pages.subtree_changed, dispatch_uid="search.page_moved")
        audience_changed.connect(pages.subtree_changed, dispatch_uid="search.audience_changed")
        pages_changed.connect(pages.pages_changed, dispatch_uid="search.pages_changed")
        post_delete.connect(pages.page_deleted, dispatch_uid="search.page_deleted")
        post_migrate.connect(pages.pages_created_outside_publishing, sender=self, dispatch_uid="search.post_migrate")
        for model in (SearchSettings, SynonymSet, BestBet, Certification):
            for signal in (post_save, post_delete):
                signal.connect(search_config_changed, sender=model, dispatch_uid=f"search.config.{model.__name__}")
        # After the cache's own receivers: on commit the shared cache entry is
        # cleared before the processes are told to forget theirs, so none keeps
        # an entry cached in between.
        forget_when_saved(SearchSettings, SynonymSet, BestBet, Certification)

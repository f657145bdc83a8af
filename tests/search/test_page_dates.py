"""Which date each page type ranks by, and pages that never went through
publishing (created by data migrations) reaching the index."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from content.models import AnnouncementPage, LibraryPage, SectionPage
from search.engine import get_client
from search.selectors import documents_search, portal_search
from search.services import alias_name, outbox_drain
from tests.factories.content import publish_asset, publish_page

pytestmark = pytest.mark.django_db


def effective_at(page) -> str:
    outbox_drain(refresh=True)
    return get_client().get(index=alias_name(), id=f"page:{page.pk}")["_source"]["effective_at"]


def test_an_announcement_ranks_by_its_own_date_not_its_publication(search_indexes, home_page, vendor_staff):
    today = timezone.localdate()
    # Published today but dated last year (a back-filled announcement)...
    backfilled = publish_page(
        home_page, AnnouncementPage, title="Pricing update", summary="New pricing.", date=today - dt.timedelta(days=365)
    )
    # ...and published today, dated today.
    fresh = publish_page(home_page, AnnouncementPage, title="Pricing update", summary="New pricing.", date=today)

    assert effective_at(backfilled).startswith((today - dt.timedelta(days=365)).isoformat())
    results = portal_search(user=vendor_staff, query="pricing update")
    assert [hit.object_id for hit in results.hits] == [str(fresh.pk), str(backfilled.pk)]
    newest = portal_search(user=vendor_staff, query="pricing update", sort="newest")
    assert [hit.object_id for hit in newest.hits] == [str(fresh.pk), str(backfilled.pk)]


def test_assets_rank_by_their_effective_date_and_other_pages_by_first_publication(search_indexes, home_page):
    library = publish_page(home_page, LibraryPage, title="Library")
    asset = publish_asset(library, "Storage price list", effective_date=dt.date(2025, 7, 1))
    section = publish_page(home_page, SectionPage, title="Enablement")

    assert effective_at(asset).startswith("2025-07-01")
    assert effective_at(section) == section.first_published_at.isoformat()


def test_pages_created_by_data_migrations_are_indexed_after_migrate(search_indexes, home_page):
    # Data migrations save pages directly: live, never published, no signal.
    created = home_page.add_child(instance=SectionPage(title="Quartermaster onboarding", live=True))
    outbox_drain(refresh=True)
    assert documents_search(query="quartermaster") == []

    call_command("migrate", verbosity=0)
    outbox_drain(refresh=True)

    assert [hit.object_id for hit in documents_search(query="quartermaster")] == [str(created.pk)]
    assert str(home_page.pk) in [hit.object_id for hit in documents_search(query=home_page.title)]

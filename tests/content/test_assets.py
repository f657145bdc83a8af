"""Versioned assets: a new file supersedes the old one everywhere partners look,
the history keeps it, stale assets are flagged and their owners reminded."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from content import selectors
from content.models import AssetDownload, AssetVersion, LibraryPage
from content.services import stale_asset_reminders_send
from content.tasks import remind_stale_asset_owners
from tests.factories import OrganizationFactory, PartnerUserFactory, TierFactory, UserFactory
from tests.factories.content import asset_type, document, publish_asset, publish_page, republish

pytestmark = pytest.mark.django_db


@pytest.fixture
def library(home_page):
    return publish_page(home_page, LibraryPage, title="Library", per_page=6)


@pytest.fixture
def partner():
    client = Client()
    user = PartnerUserFactory(organization=OrganizationFactory(name="Acme Systems"), roles=["sales", "marketing"])
    client.force_login(user)
    client.user = user
    return client


def at_noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=timezone.get_current_timezone())


def downloaded(response) -> bytes:
    assert response.status_code == 200, response
    return b"".join(response.streaming_content)


def test_a_new_file_supersedes_the_old_one_which_stays_in_the_history(library, partner):
    asset = publish_asset(library, "Storage price list", version_label="2026.1")
    old_version = asset.current_version
    new_file = document(content=b"%PDF-1.4 price list v2", filename="price-list-2026-2.pdf")

    asset = republish(asset, document=new_file, version_label="2026.2")

    current = AssetVersion.objects.get(asset=asset, superseded_at__isnull=True)
    assert (current.label, current.document) == ("2026.2", new_file)
    old_version.refresh_from_db()
    assert old_version.superseded_at is not None
    assert downloaded(partner.get(reverse("content:asset_download", args=[asset.pk]))) == b"%PDF-1.4 price list v2"

    listing = partner.get(library.url).text
    assert listing.count("Storage price list</a>") == 1
    assert reverse("content:asset_download", args=[asset.pk]) in listing
    assert "Version 2026.2" in listing and "Version 2026.1" not in listing

    page = partner.get(asset.url).text
    assert "Version 2026.2" in page
    assert "Earlier versions" in page and "2026.1" in page
    old_url = reverse("content:version_download", args=[old_version.pk])
    assert old_url in page
    assert downloaded(partner.get(old_url)) == b"%PDF-1.4 price list v1"


def test_correcting_the_label_of_the_same_file_does_not_create_a_version(library):
    asset = publish_asset(library, "Battle card", version_label="1.0")

    asset = republish(asset, version_label="1.0a", summary="Sharper summary")

    assert list(asset.versions.values_list("label", "superseded_at")) == [("1.0a", None)]


def test_a_replaced_file_must_get_a_new_label(library):
    asset = publish_asset(library, "Battle card", version_label="1.0")
    asset = republish(asset, document=document(content=b"v2"), version_label="2.0")

    with pytest.raises(ValidationError) as refused:
        republish(asset, document=document(content=b"v3"), version_label="1.0")

    assert "give this version a new label" in str(refused.value)
    assert asset.versions.get(superseded_at__isnull=True).label == "2.0"


def test_an_asset_needs_exactly_one_file_image_or_video(library):
    asset = publish_asset(library, "Demo video", video_url="https://video.example/demo")

    with pytest.raises(ValidationError) as refused:
        republish(asset, document=document())

    assert "exactly one of a file, an image or a video link" in str(refused.value)


def test_downloads_are_counted_per_asset_version_organization_and_role(library, partner):
    asset = publish_asset(library, "Storage price list")

    partner.get(reverse("content:asset_download", args=[asset.pk]))
    partner.get(reverse("content:asset_download", args=[asset.pk]))

    rows = AssetDownload.objects.filter(asset=asset)
    assert rows.count() == 2
    row = rows.first()
    assert row.version == asset.current_version
    assert row.organization.name == "Acme Systems"
    assert row.user == partner.user
    assert row.roles == ["marketing", "sales"]


def test_a_video_asset_download_sends_the_partner_to_the_video(library, partner):
    asset = publish_asset(library, "Demo video", video_url="https://video.example/demo")

    response = partner.get(reverse("content:asset_download", args=[asset.pk]))

    assert response.status_code == 302 and response["Location"] == "https://video.example/demo"


def test_an_asset_outside_the_audience_cannot_be_downloaded_in_any_version(library, partner):
    gold = TierFactory(name="Gold")
    asset = publish_asset(library, "Gold price list", audience_tiers=[gold])
    old = asset.current_version
    republish(asset, document=document(content=b"v2"), version_label="2.0")

    assert partner.get(reverse("content:asset_download", args=[asset.pk])).status_code == 404
    assert partner.get(reverse("content:version_download", args=[old.pk])).status_code == 404
    assert AssetDownload.objects.count() == 0


def test_asset_files_are_not_served_by_their_direct_document_url_to_partners(library, partner, admin_client):
    asset = publish_asset(library, "Storage price list")
    direct_url = asset.document.url

    assert partner.get(direct_url).status_code == 404
    assert admin_client.get(direct_url).status_code == 200


def test_the_library_is_recent_first_paginated_and_filtered_by_type(library, partner):
    with time_machine.travel(dt.datetime(2026, 9, 1, tzinfo=dt.UTC), tick=False):
        publish_asset(library, "Old deck", asset_type=asset_type("pitch-deck"))
    for month in range(1, 7):
        with time_machine.travel(dt.datetime(2026, 10, month, tzinfo=dt.UTC), tick=False):
            publish_asset(library, f"Price list {month}")

    def titles(query=""):
        return [asset.title for asset in partner.get(library.url + query).context["assets"]]

    assert titles() == [f"Price list {month}" for month in range(6, 0, -1)]
    assert titles("?page=2") == ["Old deck"]
    assert titles("?type=pitch-deck") == ["Old deck"]
    assert titles("?updated_since=2026-10-05") == ["Price list 6", "Price list 5"]
    assert titles("?sort=title")[:2] == ["Old deck", "Price list 1"]


def test_a_large_library_counts_up_to_its_cap_and_still_pages_on(library, partner, monkeypatch):
    # Counting every visible asset cost 2.2 s a page view with 650,000 of them.
    monkeypatch.setattr(selectors, "LIBRARY_COUNT_CAP", 13)
    for day in range(1, 15):
        with time_machine.travel(dt.datetime(2026, 10, day, tzinfo=dt.UTC), tick=False):
            publish_asset(library, f"Price list {day}")

    def page(query=""):
        response = partner.get(library.url + query)
        text = " ".join(response.content.decode().split())
        return [asset.title for asset in response.context["assets"]], text

    with CaptureQueriesContext(connection) as statements:
        titles, text = page()
    assert titles == [f"Price list {day}" for day in range(14, 8, -1)]
    assert "More than 13 assets: filter them to find yours faster" in text
    assert "Page 1</span>" in text and "Page 1 of" not in text
    assert "page=2" in text  # the next page
    counts = [
        query["sql"]
        for query in statements.captured_queries
        if "COUNT(" in query["sql"] and "content_assetpage" in query["sql"]
    ]
    assert len(counts) == 1 and "LIMIT 14" in counts[0] and "ORDER BY" not in counts[0]

    # Further on, the count reaches one page past the page shown: here all of them.
    titles, text = page("?page=2")
    assert titles == [f"Price list {day}" for day in range(8, 2, -1)]
    assert "14 assets" in text and "More than" not in text
    assert "Page 2 of 3" in text
    titles, text = page("?page=3")
    assert titles == ["Price list 2", "Price list 1"]
    assert "Page 3 of 3" in text


@pytest.mark.parametrize("path", ["library", "asset"])
def test_a_stale_asset_is_marked_as_possibly_outdated_after_its_review_date(library, partner, path):
    review_by = timezone.localdate() + dt.timedelta(days=3)
    asset = publish_asset(library, "Storage price list", review_by=review_by)
    url = library.url if path == "library" else asset.url

    with time_machine.travel(at_noon(review_by)):
        assert "May be outdated" not in partner.get(url).text
    with time_machine.travel(at_noon(review_by + dt.timedelta(days=1))):
        assert "May be outdated" in partner.get(url).text


def test_the_owner_of_a_stale_asset_is_reminded_once_per_review_date(library):
    owner = UserFactory(email="content.owner@vendor.example")
    asset = publish_asset(library, "Storage price list", review_by=dt.date(2026, 12, 31), content_owner=owner)
    publish_asset(library, "Fresh data sheet", review_by=dt.date(2027, 6, 30), content_owner=owner)

    with time_machine.travel(dt.datetime(2027, 1, 2, 6, tzinfo=dt.UTC)):
        remind_stale_asset_owners()
        remind_stale_asset_owners()

    assert [message.to for message in mail.outbox] == [["content.owner@vendor.example"]]
    assert "Storage price list" in mail.outbox[0].subject
    assert f"/admin/pages/{asset.pk}/edit/" in mail.outbox[0].body

    republish(asset, review_by=dt.date(2027, 3, 31))
    with time_machine.travel(dt.datetime(2027, 4, 1, 6, tzinfo=dt.UTC)):
        assert stale_asset_reminders_send() == 1


def test_the_reminder_runs_daily_from_celery_beat():
    schedule = settings.CELERY_BEAT_SCHEDULE["content-stale-asset-reminders"]

    assert schedule["task"] == "content.tasks.remind_stale_asset_owners"


def test_channel_ops_see_stale_assets_in_an_admin_report(library, admin_client):
    review_by = timezone.localdate() + dt.timedelta(days=3)
    publish_asset(library, "Storage price list", review_by=review_by)
    publish_asset(library, "Fresh data sheet", review_by=review_by + dt.timedelta(days=30))

    with time_machine.travel(at_noon(review_by + dt.timedelta(days=1))):
        report = admin_client.get(reverse("content_stale_assets")).text
        export = admin_client.get(reverse("content_stale_assets") + "?export=csv")

    assert "Storage price list" in report and "Fresh data sheet" not in report
    assert "Storage price list" in b"".join(export.streaming_content).decode()


def test_the_database_keeps_live_pages_in_the_librarys_order():
    # The library lists newest first: read in that order from an index, its
    # first page costs the database a page of rows, not a sort of every page.
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'wagtailcore_page'")
        definitions = [row[0] for row in cursor.fetchall()]
    assert any("(last_published_at DESC, id DESC) WHERE live" in definition for definition in definitions), definitions

"""Content assets in the portal search: the current version only, its file's
text, facets, the stale mark, popularity and a direct download."""

import datetime as dt
import io
import zipfile

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from content.models import LibraryPage
from content.rendering import render_pdf
from content.services import asset_popularity_refresh
from programs.models import ProductLine
from search.engine import get_client
from search.selectors import portal_search
from search.services import alias_name, attachment_texts_extract_pending, outbox_drain
from tests.factories import OrganizationFactory, PartnerUserFactory
from tests.factories.content import asset_type, document, publish_asset, publish_page, republish

pytestmark = pytest.mark.django_db


@pytest.fixture
def library(home_page, search_indexes):
    return publish_page(home_page, LibraryPage, title="Library")


@pytest.fixture
def partner():
    return PartnerUserFactory(organization=OrganizationFactory(), roles=["sales"])


def pdf_document(text: str, filename: str):
    return document(title=filename, content=render_pdf(f"<p>{text}</p>"), filename=filename)


def search(user, query, **filters):
    outbox_drain(refresh=True)
    # What the extraction task does on the worker (tests/search/test_attachments.py)
    if attachment_texts_extract_pending():
        outbox_drain(refresh=True)
    return portal_search(user=user, query=query, filters=filters)


def test_only_the_current_version_of_an_asset_is_found(library, partner):
    asset = publish_asset(
        library, "Storage price list", document=pdf_document("Tariff zeppelin", "prices-1.pdf"), version_label="1.0"
    )
    assert [hit.object_id for hit in search(partner, "zeppelin").hits] == [str(asset.pk)]

    republish(asset, document=pdf_document("Tariff quasar", "prices-2.pdf"), version_label="2.0")

    assert search(partner, "zeppelin").hits == []
    [hit] = search(partner, "quasar").hits
    assert (hit.title, hit.version_label) == ("Storage price list", "2.0")
    assert hit.download_url == reverse("content:asset_download", args=[asset.pk])
    assert len(search(partner, "storage price list").hits) == 1


def test_text_of_word_and_powerpoint_files_is_searchable(library, partner):
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as archive:
        archive.writestr(
            "word/document.xml",
            '<w:document><w:body><w:p><w:r><w:t xml:space="preserve">Kestrel '
            "onboarding &amp; checklist</w:t></w:r></w:p></w:body></w:document>",
        )
    publish_asset(library, "Partner guide", document=document(content=docx.getvalue(), filename="guide.docx"))
    pptx = io.BytesIO()
    with zipfile.ZipFile(pptx, "w") as archive:
        archive.writestr("ppt/slides/slide1.xml", "<p:sld><a:t>Osprey roadmap</a:t></p:sld>")
    publish_asset(library, "Roadmap deck", document=document(content=pptx.getvalue(), filename="roadmap.pptx"))

    assert [hit.title for hit in search(partner, "kestrel checklist").hits] == ["Partner guide"]
    assert [hit.title for hit in search(partner, "osprey").hits] == ["Roadmap deck"]


def test_asset_facets_count_types_and_product_lines(library, partner):
    storage = ProductLine.objects.get_or_create(code="storage", defaults={"name": "Storage"})[0]
    publish_asset(library, "Storage price list", product_lines=[storage])
    publish_asset(library, "Storage battle card", asset_type=asset_type("battle-card"), product_lines=[storage])
    publish_asset(library, "Storage pitch deck", asset_type=asset_type("pitch-deck"))

    results = search(partner, "storage")

    assert dict(results.facets["type"]) == {"price-list": 1, "battle-card": 1, "pitch-deck": 1}
    assert dict(results.facets["product_line"]) == {"storage": 2}
    assert [hit.title for hit in search(partner, "storage", type="battle-card").hits] == ["Storage battle card"]


def test_a_stale_asset_is_marked_in_the_results(library, partner):
    publish_asset(library, "Old price list", review_by=timezone.localdate() - dt.timedelta(days=1))
    publish_asset(library, "Fresh price list", review_by=timezone.localdate() + dt.timedelta(days=30))

    marks = {hit.title: hit.stale for hit in search(partner, "price list").hits}

    assert marks == {"Old price list": True, "Fresh price list": False}


def test_the_newer_effective_date_ranks_first_among_equal_assets(library, partner):
    publish_asset(library, "Storage price list EMEA", effective_date=timezone.localdate() - dt.timedelta(days=300))
    publish_asset(library, "Storage price list APAC", effective_date=timezone.localdate() - dt.timedelta(days=2))

    assert [hit.title for hit in search(partner, "storage price list").hits] == [
        "Storage price list APAC",
        "Storage price list EMEA",
    ]


def test_download_popularity_reaches_the_index_after_the_hourly_refresh(library, partner):
    asset = publish_asset(library, "Storage price list")
    client = Client()
    client.force_login(partner)
    for _ in range(3):
        client.get(reverse("content:asset_download", args=[asset.pk]))

    assert asset_popularity_refresh(since=timezone.now() - dt.timedelta(hours=1)) == 1
    outbox_drain(refresh=True)

    source = get_client().get(index=alias_name(), id=f"page:{asset.pk}")["_source"]
    assert source["popularity"] == 3
    assert source["family_id"] == str(asset.translation_key)

"""The content issue's "done when": a channel marketer builds, only in the
admin, a tier-restricted section with a versioned asset and a co-branded
flyer; a partner of that tier downloads the current version and a
personalized PDF; a partner of another tier reaches neither."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from wagtail.documents.models import Document
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from content.models import AssetPage, CobrandTemplatePage, SectionPage
from content.rendering import pdf_text
from tests.factories import OrganizationFactory, PartnerUserFactory, TierFactory, UserFactory
from tests.factories.content import asset_type


def upload_document(admin, title, content):
    response = admin.post(
        reverse("wagtaildocs:add"),
        {"title": title, "file": SimpleUploadedFile(f"{title}.pdf", content), "collection": 1, "tags": ""},
    )
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    return Document.objects.get(title=title)


def editor_form(fields):
    """The editor's POST: nested blocks flattened; multiple choices stay lists
    (``nested_form_data`` would number them like formset rows)."""
    choices = {name: value for name, value in fields.items() if isinstance(value, list)}
    nested = {name: value for name, value in fields.items() if name not in choices}
    return {**nested_form_data({"action-publish": "publish", **nested}), **choices}


def add_page(admin, page_type, parent, fields):
    response = admin.post(
        reverse("wagtailadmin_pages:add", args=["content", page_type, parent.pk]), editor_form(fields)
    )
    assert response.status_code == 302, response.context["form"].errors if response.context else response


def edit_page(admin, page, fields):
    response = admin.post(reverse("wagtailadmin_pages:edit", args=[page.pk]), editor_form(fields))
    assert response.status_code == 302, response.context["form"].errors if response.context else response


def asset_fields(document, label):
    return {
        "title": "Gold price list",
        "slug": "gold-price-list",
        "asset_type": asset_type("price-list").pk,
        "summary": "Gold partner prices.",
        "document": document.pk,
        "image": "",
        "video_url": "",
        "version_label": label,
        "effective_date": dt.date.today().isoformat(),
        "review_by": "",
        "content_owner": "",
        "body": streamfield([]),
    }


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_channel_marketer_builds_a_gold_section_that_only_gold_partners_use(celery_worker, home_page, wait_for):
    gold, silver = TierFactory(name="Gold"), TierFactory(name="Silver")
    marketer = UserFactory()
    marketer.groups.add(Group.objects.get(name="Marketing"))
    admin = Client()
    admin.force_login(marketer)

    add_page(
        admin,
        "sectionpage",
        home_page,
        {
            "title": "Gold corner",
            "slug": "gold-corner",
            "intro": rich_text("<p>For Gold partners.</p>"),
            "body": streamfield([]),
            "show_in_menus": "on",
            "audience_tiers": [gold.pk],
        },
    )
    section = SectionPage.objects.get(slug="gold-corner", alias_of=None)
    first = upload_document(admin, "gold-prices-1", b"%PDF-1.4 gold prices 1")
    add_page(admin, "assetpage", section, asset_fields(first, "1.0"))
    asset = AssetPage.objects.get(slug="gold-price-list", alias_of=None)
    second = upload_document(admin, "gold-prices-2", b"%PDF-1.4 gold prices 2")
    edit_page(admin, asset, asset_fields(second, "2.0"))
    add_page(
        admin,
        "cobrandtemplatepage",
        section,
        {
            "title": "Gold flyer",
            "slug": "gold-flyer",
            "kind": "flyer",
            "summary": "",
            "html": "<h1>{{ field.headline }}</h1><p>{{ partner.name }} · {{ partner.email }}</p>",
            "css": "@page { size: A6; }",
            "text": "",
            "image_width": 600,
            "image_height": "",
            "free_fields": inline_formset([{"name": "headline", "label": "Headline", "max_length": 30, "default": ""}]),
        },
    )
    flyer = CobrandTemplatePage.objects.get(slug="gold-flyer", alias_of=None)

    gold_partner = Client()
    gold_partner.force_login(
        PartnerUserFactory(organization=OrganizationFactory(name="Goldway Ltd", tier=gold), roles=["marketing"])
    )
    assert "Gold price list" in gold_partner.get(section.url).text
    asset_page = gold_partner.get(asset.url).text
    assert "Version 2.0" in asset_page
    download = gold_partner.get(reverse("content:asset_download", args=[asset.pk]))
    assert b"".join(download.streaming_content) == b"%PDF-1.4 gold prices 2"
    started = gold_partner.post(reverse("content:cobrand_generate", args=[flyer.pk]), {"field_headline": "Go gold"})
    assert started.status_code == 202
    status_url = started.json()["status_url"]
    done = wait_for(
        lambda: (state := gold_partner.get(status_url).json())["status"] == "done" and state,
        timeout=30,
        message="the flyer",
    )
    pdf = b"".join(gold_partner.get(done["pdf_url"]).streaming_content)
    assert "Go gold" in pdf_text(pdf) and "Goldway Ltd" in pdf_text(pdf)

    silver_partner = Client()
    silver_partner.force_login(PartnerUserFactory(organization=OrganizationFactory(tier=silver), roles=["marketing"]))
    for url in (section.url, asset.url, flyer.url, reverse("content:asset_download", args=[asset.pk])):
        assert silver_partner.get(url).status_code == 404, url
    assert silver_partner.post(reverse("content:cobrand_generate", args=[flyer.pk])).status_code == 404
    assert silver_partner.get(done["pdf_url"]).status_code == 404

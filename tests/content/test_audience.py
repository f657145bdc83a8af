"""Audience rules on a mixed page tree: every partner sees exactly their pages
in menus, listings, direct URLs, the sitemap, the pages API and search."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from content.models import AnnouncementPage, LibraryPage, SectionPage
from search.selectors import portal_search
from search.services import outbox_drain
from tests.factories import OrganizationFactory, PartnerTypeFactory, PartnerUserFactory, TierFactory
from tests.factories.content import publish_asset, publish_page, republish

pytestmark = pytest.mark.django_db

EVERYONE_PAGES = {"Partner news", "Library", "Storage data sheet"}


@pytest.fixture
def tree(home_page):
    tiers = {name: TierFactory(name=name.title()) for name in ("silver", "gold", "platinum")}
    msp = PartnerTypeFactory(code="msp")
    pages = {}

    def add(parent, page_class, title, **fields):
        pages[title] = publish_page(parent, page_class, title=title, show_in_menus=True, **fields)
        return pages[title]

    add(home_page, AnnouncementPage, "Partner news", summary="Pricing update for all partners")
    sales = add(home_page, SectionPage, "Sales", audience_roles=["sales"])
    pages["Sales playbook"] = publish_asset(sales, "Sales playbook")
    add(sales, SectionPage, "Gold deal desk", audience_tiers=[tiers["gold"]])
    platinum = add(home_page, SectionPage, "Platinum pricing", audience_tiers=[tiers["platinum"]])
    pages["Platinum price list"] = publish_asset(platinum, "Platinum price list")
    add(home_page, SectionPage, "MSP corner", audience_partner_types=[msp])
    library = add(home_page, LibraryPage, "Library")
    pages["Storage data sheet"] = publish_asset(library, "Storage data sheet")
    pages["Gold battle card"] = publish_asset(library, "Gold battle card", audience_tiers=[tiers["gold"]])
    return {"pages": pages, "tiers": tiers, "msp": msp}


def partner_client(tree, tier, roles, partner_type=None):
    organization = OrganizationFactory(
        tier=tree["tiers"][tier], partner_type=partner_type or PartnerTypeFactory(code="reseller")
    )
    client = Client()
    client.force_login(PartnerUserFactory(organization=organization, roles=roles))
    return client


MATRIX = [
    # tier, roles, msp?, pages beyond those everyone sees
    ("gold", ["sales"], False, {"Sales", "Sales playbook", "Gold deal desk", "Gold battle card"}),
    ("gold", ["marketing"], False, {"Gold battle card"}),
    ("silver", ["sales"], False, {"Sales", "Sales playbook"}),
    ("platinum", ["marketing"], True, {"Platinum pricing", "Platinum price list", "MSP corner"}),
    ("platinum", ["sales", "marketing"], False, {"Sales", "Sales playbook", "Platinum pricing", "Platinum price list"}),
]


@pytest.mark.parametrize(("tier", "roles", "is_msp", "extra"), MATRIX)
def test_direct_urls_answer_only_pages_of_the_partners_audience(tree, tier, roles, is_msp, extra):
    client = partner_client(tree, tier, roles, tree["msp"] if is_msp else None)
    expected = EVERYONE_PAGES | extra
    for title, page in tree["pages"].items():
        status = client.get(page.url).status_code
        assert status == (200 if title in expected else 404), f"{title} answered {status}"


@pytest.mark.parametrize(("tier", "roles", "is_msp", "extra"), MATRIX)
def test_menus_and_listings_show_only_the_partners_pages(tree, tier, roles, is_msp, extra, home_page):
    client = partner_client(tree, tier, roles, tree["msp"] if is_msp else None)
    expected = EVERYONE_PAGES | extra
    menu = re.search(r'<nav class="side-nav".*?</nav>', client.get(home_page.url).text, re.S).group(0)
    top_level = {"Partner news", "Sales", "Platinum pricing", "MSP corner", "Library"}
    assert {title for title in top_level if f">{title}<" in menu} == top_level & expected

    library = client.get(tree["pages"]["Library"].url).text
    assets = {"Sales playbook", "Platinum price list", "Storage data sheet", "Gold battle card"}
    assert {title for title in assets if f">{title}</a></h2>" in library} == assets & expected

    if "Sales" in expected:
        sales = client.get(tree["pages"]["Sales"].url).text
        assert ("Gold deal desk" in sales) == ("Gold deal desk" in expected)


@pytest.mark.parametrize(("tier", "roles", "is_msp", "extra"), MATRIX)
def test_the_dashboard_shows_news_and_assets_of_the_partners_audience_only(tree, tier, roles, is_msp, extra):
    client = partner_client(tree, tier, roles, tree["msp"] if is_msp else None)
    expected = EVERYONE_PAGES | extra

    dashboard = client.get(reverse("programs:dashboard")).text

    news = re.search(r'<section class="card news">.*?</section>', dashboard, re.S).group(0)
    assert ">Partner news</a>" in news
    recent = re.search(r'<section class="card recent-assets">.*?</section>', dashboard, re.S).group(0)
    assets = {"Sales playbook", "Platinum price list", "Storage data sheet", "Gold battle card"}
    assert {title for title in assets if f">{title}</a>" in recent} == assets & expected


@pytest.mark.parametrize(("tier", "roles", "is_msp", "extra"), MATRIX[:3])
def test_sitemap_and_pages_api_list_only_the_partners_pages(tree, tier, roles, is_msp, extra):
    client = partner_client(tree, tier, roles)
    expected = EVERYONE_PAGES | extra
    sitemap = client.get("/sitemap.xml").text
    api_titles = {item["title"] for item in client.get("/api/v2/pages/?limit=20").json()["items"]}
    for title, page in tree["pages"].items():
        assert (page.full_url in sitemap) == (title in expected), title
        assert (title in api_titles) == (title in expected), title
    hidden = next(page for title, page in tree["pages"].items() if title not in expected)
    assert client.get(f"/api/v2/pages/{hidden.pk}/").status_code == 404


def test_anonymous_visitors_are_sent_to_log_in_and_see_no_pages_in_the_api(tree):
    client = Client()
    response = client.get(tree["pages"]["Library"].url)
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert client.get("/api/v2/pages/").status_code in (401, 403)


def test_vendor_staff_see_every_page(tree, vendor_staff):
    client = Client()
    client.force_login(vendor_staff)
    for page in tree["pages"].values():
        assert client.get(page.url).status_code == 200


def test_narrowing_a_section_hides_its_subtree_until_widened_again(tree):
    gold_marketer = partner_client(tree, "gold", ["marketing"])
    library, card = tree["pages"]["Library"], tree["pages"]["Gold battle card"]
    assert gold_marketer.get(card.url).status_code == 200

    republish(library, audience_roles=["sales"])
    assert gold_marketer.get(card.url).status_code == 404
    assert gold_marketer.get(library.url).status_code == 404

    republish(library, audience_roles=[])
    assert gold_marketer.get(card.url).status_code == 200


def test_a_saved_draft_does_not_change_who_sees_the_live_page(tree):
    silver_seller = partner_client(tree, "silver", ["sales"])
    sales = SectionPage.objects.get(pk=tree["pages"]["Sales"].pk)
    sales.audience_tiers.set([tree["tiers"]["gold"]])
    sales.save_revision()  # draft only
    assert silver_seller.get(sales.url).status_code == 200


def test_channel_ops_preview_a_page_as_a_tier_or_role(tree, vendor_staff):
    client = Client()
    client.force_login(vendor_staff)
    vendor_staff.is_superuser = True  # page edit permissions; previews are an editor's tool
    vendor_staff.save()
    platinum = tree["pages"]["Platinum pricing"]
    gold = tree["tiers"]["gold"]

    def preview(mode):
        url = f"/admin/pages/{platinum.pk}/edit/preview/?mode={mode}"
        # the editor's form as it stands, audience included
        data = {
            "title": platinum.title,
            "slug": platinum.slug,
            "body-count": 0,
            "audience_tiers": [tree["tiers"]["platinum"].pk],
        }
        client.post(url, data)
        return client.get(url).text

    as_gold = preview(f"tiers:{gold.translation_key}")
    assert "not for this audience" in as_gold
    as_platinum = preview(f"tiers:{tree['tiers']['platinum'].translation_key}")
    assert "not for this audience" not in as_platinum and "Platinum pricing" in as_platinum


def test_search_documents_carry_the_inherited_audience(tree, search_indexes):
    outbox_drain(refresh=True)
    gold_seller = PartnerUserFactory(organization=OrganizationFactory(tier=tree["tiers"]["gold"]), roles=["sales"])
    silver_seller = PartnerUserFactory(organization=OrganizationFactory(tier=tree["tiers"]["silver"]), roles=["sales"])

    def titles(user, query):
        return {hit.title for hit in portal_search(user=user, query=query).hits}

    assert "Gold deal desk" in titles(gold_seller, "gold deal desk")
    assert "Gold deal desk" not in titles(silver_seller, "gold deal desk")
    assert "Platinum price list" not in titles(gold_seller, "platinum price list")

    # Widening the parent section re-indexes the pages below it.
    republish(tree["pages"]["Platinum pricing"], audience_tiers=[])
    outbox_drain(refresh=True)
    assert "Platinum price list" in titles(gold_seller, "platinum price list")

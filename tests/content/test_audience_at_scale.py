"""Many gated pages sharing a few audiences (a library where each asset is
gated by tier or role): a reader is checked against the audiences, and a
listing's statement names the audiences, not every hidden page, so its size
does not grow with the library. Listings, the one-page check and the menu's
visibility key agree."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import Page

from content.audience import audience_groups, page_visible, visibility_key, visible_pages
from content.models import SectionPage
from programs.audience import Reader
from programs.request_memo import remembered_for_request
from tests.factories import OrganizationFactory, PartnerUserFactory, TierFactory
from tests.factories.content import publish_page

pytestmark = pytest.mark.django_db


@pytest.fixture
def library(home_page):
    gold, silver = TierFactory(name="Gold", rank=2), TierFactory(name="Silver", rank=1)
    section = publish_page(home_page, SectionPage, title="Library")
    pages = {"open": [], "gold": [], "sales": []}
    for number in range(12):
        pages["open"].append(publish_page(section, SectionPage, title=f"Open {number}"))
        pages["gold"].append(publish_page(section, SectionPage, title=f"Gold {number}", audience_tiers=[gold]))
        pages["sales"].append(publish_page(section, SectionPage, title=f"Sales {number}", audience_roles=["sales"]))
    # a gated section hides what lies under it, whatever the page's own rule
    vault = publish_page(home_page, SectionPage, title="Gold vault", audience_tiers=[gold])
    pages["gold"].append(publish_page(vault, SectionPage, title="Vault note"))
    return {"section": section, "pages": pages, "gold": gold, "silver": silver, "vault": vault}


def reader(tier, roles) -> Reader:
    return Reader.for_user(PartnerUserFactory(organization=OrganizationFactory(tier=tier), roles=roles))


def titles(pages) -> set[str]:
    return {page.title for page in pages}


def test_each_reader_lists_what_their_audience_allows(library):
    gold_marketer = reader(library["gold"], ["marketing"])
    silver_seller = reader(library["silver"], ["sales"])
    pages = library["pages"]
    candidates = Page.objects.filter(depth__gt=2)

    assert titles(visible_pages(candidates, gold_marketer)) == titles(pages["open"] + pages["gold"]) | {
        "Library",
        "Gold vault",
    }
    assert titles(visible_pages(candidates, silver_seller)) == titles(pages["open"] + pages["sales"]) | {"Library"}
    for page in candidates.specific():
        listed = visible_pages(candidates.filter(pk=page.pk), silver_seller).exists()
        assert page_visible(page, silver_seller) is listed, page.title


def test_a_listing_names_the_audiences_not_the_hidden_pages(library):
    silver_seller = reader(library["silver"], ["sales"])
    hidden = library["pages"]["gold"]

    with CaptureQueriesContext(connection) as queries:
        listed = list(visible_pages(Page.objects.filter(depth__gt=2), silver_seller))

    assert not set(listed) & {page.page_ptr for page in hidden}
    statement = queries.captured_queries[-1]["sql"]
    assert not any(page.path in statement for page in hidden if page.depth > 3)  # a section's path prefixes its pages'
    assert len(statement) < 2000


def test_readers_failing_the_same_audiences_share_a_visibility_key(library):
    with remembered_for_request():
        first, second = reader(library["silver"], ["sales"]), reader(library["silver"], ["sales", "technical"])
        gold = reader(library["gold"], ["sales"])

        assert visibility_key(first) == visibility_key(second)
        assert visibility_key(first) != visibility_key(gold)


def test_a_reader_failing_every_audience_lists_only_the_open_pages(library):
    bronze_marketer = reader(TierFactory(name="Bronze", rank=0), ["marketing"])
    pages = library["pages"]
    candidates = Page.objects.filter(depth__gt=2)

    assert titles(visible_pages(candidates, bronze_marketer)) == titles(pages["open"]) | {"Library"}
    assert not any(page_visible(page, bronze_marketer) for page in pages["gold"] + pages["sales"])


def test_the_sitemap_asks_as_many_statements_however_many_pages_are_gated(client, library):
    client.force_login(PartnerUserFactory(organization=OrganizationFactory(tier=library["silver"]), roles=["sales"]))

    def sitemap() -> tuple[int, str]:
        client.get("/sitemap.xml")  # the rules read once after they change
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/sitemap.xml")
        assert response.status_code == 200
        return len(queries), response.content.decode()

    statements, listed = sitemap()
    pages = library["pages"]
    assert all(page.full_url in listed for page in pages["open"] + pages["sales"])
    assert not any(page.full_url in listed for page in pages["gold"])

    more_gold = [
        publish_page(library["section"], SectionPage, title=f"More gold {number}", audience_tiers=[library["gold"]])
        for number in range(10)
    ]
    statements_after, listed = sitemap()
    assert not any(page.full_url in listed for page in more_gold)
    assert statements_after == statements


def test_a_process_keeps_the_distinct_audiences_not_the_gated_pages(library):
    groups = audience_groups()

    assert len(groups) == 2  # 37 gated pages: the Gold tier's audience and the sales role's
    assert sorted(sorted(group.depths) for group in groups) == [[3, 4], [4]]

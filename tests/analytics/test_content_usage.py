"""Content usage: downloads per asset and per tier from the activity table,
and the searches that found nothing from the search log, over a date range;
a CAM reads only their portfolio's activity, channel ops every partner's."""

import datetime
import io

import openpyxl
import pytest
import time_machine
from django.contrib.auth.models import Permission

from analytics.exports import content_table
from analytics.models import ActivityEvent, ActivityKind
from analytics.program import ProgramFilters
from analytics.selectors import downloads_by_asset, downloads_by_tier, zero_result_queries
from content.models import LibraryPage
from search.models import SearchQueryLog, normalize_query
from tests.factories import OrganizationFactory, PartnerUserFactory, TierFactory, UserFactory
from tests.factories.content import asset_type, publish_asset, publish_page

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


@pytest.fixture(autouse=True)
def march():
    with time_machine.travel(datetime.datetime(2026, 3, 20, 12, tzinfo=UTC), tick=False):
        yield


def on(day: int, month: int = 3) -> datetime.datetime:
    return datetime.datetime(2026, month, day, 10, tzinfo=UTC)


@pytest.fixture
def cam():
    return UserFactory(username="casey", groups=["Channel account managers"])


@pytest.fixture
def channel_ops():
    user = UserFactory()
    user.user_permissions.add(
        Permission.objects.get(codename="access_admin"), Permission.objects.get(codename="view_all_partner_records")
    )
    return user


@pytest.fixture
def usage(cam, home_page):
    """Casey manages Alpha (Gold) and Beta (Silver); Gamma (no tier) is another CAM's.

    Downloads: Alpha's Ann the price list twice and Bob once; Beta's Cat the
    price list and the pitch deck once each; Gamma's Dan the pitch deck once.
    Before the range: Ann's price list in February (ignored); a sign-in is no download.
    Searches with no result: "helix warranty" by Alpha and Beta, "rebate form"
    by Gamma; "aurora" found something; Alpha's February "helix warranty" is before the range."""
    silver = TierFactory(name="Silver")
    alpha = OrganizationFactory(name="Alpha", tier=TierFactory(name="Gold"), channel_account_manager=cam)
    beta = OrganizationFactory(name="Beta", tier=silver, channel_account_manager=cam)
    gamma = OrganizationFactory(name="Gamma", channel_account_manager=UserFactory())
    ann, bob = PartnerUserFactory(organization=alpha), PartnerUserFactory(organization=alpha)
    cat, dan = PartnerUserFactory(organization=beta), PartnerUserFactory(organization=gamma)
    library = publish_page(home_page, LibraryPage, title="Library")
    price_list = publish_asset(library, "Storage price list")
    pitch_deck = publish_asset(library, "Backup pitch deck", asset_type=asset_type("pitch-deck"))
    for organization, user, asset, at in (
        (alpha, ann, price_list, on(3)),
        (alpha, ann, price_list, on(4)),
        (alpha, bob, price_list, on(5)),
        (beta, cat, price_list, on(6)),
        (beta, cat, pitch_deck, on(7)),
        (gamma, dan, pitch_deck, on(8)),
        (alpha, ann, price_list, on(20, month=2)),
    ):
        ActivityEvent.objects.create(
            organization=organization, user=user, kind=ActivityKind.DOWNLOAD, object_id=asset.pk, at=at
        )
    ActivityEvent.objects.create(organization=alpha, user=ann, kind=ActivityKind.LOGIN, at=on(3))
    for organization, query, results, at in (
        (alpha, "Helix warranty", 0, on(3)),
        (beta, "helix  WARRANTY", 0, on(9)),
        (gamma, "rebate form", 0, on(4)),
        (alpha, "aurora", 5, on(5)),
        (alpha, "helix warranty", 0, on(1, month=2)),
        (gamma, "=HYPERLINK(1)", 0, on(4)),
    ):
        SearchQueryLog.objects.create(
            organization=organization,
            query=query,
            normalized_query=normalize_query(query),
            results=results,
            created_at=at,
        )
    return {"silver": silver}


def march_filters(**query):
    return ProgramFilters.from_query(
        {"start": "2026-03-01", "end": "2026-03-15", **query}, today=datetime.date(2026, 3, 20)
    )


def test_a_cam_reads_downloads_and_empty_searches_of_their_portfolio_only(usage, cam):
    assets = [
        (row.title, row.asset_type, row.downloads, row.partners, row.people)
        for row in downloads_by_asset(march_filters(), user=cam)
    ]
    tiers = [(row["name"], row["downloads"], row["partners"]) for row in downloads_by_tier(march_filters(), user=cam)]
    empty = zero_result_queries(march_filters(), user=cam)
    searches = [(row["query"], row["searches"], row["partners"]) for row in empty]

    assert assets == [("Storage price list", "Price list", 4, 2, 3), ("Backup pitch deck", "Pitch deck", 1, 1, 1)]
    assert tiers == [("Gold", 3, 1), ("Silver", 2, 1)]
    assert searches == [("helix warranty", 2, 2)]


def test_channel_ops_read_every_partners_content_usage(usage, channel_ops):
    assets = [(row.title, row.downloads, row.partners) for row in downloads_by_asset(march_filters(), user=channel_ops)]
    tiers = [(row["name"], row["downloads"]) for row in downloads_by_tier(march_filters(), user=channel_ops)]
    searches = [(row["query"], row["searches"]) for row in zero_result_queries(march_filters(), user=channel_ops)]

    assert assets == [("Storage price list", 4, 2), ("Backup pitch deck", 2, 2)]
    assert tiers == [("Gold", 3), ("Silver", 2), ("No tier", 1)]
    assert searches == [("helix warranty", 2), ("=hyperlink(1)", 1), ("rebate form", 1)]


def test_the_date_range_and_tier_filter_narrow_the_figures(usage, cam):
    early = march_filters(end="2026-03-05")
    assert [(row.title, row.downloads) for row in downloads_by_asset(early, user=cam)] == [("Storage price list", 3)]
    assert [(row["query"], row["searches"]) for row in zero_result_queries(early, user=cam)] == [("helix warranty", 1)]

    silver = march_filters(tier=str(usage["silver"].pk))
    assert [(row.title, row.downloads) for row in downloads_by_asset(silver, user=cam)] == [
        ("Storage price list", 1),
        ("Backup pitch deck", 1),
    ]


def test_a_cam_reads_the_report_and_downloads_its_tables(client, usage, cam):
    cam.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(cam)

    html = client.get("/admin/analytics/content/?start=2026-03-01&end=2026-03-15").content.decode()
    csv = client.get("/admin/analytics/content/?start=2026-03-01&end=2026-03-15&export=searches&format=csv")
    xlsx = client.get("/admin/analytics/content/?start=2026-03-01&end=2026-03-15&export=assets&format=xlsx")

    assert "<td>Storage price list</td><td>Price list</td><td>4</td><td>2</td><td>3</td>" in html
    assert "<td>helix warranty</td><td>2</td><td>2</td>" in html and "rebate form" not in html
    assert "start=2026-03-01&amp;end=2026-03-15&amp;export=tiers&amp;format=xlsx" in html
    assert csv.content.decode().splitlines() == [
        "Query,Searches,Partners,Last searched",
        "helix warranty,2,2,2026-03-09 10:00:00+00:00",
    ]
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)))
    assert workbook.sheetnames == ["Downloads per asset"]
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows == [
        ("Asset", "Type", "Downloads", "Partners", "People"),
        ("Storage price list", "Price list", 4, 2, 3),
        ("Backup pitch deck", "Pitch deck", 1, 1, 1),
    ]


def test_a_search_typed_as_a_formula_is_exported_as_text(client, usage, channel_ops):
    client.force_login(channel_ops)

    csv = client.get("/admin/analytics/content/?start=2026-03-01&end=2026-03-15&export=searches")

    assert "'=hyperlink(1),1,1," in csv.content.decode()


def test_staff_without_a_portfolio_do_not_read_content_usage(client, usage, vendor_staff):
    client.force_login(vendor_staff)

    assert client.get("/admin/analytics/content/").status_code in (302, 403)
    assert content_table("nothing", march_filters(), user=vendor_staff) is None

"""The owner's dashboard reads a bounded number of queries: every panel
scopes its reads to the partner, the organizations a user may see, the
active locale and the program settings are looked up once per reading
request (``programs.request_memo``), and no panel reads once per record."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from content.models import AnnouncementPage, LibraryPage, SectionPage
from deals.models import DealRegistration
from programs.models import PartnerOrganization
from programs.request_memo import remembered_for_request
from programs.tenancy import scoped
from tests.factories import OrganizationFactory, PartnerUserFactory, TierFactory, UserFactory
from tests.factories.content import publish_asset, publish_page
from tests.factories.deals import register_deal
from tests.factories.incentives import incentive_program
from tests.factories.mdf import allocated, submit_request
from tests.factories.support import open_case
from tests.factories.training import publish_course, publish_path

pytestmark = pytest.mark.django_db

#: 51 before the organizations were remembered per request (seven panels
#: scope a read), 44 before the locales, the program settings, the
#: permissions and the learning paths' courses were read once per request;
#: the scorecard card's deal figures are two grouped reads (cheaper to build than one);
#: 35 before what channel ops configure (site, branding, locales, navigation,
#: audience rules, menu sections, dashboard layout, rules in force, targets,
#: program settings) was kept by the process until it changes; 24 before the
#: person's certifications came with the membership; 23 before the user's
#: permissions came with the user (portal.permissions); 22 before the user and
#: the membership were kept by the process until changed (programs.access_reads)
OWNER_DASHBOARD_QUERIES = 20


def test_the_owner_dashboard_stays_within_its_query_budget(client):
    owner = PartnerUserFactory(organization=OrganizationFactory(tier=TierFactory(name="Gold")), roles=["owner"])
    client.force_login(owner)
    # Sessions, sites and settings caches warm, as on every later visit (the
    # first visit also creates the site's branding row: a configuration change,
    # after which the configuration is read once more).
    client.get("/dashboard/")
    client.get("/dashboard/")

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/dashboard/")

    assert response.status_code == 200 and '<section class="card scorecard-panel">' in response.content.decode()
    assert len(queries.captured_queries) <= OWNER_DASHBOARD_QUERIES, "\n".join(
        query["sql"][:160] for query in queries.captured_queries
    )


def _add_records(home_page, library, organization, owner, count: int, start: int) -> None:
    """``count`` more of every record a dashboard panel or the shell lists or
    counts: deals, assets, news, menu sections, learning paths of two
    courses, open SPIFFs, support cases and MDF requests."""
    today = timezone.localdate()
    for number in range(start, start + count):
        register_deal(organization, owner, company_name=f"Customer {number} GmbH")
        publish_asset(library, title=f"Battle card {number}")
        publish_page(home_page, AnnouncementPage, title=f"News {number}", date=today)
        publish_page(home_page, SectionPage, title=f"Section {number}", show_in_menus=True)
        courses = [publish_course(home_page, title=f"Course {number}.{step}") for step in (1, 2)]
        publish_path(home_page, title=f"Path {number}", courses=courses)
        incentive_program(
            "spiff",
            name=f"SPIFF {number}",
            starts_on=today - datetime.timedelta(days=1),
            ends_on=today + datetime.timedelta(days=30),
            bonus_per_deal="100",
        )
        open_case(organization, owner, subject=f"Case {number}")
        submit_request(organization, submitted_by=owner, title=f"Event {number}")


def _dashboard_queries(client) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/dashboard/")
    assert response.status_code == 200
    return len(queries.captured_queries), response.content.decode()


def test_the_dashboard_reads_as_many_queries_for_30_records_of_each_kind_as_for_3(client, home_page):
    organization = OrganizationFactory(tier=TierFactory(name="Gold"))
    owner = PartnerUserFactory(organization=organization, roles=["owner"])
    library = publish_page(home_page, LibraryPage, title="Library")
    allocated(organization, amount="100000.00")
    _add_records(home_page, library, organization, owner, count=3, start=1)
    client.force_login(owner)
    client.get("/dashboard/")
    few, page = _dashboard_queries(client)
    assert "Battle card 3" in page and "Path 1" in page and "Section 3" in page

    _add_records(home_page, library, organization, owner, count=27, start=4)
    many, page = _dashboard_queries(client)

    assert "Battle card 30" in page and "Section 30" in page
    assert many == few


def test_a_portfolio_is_remembered_within_a_reading_request_only():
    cam = UserFactory()
    first = OrganizationFactory(channel_account_manager=cam)
    deals = DealRegistration.objects.all()
    list(scoped(deals, cam))  # the user's permissions and partner context, cached on the user

    with remembered_for_request(), CaptureQueriesContext(connection) as reads:
        for _ in range(3):
            list(scoped(deals, cam))
    # One lookup of the portfolio, then one read of deals per call.
    assert len(reads.captured_queries) == 4

    second = OrganizationFactory(channel_account_manager=cam)
    # Outside a reading request (a write, a task) the CAM's new partner is seen at once.
    visible = scoped(PartnerOrganization.objects.all(), cam, organization_field="")
    assert set(visible.values_list("pk", flat=True)) == {first.pk, second.pk}

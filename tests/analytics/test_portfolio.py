"""The CAM portfolio on the admin home: exactly the CAM's partners, ranked by
attention, with the right alerts linking to the action (frozen time)."""

import datetime
import re
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import Group, Permission

from analytics.models import ActivityDay, PortfolioSettings
from analytics.portfolio import portfolio_attention
from analytics.services import deal_rollup_refresh
from deals.models import DealStatus
from mdf.models import FundRequest, RequestStatus
from programs.models import OrganizationStatus, PersonCertification
from tests.factories import OrganizationFactory, PartnerUserFactory, TierFactory, UserFactory
from tests.factories.deals import DealRegistrationFactory
from tests.factories.mdf import allocated, auto_approve_all, submit_request
from tests.factories.programs import CertificationFactory

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
NOW = datetime.datetime(2026, 6, 15, 12, tzinfo=UTC)
LONG_AGO = datetime.datetime(2025, 1, 1, tzinfo=UTC)


@pytest.fixture(autouse=True)
def mid_june():
    with time_machine.travel(NOW, tick=False):
        yield


def cam_user(username):
    user = UserFactory(username=username, first_name="Casey", last_name=username.title())
    user.groups.add(Group.objects.get(name="Channel account managers"))
    return user


def deal(organization, *, status, value="1000", **fields):
    return DealRegistrationFactory(
        organization=organization,
        estimated_value=Decimal(value),
        currency="USD",
        expected_close_date=datetime.date(2026, 9, 30),
        status=status,
        **fields,
    )


def active_yesterday(organization):
    ActivityDay.objects.create(
        day=datetime.date(2026, 6, 14), organization=organization, user=PartnerUserFactory(organization=organization)
    )


@pytest.fixture
def portfolio():
    auto_approve_all()
    cam, other_cam = cam_user("mine"), cam_user("other")

    def partner(name, **fields):
        return OrganizationFactory(name=name, channel_account_manager=cam, created_at=LONG_AGO, **fields)

    # Alpha: two registrations waiting, a protection ending in 5 days, no activity for months.
    alpha = partner("Alpha")
    deal(alpha, status=DealStatus.SUBMITTED)
    deal(alpha, status=DealStatus.UNDER_REVIEW)
    deal(alpha, status=DealStatus.APPROVED, protected_until=NOW + datetime.timedelta(days=5))
    # Beta: a certification ending in 10 days, an approved MDF activity to claim within 7 days.
    beta = partner("Beta")
    active_yesterday(beta)
    PersonCertification.objects.create(
        organization=beta,
        user=PartnerUserFactory(organization=beta),
        certification=CertificationFactory(),
        earned_at=LONG_AGO,
        expires_at=NOW + datetime.timedelta(days=10),
    )
    allocated(beta)
    fund_request = submit_request(beta)
    assert fund_request.status == RequestStatus.APPROVED
    FundRequest.objects.filter(pk=fund_request.pk).update(claim_deadline=datetime.date(2026, 6, 22))
    # Charlie: onboarding for 60 days.
    charlie = partner("Charlie", status=OrganizationStatus.ONBOARDING)
    charlie.created_at = NOW - datetime.timedelta(days=60)
    charlie.save(update_fields=["created_at"])
    # Delta: Gold needs 100,000 won; 50,000 won this year (50 % < 80 %).
    delta = partner("Delta", tier=TierFactory(name="Gold", min_won_revenue=Decimal("100000")))
    active_yesterday(delta)
    deal(delta, status=DealStatus.WON, final_amount=Decimal("50000"), closed_on=datetime.date(2026, 3, 1))
    # Echo: active, nothing to do.
    echo = partner("Echo")
    active_yesterday(echo)
    # Another CAM's partner with a registration waiting.
    xray = OrganizationFactory(name="Xray", channel_account_manager=other_cam, created_at=LONG_AGO)
    active_yesterday(xray)
    deal(xray, status=DealStatus.SUBMITTED)
    deal_rollup_refresh()  # as the worker leaves it once the deals are committed
    return {"cam": cam, "other_cam": other_cam, "alpha": alpha, "beta": beta, "xray": xray}


def summary(rows):
    return [(row.organization.name, row.score, sorted(alert.kind for alert in row.alerts)) for row in rows]


def test_the_cam_sees_exactly_their_partners_ranked_by_attention(portfolio):
    rows = portfolio_attention(user=portfolio["cam"])

    assert summary(rows) == [
        ("Alpha", 12, ["inactive", "protections", "registrations"]),
        ("Beta", 5, ["certifications", "mdf"]),
        ("Delta", 5, ["tier"]),
        ("Charlie", 4, ["onboarding"]),
        ("Echo", 0, []),
    ]


def test_thresholds_and_weights_come_from_the_admin_settings(portfolio):
    config = PortfolioSettings.load()
    config.protection_expiry_days = 3
    config.weight_tier = 20
    config.save()

    rows = portfolio_attention(user=portfolio["cam"], only_alerts=True)

    assert summary(rows)[:2] == [("Delta", 20, ["tier"]), ("Alpha", 9, ["inactive", "registrations"])]
    assert "Echo" not in [name for name, _score, _kinds in summary(rows)]


def test_the_admin_home_shows_the_cams_alerts_linking_to_the_action(client, portfolio):
    client.force_login(portfolio["cam"])

    html = client.get("/admin/").content.decode()

    panel = re.search(r'id="partner-portfolio-section".*?</table>', html, re.S).group(0)
    assert re.findall(r">(Alpha|Beta|Charlie|Delta|Echo|Xray)</a>", panel) == [
        "Alpha",
        "Beta",
        "Delta",
        "Charlie",
    ]
    alpha = portfolio["alpha"].pk
    assert (
        f'<a href="/admin/deals/registrations/?organization={alpha}&amp;status=submitted">2 registrations waiting</a>'
        in panel
    )
    beta_requests = f"/admin/snippets/mdf/fundrequest/?organization={portfolio['beta'].pk}&amp;status=approved"
    assert f'<a href="{beta_requests}">1 MDF activity to claim soon</a>' in panel
    assert "No portal activity for 30 days" in panel
    assert "Xray" not in html


def test_channel_ops_see_every_partner_and_filter_by_cam(client, portfolio):
    channel_ops = UserFactory()
    channel_ops.user_permissions.add(
        Permission.objects.get(codename="access_admin"), Permission.objects.get(codename="view_all_partner_records")
    )
    client.force_login(channel_ops)

    everyone = client.get("/admin/analytics/portfolio/").content.decode()
    filtered = client.get(f"/admin/analytics/portfolio/?cam={portfolio['other_cam'].pk}").content.decode()

    assert "Xray" in everyone and "Alpha" in everyone
    assert "Xray" in filtered and "Alpha" not in filtered


def test_staff_without_a_portfolio_get_no_panel_nor_page(client, vendor_staff):
    client.force_login(vendor_staff)

    assert 'id="partner-portfolio-section"' not in client.get("/admin/").content.decode()
    assert client.get("/admin/analytics/portfolio/").status_code in (302, 403)


def test_channel_ops_page_through_the_whole_ranking(client, portfolio, monkeypatch):
    monkeypatch.setattr("analytics.admin_views.PORTFOLIO_PAGE_SIZE", 2)
    channel_ops = UserFactory()
    channel_ops.user_permissions.add(
        Permission.objects.get(codename="access_admin"), Permission.objects.get(codename="view_all_partner_records")
    )
    client.force_login(channel_ops)

    pages = [client.get(f"/admin/analytics/portfolio/?p={number}").content.decode() for number in (1, 2, 3)]

    names = [re.findall(r">(Alpha|Beta|Charlie|Delta|Echo|Xray)</a>", page) for page in pages]
    # The ranking of every partner, two a page: Alpha 12; Beta, Delta and Xray 5 (by name); Charlie 4; Echo 0.
    assert names == [["Alpha", "Beta"], ["Delta", "Xray"], ["Charlie", "Echo"]]
    assert [name for page in names for name in page] == [
        row.organization.name for row in portfolio_attention(user=channel_ops)
    ]
    assert "Page 2 of 3" in pages[1]
    assert "2 registrations waiting" in pages[0] and "Tier at risk" in pages[1]
    # A page past the end shows the last one.
    assert re.findall(r">(Charlie|Echo)</a>", client.get("/admin/analytics/portfolio/?p=9").content.decode()) == [
        "Charlie",
        "Echo",
    ]

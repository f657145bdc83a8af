"""Program analytics: portal-health figures on a constructed activity history
equal hand-computed values; the page, its filters in the URL and the CSV."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from django.contrib.auth.models import Group, Permission

from analytics.models import ActivityDay
from analytics.program import (
    ProgramFilters,
    median_days_to_first_action,
    median_days_to_first_deal,
    pipeline_and_revenue,
    portal_health,
    registration_funnel,
)
from analytics.selectors import mdf_by_activity_type
from analytics.services import deal_rollup_refresh
from deals.models import DealStatus
from mdf.services.claims import activity_leads_import, activity_link_deal
from programs.formats import money
from tests.factories import OrganizationFactory, PartnerUserFactory, UserFactory
from tests.factories.deals import DealRegistrationFactory
from tests.factories.mdf import ActivityTypeFactory, MdfProgramFactory, allocated, auto_approve_all, submit_request
from tests.factories.programs import PartnerTypeFactory, RegionFactory
from tests.mdf.test_roi import deal as roi_deal
from tests.mdf.test_roi import paid_request

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


@pytest.fixture(autouse=True)
def march():
    with time_machine.travel(datetime.datetime(2026, 3, 20, 12, tzinfo=UTC), tick=False):
        yield


def moment(day: int) -> datetime.datetime:
    return datetime.datetime(2026, 3, day, 10, tzinfo=UTC)


def registration(organization, day):
    deal(organization, submitted=day, value="1000", status=DealStatus.SUBMITTED)


@pytest.fixture
def history():
    apac = RegionFactory(code="apac")
    alpha, beta = OrganizationFactory(name="Alpha"), OrganizationFactory(name="Beta", region=apac)
    ann, bob = PartnerUserFactory(organization=alpha), PartnerUserFactory(organization=alpha)
    cat = PartnerUserFactory(organization=beta)
    for user, organization, day in ((ann, alpha, 2), (ann, alpha, 4), (cat, beta, 3), (bob, alpha, 10)):
        ActivityDay.objects.create(day=datetime.date(2026, 3, day), organization=organization, user=user, events=1)
    for organization, day in ((alpha, 3), (beta, 5), (alpha, 6)):
        registration(organization, day)
    # New partners: 2, 10 and 4 days to their first action (median 4); one has not acted.
    for created, acted in ((2, 4), (3, 13), (5, 9), (6, None)):
        OrganizationFactory(created_at=moment(created), first_action_at=moment(acted) if acted else None)
    return {"apac": apac}


@pytest.fixture
def channel_ops():
    """Vendor staff who see every partner's records."""
    user = UserFactory()
    user.user_permissions.add(
        Permission.objects.get(codename="access_admin"), Permission.objects.get(codename="view_all_partner_records")
    )
    return user


def filters(**query):
    return ProgramFilters.from_query(
        {"start": "2026-03-02", "end": "2026-03-15", **query}, today=datetime.date(2026, 3, 20)
    )


def test_weekly_portal_health_equals_the_hand_computed_figures(history):
    weeks = portal_health(filters())

    assert [
        (week.start, week.active_accounts, week.accounts, week.active_percent, week.registrations_per_active_partner)
        for week in weeks
    ] == [
        (datetime.date(2026, 3, 2), 2, 3, Decimal("66.7"), Decimal("1.50")),
        (datetime.date(2026, 3, 9), 1, 3, Decimal("33.3"), Decimal("0.00")),
    ]
    assert median_days_to_first_action(filters()) == Decimal("4.0")


def test_filters_narrow_every_figure_to_the_selected_partners(history):
    weeks = portal_health(filters(region=str(history["apac"].pk)))

    assert [(week.active_accounts, week.accounts, week.registrations) for week in weeks] == [(1, 1, 1), (0, 1, 0)]


def test_channel_ops_read_the_page_with_its_chart_and_download_the_csv(client, channel_ops, history):
    client.force_login(channel_ops)

    html = client.get("/admin/analytics/program/?start=2026-03-02&end=2026-03-15").content.decode()
    csv = client.get("/admin/analytics/program/?start=2026-03-02&end=2026-03-15&export=csv")

    assert "<svg" in html and "Weekly active partner accounts (%)" in html
    assert "Median time to first action of new partners: 4.0 days (target: under 7)." in html
    assert csv["Content-Type"] == "text/csv; charset=utf-8"
    assert csv.content.decode().splitlines()[1:] == ["2026-03-02,2,3,66.7,3,2,1.50", "2026-03-09,1,3,33.3,0,1,0.00"]


def test_a_cam_does_not_read_program_analytics(client):
    cam = UserFactory()
    cam.groups.add(Group.objects.get(name="Channel account managers"))
    client.force_login(cam)

    assert client.get("/admin/analytics/program/").status_code in (302, 403)


def deal(organization, *, submitted, value, status, approved=None, closed=None, won=None, month=3):
    """A registration submitted on day ``submitted`` of March (``month``),
    approved ``approved``, and the deal rollup as the worker leaves it."""
    DealRegistrationFactory(
        organization=organization,
        estimated_value=Decimal(value),
        currency="USD",
        expected_close_date=datetime.date(2026, 6, 30),
        status=status,
        submitted_at=datetime.datetime(2026, month, submitted, 10, tzinfo=UTC),
        approved_at=moment(approved) if approved else None,
        closed_on=datetime.date(2026, 3, closed) if closed else None,
        final_amount=Decimal(won) if won else None,
    )
    deal_rollup_refresh()


@pytest.fixture
def registrations():
    """Alpha (MSP, EMEA): approved after 1 day and won 5,000; approved after 4
    days, open. Beta (reseller, APAC): rejected; approved after 7 days, lost."""
    apac = RegionFactory(code="apac")
    alpha = OrganizationFactory(name="Alpha", partner_type=PartnerTypeFactory(code="msp"))
    beta = OrganizationFactory(name="Beta", region=apac)
    deal(alpha, submitted=2, value="4000", status=DealStatus.WON, approved=3, closed=10, won="5000")
    deal(alpha, submitted=4, value="2000", status=DealStatus.APPROVED, approved=8)
    deal(beta, submitted=5, value="3000", status=DealStatus.REJECTED)
    deal(beta, submitted=6, value="1000", status=DealStatus.LOST, approved=13, closed=14)
    # Submitted before the range: counts for nothing (not even its approval in the range).
    deal(alpha, submitted=20, month=2, value="9000", status=DealStatus.APPROVED, approved=3)
    return {"apac": apac}


def test_registration_conversion_and_median_approval_time_equal_the_hand_computed_figures(registrations):
    funnel = registration_funnel(filters())

    assert (funnel.submitted, funnel.approved, funnel.won) == (4, 3, 1)
    assert (funnel.approved_percent, funnel.won_percent) == (Decimal("75.0"), Decimal("25.0"))
    # 1, 4 and 7 days from submission to approval.
    assert funnel.median_approval_days == Decimal("4.0")

    apac = registration_funnel(filters(region=str(registrations["apac"].pk)))
    assert (apac.submitted, apac.approved, apac.won, apac.median_approval_days) == (2, 1, 0, Decimal("7.0"))


def test_pipeline_and_revenue_break_down_by_partner_type_and_region(registrations):
    def table(by):
        return [
            (row["name"], row["partners"], row["pipeline"], row["won"])
            for row in pipeline_and_revenue(filters(), by=by)
        ]

    # Pipeline: registrations submitted in the range, rejected ones excluded; won: closed in the range.
    assert table("type") == [("Msp", 1, Decimal("6000"), Decimal("5000")), ("Reseller", 1, Decimal("1000"), 0)]
    assert table("region") == [("EMEA", 1, Decimal("6000"), Decimal("5000")), ("APAC", 1, Decimal("1000"), 0)]
    assert table("tier") == [("No tier", 2, Decimal("7000"), Decimal("5000"))]


def test_channel_ops_read_conversion_and_the_breakdowns_on_the_page(client, channel_ops, registrations):
    client.force_login(channel_ops)

    html = client.get("/admin/analytics/program/?start=2026-03-02&end=2026-03-15").content.decode()

    assert "<td>4</td><td>3 (75.0 %)</td><td>1 (25.0 %)</td><td>4.0</td>" in html
    assert "Pipeline and revenue by partner type" in html and "<td>Msp</td><td>1</td>" in html
    assert "Pipeline and revenue by region" in html and "<td>APAC</td><td>1</td>" in html


def test_time_to_first_deal_equals_the_hand_computed_median(client, channel_ops):
    # New partners: first deals 3 and 10 days after creation (median 6.5); one has none yet.
    quick = OrganizationFactory(created_at=moment(2))
    deal(quick, submitted=9, value="1000", status=DealStatus.SUBMITTED)
    deal(quick, submitted=5, value="1000", status=DealStatus.SUBMITTED)
    slow = OrganizationFactory(created_at=moment(3))
    deal(slow, submitted=13, value="1000", status=DealStatus.SUBMITTED)
    OrganizationFactory(created_at=moment(4))
    # Created before the range: not a new partner.
    veteran = OrganizationFactory(created_at=datetime.datetime(2026, 2, 1, tzinfo=UTC))
    deal(veteran, submitted=6, value="1000", status=DealStatus.SUBMITTED)

    assert median_days_to_first_deal(filters()) == Decimal("6.5")

    client.force_login(channel_ops)
    html = client.get("/admin/analytics/program/?start=2026-03-02&end=2026-03-15").content.decode()
    assert "Median time to first deal of new partners: 6.5 days." in html


def test_each_breakdown_downloads_as_csv_with_its_currency(client, channel_ops, registrations):
    client.force_login(channel_ops)

    response = client.get("/admin/analytics/program/?start=2026-03-02&end=2026-03-15&export=region")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="pipeline-by-region.csv"' in response["Content-Disposition"]
    header, *rows = [line.split(",") for line in response.content.decode().splitlines()]
    assert header == ["Region", "Partners", "Pipeline registered (USD)", "Won revenue (USD)"]
    assert [(name, partners, Decimal(pipeline), Decimal(won)) for name, partners, pipeline, won in rows] == [
        ("EMEA", "1", Decimal("6000"), Decimal("5000")),
        ("APAC", "1", Decimal("1000"), Decimal("0")),
    ]
    html = client.get("/admin/analytics/program/?start=2026-03-02&end=2026-03-15").content.decode()
    assert "start=2026-03-02&amp;end=2026-03-15&amp;export=region" in html


@pytest.fixture
def mdf_activities():
    """Activities starting 25 March (the factories' default, five days after
    "today"), unless said otherwise.

    Alpha's webinar (USD): 2,000 committed and paid; a won lead conversion
    (estimated 25,000, won 30,000) and an open linked registration (10,000).
    Beta's event (USD): 3,000 committed, 1,500 approved and paid (1,500
    released); a won registration of 6,000. Gamma's webinar (EUR): 1,000
    committed, not claimed; an open linked registration of 4,000 EUR.
    Alpha's May webinar starts after the range and counts for nothing."""
    auto_approve_all()
    alpha, beta = OrganizationFactory(name="Alpha"), OrganizationFactory(name="Beta")
    gamma = OrganizationFactory(name="Gamma")
    allocated(alpha, "20000")
    allocated(beta, "20000")
    allocated(gamma, "20000", program=MdfProgramFactory(currency="EUR"))
    webinar, event = ActivityTypeFactory(code="webinar"), ActivityTypeFactory(code="event")

    alpha_webinar = paid_request(alpha, webinar, requested="2000", approved="2000")
    activity_leads_import(request=alpha_webinar, actor=None, data=b"company_name,country\nInitech,US\n")
    roi_deal(alpha, value="25000", status=DealStatus.WON, won="30000", lead=alpha_webinar.activity_leads.get().lead)
    activity_link_deal(request=alpha_webinar, deal=roi_deal(alpha, value="10000"), actor=None)

    beta_event = paid_request(beta, event, requested="3000", approved="1500")
    activity_link_deal(
        request=beta_event, deal=roi_deal(beta, value="6000", status=DealStatus.WON, won="6000"), actor=None
    )

    gamma_webinar = submit_request(gamma, activity_type=webinar, requested_amount=Decimal("1000"))
    activity_link_deal(request=gamma_webinar, deal=roi_deal(gamma, value="4000", currency="EUR"), actor=None)

    may_webinar = submit_request(
        alpha,
        activity_type=webinar,
        requested_amount=Decimal("500"),
        starts_on=datetime.date(2026, 5, 5),
        ends_on=datetime.date(2026, 5, 6),
    )
    activity_link_deal(request=may_webinar, deal=roi_deal(alpha, value="7000"), actor=None)


def spring(**query):
    return filters(start="2026-03-16", end="2026-04-30", **query)


def test_mdf_against_pipeline_by_activity_type_per_currency(mdf_activities):
    rows = [
        (row.label, row.currency, row.approved, row.paid, row.registrations, row.pipeline, row.won_revenue)
        for row in mdf_by_activity_type(spring())
    ]

    # Webinars in two currencies stay two rows: never 3,000 "committed" of mixed money.
    assert rows == [
        ("Webinar", "USD", Decimal("2000.00"), Decimal("2000.00"), 2, Decimal("35000.00"), Decimal("30000.00")),
        ("Event", "USD", Decimal("1500.00"), Decimal("1500.00"), 1, Decimal("6000.00"), Decimal("6000.00")),
        ("Webinar", "EUR", Decimal("1000.00"), Decimal("0"), 1, Decimal("4000.00"), Decimal("0")),
    ]
    # Won revenue per MDF dollar paid: 30,000 / 2,000 and 6,000 / 1,500; nothing paid yet in EUR.
    assert [row.won_per_dollar for row in mdf_by_activity_type(spring())] == [Decimal("15.00"), Decimal("4.00"), None]


def test_channel_ops_read_mdf_by_activity_type_on_the_page(client, channel_ops, mdf_activities):
    client.force_login(channel_ops)

    html = client.get("/admin/analytics/program/?start=2026-03-16&end=2026-04-30").content.decode()

    assert "MDF and pipeline by activity type" in html
    webinar_usd = (
        "".join(f"<td>{money(Decimal(amount), 'USD')}</td>" for amount in ("2000", "2000"))
        + f"<td>2</td><td>{money(Decimal('35000'), 'USD')}</td><td>{money(Decimal('30000'), 'USD')}</td><td>15.00</td>"
    )
    assert f"<td>Webinar</td>{webinar_usd}" in html
    assert f"<td>Webinar</td><td>{money(Decimal('1000'), 'EUR')}</td>" in html


def test_the_mdf_table_downloads_as_xlsx_with_a_currency_per_row(client, channel_ops, mdf_activities):
    client.force_login(channel_ops)

    response = client.get("/admin/analytics/program/?start=2026-03-16&end=2026-04-30&export=mdf&format=xlsx")

    assert response["Content-Type"] == XLSX
    assert 'filename="mdf-by-activity-type.xlsx"' in response["Content-Disposition"]
    header, *rows = workbook_rows(response)
    assert header[:3] == ("Activity type", "Currency", "MDF committed")
    assert [(row[0], row[1], row[2], row[4], row[6], row[7]) for row in rows] == [
        ("Webinar", "USD", 2000, 2000, 35000, 30000),
        ("Event", "USD", 1500, 1500, 6000, 6000),
        ("Webinar", "EUR", 1000, 0, 4000, 0),
    ]


def test_the_mdf_table_writes_amounts_with_their_currency_minor_digits(client, channel_ops, mdf_activities):
    client.force_login(channel_ops)

    response = client.get("/admin/analytics/program/?start=2026-03-16&end=2026-04-30&export=mdf&format=csv")

    _header, *rows = [line.split(",") for line in response.content.decode().splitlines()]
    # Stored with three decimals; the file has cents, as the page does.
    assert [row[:8] for row in rows] == [
        ["Webinar", "USD", "2000.00", "2000.00", "2000.00", "2", "35000.00", "30000.00"],
        ["Event", "USD", "1500.00", "3000.00", "1500.00", "1", "6000.00", "6000.00"],
        ["Webinar", "EUR", "1000.00", "0.00", "0.00", "1", "4000.00", "0.00"],
    ]


def test_each_table_of_the_program_report_has_a_worksheet_named_after_it(client, channel_ops, mdf_activities):
    client.force_login(channel_ops)
    query = "/admin/analytics/program/?start=2026-03-16&end=2026-04-30&format=xlsx&export="

    names = {table: workbook(client.get(query + table)).sheetnames for table in ("weeks", "conversion", "type", "mdf")}

    assert names == {
        "weeks": ["Portal health"],
        "conversion": ["Registration conversion"],
        "type": ["Partner type"],
        # Excel's 31 characters: "MDF and pipeline by activity type" cut after a whole word.
        "mdf": ["MDF and pipeline by activity…"],
    }
    money = workbook(client.get(query + "mdf")).active["C2"]
    assert (money.data_type, money.value, money.number_format) == ("n", 2000, "#,##0.00")


def test_the_conversion_table_downloads_as_csv_with_the_filters_kept(client, channel_ops, registrations):
    client.force_login(channel_ops)
    apac = registrations["apac"].pk

    response = client.get(f"/admin/analytics/program/?start=2026-03-02&end=2026-03-15&region={apac}&export=conversion")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="registration-conversion.csv"' in response["Content-Disposition"]
    assert response.content.decode().splitlines() == [
        "Registrations submitted,Approved,Approved (%),Won,Won (%),Median days to approval",
        # Beta in APAC: two submitted, one approved after 7 days, none won.
        "2,1,50.0,0,0.0,7.0",
    ]
    html = client.get(f"/admin/analytics/program/?start=2026-03-02&end=2026-03-15&region={apac}").content.decode()
    assert f"start=2026-03-02&amp;end=2026-03-15&amp;region={apac}&amp;export=conversion&amp;format=csv" in html


def test_each_breakdown_downloads_as_xlsx_with_numbers_kept_numbers(client, channel_ops, registrations):
    client.force_login(channel_ops)

    response = client.get("/admin/analytics/program/?start=2026-03-02&end=2026-03-15&export=type&format=xlsx")

    assert 'filename="pipeline-by-type.xlsx"' in response["Content-Disposition"]
    assert workbook_rows(response) == [
        ("Partner type", "Partners", "Pipeline registered (USD)", "Won revenue (USD)"),
        ("Msp", 1, 6000, 5000),
        ("Reseller", 1, 1000, 0),
    ]
    html = client.get("/admin/analytics/program/?start=2026-03-02&end=2026-03-15").content.decode()
    assert "start=2026-03-02&amp;end=2026-03-15&amp;export=type&amp;format=xlsx" in html


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(response) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def workbook_rows(response) -> list[tuple]:
    return list(workbook(response).active.iter_rows(values_only=True))

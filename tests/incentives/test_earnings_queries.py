"""The earnings page reads the ledger in three queries, whatever its size
(bench/incentives.py --earnings-only: on the loaded server each query costs
more than the rows it reads)."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incentives import selectors
from incentives.models import LedgerLine
from incentives.services.accruals import deal_accruals_compute
from incentives.services.statements import statement_approve, statement_mark_paid, statements_generate
from tests.factories import OrganizationFactory, PartnerUserFactory, TierFactory, UserFactory
from tests.factories.incentives import incentive_program, won_deal

pytestmark = pytest.mark.django_db

#: the partner shell's own reads (session, notifications) plus the earnings
#: page's three (the user with their permissions and the membership with the
#: certifications the menu's audience needs are kept by the process until a
#: change to them is recorded, programs.access_reads; languages, navigation,
#: site, audience rules, menu sections and branding are configuration the
#: process keeps until it changes); a change here is a change of the page's cost
EARNINGS_PAGE_QUERIES = 5
#: the organizations the user may see, one grouped sum (totals per currency and
#: the programs to filter by), the page of lines (one more than shown: no count)
LEDGER_QUERIES = 3


def ledger_queries(queries):
    return [q["sql"] for q in queries if "incentives_" in q["sql"] or 'FROM "programs_partnerorganization"' in q["sql"]]


def earn(partner, deals, month=3):
    for number in range(deals):
        deal = won_deal(partner, amount="1000.00", closed_on=datetime.date(2026, month, 1 + number % 28))
        deal_accruals_compute(deal_id=deal.pk)


def page_read(client, **params):
    client.get(reverse("incentives:earnings"), params)  # sessions, caches warmed
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("incentives:earnings"), params)
    assert response.status_code == 200
    return response.content.decode(), queries


@pytest.fixture
def partner():
    partner = OrganizationFactory(tier=TierFactory(name="Gold"))
    incentive_program(name="Reseller commission", tier_rates={partner.tier: "5"})
    incentive_program(
        "spiff",
        name="Spring SPIFF",
        starts_on=datetime.date(2026, 3, 1),
        ends_on=datetime.date(2026, 3, 31),
        bonus_per_deal=Decimal("50"),
        currency="USD",
    )
    return partner


def test_the_earnings_page_costs_the_same_queries_for_3_or_30_lines(client, partner):
    client.force_login(PartnerUserFactory(organization=partner, roles=["owner"]))
    earn(partner, 2)
    small_page, small = page_read(client)
    earn(partner, 24, month=4)
    [march] = statements_generate(period_end=datetime.date(2026, 3, 31))
    statement_approve(statement=march, actor=UserFactory())
    # March: 2 commissions and 2 SPIFF bonuses of $50 (approved); April: 24 commissions of $50.
    assert LedgerLine.objects.filter(organization=partner).count() == 28

    page, queries = page_read(client)

    assert len(ledger_queries(queries)) == LEDGER_QUERIES, "\n".join(ledger_queries(queries))
    assert len(queries) == len(small) == EARNINGS_PAGE_QUERIES, "\n".join(q["sql"][:200] for q in queries)
    # What the partner checks: the totals per state, the filter, the pager.
    assert "$200.00" in page and "$1,200.00" in page  # approved, accrued
    assert "Spring SPIFF" in page and "Reseller commission" in page
    assert "Older" in page and "Newer" not in page
    second, queries = page_read(client, page=2)
    assert len(queries) == EARNINGS_PAGE_QUERIES
    assert "Newer" in second and "Older" not in second


def test_each_status_filter_lists_exactly_the_lines_showing_that_status(partner):
    """The page filters on the statement's state (an index can serve it), the
    badge shows the CASE of EARNING_STATUS: both must agree on every line."""
    user = PartnerUserFactory(organization=partner, roles=["owner"])
    finance = UserFactory()
    for month in (1, 2, 3):
        earn(partner, 2, month=month)
    january, february, march = (
        statements_generate(period_end=datetime.date(2026, month, days))[0]
        for month, days in ((1, 31), (2, 28), (3, 31))
    )
    statement_approve(statement=january, actor=finance)
    statement_approve(statement=february, actor=finance)
    statement_mark_paid(
        statement=january, actor=finance, payment_reference="PAY-1", payment_date=datetime.date(2026, 4, 2)
    )  # march stays a draft: its lines are still accrued
    earn(partner, 2, month=4)  # on no statement yet: accrued

    everything = selectors.line_list(user=user)
    listed = {}
    for status, _label in selectors.EarningStatus.choices():
        page = selectors.earnings_page(lines=selectors.visible_lines(user=user), status=status)
        assert {line.earning_status for line in page.object_list} == {status}
        listed[status] = {line.pk for line in page.object_list}

    assert listed == {
        status: {line.pk for line in everything if line.earning_status == status}
        for status, _label in selectors.EarningStatus.choices()
    }
    # March's draft holds two commissions and two Spring SPIFF bonuses; April's two are on no statement.
    assert [len(listed[status]) for status in ("paid", "approved", "accrued")] == [2, 2, 6]
    assert march.lines.count() == 4

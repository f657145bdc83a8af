"""ROI figures on a constructed data set equal hand-computed values."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from deals.models import DealStatus
from mdf.models import FundRequest
from mdf.roi import report_requests, roi_rows
from mdf.services.claims import activity_leads_import, activity_link_deal, claim_approve, claim_pay, claim_submit
from tests.factories import OrganizationFactory, TierFactory
from tests.factories.deals import DealRegistrationFactory
from tests.factories.mdf import ActivityTypeFactory, allocated, auto_approve_all, submit_request, upload

pytestmark = pytest.mark.django_db


def deal(organization, *, value, status=DealStatus.APPROVED, won=None, currency="USD", lead=None):
    return DealRegistrationFactory(
        organization=organization,
        estimated_value=Decimal(value),
        currency=currency,
        expected_close_date=timezone.localdate() + datetime.timedelta(days=30),
        status=status,
        final_amount=Decimal(won) if won else None,
        source_lead=lead,
    )


def paid_request(organization, activity_type, *, requested, approved):
    request = submit_request(
        organization,
        activity_type=activity_type,
        planned_cost=Decimal(requested) * 2,
        requested_amount=Decimal(requested),
    )
    claim = claim_submit(
        request=request,
        submitted_by=None,
        actual_cost=Decimal(requested) * 2,
        claimed_amount=Decimal(requested),
        proofs=[upload()],
    )
    reason = "" if Decimal(approved) == Decimal(requested) else "Partial"
    claim_approve(claim=claim, actor=None, amount=Decimal(approved), reason=reason)
    claim_pay(claim=claim, actor=None, reference="P", paid_on=timezone.localdate())
    return request


@pytest.fixture
def data_set():
    auto_approve_all()
    gold, silver = TierFactory(name="Gold"), TierFactory(name="Silver")
    alpha, beta = OrganizationFactory(name="Alpha", tier=gold), OrganizationFactory(name="Beta", tier=silver)
    allocated(alpha, "20000")
    allocated(beta, "20000")
    webinar, event = ActivityTypeFactory(code="webinar"), ActivityTypeFactory(code="event")

    # Alpha's webinar: 2,000 paid; two imported leads, one converted and won (30,000);
    # one linked registration still open (10,000 pipeline); one rejected one (ignored).
    alpha_webinar = paid_request(alpha, webinar, requested="2000", approved="2000")
    activity_leads_import(request=alpha_webinar, actor=None, data=b"company_name,country\nInitech,US\nHooli,US\n")
    lead = alpha_webinar.activity_leads.first().lead
    deal(alpha, value="25000", status=DealStatus.WON, won="30000", lead=lead)
    activity_link_deal(request=alpha_webinar, deal=deal(alpha, value="10000"), actor=None)
    activity_link_deal(request=alpha_webinar, deal=deal(alpha, value="99999", status=DealStatus.REJECTED), actor=None)
    # A deal in another currency does not count (no conversion).
    activity_link_deal(request=alpha_webinar, deal=deal(alpha, value="5000", currency="EUR"), actor=None)

    # Beta's event: 3,000 requested, 1,500 approved and paid; one won deal of 6,000.
    beta_event = paid_request(beta, event, requested="3000", approved="1500")
    activity_link_deal(request=beta_event, deal=deal(beta, value="6000", status=DealStatus.WON, won="6000"), actor=None)

    # Beta's webinar: approved (1,000) and not claimed yet, no deals.
    submit_request(beta, activity_type=webinar, requested_amount=Decimal("1000"))
    return {"alpha": alpha, "beta": beta}


def figures(row):
    return (
        row.label,
        row.approved,
        row.claimed,
        row.paid,
        row.leads,
        row.registrations,
        row.pipeline,
        row.won_revenue,
        row.won_per_dollar,
    )


def test_by_activity_type(data_set):
    rows = {row.label: figures(row) for row in roi_rows(report_requests(), dimension="activity_type")}
    assert rows["Webinar"] == (
        "Webinar",
        Decimal("3000.00"),  # 2,000 + 1,000
        Decimal("2000.00"),
        Decimal("2000.00"),
        2,
        2,  # the won lead conversion and the open linked registration
        Decimal("35000.00"),  # 25,000 + 10,000
        Decimal("30000.00"),
        Decimal("15.00"),  # 30,000 / 2,000
    )
    assert rows["Event"] == (
        "Event",
        Decimal("1500.00"),
        Decimal("3000.00"),
        Decimal("1500.00"),
        0,
        1,
        Decimal("6000.00"),
        Decimal("6000.00"),
        Decimal("4.00"),
    )


def test_by_partner_and_tier(data_set):
    by_partner = {
        row.label: (row.paid, row.won_revenue) for row in roi_rows(report_requests(), dimension="organization")
    }
    assert by_partner == {
        "Alpha": (Decimal("2000.00"), Decimal("30000.00")),
        "Beta": (Decimal("1500.00"), Decimal("6000.00")),
    }
    by_tier = {row.label: row.won_per_dollar for row in roi_rows(report_requests(), dimension="tier")}
    assert by_tier == {"Gold": Decimal("15.00"), "Silver": Decimal("4.00")}


def test_a_partner_sees_only_its_own_figures(data_set):
    rows = roi_rows(FundRequest.objects.filter(organization=data_set["beta"]), dimension="request")
    assert sorted((row.label, row.paid) for row in rows) == [
        ("Storage webinar", Decimal("0.00")),
        ("Storage webinar", Decimal("1500.00")),
    ]

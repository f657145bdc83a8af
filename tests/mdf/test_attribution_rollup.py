"""The attributed registrations per activity (``mdf.models.ActivityAttribution``)
that the ROI figures add up: after every kind of change (a registration
saved, corrected or deleted, a deal linked, moved or unlinked, a lead
deleted) each activity's row equals what its registrations give by the
report's rules, at once (in the transaction of the change); a rebuild gives
the same rows."""

from decimal import Decimal

import pytest
from django.conf import settings
from django.db.models import Q, Sum
from django.utils import timezone

from deals.models import DealRegistration, DealStatus
from mdf.models import ActivityAttribution, ActivityDeal, ActivityLead, FundRequest
from mdf.roi import roi_for_requests
from mdf.services.attribution import attribution_rebuild
from mdf.services.claims import activity_leads_import, activity_link_deal
from tests.factories import OrganizationFactory
from tests.factories.deals import DealRegistrationFactory
from tests.factories.mdf import allocated, auto_approve_all, submit_request

pytestmark = pytest.mark.django_db


def deal(organization, *, value, status=DealStatus.APPROVED, won=None, currency="USD", lead=None):
    return DealRegistrationFactory(
        organization=organization,
        estimated_value=Decimal(value),
        currency=currency,
        status=status,
        final_amount=Decimal(won) if won else None,
        closed_on=timezone.localdate() if won else None,
        source_lead=lead,
    )


def from_registrations(request: FundRequest):
    """The report's rules applied to the registrations themselves: linked to
    the activity, or converted from its lead and linked nowhere; same
    currency; not rejected."""
    linked = Q(mdf_activity__request=request)
    from_lead = Q(source_lead__mdf_activity__request=request, mdf_activity__isnull=True)
    deals = DealRegistration.objects.filter(linked | from_lead, currency=request.currency).exclude(
        status=DealStatus.REJECTED
    )
    if not deals.exists():
        return None
    won = deals.filter(status=DealStatus.WON).aggregate(total=Sum("final_amount"))["total"]
    return (deals.count(), deals.aggregate(total=Sum("estimated_value"))["total"], won)


def rows() -> dict[int, tuple]:
    return {
        row.request_id: (row.registrations, row.pipeline, row.won_revenue) for row in ActivityAttribution.objects.all()
    }


def assert_current(*requests):
    """Each activity's row is what its registrations give; a rebuild changes nothing."""
    expected = {request.pk: from_registrations(request) for request in requests}
    assert rows() == {pk: figures for pk, figures in expected.items() if figures is not None}
    before = rows()
    attribution_rebuild()
    assert rows() == before


@pytest.fixture
def activities():
    auto_approve_all()
    alpha = OrganizationFactory(name="Alpha")
    allocated(alpha, "20000")
    webinar = submit_request(alpha, title="Webinar", requested_amount=Decimal("1000"))
    fair = submit_request(alpha, title="Fair", requested_amount=Decimal("1000"))
    activity_leads_import(request=webinar, actor=None, data=b"company_name,country\nInitech,US\nHooli,US\n")
    return {"alpha": alpha, "webinar": webinar, "fair": fair, "lead": webinar.activity_leads.first().lead}


def test_links_and_lead_conversions_count_at_once(activities):
    alpha, webinar, fair = activities["alpha"], activities["webinar"], activities["fair"]
    assert rows() == {}
    deal(alpha, value="25000", lead=activities["lead"])
    assert rows() == {webinar.pk: (1, Decimal("25000.000"), None)}
    activity_link_deal(request=webinar, deal=deal(alpha, value="10000"), actor=None)
    activity_link_deal(request=fair, deal=deal(alpha, value="7000", status=DealStatus.WON, won="8000"), actor=None)
    # Neither a rejected registration nor one in another currency counts.
    activity_link_deal(request=fair, deal=deal(alpha, value="99999", status=DealStatus.REJECTED), actor=None)
    activity_link_deal(request=fair, deal=deal(alpha, value="5000", currency="EUR"), actor=None)
    assert rows() == {
        webinar.pk: (2, Decimal("35000.000"), None),
        fair.pk: (1, Decimal("7000.000"), Decimal("8000.000")),
    }
    assert_current(webinar, fair)
    # The ROI figures read the rows: the partner's own list shows them.
    figures = roi_for_requests(FundRequest.objects.filter(pk__in=[webinar.pk, fair.pk]))
    assert (figures[webinar.pk].registrations, figures[webinar.pk].pipeline) == (2, Decimal("35000.000"))
    assert (figures[fair.pk].registrations, figures[fair.pk].won_revenue) == (1, Decimal("8000.000"))


def test_every_change_recomputes_the_activities_it_touches(activities):
    alpha, webinar, fair = activities["alpha"], activities["webinar"], activities["fair"]
    converted = deal(alpha, value="25000", lead=activities["lead"])
    linked = deal(alpha, value="10000")
    activity_link_deal(request=webinar, deal=linked, actor=None)

    # Won: the won revenue follows; corrected amounts too.
    converted.status, converted.final_amount = DealStatus.WON, Decimal("30000")
    converted.closed_on = timezone.localdate()
    converted.save(update_fields=["status", "final_amount", "closed_on"])
    assert rows()[webinar.pk] == (2, Decimal("35000.000"), Decimal("30000.000"))
    linked.estimated_value = Decimal("12000")
    linked.save()
    assert_current(webinar, fair)

    # A save of other fields leaves the figures as they are.
    linked.notes = "Called the buyer"
    linked.save(update_fields=["notes"])
    assert rows()[webinar.pk] == (2, Decimal("37000.000"), Decimal("30000.000"))

    # Rejected, or moved to another currency: it stops counting.
    linked.status = DealStatus.REJECTED
    linked.save(update_fields=["status"])
    assert rows()[webinar.pk] == (1, Decimal("25000.000"), Decimal("30000.000"))
    linked.status, linked.currency = DealStatus.APPROVED, "EUR"
    linked.save(update_fields=["status", "currency"])
    assert_current(webinar, fair)

    # The converted deal linked directly to the fair leaves the webinar (a direct link wins) …
    activity_link_deal(request=fair, deal=converted, actor=None)
    assert rows() == {fair.pk: (1, Decimal("25000.000"), Decimal("30000.000"))}
    # … moved back to the webinar by a link …
    activity_link_deal(request=webinar, deal=converted, actor=None)
    assert rows() == {webinar.pk: (1, Decimal("25000.000"), Decimal("30000.000"))}
    # … and counted through its lead again once the link is gone.
    activity_link_deal(request=fair, deal=converted, actor=None)
    ActivityDeal.objects.get(deal=converted).delete()
    assert rows() == {webinar.pk: (1, Decimal("25000.000"), Decimal("30000.000"))}
    assert_current(webinar, fair)

    # The lead deleted: the deal converted from it no longer counts; a deleted deal neither.
    activity_link_deal(request=fair, deal=deal(alpha, value="4000"), actor=None)
    ActivityLead.objects.filter(lead=activities["lead"]).delete()
    assert rows() == {fair.pk: (1, Decimal("4000.000"), None)}
    DealRegistration.objects.filter(mdf_activity__request=fair).delete()
    assert rows() == {}
    assert_current(webinar, fair)


def test_the_nightly_rebuild_restores_rows_written_around_the_signals(activities):
    """Links loaded with SQL (seeding, benchmarks) send no signal: the nightly
    task (and ``manage.py rebuild_mdf_attribution``) adds them up."""
    alpha, fair = activities["alpha"], activities["fair"]
    won = deal(alpha, value="7000", status=DealStatus.WON, won="7500")
    ActivityDeal.objects.bulk_create([ActivityDeal(request=fair, deal=won)])
    assert rows() == {}
    attribution_rebuild()
    assert rows() == {fair.pk: (1, Decimal("7000.000"), Decimal("7500.000"))}
    entry = settings.CELERY_BEAT_SCHEDULE["mdf-rebuild-attribution"]
    assert entry["task"] == "mdf.tasks.rebuild_mdf_attribution"

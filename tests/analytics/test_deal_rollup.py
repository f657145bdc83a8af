"""The deal rollup (``analytics.models.DealDay``): every program analytics
figure read from it equals the same figure computed from the registrations
themselves, money per currency; a day recomputed gives the same rows; a deal
won now shows in program analytics once the worker has refreshed its days."""

import datetime
import statistics
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from analytics.models import DealDay
from analytics.program import (
    BREAKDOWNS,
    ProgramFilters,
    median_days_to_first_deal,
    pipeline_and_revenue,
    portal_health,
    registration_funnel,
)
from analytics.services import deal_rollup_refresh, deal_rollup_refresh_days
from deals.models import DealRegistration, DealStatus
from programs.models import ProgramSettings
from tests.factories import OrganizationFactory, TierFactory
from tests.factories.deals import DealRegistrationFactory
from tests.factories.incentives import won_deal
from tests.factories.programs import PartnerTypeFactory, RegionFactory

UTC = datetime.UTC


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=UTC)


def deal(organization, *, submitted, value, currency="USD", status=DealStatus.SUBMITTED, approved=None, closed=None):
    won = status == DealStatus.WON
    return DealRegistrationFactory(
        organization=organization,
        estimated_value=Decimal(value),
        currency=currency,
        expected_close_date=datetime.date(2026, 6, 30),
        status=status,
        submitted_at=submitted,
        approved_at=approved,
        closed_on=closed,
        final_amount=Decimal(value) * Decimal("1.1") if won else None,
    )


@pytest.fixture
def program():
    """Three partners of different tiers, regions and types, created in
    February and March; deals over February to April in USD and EUR,
    of every fate, some on the edges of UTC days and of the ranges."""
    gold, apac, msp = TierFactory(name="Gold"), RegionFactory(code="apac"), PartnerTypeFactory(code="msp")
    alpha = OrganizationFactory(name="Alpha", tier=gold, created_at=at(2, 20))
    beta = OrganizationFactory(name="Beta", region=apac, partner_type=msp, created_at=at(3, 1))
    gamma = OrganizationFactory(name="Gamma", tier=gold, region=apac, created_at=at(3, 3))
    deal(
        alpha,
        submitted=at(2, 27),
        value="9000",
        status=DealStatus.WON,
        approved=at(3, 2),
        closed=datetime.date(2026, 3, 3),
    )
    deal(alpha, submitted=at(3, 2, 0, 5), value="1000.125", status=DealStatus.APPROVED, approved=at(3, 3, 12))
    deal(alpha, submitted=at(3, 2, 23, 55), value="2000", status=DealStatus.WON, approved=at(3, 4), closed=None)
    deal(
        alpha,
        submitted=at(3, 4),
        value="3000",
        currency="EUR",
        status=DealStatus.WON,
        approved=at(3, 5),
        closed=datetime.date(2026, 3, 20),
    )
    deal(alpha, submitted=at(3, 9), value="500", status=DealStatus.REJECTED)
    deal(
        alpha,
        submitted=at(3, 15, 23, 59),
        value="700",
        status=DealStatus.WON,
        approved=at(3, 16),
        closed=datetime.date(2026, 3, 15),
    )
    deal(
        beta,
        submitted=at(3, 3),
        value="4000",
        status=DealStatus.LOST,
        approved=at(3, 10),
        closed=datetime.date(2026, 3, 12),
    )
    deal(beta, submitted=at(3, 8), value="250.5", currency="EUR", status=DealStatus.APPROVED, approved=at(3, 8, 18))
    deal(
        beta,
        submitted=at(3, 16, 0, 1),
        value="6000",
        status=DealStatus.WON,
        approved=at(3, 17),
        closed=datetime.date(2026, 4, 2),
    )
    deal(
        gamma,
        submitted=at(3, 5),
        value="1500",
        status=DealStatus.WON,
        approved=at(3, 6),
        closed=datetime.date(2026, 3, 9),
    )
    deal(gamma, submitted=at(3, 5, 15), value="800", status=DealStatus.UNDER_REVIEW)
    deal(
        gamma,
        submitted=at(4, 1),
        value="1200",
        currency="EUR",
        status=DealStatus.WON,
        approved=at(4, 2),
        closed=datetime.date(2026, 3, 30),
    )
    deal_rollup_refresh()
    return {"apac": apac, "gold": gold, "msp": msp}


# The figures as computed from the registrations themselves (what the reports read before the rollup).


def raw_registrations(filters):
    return DealRegistration.objects.filter(
        organization__in=filters.organizations().values("pk"),
        submitted_at__date__gte=filters.start,
        submitted_at__date__lte=filters.end,
    )


def raw_weekly_registrations(filters) -> dict[datetime.date, int]:
    weeks = {}
    for submitted_at in raw_registrations(filters).values_list("submitted_at", flat=True):
        monday = submitted_at.astimezone(UTC).date() - datetime.timedelta(days=submitted_at.astimezone(UTC).weekday())
        weeks[monday] = weeks.get(monday, 0) + 1
    return weeks


def raw_median_days(durations) -> Decimal | None:
    if not durations:
        return None
    return (Decimal(statistics.median(d.total_seconds() for d in durations)) / 86400).quantize(Decimal("0.1"))


def raw_funnel(filters):
    registrations = list(raw_registrations(filters))
    approved = [r for r in registrations if r.approved_at is not None]
    return (
        len(registrations),
        len(approved),
        sum(1 for r in registrations if r.status == DealStatus.WON),
        raw_median_days([r.approved_at - r.submitted_at for r in approved]),
    )


def raw_first_deal(filters):
    durations = []
    for organization in filters.organizations().filter(
        created_at__date__gte=filters.start, created_at__date__lte=filters.end
    ):
        first = organization.deal_registrations.order_by("submitted_at").first()
        if first:
            durations.append(first.submitted_at - organization.created_at)
    return raw_median_days(durations)


def raw_breakdown(filters, by: str) -> dict[str, tuple]:
    currency = ProgramSettings.load().program_currency
    groups = {}
    for organization in filters.organizations():
        name = {"tier": organization.tier, "type": organization.partner_type, "region": organization.region}[by]
        name = name.name if name else "No tier"
        partners, pipeline, won = groups.get(name, (0, Decimal(0), Decimal(0)))
        for registration in organization.deal_registrations.filter(currency=currency):
            submitted_on = registration.submitted_at.astimezone(UTC).date()
            if filters.start <= submitted_on <= filters.end and registration.status != DealStatus.REJECTED:
                pipeline += registration.estimated_value
            closed = registration.closed_on
            if registration.status == DealStatus.WON and closed and filters.start <= closed <= filters.end:
                won += registration.final_amount
        groups[name] = (partners + 1, pipeline, won)
    return groups


RANGES = [("2026-03-02", "2026-03-15"), ("2026-02-01", "2026-04-30"), ("2026-03-16", "2026-03-31")]


def every_filter(program):
    for start, end in RANGES:
        yield {"start": start, "end": end}
        yield {"start": start, "end": end, "region": str(program["apac"].pk)}
        yield {"start": start, "end": end, "tier": str(program["gold"].pk)}
        yield {"start": start, "end": end, "type": str(program["msp"].pk)}


pytestmark = pytest.mark.django_db


def test_every_program_figure_from_the_rollup_equals_the_registrations(program):
    for query in every_filter(program):
        filters = ProgramFilters.from_query(query, today=datetime.date(2026, 4, 20))

        weeks = {week.start: week.registrations for week in portal_health(filters) if week.registrations}
        assert weeks == raw_weekly_registrations(filters), query
        funnel = registration_funnel(filters)
        assert (funnel.submitted, funnel.approved, funnel.won, funnel.median_approval_days) == raw_funnel(filters), (
            query
        )
        assert median_days_to_first_deal(filters) == raw_first_deal(filters), query
        for by in BREAKDOWNS:
            rows = {
                row["name"]: (row["partners"], row["pipeline"], row["won"])
                for row in pipeline_and_revenue(filters, by=by)
            }
            assert rows == raw_breakdown(filters, by), (query, by)


def test_the_figures_are_not_trivial(program):
    """The comparison above compares something: hand-computed figures of March 2–15."""
    filters = ProgramFilters.from_query({"start": "2026-03-02", "end": "2026-03-15"}, today=datetime.date(2026, 4, 20))

    funnel = registration_funnel(filters)
    # Submitted 2 (twice), 3, 4, 5 (twice), 8, 9 and 15 March: nine, seven approved since, four won since.
    assert (funnel.submitted, funnel.approved, funnel.won) == (9, 7, 4)
    tiers = {row["name"]: (row["pipeline"], row["won"]) for row in pipeline_and_revenue(filters, by="tier")}
    # Gold, USD: pipeline 1000.125 + 2000 + 700 + 1500 + 800; won, by close date: 9,000 × 1.1 (3rd,
    # submitted in February) + 700 × 1.1 (15th) + 1,500 × 1.1 (9th); the 2,000 won has no close date.
    assert tiers["Gold"] == (Decimal("6000.125"), Decimal("12320.0"))


def test_money_stays_in_its_currency(program):
    for currency in ("USD", "EUR"):
        rollup = DealDay.objects.filter(currency=currency).aggregate(pipeline=Sum("pipeline"), won=Sum("won_amount"))
        registrations = DealRegistration.objects.filter(currency=currency)
        assert (
            rollup["pipeline"]
            == registrations.exclude(status=DealStatus.REJECTED).aggregate(total=Sum("estimated_value"))["total"]
        )
        assert (
            rollup["won"]
            == registrations.filter(status=DealStatus.WON, closed_on__isnull=False).aggregate(
                total=Sum("final_amount")
            )["total"]
        )
        assert isinstance(rollup["pipeline"], Decimal)


def rows():
    return sorted(
        DealDay.objects.values_list(
            "day",
            "organization",
            "currency",
            "registrations",
            "pipeline",
            "approved",
            "approval_seconds",
            "won_registrations",
            "first_submitted_at",
            "wins",
            "won_amount",
        )
    )


def test_recomputing_days_gives_the_same_rows_and_follows_a_correction(program):
    built = rows()
    alpha = DealRegistration.objects.filter(organization__name="Alpha")
    organization_id = alpha.first().organization_id
    days = [datetime.date(2026, 3, day) for day in range(1, 32)]

    deal_rollup_refresh_days(organization_id=organization_id, days=days)
    deal_rollup_refresh_days(organization_id=organization_id, days=days)
    assert rows() == built

    # A correction moves a win from 20 to 25 March: recomputing both days (what saving it queues) matches a rebuild.
    alpha.filter(closed_on=datetime.date(2026, 3, 20)).update(closed_on=datetime.date(2026, 3, 25))
    deal_rollup_refresh_days(
        organization_id=organization_id, days=[datetime.date(2026, 3, 20), datetime.date(2026, 3, 25)]
    )
    corrected = rows()
    deal_rollup_refresh()
    assert rows() == corrected != built


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_deal_won_now_shows_in_program_analytics_once_the_worker_ran(celery_worker, wait_for):
    organization = OrganizationFactory(name="Delta")
    today = timezone.now().astimezone(UTC).date()

    def filters():
        return ProgramFilters.from_query({}, today=today)

    def won_revenue():
        return sum((row["won"] for row in pipeline_and_revenue(filters(), by="region")), Decimal(0))

    assert won_revenue() == 0
    won_deal(organization, amount="4321.50", closed_on=today)

    wait_for(lambda: won_revenue() == Decimal("4321.50"), timeout=30, message="the won deal in program analytics")
    funnel = registration_funnel(filters())
    assert (funnel.submitted, funnel.approved, funnel.won) == (1, 1, 1)
    # The deal's earlier saves queued refreshes too: they finish before the test's
    # database is flushed (a refresh still writing the rollup deadlocked with the flush).
    wait_for(celery_worker.idle, timeout=120, message="the rollup refreshes to finish")

"""Read queries of deal registration; partner-facing ones go through programs.tenancy."""

import datetime
from decimal import Decimal

from django.db.models import Case, Count, F, OuterRef, Q, QuerySet, Subquery, Sum, When
from wagtail.models import Locale

from programs.formats import round_money
from programs.metrics import DealFigures
from programs.models import ExchangeRate, ProductLine
from programs.tenancy import get_scoped_or_404, scoped

from .models import REPORTED_STATUSES, DealEvent, DealRegistration, DealStatus, Lead, LeadEvent, LeadStatus


def deal_list(*, user) -> QuerySet[DealRegistration]:
    """The registrations ``user`` may see, most recent first."""
    return scoped(DealRegistration.objects.all(), user).order_by("-submitted_at", "-pk")


def deal_get(*, user, pk: int, action: str = "view") -> DealRegistration:
    """One registration the user may see (or, with ``action="change"``, act on),
    else 404 (also another tenant's id)."""
    deals = DealRegistration.objects.select_related("organization__tier", "submitted_by")
    return get_scoped_or_404(deals, user, action=action, pk=pk)


def deal_timeline(*, deal: DealRegistration) -> QuerySet[DealEvent]:
    """The partner's view of the audit trail: what happened and the partner-safe note."""
    return deal.events.only("at", "kind", "partner_note", "deal_id").order_by("at", "pk")


def lead_list(*, user) -> QuerySet[Lead]:
    """The leads ``user`` may see (a partner: those currently with their
    organization), most recent first."""
    return scoped(Lead.objects.select_related("campaign"), user).order_by("-created_at", "-pk")


def lead_get(*, user, pk: int, action: str = "view") -> Lead:
    """One lead the user may see, else 404 (also another tenant's id, and a
    lead that has moved on to another organization)."""
    leads = Lead.objects.select_related("campaign", "organization", "deal")
    return get_scoped_or_404(leads, user, action=action, pk=pk)


def lead_timeline(*, lead: Lead) -> QuerySet[LeadEvent]:
    """The partner's view of a lead's history: its own organization's part only."""
    return lead.events.filter(organization_id=lead.organization_id).only("at", "kind", "lead_id").order_by("at", "pk")


def lead_open_count(*, user) -> int:
    """Leads waiting for the partner's answer (the dashboard and deal list link)."""
    return lead_list(user=user).filter(status=LeadStatus.OFFERED).count()


def product_line_choices() -> QuerySet[ProductLine]:
    """Product lines a registration can name (the default locale's rows)."""
    return ProductLine.objects.filter(locale=Locale.get_default()).order_by("name")


def _program_amount(currency: str):
    """A won deal's amount in ``currency``: its own amount when it was won in
    that currency, else the converted amount recorded at confirmation."""
    return Case(
        When(currency=currency, then=F("final_amount")),
        When(program_currency=currency, then=F("program_amount")),
        default=None,
    )


def won_deal_figures(organization, start, end, currency: str):
    """Confirmed won revenue in ``currency`` and deal count, closed between
    ``start`` and ``end``: the deal side of tier evaluation (registered with
    programs.metrics). Wins in another currency count with the amount
    converted when they were confirmed; wins reported but not confirmed, and
    wins without an exchange rate (see :func:`won_deals_without_rate`), do not."""
    totals = (
        DealRegistration.objects.filter(
            organization=organization,
            status=DealStatus.WON,
            closed_on__gte=start.date(),
            closed_on__lte=end.date(),
        )
        .annotate(counted=_program_amount(currency))
        .filter(counted__isnull=False)
        .aggregate(revenue=Sum("counted"), deals=Count("pk"))
    )
    revenue = round_money(totals["revenue"] or Decimal("0"), currency)
    return DealFigures(won_revenue=revenue, won_deals=totals["deals"])


def without_rate(queryset: QuerySet[DealRegistration], currency: str) -> QuerySet[DealRegistration]:
    """The confirmed wins of ``queryset`` that tier evaluation cannot count in
    ``currency``: no exchange rate was found when they were confirmed."""
    return (
        queryset.filter(status=DealStatus.WON).annotate(counted=_program_amount(currency)).filter(counted__isnull=True)
    )


def won_deals_without_rate(*, user, currency: str) -> QuerySet[DealRegistration]:
    """Confirmed wins ``user`` may see that tier evaluation cannot count in
    ``currency`` (the program currency). Channel ops add the rate, then
    convert each deal."""
    return without_rate(scoped(DealRegistration.objects.all(), user), currency).select_related("organization")


def wins_waiting_for_rate(
    *, source_currency: str, target_currency: str, valid_from: datetime.date, program_currency: str
) -> QuerySet[DealRegistration]:
    """Confirmed wins in ``source_currency`` that count for nothing for want
    of a rate to the program currency and that a rate of that pair in force
    from ``valid_from`` converts (closed on that day or later). None when
    ``target_currency`` is not the program currency."""
    if target_currency != program_currency:
        return DealRegistration.objects.none()
    waiting = DealRegistration.objects.filter(currency=source_currency, closed_on__gte=valid_from)
    return without_rate(waiting, program_currency).order_by("closed_on", "pk")


def wins_converted_with_outdated_rate(
    *, pairs: dict[tuple[str, str], datetime.date], program_currency: str
) -> QuerySet[DealRegistration]:
    """Confirmed wins converted to ``program_currency`` with a rate that is no
    longer the one in force on their close date (its value or first day was
    edited, a newer rate applies, or it was deleted, maybe leaving none), for
    the currency pairs a rate change touched ((source, target) → first close
    date it may change). Bounded by the pair's currency and dates."""
    touched = Q()
    for (source, target), since in pairs.items():
        if target == program_currency and source != program_currency:
            touched |= Q(currency=source, closed_on__gte=since)
    if not touched:
        return DealRegistration.objects.none()
    in_force = ExchangeRate.objects.filter(
        source_currency=OuterRef("currency"), target_currency=program_currency, valid_from__lte=OuterRef("closed_on")
    ).order_by("-valid_from", "-pk")
    return (
        DealRegistration.objects.filter(
            touched, status=DealStatus.WON, program_currency=program_currency, program_amount__isnull=False
        )
        .annotate(
            rate_now=Subquery(in_force.values("rate")[:1]),
            rate_now_from=Subquery(in_force.values("valid_from")[:1]),
        )
        .filter(Q(rate_now__isnull=True) | ~Q(rate_now=F("exchange_rate")) | ~Q(rate_now_from=F("exchange_rate_date")))
        .order_by("closed_on", "pk")
    )


def reported_outcomes(*, user) -> QuerySet[DealRegistration]:
    """Won or lost outcomes partners reported that wait for confirmation, for
    the vendor users who may see them (a CAM: their portfolio), oldest first."""
    return (
        scoped(DealRegistration.objects.filter(status__in=REPORTED_STATUSES), user)
        .select_related("organization")
        .order_by("updated_at", "pk")
    )


def organization_has_deals(organization) -> bool:
    """Whether the organization has registered any deal, whatever became of it:
    the onboarding checklist's "first deal" step (registered with programs.metrics)."""
    return DealRegistration.objects.filter(organization=organization).exists()

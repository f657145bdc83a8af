"""Attribution and return on MDF: funds approved, claimed and paid, leads,
registrations, pipeline and won revenue, per activity type, partner, tier or
period (the admin report), or per activity (the partner's own figures).

A registration counts for an activity when the partner linked it, or when it
was converted from a lead the activity generated. Pipeline is the estimated
value of attributed registrations that were not rejected; won revenue is the
final amount of the won ones. Only registrations in the activity's currency
count (no conversion). Won revenue per MDF dollar divides by funds paid.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from deals.models import DealRegistration, DealStatus

from .models import ActivityDeal, ActivityLead, FundRequest, LedgerEntry, LedgerKind

ZERO = Decimal("0.00")

#: dimension -> (FundRequest lookup of the group key, lookup of its label, column heading)
DIMENSIONS = {
    "activity_type": ("activity_type_id", "activity_type__name", _("Activity type")),
    "organization": ("organization_id", "organization__name", _("Partner")),
    "tier": ("organization__tier_id", "organization__tier__name", _("Tier")),
    "program": ("allocation__program_id", "allocation__program__name", _("Period")),
    "request": ("pk", "title", _("Activity")),
}


@dataclass
class RoiRow:
    key: object
    label: str
    currency: str
    approved: Decimal = ZERO
    claimed: Decimal = ZERO
    paid: Decimal = ZERO
    leads: int = 0
    registrations: int = 0
    pipeline: Decimal = ZERO
    won_revenue: Decimal = ZERO
    requests: list[int] = field(default_factory=list)

    @property
    def won_per_dollar(self) -> Decimal | None:
        """Won revenue per MDF dollar paid (None before any payment)."""
        if not self.paid:
            return None
        return (self.won_revenue / self.paid).quantize(Decimal("0.01"))


def _per_request_money(request_ids) -> dict[int, dict[str, Decimal]]:
    figures: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    rows = (
        LedgerEntry.objects.filter(request_id__in=request_ids)
        .values("request_id", "kind")
        .annotate(total=Sum("amount"))
    )
    for row in rows:
        figures[row["request_id"]][row["kind"]] += row["total"]
    return figures


def _per_request_leads(request_ids) -> dict[int, int]:
    rows = ActivityLead.objects.filter(request_id__in=request_ids).values("request_id").annotate(count=Count("pk"))
    return {row["request_id"]: row["count"] for row in rows}


def _per_request_deals(request_ids) -> dict[int, dict]:
    # The attributed deals are looked up from the small link tables first: a
    # filter on the Coalesce over two outer joins reads every registration.
    attributed = (
        ActivityDeal.objects.filter(request_id__in=request_ids)
        .values("deal_id")
        .union(
            DealRegistration.objects.filter(source_lead__mdf_activity__request_id__in=request_ids)
            .order_by()
            .values("pk"),
            all=True,
        )
    )
    deals = (
        DealRegistration.objects.filter(pk__in=attributed)
        .annotate(activity_id=Coalesce("mdf_activity__request_id", "source_lead__mdf_activity__request_id"))
        .filter(activity_id__in=request_ids)
        .exclude(status=DealStatus.REJECTED)
    )
    # The activity's currency only: a join back to the request compares them.
    deals = deals.filter(
        Q(mdf_activity__request__currency=F("currency")) | Q(source_lead__mdf_activity__request__currency=F("currency"))
    )
    rows = deals.values("activity_id").annotate(
        registrations=Count("pk", distinct=True),
        pipeline=Sum("estimated_value"),
        won=Sum("final_amount", filter=Q(status=DealStatus.WON)),
    )
    return {row["activity_id"]: row for row in rows}


def roi_rows(requests, *, dimension: str) -> list[RoiRow]:
    """``requests`` (a FundRequest queryset, already scoped) grouped by
    ``dimension`` with their figures, largest won revenue first."""
    key_lookup, label_lookup, _heading = DIMENSIONS[dimension]
    listed = list(requests.values_list("pk", key_lookup, label_lookup, "currency"))
    # The figures select the requests with a subquery: the report lists every
    # request (50,000 ids written into three queries took seconds to build and parse).
    request_ids = requests.order_by().values("pk")
    money = _per_request_money(request_ids)
    leads = _per_request_leads(request_ids)
    deals = _per_request_deals(request_ids)
    groups: dict[tuple, RoiRow] = {}
    for pk, key, label, currency in listed:
        row = groups.setdefault((key, currency), RoiRow(key=key, label=label or "—", currency=currency))
        figures = money.get(pk, {})
        row.approved += figures.get(LedgerKind.COMMITTED, ZERO) - figures.get(LedgerKind.RELEASED, ZERO)
        row.claimed += figures.get(LedgerKind.CLAIMED, ZERO)
        row.paid += figures.get(LedgerKind.PAID, ZERO)
        row.leads += leads.get(pk, 0)
        deal = deals.get(pk)
        if deal:
            row.registrations += deal["registrations"]
            row.pipeline += deal["pipeline"] or ZERO
            row.won_revenue += deal["won"] or ZERO
        row.requests.append(pk)
    return sorted(groups.values(), key=lambda row: (-row.won_revenue, str(row.label)))


def roi_for_requests(requests) -> dict[int, RoiRow]:
    """Per-activity figures keyed by request id (the partner's own list)."""
    return {row.key: row for row in roi_rows(requests, dimension="request")}


def report_requests():
    """Every request that ever committed funds (the report's population)."""
    return FundRequest.objects.filter(ledger__kind=LedgerKind.COMMITTED).distinct()

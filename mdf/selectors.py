"""Read queries of MDF; partner-facing ones go through programs.tenancy."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from wagtail.models import Locale

from programs.tenancy import get_scoped_or_404, scoped

from .models import (
    ActivityType,
    Allocation,
    Claim,
    ClaimStatus,
    FundRequest,
    LedgerEntry,
    LedgerKind,
    MdfEvent,
    ProofOfPerformance,
    RequestStatus,
)

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Balance:
    """An allocation's figures, all computed from its ledger lines."""

    currency: str
    allocated: Decimal = ZERO
    committed: Decimal = ZERO
    released: Decimal = ZERO
    claimed: Decimal = ZERO
    paid: Decimal = ZERO
    expired: Decimal = ZERO

    @property
    def available(self) -> Decimal:
        """Allocated (with adjustments) − committed (net of releases) − expired."""
        return self.allocated - (self.committed - self.released) - self.expired

    @property
    def outstanding_commitment(self) -> Decimal:
        return self.committed - self.released


def _sums(entries: QuerySet) -> dict[str, Decimal]:
    totals = entries.aggregate(
        allocated=Coalesce(Sum("amount", filter=Q(kind__in=[LedgerKind.ALLOCATED, LedgerKind.ADJUSTED])), ZERO),
        **{
            kind: Coalesce(Sum("amount", filter=Q(kind=kind)), ZERO)
            for kind in ("committed", "released", "claimed", "paid", "expired")
        },
    )
    return totals


def allocation_balance(*, allocation: Allocation) -> Balance:
    """The allocation's balance from its ledger (one aggregate query)."""
    return Balance(currency=allocation.program.currency, **_sums(LedgerEntry.objects.filter(allocation=allocation)))


def allocation_list(*, user) -> QuerySet[Allocation]:
    """The allocations ``user`` may see, current programs first."""
    return scoped(Allocation.objects.select_related("program", "organization"), user).order_by(
        "-program__starts_on", "pk"
    )


def allocation_balances(*, user) -> list[tuple[Allocation, Balance]]:
    """Each visible allocation with its balance, in one grouped query."""
    allocations = list(allocation_list(user=user))
    rows = (
        LedgerEntry.objects.filter(allocation__in=allocations)
        .values("allocation_id", "kind")
        .annotate(total=Sum("amount"))
    )
    by_allocation: dict[int, dict[str, Decimal]] = {}
    for row in rows:
        figures = by_allocation.setdefault(row["allocation_id"], {})
        key = "allocated" if row["kind"] in (LedgerKind.ALLOCATED, LedgerKind.ADJUSTED) else row["kind"]
        figures[key] = figures.get(key, ZERO) + row["total"]
    return [
        (allocation, Balance(currency=allocation.program.currency, **by_allocation.get(allocation.pk, {})))
        for allocation in allocations
    ]


def allocation_get(*, user, pk: int) -> Allocation:
    """One allocation the user may see, else 404."""
    return get_scoped_or_404(Allocation.objects.select_related("program"), user, pk=pk)


def current_allocation(*, organization, on=None) -> Allocation | None:
    """The organization's allocation in the active program running ``on`` (default today)."""
    on = on or timezone.localdate()
    return (
        Allocation.objects.select_related("program")
        .filter(
            organization=organization, program__is_active=True, program__starts_on__lte=on, program__ends_on__gte=on
        )
        .order_by("program__ends_on")
        .first()
    )


def ledger_lines(*, allocation: Allocation) -> QuerySet[LedgerEntry]:
    return allocation.ledger.select_related("request").order_by("-at", "-pk")


def request_list(*, user) -> QuerySet[FundRequest]:
    """The MDF requests ``user`` may see, most recent first."""
    return scoped(FundRequest.objects.select_related("activity_type", "allocation__program"), user).order_by(
        "-submitted_at", "-pk"
    )


def request_get(*, user, pk: int) -> FundRequest:
    """One request the user may see, else 404 (also another tenant's id)."""
    requests = FundRequest.objects.select_related("activity_type", "allocation__program", "organization", "campaign")
    return get_scoped_or_404(requests, user, pk=pk)


def request_timeline(*, request: FundRequest) -> QuerySet[MdfEvent]:
    """What happened to a request, with the partner-safe note."""
    return request.events.only("at", "kind", "partner_note", "request_id").order_by("at", "pk")


def claim_list(*, user) -> QuerySet[Claim]:
    return scoped(Claim.objects.select_related("request"), user).order_by("-submitted_at", "-pk")


def claim_get(*, user, pk: int) -> Claim:
    return get_scoped_or_404(Claim.objects.select_related("request"), user, pk=pk)


def proof_get(*, user, pk: int) -> ProofOfPerformance:
    """A proof file the user may read (owning organization or vendor staff), else 404."""
    return get_scoped_or_404(ProofOfPerformance.objects.select_related("claim"), user, pk=pk)


def waiting_for_partner(*, user) -> QuerySet[FundRequest]:
    """Requests needing the partner: changes asked for, or approved and not yet claimed."""
    return request_list(user=user).filter(status__in=[RequestStatus.CHANGES_REQUESTED, RequestStatus.APPROVED])


def localized_activity_types(requests) -> None:
    """Set ``activity_type_name`` on each request to its activity type's name
    in the active language: one query for all of them (``.localized`` asks
    for the active locale once per row)."""
    active = Locale.get_active()
    types = {request.activity_type for request in requests}
    keys = {kind.translation_key for kind in types if kind.locale_id != active.pk}
    translated = {
        kind.translation_key: kind
        for kind in (ActivityType.objects.filter(translation_key__in=keys, locale=active) if keys else [])
    }
    for request in requests:
        kind = request.activity_type
        request.activity_type_name = translated.get(kind.translation_key, kind).name


def activity_type_choices() -> QuerySet[ActivityType]:
    """Activity types a request can name (the default locale's rows)."""
    return ActivityType.objects.filter(locale=Locale.get_default(), is_active=True).order_by("name")


def payable_claims() -> QuerySet[Claim]:
    return Claim.objects.filter(status=ClaimStatus.APPROVED)

"""Sharing a program's budget out: generated for every active organization in
one action, then adjusted by hand with a reason."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from deals.models import DealRegistration, DealStatus
from programs.formats import money, round_money
from programs.models import OrganizationStatus, PartnerOrganization

from ..models import Allocation, AllocationMethod, LedgerEntry, LedgerKind, MdfProgram
from .ledger import allocation_lock, ledger_write, require_available


def prior_period(program: MdfProgram) -> tuple[datetime.date, datetime.date]:
    """The period of the same length that ends the day before the program starts."""
    length = program.ends_on - program.starts_on
    end = program.starts_on - datetime.timedelta(days=1)
    return end - length, end


def won_revenue_by_organization(program: MdfProgram) -> dict[int, Decimal]:
    """Won revenue in the program's currency per organization over the prior period
    (one grouped query; deals in other currencies are not converted)."""
    start, end = prior_period(program)
    rows = (
        DealRegistration.objects.filter(
            status=DealStatus.WON, currency=program.currency, closed_on__gte=start, closed_on__lte=end
        )
        .values("organization_id")
        .annotate(revenue=Sum("final_amount"))
    )
    return {row["organization_id"]: row["revenue"] or Decimal("0") for row in rows}


def _allocated_total(program: MdfProgram) -> Decimal:
    return LedgerEntry.objects.filter(
        allocation__program=program, kind__in=[LedgerKind.ALLOCATED, LedgerKind.ADJUSTED]
    ).aggregate(total=Sum("amount"))["total"] or Decimal("0")


def _require_budget(program: MdfProgram, extra: Decimal) -> None:
    total = _allocated_total(program) + extra
    if total > program.budget:
        raise ValidationError(
            _("Allocations would total %(total)s, above the program's budget of %(budget)s.")
            % {"total": money(total, program.currency), "budget": money(program.budget, program.currency)},
            code="over_budget",
        )


def _amount_for(program: MdfProgram, organization: PartnerOrganization, revenue: dict, fixed: dict) -> Decimal:
    if program.allocation_method == AllocationMethod.REVENUE_PERCENT:
        if organization.tier is None:
            return Decimal("0")
        share = revenue.get(organization.pk, Decimal("0")) * organization.tier.mdf_allocation_percent / 100
        return round_money(share, program.currency)
    if program.allocation_method == AllocationMethod.FIXED_PER_TIER:
        return fixed.get(organization.tier_id) or Decimal("0")
    return Decimal("0")


@transaction.atomic
def allocations_generate(*, program: MdfProgram, actor) -> list[Allocation]:
    """Allocate ``program`` to every active organization that has no allocation
    in it yet, by the program's method (manual: empty allocations to adjust).
    Refused, with nothing stored, if the total would exceed the budget."""
    program = MdfProgram.objects.select_for_update().get(pk=program.pk)
    if not program.is_active:
        raise ValidationError(_("Activate the program before allocating it."))
    already = Allocation.objects.filter(program=program).values("organization_id")
    organizations = (
        PartnerOrganization.objects.filter(status=OrganizationStatus.ACTIVE)
        .exclude(pk__in=already)
        .select_related("tier")
        .order_by("pk")
    )
    revenue = (
        won_revenue_by_organization(program) if program.allocation_method == AllocationMethod.REVENUE_PERCENT else {}
    )
    fixed = {terms.tier_id: terms.fixed_amount for terms in program.tier_terms.all()}
    planned = [(organization, _amount_for(program, organization, revenue, fixed)) for organization in organizations]
    if program.allocation_method != AllocationMethod.MANUAL:
        planned = [(organization, amount) for organization, amount in planned if amount > 0]
    _require_budget(program, sum((amount for _org, amount in planned), Decimal("0")))
    reason = _("Generated: %(method)s") % {"method": program.get_allocation_method_display()}
    created = []
    for organization, amount in planned:
        allocation = Allocation.objects.create(program=program, organization=organization)
        if amount > 0:
            ledger_write(allocation=allocation, kind=LedgerKind.ALLOCATED, amount=amount, actor=actor, reason=reason)
        created.append(allocation)
    return created


@transaction.atomic
def allocation_create(
    *, program: MdfProgram, organization: PartnerOrganization, amount: Decimal, actor, reason: str
) -> Allocation:
    """Allocate ``amount`` to one organization by hand (manual programs, late joiners)."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why this organization gets this amount.")})
    if amount <= 0:
        raise ValidationError({"amount": _("Enter an amount above zero.")})
    program = MdfProgram.objects.select_for_update().get(pk=program.pk)
    if Allocation.objects.filter(program=program, organization=organization).exists():
        raise ValidationError(
            _("%(organization)s already has an allocation in this program; adjust it instead.")
            % {"organization": organization}
        )
    _require_budget(program, amount)
    allocation = Allocation.objects.create(program=program, organization=organization)
    ledger_write(allocation=allocation, kind=LedgerKind.ALLOCATED, amount=amount, actor=actor, reason=reason)
    return allocation


@transaction.atomic
def allocation_adjust(*, allocation: Allocation, amount: Decimal, actor, reason: str) -> LedgerEntry:
    """Raise (positive ``amount``) or lower an allocation, with a reason. A
    lowering can take only what is still available; a raise stays within budget."""
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the adjustment.")})
    if amount == 0:
        raise ValidationError({"amount": _("Enter a positive or negative amount, not zero.")})
    # Program first, then allocation: the same order as generation, so no deadlock.
    MdfProgram.objects.select_for_update().filter(pk=allocation.program_id).first()
    allocation = allocation_lock(allocation)
    if allocation.expired_at is not None:
        raise ValidationError(_("This allocation has expired and can no longer be adjusted."))
    if amount < 0:
        require_available(allocation, -amount, field="amount")
    else:
        _require_budget(allocation.program, amount)
    return ledger_write(allocation=allocation, kind=LedgerKind.ADJUSTED, amount=amount, actor=actor, reason=reason)

"""The accrual ledger: what a won deal (or a rebate period) earns, written as
immutable lines.

Rounding rule: each line's amount is rounded half-up to the currency's minor
unit (the cent; whole units for JPY/KRW) once, when the line is written;
totals are exact sums of rounded lines, so a statement always adds up.

Recomputation compares what the rules in force at the close date give with
the line standing for the same subject (deal or rebate period) and program:
identical → nothing is written; different → the standing line is reversed
and a new one written; nothing due any more (deal lost) → reversal only.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from deals.models import DealRegistration, DealStatus
from programs.formats import money, round_money
from programs.models import PartnerOrganization, PersonCertification, TierChange, TierChangeStatus

from ..models import DealSource, Enrollment, LedgerLine, LineKind, ProgramKind
from ..periods import period_bounds
from .rules import ProgramRules, rules_in_force

HUNDRED = Decimal("100")


@dataclass(frozen=True)
class Accrual:
    """What one program owes for one subject, before it is written."""

    rules: ProgramRules
    kind: str
    earned_on: datetime.date
    base_amount: Decimal
    rate: Decimal
    bonus: Decimal
    units: int
    amount: Decimal
    currency: str
    tier_name: str = ""
    basis: str = ""

    def matches(self, line: LedgerLine) -> bool:
        return (
            line.rule_version_id == self.rules.version.pk
            and line.earned_on == self.earned_on
            and line.base_amount == self.base_amount
            and line.rate == self.rate
            and line.bonus == self.bonus
            and line.units == self.units
            and line.amount == self.amount
            and line.currency == self.currency
            and line.tier_name == self.tier_name
        )


@dataclass(frozen=True)
class DealFacts:
    """A won deal as the rules see it on its close date."""

    deal: DealRegistration
    closed_on: datetime.date
    amount: Decimal
    currency: str
    tier_id: int | None
    tier_name: str
    partner_type: str
    region: str
    source: str
    #: product line code -> quantity
    lines: dict[str, int]
    submitter_certifications: frozenset[str]
    enrolled_program_ids: frozenset[int]


def _end_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min))


def tier_at(*, organization: PartnerOrganization, day: datetime.date):
    """The organization's tier at the end of ``day``, from its applied tier changes."""
    applied = TierChange.objects.filter(organization=organization, status=TierChangeStatus.APPLIED).select_related(
        "from_tier", "to_tier"
    )
    end = _end_of(day)
    before = applied.filter(created_at__lt=end).order_by("-created_at", "-pk").first()
    if before is not None:
        return before.to_tier
    after = applied.filter(created_at__gte=end).order_by("created_at", "pk").first()
    return after.from_tier if after is not None else organization.tier


def _deal_facts(deal: DealRegistration) -> DealFacts:
    organization = deal.organization
    tier = tier_at(organization=organization, day=deal.closed_on)
    end = _end_of(deal.closed_on)
    certifications = frozenset()
    if deal.submitted_by_id:
        certifications = frozenset(
            PersonCertification.objects.filter(user_id=deal.submitted_by_id, earned_at__lt=end)
            .filter(Q(expires_at__isnull=True) | Q(expires_at__gte=end - datetime.timedelta(days=1)))
            .values_list("certification__code", flat=True)
        )
    return DealFacts(
        deal=deal,
        closed_on=deal.closed_on,
        amount=deal.final_amount,
        currency=deal.currency,
        tier_id=tier.pk if tier else None,
        tier_name=tier.name if tier else "",
        partner_type=organization.partner_type.code,
        region=organization.region.code,
        source=DealSource.VENDOR_LEAD if deal.source_lead_id else DealSource.PARTNER,
        lines=dict(deal.lines.values_list("product_line__code", "quantity")),
        submitter_certifications=certifications,
        enrolled_program_ids=frozenset(
            Enrollment.objects.filter(organization=organization, opted_in_at__lt=end).values_list(
                "program_id", flat=True
            )
        ),
    )


def _override_applies(override, facts: DealFacts) -> bool:
    return (
        (override.product_line is None or override.product_line in facts.lines)
        and (override.partner_type is None or override.partner_type == facts.partner_type)
        and (override.region is None or override.region == facts.region)
        and (not override.deal_source or override.deal_source == facts.source)
    )


def commission_accrual(rules: ProgramRules, facts: DealFacts) -> Accrual | None:
    """The first matching override's rate, else the tier's, else the default."""
    override = next((o for o in rules.overrides if _override_applies(o, facts)), None)
    if override is not None:
        rate, basis = override.rate, _("override")
    elif facts.tier_id in rules.tier_rates:
        rate, basis = rules.tier_rates[facts.tier_id], _("tier rate")
    else:
        rate, basis = rules.default_rate, _("default rate")
    if not rate:
        return None
    return Accrual(
        rules=rules,
        kind=LineKind.ACCRUAL,
        earned_on=facts.closed_on,
        base_amount=facts.amount,
        rate=rate,
        bonus=Decimal("0"),
        units=0,
        amount=round_money(facts.amount * rate / HUNDRED, facts.currency),
        currency=facts.currency,
        tier_name=facts.tier_name,
        basis=basis,
    )


def spiff_accrual(rules: ProgramRules, facts: DealFacts) -> Accrual | None:
    """A SPIFF pays when the close date is inside its window (both ends
    inclusive, compared as calendar dates: the date the partner closed the
    deal, whatever the time zone), on qualifying product lines, for a
    certified submitter and an opted-in partner where the program says so."""
    if rules.starts_on is None or rules.ends_on is None:
        return None
    if not rules.starts_on <= facts.closed_on <= rules.ends_on:
        return None
    qualifying = {
        code: quantity
        for code, quantity in facts.lines.items()
        if not rules.product_lines or code in rules.product_lines
    }
    if not qualifying:
        return None
    if rules.certifications and not rules.certifications & facts.submitter_certifications:
        return None
    if rules.requires_opt_in and rules.program_id not in facts.enrolled_program_ids:
        return None
    units = sum(qualifying.values())
    bonus = rules.bonus_per_deal + rules.bonus_per_unit * units
    if not bonus:
        return None
    return Accrual(
        rules=rules,
        kind=LineKind.ACCRUAL,
        earned_on=facts.closed_on,
        base_amount=Decimal("0"),
        rate=Decimal("0"),
        bonus=bonus,
        units=units,
        amount=round_money(bonus, rules.currency),
        currency=rules.currency,
        tier_name=facts.tier_name,
        basis=_("SPIFF"),
    )


CALCULATORS = {ProgramKind.COMMISSION: commission_accrual, ProgramKind.SPIFF: spiff_accrual}


def _write(line_fields: dict) -> LedgerLine | None:
    """Insert one line; None when its key exists (a concurrent computation wrote it)."""
    try:
        with transaction.atomic():
            return LedgerLine.objects.create(**line_fields)
    except IntegrityError:
        if LedgerLine.objects.filter(key=line_fields["key"]).exists():
            return None
        raise


def _standing_line(*, program_id: int, organization_id: int, subject: str) -> LedgerLine | None:
    """The subject's line in effect: the latest accrual or rebate not reversed."""
    return (
        LedgerLine.objects.filter(
            program_id=program_id,
            organization_id=organization_id,
            subject=subject,
            kind__in=(LineKind.ACCRUAL, LineKind.REBATE),
            reversed_by__isnull=True,
        )
        .order_by("-pk")
        .first()
    )


def _settle(
    *, organization_id: int, program_id: int, subject: str, desired: Accrual | None, deal=None, actor=None, note=""
) -> list[LedgerLine]:
    """Make the ledger say ``desired`` for this subject, writing only the difference."""
    standing = _standing_line(program_id=program_id, organization_id=organization_id, subject=subject)
    if standing is not None and desired is not None and desired.matches(standing):
        return []
    written = []
    if standing is not None:
        reversal = _write(
            {
                "organization_id": organization_id,
                "program_id": program_id,
                "rule_version_id": standing.rule_version_id,
                "deal_id": standing.deal_id,
                "subject": subject,
                "kind": LineKind.REVERSAL,
                "key": f"reversal:{standing.pk}",
                "reverses": standing,
                "earned_on": standing.earned_on,
                "tier_name": standing.tier_name,
                "basis": _("reverses line %(line)s") % {"line": standing.pk},
                "base_amount": -standing.base_amount,
                "rate": standing.rate,
                "bonus": -standing.bonus,
                "units": standing.units,
                "amount": -standing.amount,
                "currency": standing.currency,
                "note": note,
                "created_by": actor,
            }
        )
        written += [reversal] if reversal else []
    if desired is not None:
        sequence = LedgerLine.objects.filter(
            program_id=program_id, organization_id=organization_id, subject=subject, kind=desired.kind
        ).count()
        line = _write(
            {
                "organization_id": organization_id,
                "program_id": program_id,
                "rule_version": desired.rules.version,
                "deal": deal,
                "subject": subject,
                "kind": desired.kind,
                "key": f"{program_id}:{subject}:v{desired.rules.version.pk}:{sequence}",
                "earned_on": desired.earned_on,
                "tier_name": desired.tier_name,
                "basis": desired.basis,
                "base_amount": desired.base_amount,
                "rate": desired.rate,
                "bonus": desired.bonus,
                "units": desired.units,
                "amount": desired.amount,
                "currency": desired.currency,
                "note": note,
                "created_by": actor,
            }
        )
        written += [line] if line else []
    return written


def deal_subject(deal_id: int) -> str:
    return f"deal:{deal_id}"


@transaction.atomic
def deal_accruals_compute(*, deal_id: int) -> list[LedgerLine]:
    """Bring a deal's ledger lines in line with its outcome: accruals for a
    won deal under every commission and SPIFF program's rules in force at its
    close date; reversals for what is no longer due. Safe to run any number
    of times (the deal row is locked, and line keys are unique)."""
    deal = (
        DealRegistration.objects.select_for_update(of=("self",))
        .select_related("organization__partner_type", "organization__region", "organization__tier")
        .filter(pk=deal_id)
        .first()
    )
    if deal is None:
        return []
    desired: dict[int, Accrual] = {}
    if deal.status == DealStatus.WON and deal.closed_on and deal.final_amount:
        facts = _deal_facts(deal)
        for rules in rules_in_force(on=deal.closed_on, kinds=list(CALCULATORS)):
            if rules.active and (accrual := CALCULATORS[rules.kind](rules, facts)) is not None:
                desired[rules.program_id] = accrual
    subject = deal_subject(deal.pk)
    accrued = set(LedgerLine.objects.filter(deal=deal).values_list("program_id", flat=True))
    written = []
    for program_id in sorted(accrued | set(desired)):
        written += _settle(
            organization_id=deal.organization_id,
            program_id=program_id,
            subject=subject,
            desired=desired.get(program_id),
            deal=deal,
        )
    if deal.closed_on:
        written += _recompute_settled_rebates(organization=deal.organization, day=deal.closed_on)
    return written


def deals_closed_since(*, program_id: int, since: datetime.date):
    """Ids of the deals a rule change from ``since`` may affect: won deals
    closed since then, and deals holding lines of the program (maybe no
    longer won). Streamed, for programs with a long history."""
    won = DealRegistration.objects.filter(status=DealStatus.WON, closed_on__gte=since).values_list("pk", flat=True)
    yield from won.iterator(chunk_size=2000)
    accrued = LedgerLine.objects.filter(program_id=program_id, deal__isnull=False, earned_on__gte=since)
    yield from accrued.exclude(deal__status=DealStatus.WON).values_list("deal_id", flat=True).distinct().iterator()


def rebate_revenue(*, organization, currency: str, start: datetime.date, end: datetime.date) -> Decimal:
    """Won revenue in ``currency`` closed from ``start`` to ``end`` inclusive
    (other currencies are never converted and do not count)."""
    total = DealRegistration.objects.filter(
        organization=organization, status=DealStatus.WON, currency=currency, closed_on__gte=start, closed_on__lte=end
    ).aggregate(total=Sum("final_amount"))["total"]
    return total or Decimal("0")


def rebate_step_reached(rules: ProgramRules, revenue: Decimal):
    """The highest step whose threshold (inclusive) ``revenue`` reaches."""
    reached = [step for step in rules.rebate_steps if revenue >= step.threshold]
    return reached[-1] if reached else None


def rebate_accrual(rules: ProgramRules, *, revenue: Decimal, period_end: datetime.date) -> Accrual | None:
    """The step's rate applies to the whole period's revenue."""
    step = rebate_step_reached(rules, revenue)
    if step is None or not step.rate:
        return None
    return Accrual(
        rules=rules,
        kind=LineKind.REBATE,
        earned_on=period_end,
        base_amount=revenue,
        rate=step.rate,
        bonus=Decimal("0"),
        units=0,
        amount=round_money(revenue * step.rate / HUNDRED, rules.currency),
        currency=rules.currency,
        basis=_("step from %(threshold)s") % {"threshold": money(step.threshold, rules.currency, language="en")},
    )


def rebate_subject(period_end: datetime.date) -> str:
    return f"rebate:{period_end.isoformat()}"


def rebate_compute(*, organization: PartnerOrganization, rules: ProgramRules, period_end: datetime.date):
    """Settle one organization's rebate for the period ending ``period_end``
    (the rules given are those in force on that day)."""
    start, end = period_bounds(period_end, rules.rebate_period)
    revenue = rebate_revenue(organization=organization, currency=rules.currency, start=start, end=end)
    desired = rebate_accrual(rules, revenue=revenue, period_end=end) if rules.active else None
    return _settle(
        organization_id=organization.pk, program_id=rules.program_id, subject=rebate_subject(end), desired=desired
    )


@transaction.atomic
def rebates_compute(*, period_end: datetime.date) -> int:
    """At a period's end: every organization's rebate under each rebate
    program whose period ends that day. Returns the number of lines written."""
    written = 0
    for rules in rules_in_force(on=period_end, kinds=[ProgramKind.REBATE]):
        if period_bounds(period_end, rules.rebate_period)[1] != period_end:
            continue
        earners = PartnerOrganization.objects.filter(
            deal_registrations__status=DealStatus.WON,
            deal_registrations__closed_on__lte=period_end,
            deal_registrations__closed_on__gte=period_bounds(period_end, rules.rebate_period)[0],
        ).distinct()
        settled = PartnerOrganization.objects.filter(
            pk__in=LedgerLine.objects.filter(program_id=rules.program_id, subject=rebate_subject(period_end)).values(
                "organization_id"
            )
        )
        for organization in earners.union(settled):
            written += len(rebate_compute(organization=organization, rules=rules, period_end=period_end))
    return written


def _recompute_settled_rebates(*, organization: PartnerOrganization, day: datetime.date) -> list[LedgerLine]:
    """A deal corrected after its rebate period was settled changes that rebate."""
    written = []
    rebate_lines = LedgerLine.objects.filter(organization=organization, kind=LineKind.REBATE, earned_on__gte=day)
    for program_id, period_end in rebate_lines.values_list("program_id", "earned_on").distinct():
        found = rules_in_force(on=period_end, program_ids=[program_id])
        if found and period_bounds(day, found[0].rebate_period)[1] == period_end:
            written += rebate_compute(organization=organization, rules=found[0], period_end=period_end)
    return written

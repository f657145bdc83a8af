"""The accrual ledger: what a won deal (or a rebate period) earns, written as
immutable lines.

Rounding rule: each line's amount is rounded half-up to the currency's minor
unit (the cent; whole units for JPY/KRW) once, when the line is written;
totals are exact sums of rounded lines, so a statement always adds up.

Recomputation compares what the rules in force at the close date give with
the line standing for the same subject (deal or rebate period) and program:
identical → nothing is written; different → the standing line is reversed
and a new one written; nothing due any more (deal lost) → reversal only.

Deal changes reach this module through ``deals.outcomes`` with the
``DealEvent`` that recorded them. Every line written for that change points
at the event (actor, time, reason, before/after), and every ended rebate
period the deal was or now is in (its close date before and after the
correction) is settled again: rebates are tiered on the period's volume, so
moving a deal out of a period can drop that period below a step.

Rebate bases count won deals in every currency: a deal in another currency
is converted with the rate in force on its close date, and the conversion
(rate and its date) is kept on the rebate line. Without a rate, the rebate
waits (an ``AccrualHold`` tells finance why) instead of leaving the deal out.
When finance later changes a rate a standing rebate line converted with (an
edited value or first day, a new rate in force on a deal's close date, or a
deletion), that period's rebate is settled again the same way, each line
naming the rate change (who, when, the values before and after). An ended
period without a standing line (below the first step: no line records its
rates) is settled again when it holds wins in that currency closed on days
the changed rate governs, since the change may lift it to a step.
"""

import datetime
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from deals.models import DealEvent, DealRegistration, DealStatus
from programs.formats import amount_text, decimal_text, money, round_money
from programs.models import ExchangeRate, PartnerOrganization, PersonCertification, TierChange, TierChangeStatus
from programs.services.exchange import exchange_rate_on, money_convert

from ..models import (
    AccrualHold,
    DealSource,
    Enrollment,
    LedgerLine,
    LineKind,
    PayoutFrequency,
    ProgramKind,
    RuleVersion,
)
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
    conversions: tuple[dict, ...] = ()

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
            and line.conversions == list(self.conversions)
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


def correction_note(event: DealEvent | None) -> str:
    """What a line written because of ``event`` says about it (in the ledger's
    language, English, like the deal's audit trail): which deal event, and the
    reason given."""
    if event is None:
        return ""
    reason = (event.note or "").strip()
    text = f"Deal {event.deal_id}, event {event.pk} ({event.kind}, {event.at:%Y-%m-%d %H:%M %Z})"
    return f"{text}: {reason}" if reason else text


#: What identifies a rate's effect: its pair, value and first day.
RATE_VALUES = ("source_currency", "target_currency", "rate", "valid_from")


@dataclass(frozen=True)
class RateChange:
    """An exchange rate finance entered, edited or deleted, as the rebate
    lines it settles again record it: the pair, rate and first day after (and
    before, for an edit; the deleted rate's, for a deletion), who changed it
    and when. JSON-safe (a task argument)."""

    source_currency: str
    target_currency: str
    rate: str
    valid_from: str
    changed_at: str
    changed_by_id: int | None = None
    #: the stored values an edit replaced (empty for a new rate)
    previous: dict = field(default_factory=dict)
    #: the rate was deleted (``previous`` holds it, as the values it replaced)
    deleted: bool = False

    @classmethod
    def of(cls, *, rate, previous=None, user=None, deleted: bool = False) -> "RateChange":
        def values(exchange_rate) -> dict:
            return {
                "source_currency": exchange_rate.source_currency,
                "target_currency": exchange_rate.target_currency,
                "rate": decimal_text(exchange_rate.rate),
                "valid_from": exchange_rate.valid_from.isoformat(),
            }

        return cls(
            **values(rate),
            changed_at=timezone.now().isoformat(),
            changed_by_id=user.pk if user is not None and user.pk else None,
            previous=values(previous) if previous is not None else {},
            deleted=deleted,
        )

    @property
    def changes_nothing(self) -> bool:
        """An edit saved with the values it had: no conversion can change."""
        return not self.deleted and self.previous == {key: getattr(self, key) for key in RATE_VALUES}

    def pairs(self) -> dict[tuple[str, str], datetime.date]:
        """The currency pairs whose conversions may have changed (both, when
        an edit changed the pair), each with the first close date it may
        change: a rate applies from its first day on, before and after."""
        pairs = {}
        if not self.deleted:
            pairs[self.source_currency, self.target_currency] = datetime.date.fromisoformat(self.valid_from)
        if self.previous:
            pair = (self.previous["source_currency"], self.previous["target_currency"])
            since = datetime.date.fromisoformat(self.previous["valid_from"])
            pairs[pair] = min(since, pairs.get(pair, since))
        return pairs

    def record(self) -> dict:
        """What a line keeps (``LedgerLine.rate_change``)."""
        record = asdict(self)
        record.pop("changed_by_id")
        return record

    def note(self, actor) -> str:
        """The line's note, in the ledger's language (English) like ``correction_note``."""
        pair = f"{self.source_currency}→{self.target_currency}"
        after = f"{self.rate} from {self.valid_from}"
        if self.deleted:
            what = f"Exchange rate {pair} {after} deleted"
        elif self.previous:
            before = self.previous
            what = (
                f"Exchange rate {before['source_currency']}→{before['target_currency']} "
                f"{before['rate']} from {before['valid_from']} changed to {pair} {after}"
            )
        else:
            what = f"Exchange rate {pair} {after} entered"
        at = datetime.datetime.fromisoformat(self.changed_at)
        by = f" by {actor.get_username()}" if actor is not None else ""
        return f"{what}{by} ({timezone.localtime(at):%Y-%m-%d %H:%M %Z})"


def _settle(
    *,
    organization_id: int,
    program_id: int,
    subject: str,
    desired: Accrual | None,
    deal=None,
    event: DealEvent | None = None,
    rate_change: RateChange | None = None,
    actor=None,
) -> list[LedgerLine]:
    """Make the ledger say ``desired`` for this subject, writing only the
    difference; each line written names what caused it: ``event``'s actor
    and reason, or the exchange rate change ``actor`` made."""
    if event is not None:
        actor, note = event.actor, correction_note(event)
    else:
        note = rate_change.note(actor) if rate_change is not None else ""
    cause = rate_change.record() if rate_change is not None else {}
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
                "deal_event": event,
                "rate_change": cause,
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
                "conversions": list(desired.conversions),
                "note": note,
                "deal_event": event,
                "rate_change": cause,
                "created_by": actor,
            }
        )
        written += [line] if line else []
    return written


def deal_subject(deal_id: int) -> str:
    return f"deal:{deal_id}"


def _event_close_dates(event: DealEvent | None) -> set[datetime.date]:
    dates = set()
    for values in (event.before, event.after) if event is not None else ():
        if values.get("closed_on"):
            dates.add(datetime.date.fromisoformat(values["closed_on"]))
    return dates


@transaction.atomic
def deal_accruals_compute(*, deal_id: int, event_id: int | None = None) -> list[LedgerLine]:
    """Bring a deal's ledger lines in line with its outcome: accruals for a
    won deal under every commission and SPIFF program's rules in force at its
    close date; reversals for what is no longer due; then the rebates of every
    ended period the deal was or is in. ``event_id`` is the deal event that
    changed it (lines written name its actor and reason). Safe to run any
    number of times (the deal row is locked, and line keys are unique)."""
    deal = (
        DealRegistration.objects.select_for_update(of=("self",))
        .select_related("organization__partner_type", "organization__region", "organization__tier")
        .filter(pk=deal_id)
        .first()
    )
    if deal is None:
        return []
    event = DealEvent.objects.select_related("actor").filter(pk=event_id, deal=deal).first() if event_id else None
    desired: dict[int, Accrual] = {}
    if deal.status == DealStatus.WON and deal.closed_on and deal.final_amount:
        facts = _deal_facts(deal)
        for rules in rules_in_force(on=deal.closed_on, kinds=list(CALCULATORS)):
            if rules.active and (accrual := CALCULATORS[rules.kind](rules, facts)) is not None:
                desired[rules.program_id] = accrual
    subject = deal_subject(deal.pk)
    deal_lines = LedgerLine.objects.filter(deal=deal)
    accrued = set(deal_lines.values_list("program_id", flat=True))
    # Every close date the deal had: its lines' dates, and the event's before and after.
    close_dates = set(deal_lines.values_list("earned_on", flat=True)) | _event_close_dates(event)
    written = []
    for program_id in sorted(accrued | set(desired)):
        written += _settle(
            organization_id=deal.organization_id,
            program_id=program_id,
            subject=subject,
            desired=desired.get(program_id),
            deal=deal,
            event=event,
        )
    if deal.closed_on:
        close_dates.add(deal.closed_on)
    written += _recompute_ended_rebates(organization=deal.organization, days=close_dates, event=event)
    return written


def deals_closed_since(*, program_id: int, since: datetime.date):
    """Ids of the deals a rule change from ``since`` may affect: won deals
    closed since then, and deals holding lines of the program (maybe no
    longer won). Streamed, for programs with a long history."""
    won = DealRegistration.objects.filter(status=DealStatus.WON, closed_on__gte=since).values_list("pk", flat=True)
    yield from won.iterator(chunk_size=2000)
    accrued = LedgerLine.objects.filter(program_id=program_id, deal__isnull=False, earned_on__gte=since)
    yield from accrued.exclude(deal__status=DealStatus.WON).values_list("deal_id", flat=True).distinct().iterator()


@dataclass(frozen=True)
class MissingRate:
    deal_id: int
    company_name: str
    currency: str
    closed_on: datetime.date


@dataclass(frozen=True)
class RebateBase:
    """A period's won revenue in the rebate's currency: deals in that currency
    as they are, others converted (each conversion recorded); deals no rate
    converts are listed apart and not in ``revenue``."""

    revenue: Decimal
    conversions: tuple[dict, ...] = ()
    missing: tuple[MissingRate, ...] = ()


def rebate_base(*, organization, currency: str, start: datetime.date, end: datetime.date) -> RebateBase:
    """Won revenue closed from ``start`` to ``end`` inclusive, in ``currency``:
    summed in the database for deals in that currency; each deal in another
    currency converted with the rate in force on its close date, rounded
    half-up to ``currency``'s minor unit per deal."""
    won = DealRegistration.objects.filter(
        organization=organization,
        status=DealStatus.WON,
        closed_on__gte=start,
        closed_on__lte=end,
        final_amount__isnull=False,
    )
    revenue = won.filter(currency=currency).aggregate(total=Sum("final_amount"))["total"] or Decimal("0")
    conversions, missing = [], []
    foreign = won.exclude(currency=currency).order_by("closed_on", "pk")
    for deal_id, company_name, amount, deal_currency, closed_on in foreign.values_list(
        "pk", "company_name", "final_amount", "currency", "closed_on"
    ):
        conversion = money_convert(amount=amount, currency=deal_currency, target=currency, day=closed_on)
        if conversion is None:
            missing.append(MissingRate(deal_id, company_name, deal_currency, closed_on))
            continue
        revenue += conversion.amount
        conversions.append(
            {
                "deal": deal_id,
                "amount": amount_text(amount, deal_currency),
                "currency": deal_currency,
                "closed_on": closed_on.isoformat(),
                "rate": decimal_text(conversion.rate),
                "rate_valid_from": conversion.rate_date.isoformat(),
                "converted": amount_text(conversion.amount, currency),
            }
        )
    return RebateBase(revenue=revenue, conversions=tuple(conversions), missing=tuple(missing))


def rebate_revenue(*, organization, currency: str, start: datetime.date, end: datetime.date) -> Decimal:
    """The converted won revenue of the period (deals without a rate left out:
    callers that settle money use :func:`rebate_base` and wait for them)."""
    return rebate_base(organization=organization, currency=currency, start=start, end=end).revenue


def rebate_step_reached(rules: ProgramRules, revenue: Decimal):
    """The highest step whose threshold (inclusive) ``revenue`` reaches."""
    reached = [step for step in rules.rebate_steps if revenue >= step.threshold]
    return reached[-1] if reached else None


def rebate_accrual(
    rules: ProgramRules, *, revenue: Decimal, period_end: datetime.date, conversions: tuple[dict, ...] = ()
) -> Accrual | None:
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
        conversions=conversions,
    )


def rebate_subject(period_end: datetime.date) -> str:
    return f"rebate:{period_end.isoformat()}"


def _hold_reason(*, rules: ProgramRules, end: datetime.date, missing: MissingRate) -> str:
    return (
        f"The {rules.name} rebate for the period ending {end.isoformat()} waits: no exchange rate from "
        f"{missing.currency} to {rules.currency} is in force on {missing.closed_on.isoformat()}, the close date of "
        f"deal {missing.deal_id} ({missing.company_name}). Add the rate under Partner program → Exchange rates: "
        "the rebate is computed as soon as it is saved."
    )


def _hold(*, organization, rules: ProgramRules, subject: str, end: datetime.date, missing: MissingRate) -> None:
    now = timezone.now()
    waiting = {
        "earned_on": end,
        "deal_id": missing.deal_id,
        "source_currency": missing.currency,
        "target_currency": rules.currency,
        "rate_needed_on": missing.closed_on,
        "reason": _hold_reason(rules=rules, end=end, missing=missing),
        "checked_at": now,
        "resolved_at": None,
    }
    AccrualHold.objects.update_or_create(
        program_id=rules.program_id,
        organization=organization,
        subject=subject,
        defaults=waiting,
        create_defaults={**waiting, "created_at": now},
    )


def _lock_subject(*, program_id: int, organization_id: int, subject: str) -> None:
    """Serialize settlements of one rebate until the transaction ends: two
    deals of one partner computed at once by two workers would otherwise both
    reverse the same standing line."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            key = f"incentives:{program_id}:{organization_id}:{subject}"
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [key])


@transaction.atomic
def rebate_compute(
    *,
    organization: PartnerOrganization,
    rules: ProgramRules,
    period_end: datetime.date,
    event: DealEvent | None = None,
    rate_change: RateChange | None = None,
    actor=None,
) -> list[LedgerLine]:
    """Settle one organization's rebate for the period ending ``period_end``
    (the rules given are those in force on that day). While a won deal of the
    period has no exchange rate, nothing is written and the wait is recorded
    as an ``AccrualHold`` (a standing rebate line stays as it is). Lines
    written name their cause: the deal ``event``, or the ``rate_change``
    ``actor`` made."""
    start, end = period_bounds(period_end, rules.rebate_period)
    subject = rebate_subject(end)
    _lock_subject(program_id=rules.program_id, organization_id=organization.pk, subject=subject)
    desired = None
    if rules.active:
        base = rebate_base(organization=organization, currency=rules.currency, start=start, end=end)
        if base.missing:
            _hold(organization=organization, rules=rules, subject=subject, end=end, missing=base.missing[0])
            return []
        desired = rebate_accrual(rules, revenue=base.revenue, period_end=end, conversions=base.conversions)
    AccrualHold.objects.filter(
        program_id=rules.program_id, organization=organization, subject=subject, resolved_at__isnull=True
    ).update(resolved_at=timezone.now(), checked_at=timezone.now())
    return _settle(
        organization_id=organization.pk,
        program_id=rules.program_id,
        subject=subject,
        desired=desired,
        event=event,
        rate_change=rate_change,
        actor=actor,
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


def _recompute_ended_rebates(*, organization: PartnerOrganization, days, event=None) -> list[LedgerLine]:
    """Settle again the rebate of every ended period holding one of ``days``,
    under each rebate program whose rules in force at that period's end
    use that period length: a deal confirmed or corrected after its period
    closed (or moved out of it) changes that period's volume, so its step."""
    today = timezone.localdate()
    written = []
    period_ends = {period_bounds(day, frequency)[1] for day in days for frequency in PayoutFrequency.values}
    for period_end in sorted(end for end in period_ends if end < today):
        for rules in rules_in_force(on=period_end, kinds=[ProgramKind.REBATE]):
            if period_bounds(period_end, rules.rebate_period)[1] == period_end:
                written += rebate_compute(organization=organization, rules=rules, period_end=period_end, event=event)
    return written


def accrual_holds_waiting(
    *, source_currency: str = "", target_currency: str = "", rate_valid_from: datetime.date | None = None
):
    """The rebates still waiting: every one, or (given a rate's currencies and
    first day) those that rate can settle, the ones waiting for a rate of that
    pair on or after that day."""
    holds = AccrualHold.objects.filter(resolved_at__isnull=True)
    if source_currency:
        holds = holds.filter(source_currency=source_currency, target_currency=target_currency)
    if rate_valid_from is not None:
        holds = holds.filter(rate_needed_on__gte=rate_valid_from)
    return holds


def accrual_holds_retry(
    *,
    source_currency: str = "",
    target_currency: str = "",
    rate_valid_from: datetime.date | None = None,
    rate_change: RateChange | None = None,
    actor=None,
) -> int:
    """Try the waiting rebates (:func:`accrual_holds_waiting`) again; lines
    written name the ``rate_change`` ``actor`` made, when one prompted the
    retry. Returns the number of lines written."""
    holds = accrual_holds_waiting(
        source_currency=source_currency, target_currency=target_currency, rate_valid_from=rate_valid_from
    ).select_related("organization")
    written = 0
    for hold in holds:
        found = rules_in_force(on=hold.earned_on, program_ids=[hold.program_id])
        if not found:
            hold.delete()
            continue
        written += len(
            rebate_compute(
                organization=hold.organization,
                rules=found[0],
                period_end=hold.earned_on,
                rate_change=rate_change,
                actor=actor,
            )
        )
    return written


def rebates_outdated_by_rates(*, pairs: dict) -> list[tuple[int, int, datetime.date]]:
    """(program, organization, period end) of every standing rebate line of an
    ended period that converted a deal with a rate of one of ``pairs``
    ((source, target currency) → first close date concerned) which is no
    longer the rate in force on that deal's close date: its value or first
    day was edited, or a newer rate now applies, or none does. Empty when a
    rate change affects nothing."""
    today = timezone.localdate()
    in_force: dict[tuple[str, str, str], tuple[str, str] | None] = {}

    def rate_now(source: str, target: str, closed_on: str) -> tuple[Decimal, str] | None:
        if (source, target, closed_on) not in in_force:
            rate = exchange_rate_on(source=source, target=target, day=datetime.date.fromisoformat(closed_on))
            in_force[source, target, closed_on] = (rate.rate, rate.valid_from.isoformat()) if rate is not None else None
        return in_force[source, target, closed_on]

    outdated = set()
    for (source, target), since in sorted(pairs.items()):
        lines = LedgerLine.objects.filter(
            kind=LineKind.REBATE,
            reversed_by__isnull=True,
            currency=target,
            earned_on__gte=since,  # a period ends on or after its deals' close dates
            earned_on__lt=today,
            conversions__contains=[{"currency": source}],
        ).values_list("program_id", "organization_id", "earned_on", "conversions")
        for program_id, organization_id, earned_on, conversions in lines.iterator(chunk_size=500):
            if any(
                row["currency"] == source
                and row["closed_on"] >= since.isoformat()
                and rate_now(source, target, row["closed_on"]) != (Decimal(row["rate"]), row["rate_valid_from"])
                for row in conversions
            ):
                outdated.add((program_id, organization_id, earned_on))
    return sorted(outdated)


def _days_governed(change: RateChange) -> dict[tuple[str, str], list[tuple[datetime.date, datetime.date | None]]]:
    """Per currency pair, the close dates whose rate ``change`` may have
    changed: from the first day of the rate (as now stored, and as it was
    before an edit or deletion) up to the next rate of the pair (exclusive;
    None when no later rate exists)."""
    ranges: dict[tuple[str, str], list] = {}
    governing = [] if change.deleted else [(change.source_currency, change.target_currency, change.valid_from)]
    if change.previous:
        before = change.previous
        governing.append((before["source_currency"], before["target_currency"], before["valid_from"]))
    for source, target, valid_from in governing:
        start = datetime.date.fromisoformat(valid_from)
        following = (
            ExchangeRate.objects.filter(source_currency=source, target_currency=target, valid_from__gt=start)
            .order_by("valid_from")
            .values_list("valid_from", flat=True)
            .first()
        )
        ranges.setdefault((source, target), []).append((start, following))
    return ranges


def rebates_without_line_for_rates(*, change: RateChange) -> list[tuple[int, int, datetime.date]]:
    """(program, organization, period end) of every ended rebate period with
    no standing rebate line (its won revenue was below the first step, so no
    line records the rates it used) and not waiting for a rate, holding a won deal in a currency ``change``
    converts, closed on a day the changed rate governs (before or after),
    under a rebate program in the rate's target currency: the change may now
    lift it to a step. Bounded by the pair, its dates and ended periods."""
    today = timezone.localdate()
    period_ends: dict[tuple[str, datetime.date], set[int]] = {}
    for (source, target), ranges in _days_governed(change).items():
        governed = Q()
        for start, until in ranges:
            governed |= Q(closed_on__gte=start, closed_on__lt=until) if until else Q(closed_on__gte=start)
        deals = (
            DealRegistration.objects.filter(
                governed, status=DealStatus.WON, currency=source, final_amount__isnull=False, closed_on__lt=today
            )
            .values_list("organization_id", "closed_on")
            .distinct()
        )
        for organization_id, closed_on in deals.iterator(chunk_size=2000):
            for frequency in PayoutFrequency.values:
                end = period_bounds(closed_on, frequency)[1]
                if end < today:
                    period_ends.setdefault((target, end), set()).add(organization_id)
    candidates = set()
    for (target, end), organization_ids in sorted(period_ends.items()):
        for rules in rules_in_force(on=end, kinds=[ProgramKind.REBATE]):
            if rules.currency == target and period_bounds(end, rules.rebate_period)[1] == end:
                candidates |= {(rules.program_id, organization_id, end) for organization_id in organization_ids}
    if not candidates:
        return []
    concerned = {
        "program_id__in": {program_id for program_id, _organization, _end in candidates},
        "subject__in": {rebate_subject(end) for _program, _organization, end in candidates},
    }
    standing = LedgerLine.objects.filter(kind=LineKind.REBATE, reversed_by__isnull=True, **concerned)
    # A period waiting for a rate is settled by the retry of its hold (queued when a rate it needs is saved).
    waiting = AccrualHold.objects.filter(resolved_at__isnull=True, **concerned)
    settled_elsewhere = set(standing.values_list("program_id", "organization_id", "earned_on")) | set(
        waiting.values_list("program_id", "organization_id", "earned_on")
    )
    return sorted(candidates - settled_elsewhere)


def rate_change_may_concern_rebates(*, change: RateChange) -> bool:
    """What an exchange rate's save asks before queueing the settlement: one
    query on the (small) rule versions, whether any rebate program ever
    counted in a currency ``change`` converts to. The scan of ended periods
    (:func:`rebates_affected_by_rate_change`) runs on the worker, never in
    the admin request."""
    if change.changes_nothing:
        return False
    targets = {target for _source, target in change.pairs()}
    return RuleVersion.objects.filter(program__kind=ProgramKind.REBATE, rules__currency__in=targets).exists()


def rebates_affected_by_rate_change(*, change: RateChange) -> list[tuple[int, int, datetime.date]]:
    """The ended rebate periods ``change`` may settle differently: those whose
    line converted with a rate it replaced, and those without a line it may
    lift to a step. Empty when it changes nothing."""
    if change.changes_nothing:
        return []
    return sorted(
        set(rebates_outdated_by_rates(pairs=change.pairs())) | set(rebates_without_line_for_rates(change=change))
    )


@transaction.atomic
def rebates_resettle_for_rate_change(*, change: RateChange, actor=None) -> list[LedgerLine]:
    """Settle again every ended period's rebate ``change`` may settle
    differently (:func:`rebates_affected_by_rate_change`): reversing line and
    new line, never edits (lines already on an approved statement stay
    there; the new ones go on the next statement), a first line for a period
    the change lifts to a step, a hold when no rate is left; each line naming
    the change and ``actor`` (who made it). Running it again writes nothing:
    the lines written use the rates now in force."""
    written = []
    for program_id, organization_id, period_end in rebates_affected_by_rate_change(change=change):
        found = rules_in_force(on=period_end, program_ids=[program_id])
        if not found:
            continue
        written += rebate_compute(
            organization=PartnerOrganization.objects.get(pk=organization_id),
            rules=found[0],
            period_end=period_end,
            rate_change=change,
            actor=actor,
        )
    return written

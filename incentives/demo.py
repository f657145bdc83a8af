"""Demo incentives for ``seed_demo``: a commission plan, a SPIFF and a rebate,
won deals accrued through the real service, and statements in every state
(paid, approved, draft with an open dispute). Runs once: skipped when the
demo commission plan exists."""

import datetime
import uuid
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from wagtail.models import Locale

from deals.matching import normalize_company_name
from deals.models import DealProductLine, DealRegistration, DealStage, DealStatus
from programs.models import Membership, PartnerRole, ProductLine, Tier

from .models import CommissionOverride, CommissionTierRate, IncentiveProgram, ProgramKind, RebateStep
from .periods import period_bounds
from .services.accruals import deal_accruals_compute
from .services.disputes import dispute_open
from .services.rules import program_rules_record
from .services.statements import statement_approve, statement_mark_paid, statements_generate

COMMISSION_NAME = "Partner commission"


def _month_ends(today: datetime.date, count: int) -> list[datetime.date]:
    """The last ``count`` completed month ends, oldest first."""
    ends = []
    day = today.replace(day=1) - datetime.timedelta(days=1)
    for _ in range(count):
        ends.append(day)
        day = day.replace(day=1) - datetime.timedelta(days=1)
    return list(reversed(ends))


def _programs(today: datetime.date) -> None:
    since = today.replace(year=today.year - 1, month=1, day=1)
    commission = IncentiveProgram.objects.create(
        name=COMMISSION_NAME,
        kind=ProgramKind.COMMISSION,
        description="A share of every won deal, by tier.",
        currency="USD",
        default_rate=Decimal("2"),
        rules_effective_from=since,
    )
    for tier in Tier.objects.filter(locale=Locale.get_default(), retired=False):
        CommissionTierRate.objects.create(program=commission, tier=tier, rate=tier.commission_rate)
    backup = ProductLine.objects.filter(code="cloud-backup", locale=Locale.get_default()).first()
    if backup is not None:
        CommissionOverride.objects.create(program=commission, product_line=backup, rate=Decimal("15"))
    start, end = period_bounds(today, "quarterly")
    spiff = IncentiveProgram.objects.create(
        name="Cloud Backup SPIFF",
        kind=ProgramKind.SPIFF,
        description="A bonus for every won deal including Cloud Backup this quarter.",
        currency="USD",
        starts_on=start,
        ends_on=end,
        bonus_per_deal=Decimal("250"),
        requires_opt_in=True,
        rules_effective_from=since,
    )
    if backup is not None:
        spiff.product_lines.set([backup])
        spiff.save()
    rebate = IncentiveProgram.objects.create(
        name="Volume rebate",
        kind=ProgramKind.REBATE,
        description="2 % of the quarter's won revenue from 250,000, 3 % from 500,000.",
        currency="USD",
        rebate_period="quarterly",
        payout_frequency="quarterly",
        rules_effective_from=since,
    )
    RebateStep.objects.create(program=rebate, threshold=Decimal("250000"), rate=Decimal("2"))
    RebateStep.objects.create(program=rebate, threshold=Decimal("500000"), rate=Decimal("3"))
    for program in (commission, spiff, rebate):
        program_rules_record(program=program)


def _won_deal(organization, closed_on: datetime.date, amount: Decimal, product_line) -> DealRegistration:
    name = f"Demo customer {uuid.uuid4().hex[:6]}"
    deal = DealRegistration.objects.create(
        organization=organization,
        idempotency_key=f"demo-incentive-{uuid.uuid4().hex}",
        company_name=name,
        normalized_name=normalize_company_name(name),
        domain=f"{name.split()[-1]}.example",
        country=organization.country or "US",
        contact_name="Demo Contact",
        estimated_value=amount,
        currency="USD",
        expected_close_date=closed_on,
        stage=DealStage.WON,
        status=DealStatus.WON,
        final_amount=amount,
        closed_on=closed_on,
        submitted_at=timezone.now() - datetime.timedelta(days=120),
        approved_at=timezone.now() - datetime.timedelta(days=118),
    )
    if product_line is not None:
        DealProductLine.objects.create(deal=deal, product_line=product_line)
    deal_accruals_compute(deal_id=deal.pk)
    return deal


@transaction.atomic
def seed_incentives(*, organizations: list, stdout=None) -> None:
    """Programs, then three months of won deals per organization and their
    statements: the oldest paid, the next approved, the last a draft with an
    open dispute."""
    if IncentiveProgram.objects.filter(name=COMMISSION_NAME).exists():
        return
    today = timezone.localdate()
    _programs(today)
    product_line = ProductLine.objects.filter(locale=Locale.get_default()).order_by("pk").first()
    month_ends = _month_ends(today, 3)
    for number, organization in enumerate(organizations):
        for month_end in month_ends:
            for day in (3, 17):
                amount = Decimal(12_000 + 1_500 * number + 250 * day)
                _won_deal(organization, month_end.replace(day=day), amount, product_line)
    first = organizations[0] if organizations else None
    finance = next((m for m in Membership.objects.filter(organization=first) if m.has_role(PartnerRole.FINANCE)), None)
    for index, month_end in enumerate(month_ends):
        for statement in statements_generate(period_end=month_end):
            if index < 2:
                statement_approve(statement=statement, actor=None)
            if index == 0:
                statement_mark_paid(
                    statement=statement,
                    actor=None,
                    payment_reference=f"PAY-{statement.pk:05d}",
                    payment_date=month_end + datetime.timedelta(days=10),
                )
            if index == 2 and finance is not None and statement.organization_id == finance.organization_id:
                line = statement.lines.order_by("pk").first()
                dispute_open(line=line, user=finance.user, comment="This deal closed at a higher amount.")
    if stdout is not None:
        stdout.write("Incentive programs, accruals and statements ready.")

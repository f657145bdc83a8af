import datetime
import uuid
from decimal import Decimal

from incentives.models import CommissionOverride, CommissionTierRate, IncentiveProgram, RebateStep
from incentives.services.rules import program_rules_record
from tests.factories.deals import RoutingRuleFactory, confirmed_outcome, register_deal
from tests.factories.programs import ProductLineFactory

JAN_1 = datetime.date(2026, 1, 1)


def incentive_program(
    kind="commission",
    *,
    tier_rates=None,
    overrides=(),
    steps=(),
    product_lines=(),
    certifications=(),
    effective_from=JAN_1,
    actor=None,
    **fields,
):
    """A program saved and versioned as the admin does (rules in force from ``effective_from``)."""
    program = IncentiveProgram.objects.create(
        name=fields.pop("name", f"{kind.title()} program"), kind=kind, rules_effective_from=effective_from, **fields
    )
    for tier, rate in (tier_rates or {}).items():
        CommissionTierRate.objects.create(program=program, tier=tier, rate=Decimal(rate))
    for override in overrides:
        CommissionOverride.objects.create(program=program, **override)
    for threshold, rate in steps:
        RebateStep.objects.create(program=program, threshold=Decimal(threshold), rate=Decimal(rate))
    program.product_lines.set(product_lines)
    program.certifications.set(certifications)
    program.save()
    program_rules_record(program=program, actor=actor)
    return program


def won_deal(organization, *, amount, closed_on, currency="USD", product_lines=None, user=None, quantity=None):
    """A registration approved by an auto-approve rule, reported won by the
    partner and confirmed by channel ops (only confirmed wins accrue)."""
    from deals.models import RoutingRule
    from deals.services import deal_update_stage

    if not RoutingRule.objects.exists():
        RoutingRuleFactory()
    name = uuid.uuid4().hex[:10]
    deal = register_deal(
        organization,
        user,
        company_name=f"Customer {name}",
        domain=f"{name}.example",
        currency=currency,
        product_lines=product_lines or [ProductLineFactory()],
    )
    if quantity is not None:
        deal.lines.update(quantity=quantity)
    deal = deal_update_stage(deal=deal, actor=user, stage="won", final_amount=Decimal(amount), closed_on=closed_on)
    return confirmed_outcome(deal)


def statement_with_line(organization, *, amount="1000.00", currency="USD"):
    """A draft statement for March 2026 holding one 5 % commission line of ``organization``."""
    from incentives.models import IncentiveProgram
    from incentives.services.accruals import deal_accruals_compute
    from incentives.services.statements import statements_generate

    if not IncentiveProgram.objects.filter(name="Isolation commission").exists():
        incentive_program(name="Isolation commission", default_rate="5")
    deal = won_deal(organization, amount=amount, closed_on=datetime.date(2026, 3, 2), currency=currency)
    deal_accruals_compute(deal_id=deal.pk)
    statements_generate(period_end=datetime.date(2026, 3, 31))
    return organization_statement(organization)


def organization_statement(organization):
    from incentives.models import Statement

    return Statement.objects.get(organization=organization, period_end=datetime.date(2026, 3, 31))

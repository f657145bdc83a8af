"""Won deals feed tier evaluation (deals registers its figures with programs)."""

from decimal import Decimal

import pytest
from django.utils import timezone

from deals.services import deal_update_stage
from programs.services.tiers import tier_evaluate, tier_progress, tier_rules_record
from tests.factories import OrganizationFactory, PartnerUserFactory, TierFactory
from tests.factories.deals import RoutingRuleFactory, confirmed_outcome, register_deal

pytestmark = pytest.mark.django_db


def test_won_deals_count_towards_the_next_tier():
    registered = TierFactory(name="Registered", rank=1, requires_signed_agreement=False)
    silver = TierFactory(
        name="Silver", rank=2, min_won_revenue=Decimal("50000"), min_won_deals=2, requires_signed_agreement=False
    )
    for tier in (registered, silver):
        tier_rules_record(tier=tier)
    organization = OrganizationFactory(tier=registered)
    sales = PartnerUserFactory(organization=organization, roles=["sales"])
    RoutingRuleFactory()
    for number, amount in enumerate(("30000.00", "25000.00"), start=1):
        deal = register_deal(organization, sales, company_name=f"Customer {number}", domain=f"customer{number}.com")
        deal = deal_update_stage(
            deal=deal, actor=sales, stage="won", final_amount=Decimal(amount), closed_on=timezone.localdate()
        )
        confirmed_outcome(deal)
        if number == 1:
            assert tier_progress(organization=organization).missing == [
                "$20,000.00 more won revenue",
                "1 more won deal",
            ]

    change = tier_evaluate(organization=organization, reason="Deal won")

    assert change.to_tier == silver
    assert change.metrics["won_revenue"] == "55000.00"
    assert change.metrics["won_deals"] == 2

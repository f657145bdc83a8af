"""seed_demo's incentives: every statement state, reproducible totals."""

import pytest

from incentives.demo import seed_incentives
from incentives.models import Dispute, IncentiveProgram, LedgerLine, Statement, StatementStatus
from tests.factories import OrganizationFactory, PartnerUserFactory, TierFactory

pytestmark = pytest.mark.django_db


def test_the_demo_has_all_three_programs_and_statements_in_every_state():
    gold = TierFactory(name="Gold", commission_rate="12")
    first = OrganizationFactory(tier=gold)
    PartnerUserFactory(organization=first, roles=["finance"])
    organizations = [first, OrganizationFactory(tier=gold)]

    seed_incentives(organizations=organizations)
    seed_incentives(organizations=organizations)  # a second run adds nothing

    assert set(IncentiveProgram.objects.values_list("kind", flat=True)) == {"commission", "spiff", "rebate"}
    assert set(Statement.objects.values_list("status", flat=True)) == set(StatementStatus.values)
    assert Statement.objects.count() == 6
    assert LedgerLine.objects.filter(statement__isnull=True).count() == 0
    assert Dispute.objects.get().organization == first

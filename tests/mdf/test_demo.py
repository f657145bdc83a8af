"""seed_demo's MDF part: a program, allocations, and requests and claims in every state."""

import pytest

from mdf.demo import seed_bulk_requests, seed_mdf_demo
from mdf.models import Allocation, Claim, ClaimStatus, FundRequest, RequestStatus
from mdf.selectors import allocation_balance
from tests.factories import OrganizationFactory, PartnerUserFactory, TierFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_demo_has_every_state_and_is_seeded_once():
    UserFactory(username="admin", is_superuser=True)  # seed_demo's admin reviews when a partner has no CAM
    gold = TierFactory(name="Gold", rank=3)
    demo = OrganizationFactory(name="Northwind", tier=gold)
    PartnerUserFactory(organization=demo, roles=["marketing"])
    OrganizationFactory(tier=TierFactory(name="Silver", rank=2))
    program = seed_mdf_demo(demo_organization=demo)

    assert Allocation.objects.filter(program=program).count() == 2
    statuses = set(FundRequest.objects.filter(organization=demo).values_list("status", flat=True))
    assert statuses == {choice.value for choice in RequestStatus}
    assert set(Claim.objects.values_list("status", flat=True)) == {choice.value for choice in ClaimStatus}
    assert allocation_balance(allocation=Allocation.objects.get(organization=demo)).available >= 0
    assert seed_mdf_demo(demo_organization=demo) is None

    seed_bulk_requests(40)
    assert FundRequest.objects.count() == 40

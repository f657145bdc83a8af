"""MDF amounts in currencies without cents: whole yen (JPY) and thousandths
of a dinar (KWD, BHD). The reimbursement ceiling a partner is told, the
amounts stored and the figures sent to webhooks use each currency's minor unit."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from deals.models import DealStatus
from mdf.models import Allocation, AllocationMethod, FundRequest, MdfEvent
from mdf.selectors import allocation_balance
from mdf.services.claims import claim_submit
from mdf.webhooks import event_data
from tests.factories import OrganizationFactory, TierFactory, UserFactory
from tests.factories.deals import DealRegistrationFactory
from tests.factories.mdf import MdfProgramFactory, allocated, auto_approve_all, submit_request, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def partner_with(currency: str, amount: str):
    auto_approve_all()
    organization = OrganizationFactory()
    program = MdfProgramFactory(currency=currency, budget=Decimal("10000000"))
    allocated(organization, amount, program=program)
    return organization


def test_a_yen_ceiling_is_whole_yen_and_the_amount_shown_is_the_one_accepted():
    organization = partner_with("JPY", "100000")
    # 50 % of 1,001 yen is 500.5 yen: the partner may request 500, not 501.
    with pytest.raises(ValidationError) as error:
        submit_request(organization, planned_cost=Decimal("1001"), requested_amount=Decimal("501"))
    message = error.value.message_dict["requested_amount"][0]
    assert message == "At most 50% of the planned cost can be reimbursed: ¥500."
    assert not FundRequest.objects.exists()
    request = submit_request(organization, planned_cost=Decimal("1001"), requested_amount=Decimal("500"))
    request.refresh_from_db()
    assert request.committed_amount == Decimal("500")


def test_a_dinar_ceiling_keeps_the_third_decimal():
    organization = partner_with("KWD", "10000")
    # 50 % of 1,000.005 KWD is 500.0025: 500.002 may be requested (cents would have refused it).
    with pytest.raises(ValidationError) as error:
        submit_request(organization, planned_cost=Decimal("1000.005"), requested_amount=Decimal("500.003"))
    assert error.value.message_dict["requested_amount"][0] == (
        "At most 50% of the planned cost can be reimbursed: KWD\u00a0500.002."
    )
    request = submit_request(organization, planned_cost=Decimal("1000.005"), requested_amount=Decimal("500.002"))
    request.refresh_from_db()
    assert request.committed_amount == Decimal("500.002")
    assert allocation_balance(allocation=request.allocation).available == Decimal("9499.998")


def test_a_claim_ceiling_in_yen_and_in_bahraini_dinar():
    organization = partner_with("JPY", "100000")
    request = submit_request(organization, planned_cost=Decimal("3000"), requested_amount=Decimal("1500"))
    with pytest.raises(ValidationError) as error:
        claim_submit(
            request=request,
            submitted_by=None,
            actual_cost=Decimal("2999"),
            claimed_amount=Decimal("1500"),
            proofs=[upload()],
        )
    assert error.value.message_dict["claimed_amount"] == ["At most 50% of the actual cost can be reimbursed: ¥1,499."]
    claim = claim_submit(
        request=request,
        submitted_by=None,
        actual_cost=Decimal("2999"),
        claimed_amount=Decimal("1499"),
        proofs=[upload()],
    )
    assert claim.claimed_amount == Decimal("1499")

    bahrain = partner_with("BHD", "10000")
    request = submit_request(bahrain, planned_cost=Decimal("3000"), requested_amount=Decimal("1500"))
    claim = claim_submit(
        request=request,
        submitted_by=None,
        actual_cost=Decimal("2999.999"),
        claimed_amount=Decimal("1499.999"),  # 50 % is 1,499.9995; cents would have capped it at 1,499.99
        proofs=[upload()],
    )
    claim.refresh_from_db()
    assert claim.claimed_amount == Decimal("1499.999")


def test_webhooks_write_each_currencys_minor_digits():
    yen = submit_request(partner_with("JPY", "100000"), planned_cost=Decimal("3000"), requested_amount=Decimal("1500"))
    dinar = submit_request(
        partner_with("KWD", "10000"), planned_cost=Decimal("3000"), requested_amount=Decimal("1234.567")
    )
    yen_data = event_data(MdfEvent.objects.filter(request=yen).latest("pk"))["request"]
    dinar_data = event_data(MdfEvent.objects.filter(request=dinar).latest("pk"))["request"]
    assert (yen_data["requested_amount"], yen_data["approved_amount"]) == ("1500", "1500")
    assert (dinar_data["requested_amount"], dinar_data["approved_amount"]) == ("1234.567", "1234.567")


@pytest.mark.parametrize(
    ("currency", "percent", "expected"),
    [("JPY", "2.5", Decimal("3501")), ("KWD", "2.5", Decimal("3.501"))],
)
def test_generated_allocations_are_rounded_to_the_minor_unit(client, currency, percent, expected):
    tier = TierFactory(name=f"Gold {currency}", mdf_allocation_percent=Decimal(percent))
    program = MdfProgramFactory(allocation_method=AllocationMethod.REVENUE_PERCENT, currency=currency)
    partner = OrganizationFactory(tier=tier)
    closed_on = program.starts_on - datetime.timedelta(days=10)
    # JPY: 2.5 % of 140,020 yen = 3,500.5 → 3,501; KWD: 2.5 % of 140.020 = 3.5005 → 3.501 (cents gave 3.50)
    won = Decimal("140020") if currency == "JPY" else Decimal("140.020")
    DealRegistrationFactory(
        organization=partner,
        country="JP",
        estimated_value=won,
        currency=currency,
        expected_close_date=closed_on,
        status=DealStatus.WON,
        final_amount=won,
        closed_on=closed_on,
    )
    finance = UserFactory()
    finance.groups.add(Group.objects.get(name="Finance"))
    client.force_login(finance)
    client.post(reverse("mdf_admin_generate", args=[program.pk]))
    allocation = Allocation.objects.get(program=program, organization=partner)
    assert allocation_balance(allocation=allocation).allocated == expected
